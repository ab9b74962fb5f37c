import Casework
import CommandHandling
import EventStore
import Foundation
import PostgresNIO
import Projections
import WegweiserAPI

extension APIHandler {
    func listTransfers(_ input: Operations.ListTransfers.Input) async throws -> Operations.ListTransfers.Output {
        let (items, next, version) = try await items(
            .transfer,
            caseID: input.path.caseId,
            cursor: input.query.cursor,
            limit: input.query.limit,
            as: Components.Schemas.Transfer.self
        )
        return .ok(.init(headers: .init(eTag: Self.etag(version)), body: .json(.init(items: items, nextCursor: next))))
    }

    func getTransfer(_ input: Operations.GetTransfer.Input) async throws -> Operations.GetTransfer.Output {
        let (item, version) = try await singleItem(
            .transfer,
            caseID: input.path.caseId,
            itemID: input.path.transferId,
            at: "#/path/transfer_id",
            as: Components.Schemas.Transfer.self
        )
        return .ok(.init(headers: .init(eTag: Self.etag(version)), body: .json(item)))
    }

    /// Hands the open case to a case worker of another team or organisation. A retry with the
    /// same `Idempotency-Key` answers the transfer it made (without its personal part), although
    /// the caller, as the giving side, may no longer read the case.
    func createTransfer(_ input: Operations.CreateTransfer.Input) async throws -> Operations.CreateTransfer.Output {
        guard case .json(let body) = input.body else { throw Problem.badRequest("Expected a JSON body.") }
        let principal = try Principal.required()
        let idempotency = try idempotencyKey(
            input.headers.idempotencyKey,
            operation: "createTransfer",
            target: input.path.caseId,
            body: body
        )
        let caseID = try Input.uuid(input.path.caseId, at: "#/path/case_id")
        func answer(_ transfer: Components.Schemas.Transfer, version: Int64) -> Operations.CreateTransfer.Output {
            .created(
                .init(
                    headers: .init(
                        eTag: Self.etag(version),
                        location: "/cases/\(caseID.apiString)/transfers/\(transfer.id)"
                    ),
                    body: .json(transfer)
                )
            )
        }
        /// A retry answers the transfer as it was recorded, with the case's version right after
        /// it, but without its personal part: the caller, as the giving side, may no longer
        /// read the case, and a retry must not become a way to.
        func replay(_ previous: String) async throws -> Operations.CreateTransfer.Output {
            let id = try Input.uuid(previous, at: "#/header/Idempotency-Key")
            guard let item = try await caseItems.find(caseID: caseID, kind: .transfer, itemID: id) else {
                throw Problem.notFound("No case \(caseID.apiString) here.")
            }
            var body = item.body
            body["personal"] = nil
            return answer(try body.lowercasingUUIDs.decoded(as: Components.Schemas.Transfer.self), version: item.position)
        }
        return try await idempotent(idempotency, replay: replay) {
            let row = try await transferableCase(caseID, principal)
            let receiver = try await receiver(of: body, district: row.record.districtID)
            let (transfer, version) = try await transfer(row, body, to: receiver, ifMatch: input.headers.ifMatch) {
                [logger] id, connection in
                try await idempotency?.record(resourceID: id.uuidString, on: connection, logger: logger)
            }
            return answer(transfer, version: version)
        }
    }

    /// The worker a transfer of a case of `districtID` goes to: `body`'s `to_assignee_id`, an
    /// active case worker or team lead of the district (422 otherwise).
    func receiver(
        of body: Components.Schemas.TransferInput,
        district districtID: String
    ) async throws
        -> Directory.Entry<StaffMember.Record>
    {
        let today = CalendarDate(now())
        return try await referenced(
            .staffMember,
            id: try Input.uuid(body.toAssigneeId, at: "/to_assignee_id").uuidString,
            as: StaffMember.Record.self,
            districtID: districtID,
            at: "/to_assignee_id"
        ) { AccessPolicy.mayReceiveTransfer($0, district: districtID, on: today) }
    }

    /// Hands the open case `row`, which the caller may hand over, to `receiver` as `body` says;
    /// `alsoRecord` commits with the transfer (given its id). Answers the transfer and the
    /// case's new version.
    func transfer(
        _ row: Casebook.CaseRow,
        _ body: Components.Schemas.TransferInput,
        to receiver: Directory.Entry<StaffMember.Record>,
        ifMatch: String?,
        alsoRecord: @escaping @Sendable (UUID, PostgresConnection) async throws -> Void = { _, _ in }
    ) async throws -> (transfer: Components.Schemas.Transfer, version: Int64) {
        let giver = try await directory.find(.staffMember, id: row.record.assigneeID.uuidString, as: StaffMember.Record.self)
        let transfer = CaseFile.Transfer(
            id: UUID(),
            toAssigneeID: receiver.state.profile.id,
            fromOrganisationID: giver?.state.profile.organisationID,
            toOrganisationID: receiver.state.profile.organisationID,
            on: try Input.date(body.transferredOn, at: "/transferred_on"),
            note: body.note,
            documents: body.documents ?? []
        )
        let (record, version, outcome) = try await changeCase(row, ifMatch: ifMatch, command: .transfer(transfer)) {
            _,
            connection in try await alsoRecord(transfer.id, connection)
        }
        return (try Self.madeItem(.transfer, by: outcome, in: record, as: Components.Schemas.Transfer.self), version)
    }

    /// The case `id` if `principal` may hand it over: 404 when they may neither hand it over
    /// nor read it, 403 when they may read it but not hand it over.
    private func transferableCase(_ id: UUID, _ principal: Principal) async throws -> Casebook.CaseRow {
        guard let row = try await casebook.caseRow(id), let seat = try await seats(of: [row]).first else {
            throw Problem.notFound("No case \(id.apiString) here.")
        }
        guard AccessPolicy.mayTransfer(seat, district: row.record.districtID, principal) else {
            guard AccessPolicy.access(to: seat, district: row.record.districtID, principal, now: now()) == .none else {
                throw Problem.forbidden(
                    "Only the lead of the assignee's team, or an administrator of the district, hands a case over."
                )
            }
            throw Problem.notFound("No case \(id.apiString) here.")
        }
        return row
    }
}
