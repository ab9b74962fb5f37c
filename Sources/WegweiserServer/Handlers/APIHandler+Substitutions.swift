import Casework
import Foundation
import Projections
import WegweiserAPI

extension APIHandler {
    func listSubstitutions(_ input: Operations.ListSubstitutions.Input) async throws -> Operations.ListSubstitutions.Output {
        let principal = try Principal.required()
        let page = try Input.page(cursor: input.query.cursor, limit: input.query.limit)
        let entries = try await directory.list(
            .substitution,
            as: Substitution.Record.self,
            districtID: principal.districtID,
            where: AccessPolicy.substitutionScope(principal),
            after: page.after?.id.uuidString,
            limit: page.limit + 1
        )
        let (items, next) = Input.paged(entries, limit: page.limit, key: { PageCursor(idText: $0.id) })
        let time = now()
        let shown = items.map(\.state).filter { record in input.query.activeAt.map { record.isActive(at: $0) } ?? true }
        try await accessLog.record(
            principal,
            staffMembers: shown.map { ($0.grant.absentID, $0.grant.districtID) }
        )
        return .ok(.init(body: .json(.init(items: shown.map { .init($0, now: time) }, nextCursor: next))))
    }

    func createSubstitution(_ input: Operations.CreateSubstitution.Input) async throws -> Operations.CreateSubstitution.Output {
        guard case .json(let body) = input.body else { throw Problem.badRequest("Expected a JSON body.") }
        let principal = try Principal.required()
        let absent = try await referenced(
            .staffMember,
            id: try Input.uuid(body.absentId, at: "/absent_id").uuidString,
            as: StaffMember.Record.self,
            districtID: principal.districtID,
            at: "/absent_id"
        ) { AccessPolicy.mayGrantSubstitution(team: $0.profile.teamID, principal) }
        let substitute = try await referenced(
            .staffMember,
            id: try Input.uuid(body.substituteId, at: "/substitute_id").uuidString,
            as: StaffMember.Record.self,
            districtID: principal.districtID,
            at: "/substitute_id"
        ) { $0.active && [.caseWorker, .teamLead].contains($0.profile.role) }
        guard
            AccessPolicy.mayCover(
                absent: absent.state.profile,
                by: substitute.state.profile,
                acrossOrganisations: coverAcrossOrganisations
            )
        else {
            throw Problem.unprocessable(
                "Cover stays within the absent colleague's organisation unless access.cover.across.organisations is on.",
                errors: [.init(pointer: "/substitute_id", detail: "a staff member of another organisation")]
            )
        }
        let grant = Substitution.Grant(
            id: UUID(),
            districtID: principal.districtID,
            teamID: absent.state.profile.teamID ?? UUID(),
            absentID: absent.state.profile.id,
            substituteID: substitute.state.profile.id,
            from: body.from,
            until: body.until,
            reason: body.reason,
            grantedBy: principal.staffID
        )
        let time = now()
        let (record, version) = try await execute(
            Substitution.self,
            kind: .substitution,
            id: grant.id.uuidString,
            districtID: principal.districtID,
            command: .grant(grant, now: time)
        )
        try await accessLog.record(principal, staffMembers: [(grant.absentID, grant.districtID)])
        return .created(
            .init(
                headers: .init(eTag: Self.etag(version), location: "/substitutions/\(grant.id.apiString)"),
                body: .json(.init(record, now: time))
            )
        )
    }

    func getSubstitution(_ input: Operations.GetSubstitution.Input) async throws -> Operations.GetSubstitution.Output {
        let entry = try await visibleSubstitution(input.path.substitutionId, revoking: false)
        try await accessLog.record(
            try Principal.required(),
            staffMembers: [(entry.state.grant.absentID, entry.districtID)]
        )
        return .ok(.init(headers: .init(eTag: Self.etag(entry.version)), body: .json(.init(entry.state, now: now()))))
    }

    func revokeSubstitution(_ input: Operations.RevokeSubstitution.Input) async throws -> Operations.RevokeSubstitution.Output {
        let principal = try Principal.required()
        let entry = try await visibleSubstitution(input.path.substitutionId, revoking: true)
        let time = now()
        let (record, version) = try await execute(
            Substitution.self,
            kind: .substitution,
            id: entry.id,
            districtID: entry.districtID,
            command: .revoke(by: principal.staffID, now: time),
            ifMatch: input.headers.ifMatch
        )
        try await accessLog.record(principal, staffMembers: [(record.grant.absentID, record.grant.districtID)])
        return .ok(.init(headers: .init(eTag: Self.etag(version)), body: .json(.init(record, now: time))))
    }

    /// The grant `id` if the caller sees it (and, with `revoking`, may revoke it); else 404.
    private func visibleSubstitution(_ id: String, revoking: Bool) async throws -> Directory.Entry<Substitution.Record> {
        let principal = try Principal.required()
        let id = try Input.uuid(id, at: "#/path/substitution_id")
        return try await visible(.substitution, id: id.uuidString, as: Substitution.Record.self) {
            AccessPolicy.maySee($0, principal)
                && (!revoking || AccessPolicy.mayGrantSubstitution(team: $0.grant.teamID, principal))
        }
    }
}
