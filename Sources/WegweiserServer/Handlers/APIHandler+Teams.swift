import Casework
import Foundation
import Projections
import WegweiserAPI

extension APIHandler {
    func listTeams(_ input: Operations.ListTeams.Input) async throws -> Operations.ListTeams.Output {
        let principal = try Principal.required()
        let page = try Input.page(cursor: input.query.cursor, limit: input.query.limit)
        var conditions: [[Directory.Condition]] = []
        if let organisation = input.query.organisationId {
            let id = try Input.uuid(organisation, at: "#/query/organisation_id")
            conditions.append([.field(["organisation_id"], equals: id.uuidString)])
        }
        let entries = try await directory.list(
            .team,
            as: Team.Record.self,
            districtID: AccessPolicy.districtScope(principal, requested: input.query.districtId),
            where: conditions,
            after: page.after?.id.uuidString,
            limit: page.limit + 1
        )
        let (items, next) = Input.paged(entries, limit: page.limit, key: { PageCursor(idText: $0.id) })
        return .ok(.init(body: .json(.init(items: items.map { .init($0.state) }, nextCursor: next))))
    }

    func createTeam(_ input: Operations.CreateTeam.Input) async throws -> Operations.CreateTeam.Output {
        guard case .json(let body) = input.body else { throw Problem.badRequest("Expected a JSON body.") }
        let principal = try Principal.required()
        let organisation = try await managedOrganisation(body.organisationId, principal)
        let lead = try await lead(body.leadId, districtID: organisation.districtID)
        let id = UUID()
        let (team, version) = try await execute(
            Team.self,
            kind: .team,
            id: id.uuidString,
            districtID: organisation.districtID,
            command: .form(
                id: id,
                districtID: organisation.districtID,
                organisationID: organisation.state.id,
                name: body.name,
                leadID: lead
            )
        )
        return .created(
            .init(headers: .init(eTag: Self.etag(version), location: "/teams/\(id.apiString)"), body: .json(.init(team)))
        )
    }

    func getTeam(_ input: Operations.GetTeam.Input) async throws -> Operations.GetTeam.Output {
        let entry = try await visibleTeam(input.path.teamId, managing: false)
        return .ok(.init(headers: .init(eTag: Self.etag(entry.version)), body: .json(.init(entry.state))))
    }

    func replaceTeam(_ input: Operations.ReplaceTeam.Input) async throws -> Operations.ReplaceTeam.Output {
        guard case .json(let body) = input.body else { throw Problem.badRequest("Expected a JSON body.") }
        let entry = try await visibleTeam(input.path.teamId, managing: true)
        let lead = try await lead(body.leadId, districtID: entry.districtID)
        let (team, version) = try await execute(
            Team.self,
            kind: .team,
            id: entry.id,
            districtID: entry.districtID,
            command: .change(name: body.name, leadID: .some(lead)),
            ifMatch: input.headers.ifMatch
        )
        return .ok(.init(headers: .init(eTag: Self.etag(version)), body: .json(.init(team))))
    }

    func deactivateTeam(_ input: Operations.DeactivateTeam.Input) async throws -> Operations.DeactivateTeam.Output {
        let entry = try await visibleTeam(input.path.teamId, managing: true)
        let (team, version) = try await execute(
            Team.self,
            kind: .team,
            id: entry.id,
            districtID: entry.districtID,
            command: .deactivate,
            ifMatch: input.headers.ifMatch
        )
        return .ok(.init(headers: .init(eTag: Self.etag(version)), body: .json(.init(team))))
    }

    /// The team `id` if the caller sees it (and, with `managing`, may change it); else 404.
    private func visibleTeam(_ id: String, managing: Bool) async throws -> Directory.Entry<Team.Record> {
        let principal = try Principal.required()
        let id = try Input.uuid(id, at: "#/path/team_id")
        return try await visible(.team, id: id.uuidString, as: Team.Record.self) {
            managing
                ? AccessPolicy.mayManage(district: $0.districtID, principal)
                : AccessPolicy.maySee(district: $0.districtID, principal)
        }
    }

    /// The active organisation a request body names, in a district the caller manages.
    func managedOrganisation(_ id: String, _ principal: Principal) async throws -> Directory.Entry<Organisation.Record> {
        let id = try Input.uuid(id, at: "/organisation_id")
        let organisation = try await referenced(
            .organisation,
            id: id.uuidString,
            as: Organisation.Record.self,
            districtID: principal.role == .operator ? nil : principal.districtID,
            at: "/organisation_id"
        ) { $0.active }
        guard AccessPolicy.mayManage(district: organisation.districtID, principal) else {
            throw Problem.unprocessable(
                "/organisation_id names no active organisation of this district.",
                errors: [.init(pointer: "/organisation_id", detail: "no active organisation of this district")]
            )
        }
        return organisation
    }

    /// The team lead a request body names: an active staff member of the district.
    private func lead(_ id: String?, districtID: String) async throws -> UUID? {
        guard let id else { return nil }
        let lead = try Input.uuid(id, at: "/lead_id")
        _ = try await referenced(
            .staffMember,
            id: lead.uuidString,
            as: StaffMember.Record.self,
            districtID: districtID,
            at: "/lead_id"
        ) { $0.active }
        return lead
    }
}
