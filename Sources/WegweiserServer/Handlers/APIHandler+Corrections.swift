import Casework
import Foundation
import Projections
import WegweiserAPI

extension APIHandler {
    func listCorrections(_ input: Operations.ListCorrections.Input) async throws -> Operations.ListCorrections.Output {
        let (items, next, version) = try await items(
            .correction,
            caseID: input.path.caseId,
            cursor: input.query.cursor,
            limit: input.query.limit,
            as: Components.Schemas.Correction.self
        )
        return .ok(.init(headers: .init(eTag: Self.etag(version)), body: .json(.init(items: items, nextCursor: next))))
    }

    func getCorrection(_ input: Operations.GetCorrection.Input) async throws -> Operations.GetCorrection.Output {
        let (item, version) = try await singleItem(
            .correction,
            caseID: input.path.caseId,
            itemID: input.path.correctionId,
            at: "#/path/correction_id",
            as: Components.Schemas.Correction.self
        )
        return .ok(.init(headers: .init(eTag: Self.etag(version)), body: .json(item)))
    }

    func createCorrection(_ input: Operations.CreateCorrection.Input) async throws -> Operations.CreateCorrection.Output {
        guard case .json(let body) = input.body else { throw Problem.badRequest("Expected a JSON body.") }
        let id = UUID()
        let (item, version) = try await createItem(
            .correction,
            caseID: input.path.caseId,
            itemID: id,
            ifMatch: input.headers.ifMatch,
            idempotency: try idempotencyKey(
                input.headers.idempotencyKey,
                operation: "createCorrection",
                target: input.path.caseId,
                body: body
            ),
            command: .correct(id: id, try Self.correction(body), reason: body.reason),
            as: Components.Schemas.Correction.self
        )
        return .created(
            .init(
                headers: .init(
                    eTag: Self.etag(version),
                    location: "/cases/\(input.path.caseId.lowercased())/corrections/\(item.id)"
                ),
                body: .json(item)
            )
        )
    }

    /// The domain's correction `body` asks for; 422 naming the member a fact needs and lacks,
    /// or has and must not.
    private static func correction(_ body: Components.Schemas.CorrectionInput) throws -> CaseFile.Correction {
        func missing(_ member: String) -> Problem {
            .unprocessable(
                "A correction of \(body.fact.rawValue) needs /\(member).",
                errors: [.init(pointer: "/\(member)", detail: "required for \(body.fact.rawValue)")]
            )
        }
        func unexpected(_ member: String) -> Problem {
            .unprocessable(
                "A correction of \(body.fact.rawValue) has no /\(member).",
                errors: [.init(pointer: "/\(member)", detail: "not for \(body.fact.rawValue)")]
            )
        }
        let item = try body.itemId.map { try Input.uuid($0, at: "/item_id") }
        let day = try body.day.map { try Input.date($0, at: "/day") }
        if body.fact != .observation, body.value != nil { throw unexpected("value") }
        switch body.fact {
        case .periodStart:
            guard item == nil else { throw unexpected("item_id") }
            guard let day else { throw missing("day") }
            return .periodStart(day)
        case .consultationHeldOn:
            guard let item else { throw missing("item_id") }
            guard let day else { throw missing("day") }
            return .consultationHeldOn(consultationID: item, day)
        case .goalAgreedOn:
            guard let item else { throw missing("item_id") }
            guard let day else { throw missing("day") }
            return .goalAgreedOn(goalID: item, day)
        case .observation:
            guard let item else { throw missing("item_id") }
            guard let day else { throw missing("day") }
            guard let value = body.value else { throw missing("value") }
            return .observation(observationID: item, value: try ObservationValue(value, at: "/value"), observedOn: day)
        case .observationWithdrawn:
            guard let item else { throw missing("item_id") }
            guard day == nil else { throw unexpected("day") }
            return .observationWithdrawn(observationID: item)
        }
    }
}
