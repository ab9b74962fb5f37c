import Casework
import Projections
import WegweiserAPI

extension APIHandler {
    func listDistricts(_ input: Operations.ListDistricts.Input) async throws -> Operations.ListDistricts.Output {
        let principal = try Principal.required()
        let page = try Input.page(cursor: input.query.cursor, limit: input.query.limit)
        let entries = try await directory.list(
            .district,
            as: District.Record.self,
            districtID: AccessPolicy.districtScope(principal, requested: nil),
            after: page.after?.districtCode,
            limit: page.limit + 1
        )
        let (items, next) = Input.paged(entries, limit: page.limit, key: { PageCursor(districtCode: $0.id) })
        return .ok(.init(body: .json(.init(items: items.map { .init($0.state) }, nextCursor: next))))
    }

    func createDistrict(_ input: Operations.CreateDistrict.Input) async throws -> Operations.CreateDistrict.Output {
        guard case .json(let body) = input.body else { throw Problem.badRequest("Expected a JSON body.") }
        let (district, version) = try await execute(
            District.self,
            kind: .district,
            id: body.id,
            districtID: body.id,
            command: .register(id: body.id, name: body.name)
        )
        return .created(
            .init(headers: .init(eTag: Self.etag(version), location: "/districts/\(body.id)"), body: .json(.init(district)))
        )
    }

    func getDistrict(_ input: Operations.GetDistrict.Input) async throws -> Operations.GetDistrict.Output {
        let entry = try await visibleDistrict(input.path.districtId)
        return .ok(.init(headers: .init(eTag: Self.etag(entry.version)), body: .json(.init(entry.state))))
    }

    func replaceDistrict(_ input: Operations.ReplaceDistrict.Input) async throws -> Operations.ReplaceDistrict.Output {
        guard case .json(let body) = input.body else { throw Problem.badRequest("Expected a JSON body.") }
        let entry = try await visibleDistrict(input.path.districtId)
        let (district, version) = try await execute(
            District.self,
            kind: .district,
            id: entry.id,
            districtID: entry.districtID,
            command: .rename(name: body.name),
            ifMatch: input.headers.ifMatch
        )
        return .ok(.init(headers: .init(eTag: Self.etag(version)), body: .json(.init(district))))
    }

    func deactivateDistrict(_ input: Operations.DeactivateDistrict.Input) async throws -> Operations.DeactivateDistrict.Output {
        let entry = try await visibleDistrict(input.path.districtId)
        let (district, version) = try await execute(
            District.self,
            kind: .district,
            id: entry.id,
            districtID: entry.districtID,
            command: .deactivate,
            ifMatch: input.headers.ifMatch
        )
        return .ok(.init(headers: .init(eTag: Self.etag(version)), body: .json(.init(district))))
    }

    /// The district `id` if the caller sees it; else 404.
    private func visibleDistrict(_ id: String) async throws -> Directory.Entry<District.Record> {
        let principal = try Principal.required()
        return try await visible(.district, id: id, as: District.Record.self) { _ in
            AccessPolicy.maySee(district: id, principal)
        }
    }
}
