import Casework
import Foundation
import OpenAPIRuntime
import Projections
import WegweiserAPI

extension APIHandler {
    func getMe(_ input: Operations.GetMe.Input) async throws -> Operations.GetMe.Output {
        let principal = try Principal.required()
        // The authenticator resolved the principal from exactly these records.
        guard let signIn = principal.signIn else { throw Problem.internalError() }
        let time = now()
        let held = signIn.grants.filter { $0.isActive(at: time) }
        try await accessLog.record(
            principal,
            staffMembers: held.map { ($0.grant.absentID, $0.grant.districtID) }
        )
        return .ok(
            .init(
                body: .json(
                    .init(
                        staffMember: .init(signIn.staff, today: CalendarDate(time)),
                        substitutions: held.map { .init($0, now: time) }
                    )
                )
            )
        )
    }

    func getDevelopmentJWKS(_ input: Operations.GetDevelopmentJWKS.Input) async throws -> Operations.GetDevelopmentJWKS.Output {
        guard let developmentSigner else {
            throw Problem.notFound("The development signer is off; tokens come from the identity provider.")
        }
        let document = try JSONWebKeySet.document(developmentSigner.verificationKeys)
        return .ok(.init(body: .json(try JSONDecoder().decode(Components.Schemas.Jwks.self, from: document))))
    }

    func listAccessLog(_ input: Operations.ListAccessLog.Input) async throws -> Operations.ListAccessLog.Output {
        let principal = try Principal.required()
        let page = try Input.page(cursor: input.query.cursor, limit: input.query.limit)
        let after = page.after?.number ?? 0
        let entries = try await accessLog.entries(
            districtID: principal.districtID,
            person: input.query.person,
            staffMemberID: try input.query.staffMemberId.map { try Input.uuid($0, at: "#/query/staff_member_id") },
            after: after,
            limit: page.limit + 1
        )
        let (items, next) = Input.paged(entries, limit: page.limit) { PageCursor(number: $0.position) }
        // The log is itself personal data: whose data was read, and what each reader did.
        let readers = items.map(\.record.staffMemberID).filter { $0 != principal.staffID }.map { "staff_member:\($0.apiString)" }
        try await accessLog.record(principal, persons: items.map(\.record.person) + readers, district: principal.districtID)
        return .ok(
            .init(
                body: .json(
                    .init(
                        items: items.map(Components.Schemas.AccessLogEntry.init),
                        nextCursor: next
                    )
                )
            )
        )
    }
}

extension Components.Schemas.AccessLogEntry {
    /// An entry as the API shows it.
    init(_ entry: AccessLog.Entry) {
        self.init(
            position: entry.position,
            accessedAt: entry.accessedAt,
            staffMemberId: entry.record.staffMemberID.apiString,
            role: .init(rawValue: entry.record.role) ?? .caseWorker,
            organisationId: entry.record.organisationID.apiString,
            person: entry.record.person,
            resource: entry.record.resource,
            purpose: entry.record.purpose,
            requestId: entry.record.requestID,
            correlationId: entry.record.correlationID
        )
    }
}
