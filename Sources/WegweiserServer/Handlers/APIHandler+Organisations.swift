import Casework
import Foundation
import Projections
import WegweiserAPI

extension APIHandler {
    func listOrganisations(_ input: Operations.ListOrganisations.Input) async throws -> Operations.ListOrganisations.Output {
        let principal = try Principal.required()
        let page = try Input.page(cursor: input.query.cursor, limit: input.query.limit)
        let entries = try await directory.list(
            .organisation,
            as: Organisation.Record.self,
            districtID: AccessPolicy.districtScope(principal, requested: input.query.districtId),
            after: page.after?.id.uuidString,
            limit: page.limit + 1
        )
        let (items, next) = Input.paged(entries, limit: page.limit, key: { PageCursor(idText: $0.id) })
        return .ok(.init(body: .json(.init(items: items.map { .init($0.state) }, nextCursor: next))))
    }

    func createOrganisation(_ input: Operations.CreateOrganisation.Input) async throws -> Operations.CreateOrganisation.Output {
        guard case .json(let body) = input.body else { throw Problem.badRequest("Expected a JSON body.") }
        let principal = try Principal.required()
        let districtID = body.districtId ?? principal.districtID
        guard AccessPolicy.mayManage(district: districtID, principal) else {
            throw Problem.notFound("No district \(districtID) here.")
        }
        _ = try await referenced(.district, id: districtID, as: District.Record.self, districtID: nil, at: "/district_id") {
            $0.active
        }
        let id = UUID()
        let (organisation, version) = try await execute(
            Organisation.self,
            kind: .organisation,
            id: id.uuidString,
            districtID: districtID,
            command: .register(id: id, districtID: districtID, name: body.name, kind: .init(body.kind))
        )
        return .created(
            .init(
                headers: .init(eTag: Self.etag(version), location: "/organisations/\(id.apiString)"),
                body: .json(.init(organisation))
            )
        )
    }

    func getOrganisation(_ input: Operations.GetOrganisation.Input) async throws -> Operations.GetOrganisation.Output {
        let entry = try await visibleOrganisation(input.path.organisationId, managing: false)
        return .ok(.init(headers: .init(eTag: Self.etag(entry.version)), body: .json(.init(entry.state))))
    }

    func replaceOrganisation(_ input: Operations.ReplaceOrganisation.Input) async throws -> Operations.ReplaceOrganisation.Output
    {
        guard case .json(let body) = input.body else { throw Problem.badRequest("Expected a JSON body.") }
        let entry = try await visibleOrganisation(input.path.organisationId, managing: true)
        let (organisation, version) = try await execute(
            Organisation.self,
            kind: .organisation,
            id: entry.id,
            districtID: entry.districtID,
            command: .change(name: body.name, kind: .init(body.kind)),
            ifMatch: input.headers.ifMatch
        )
        return .ok(.init(headers: .init(eTag: Self.etag(version)), body: .json(.init(organisation))))
    }

    func deactivateOrganisation(
        _ input: Operations.DeactivateOrganisation.Input
    ) async throws -> Operations.DeactivateOrganisation.Output {
        let entry = try await visibleOrganisation(input.path.organisationId, managing: true)
        let (organisation, version) = try await execute(
            Organisation.self,
            kind: .organisation,
            id: entry.id,
            districtID: entry.districtID,
            command: .deactivate,
            ifMatch: input.headers.ifMatch
        )
        return .ok(.init(headers: .init(eTag: Self.etag(version)), body: .json(.init(organisation))))
    }

    /// The organisation `id` if the caller sees it (and, with `managing`, may change it); else 404.
    private func visibleOrganisation(_ id: String, managing: Bool) async throws -> Directory.Entry<Organisation.Record> {
        let principal = try Principal.required()
        let id = try Input.uuid(id, at: "#/path/organisation_id")
        return try await visible(.organisation, id: id.uuidString, as: Organisation.Record.self) {
            managing
                ? AccessPolicy.mayManage(district: $0.districtID, principal)
                : AccessPolicy.maySee(district: $0.districtID, principal)
        }
    }
}

extension OrganisationKind {
    /// The domain form of a wire kind.
    init(_ kind: Components.Schemas.OrganisationKind) {
        self = OrganisationKind(rawValue: kind.rawValue) ?? .other
    }
}
