import Casework
import CommandHandling
import EventStore
import Foundation
import Projections
import WegweiserAPI

extension APIHandler {
    func createErasureRequest(
        _ input: Operations.CreateErasureRequest.Input
    ) async throws -> Operations.CreateErasureRequest.Output {
        guard case .json(let body) = input.body else { throw Problem.badRequest("Expected a JSON body.") }
        let principal = try Principal.required()
        let clientID: UUID
        if principal.role == .dataProtectionOfficer {
            clientID = try Input.uuid(input.path.clientId, at: "#/path/client_id")
            guard let row = try await casebook.client(clientID), row.districtID == principal.districtID else {
                throw Problem.notFound("No client \(clientID.apiString) here.")
            }
        } else {
            clientID = try await visibleClientRow(input.path.clientId, for: .read).0.id
        }
        let request = Erasure.Request(
            id: UUID(),
            districtID: principal.districtID,
            clientID: clientID,
            reason: body.reason,
            requestedBy: Self.actor(principal),
            requestedAt: now()
        )
        let outcome = try await writing("erasure request") { try await erasures.request(request, metadata: .currentRequest()) }
        guard let record = outcome.state else { throw Problem.internalError() }
        return .created(.init(headers: .init(location: "/erasure-requests/\(request.id.apiString)"), body: .json(.init(record))))
    }

    func listErasureRequests(_ input: Operations.ListErasureRequests.Input) async throws -> Operations.ListErasureRequests.Output
    {
        let principal = try Principal.required()
        let page = try Input.page(cursor: input.query.cursor, limit: input.query.limit)
        let entries = try await directory.list(
            .erasure,
            as: Erasure.Record.self,
            districtID: principal.districtID,
            after: page.after?.id.uuidString,
            limit: page.limit + 1
        )
        let (items, next) = Input.paged(entries, limit: page.limit, key: { PageCursor(idText: $0.id) })
        return .ok(.init(body: .json(.init(items: items.map { .init($0.state) }, nextCursor: next))))
    }

    func confirmErasureRequest(
        _ input: Operations.ConfirmErasureRequest.Input
    ) async throws -> Operations.ConfirmErasureRequest.Output {
        let principal = try Principal.required()
        let id = try Input.uuid(input.path.erasureRequestId, at: "#/path/erasure_request_id")
        guard let entry = try await directory.find(.erasure, id: id.uuidString, as: Erasure.Record.self),
            entry.districtID == principal.districtID
        else { throw Problem.notFound("No erasure request \(id.apiString) here.") }
        let outcome = try await writing("erasure request") {
            try await erasures.confirm(
                id,
                districtID: principal.districtID,
                by: Self.actor(principal),
                at: now(),
                metadata: .currentRequest()
            )
        }
        guard let record = outcome.state else { throw Problem.internalError() }
        return .ok(.init(body: .json(.init(record))))
    }

    /// The actor events name for `principal`.
    static func actor(_ principal: Principal) -> String {
        "staff_member:\(principal.staffID.apiString)"
    }
}

extension Components.Schemas.ErasureRequest {
    /// A request as the API shows it.
    init(_ record: Erasure.Record) {
        self.init(
            id: record.request.id.apiString,
            clientId: record.request.clientID.apiString,
            reason: record.request.reason,
            requestedBy: record.request.requestedBy,
            requestedAt: record.request.requestedAt,
            status: record.isConfirmed ? .erased : .requested,
            confirmedBy: record.confirmedBy,
            confirmedAt: record.confirmedAt
        )
    }
}

extension Erasure.Rejection: ProblemConvertible {
    var problem: Problem {
        switch self {
        case .alreadyRequested: .conflict("The request exists already.")
        case .notFound: .notFound("No such erasure request.")
        case .alreadyConfirmed: .conflict("The request was confirmed before: the person is erased.")
        case .sameActor: .conflict("Four eyes: someone other than the requester confirms an erasure.")
        case .invalid(let field, let reason):
            .unprocessable("\(field) \(reason).", errors: [.init(pointer: "/\(field)", detail: reason)])
        }
    }
}

extension APIHandler {
    func getClientExport(_ input: Operations.GetClientExport.Input) async throws -> Operations.GetClientExport.Output {
        let principal = try Principal.required()
        let clientID = try Input.uuid(input.path.clientId, at: "#/path/client_id")
        guard let row = try await casebook.client(clientID), row.districtID == principal.districtID,
            let (profile, erased) = try await openedProfiles([row]).first
        else { throw Problem.notFound("No client \(clientID.apiString) here.") }
        let person = Self.subject(ofClient: clientID)
        let cases = try await casebook.cases(ofClient: clientID)
        let items = try await caseItems.allItems(ofCases: cases.map(\.record.id), limit: 100_000)
        let opened = try await openingSealedParts(items.map(\.item.body))
        var shownItems: Components.Schemas.ClientExport.ItemsPayload = []
        var handoffs: [Components.Schemas.Handoff] = []
        let consents = Dictionary(
            items.filter { $0.kind == CaseItems.Kind.consent.rawValue }.map { ($0.item.id, $0.item.body) }
        ) { first, _ in first }
        for (item, body) in zip(items, opened) {
            var shown = body.lowercasingUUIDs
            shown["case_id"] = .string(item.caseID.apiString)
            shown["kind"] = .string(item.kind)
            shownItems.append(try shown.decoded(as: Components.Schemas.ClientExport.ItemsPayloadPayload.self))
            if item.kind == CaseItems.Kind.handoff.rawValue {
                let consent = body["consent_id"]?.string.flatMap(UUID.init(uuidString:)).flatMap { consents[$0] }
                handoffs.append(try Self.handoff(body, consent: consent, now: now()))
            }
        }
        let erasureRequests = try await directory.list(
            .erasure,
            as: Erasure.Record.self,
            districtID: principal.districtID,
            limit: 10_000
        )
        .map(\.state).filter { $0.request.clientID == clientID }
        let accessed = try await accessLog.entries(
            districtID: principal.districtID,
            person: person,
            staffMemberID: nil,
            after: 0,
            limit: 100_000
        )
        try await accessLog.record(principal, persons: [person], district: principal.districtID)
        let today = CalendarDate(now())
        return .ok(
            .init(
                body: .json(
                    .init(
                        exportedAt: now(),
                        client: .init(profile, erased: erased),
                        cases: cases.map { .init($0.record, today: today) },
                        items: shownItems,
                        handoffs: handoffs,
                        accessLog: accessed.map(Components.Schemas.AccessLogEntry.init),
                        erasureRequests: erasureRequests.map(Components.Schemas.ErasureRequest.init)
                    )
                )
            )
        )
    }
}
