import Casework
import CommandHandling
import EventStore
import Foundation
import Projections
import WegweiserAPI

extension APIHandler {
    // MARK: The case worker's side

    func createHandoff(_ input: Operations.CreateHandoff.Input) async throws -> Operations.CreateHandoff.Output {
        guard case .json(let body) = input.body else { throw Problem.badRequest("Expected a JSON body.") }
        let idempotency = try idempotencyKey(
            input.headers.idempotencyKey,
            operation: "createHandoff",
            target: input.path.caseId,
            body: body
        )
        func answer(_ handoff: Components.Schemas.Handoff, version: Int64) -> Operations.CreateHandoff.Output {
            .created(.init(headers: .init(eTag: Self.etag(version), location: "/handoffs/\(handoff.id)"), body: .json(handoff)))
        }
        func replay(_ previous: String) async throws -> Operations.CreateHandoff.Output {
            let (row, principal) = try await visibleCase(input.path.caseId, for: .read)
            let id = try Input.uuid(previous, at: "#/header/Idempotency-Key")
            guard let found = try await caseItems.handoff(id), found.caseID == row.record.id else {
                throw Problem.notFound("No case \(row.record.id.apiString) here.")
            }
            try await accessLog.record(principal, persons: [Self.subject(ofClient: found.clientID)], district: found.districtID)
            return answer(try await shown(found), version: row.version)
        }
        if idempotency != nil { _ = try await visibleCase(input.path.caseId) }
        return try await idempotent(idempotency, replay: replay) {
            let (row, _) = try await visibleCase(input.path.caseId)
            let recipient = try await referenced(
                .organisation,
                id: try Input.uuid(body.recipientOrganisationId, at: "/recipient_organisation_id").uuidString,
                as: Organisation.Record.self,
                districtID: row.record.districtID,
                at: "/recipient_organisation_id"
            ) { $0.active && $0.kind == .jobcenter }
            let handoff = CaseFile.Handoff(
                id: UUID(),
                consentID: try Input.uuid(body.consentId, at: "/consent_id"),
                recipientOrganisationID: recipient.state.id,
                at: now(),
                package: try await profile(body.package, of: row.record.clientID)
            )
            let (_, version, outcome) = try await changeCase(row, ifMatch: input.headers.ifMatch, command: .handOff(handoff)) {
                [logger] _, connection in
                try await idempotency?.record(resourceID: handoff.id.uuidString, on: connection, logger: logger)
            }
            guard let event = outcome.decided.first as? CaseFile.Event, let stored = outcome.stored.first,
                let made = try CaseItemsProjection.newItem(
                    event,
                    eventID: stored.id,
                    caseID: row.record.id,
                    personal: try JSONValue(jsonText: String(decoding: event.payload(), as: UTF8.self))["personal"] ?? .null,
                    metadata: stored.metadata
                )
            else { throw Problem.internalError() }
            let consent = try await caseItems.find(caseID: row.record.id, kind: .consent, itemID: handoff.consentID)
            return answer(try Self.handoff(made.body, consent: consent?.body, now: now()), version: version)
        }
    }

    func listCaseHandoffs(_ input: Operations.ListCaseHandoffs.Input) async throws -> Operations.ListCaseHandoffs.Output {
        let (row, principal) = try await visibleCase(input.path.caseId, for: .read)
        let page = try Input.page(cursor: input.query.cursor, limit: input.query.limit)
        let found = try await caseItems.list(
            caseID: row.record.id,
            kind: .handoff,
            after: page.after?.number ?? 0,
            limit: page.limit + 1
        )
        let (items, next) = Input.paged(found, limit: page.limit) { PageCursor(number: $0.position) }
        let consents = try await caseItems.items(ofCases: [row.record.id], kind: .consent, limit: 1_000)
        let consentByID = Dictionary(consents.map { ($0.item.id, $0.item.body) }) { first, _ in first }
        try await accessLog.record(
            principal,
            persons: [Self.subject(ofClient: row.record.clientID)],
            district: row.record.districtID
        )
        let opened = try await openingSealedParts(items.map(\.body))
        let shown = try zip(items, opened).map { item, body in
            try Self.handoff(
                body,
                consent: consentByID[UUID(uuidString: item.body["consent_id"]?.string ?? "") ?? UUID()],
                now: now()
            )
        }
        return .ok(.init(headers: .init(eTag: Self.etag(row.version)), body: .json(.init(items: shown, nextCursor: next))))
    }

    // MARK: The Jobcenter's side, and one hand-off for either

    func listIncomingHandoffs(
        _ input: Operations.ListIncomingHandoffs.Input
    ) async throws -> Operations.ListIncomingHandoffs.Output {
        let principal = try Principal.required()
        let page = try Input.page(cursor: input.query.cursor, limit: input.query.limit)
        let after = page.after.map { (at: Date(timeIntervalSince1970: Double($0.number)).formatted(.iso8601), id: $0.id) }
        let found = try await caseItems.handoffs(to: principal.organisationID, after: after, limit: page.limit + 1)
            .filter { $0.districtID == principal.districtID }
        let (items, next) = Input.paged(found, limit: page.limit) { handoff in
            let at =
                handoff.item.body["at"]?.string.flatMap { try? Date.ISO8601FormatStyle().parse($0) }
                ?? Date(timeIntervalSince1970: 0)
            return PageCursor(number: Int64(at.timeIntervalSince1970), id: handoff.item.id)
        }
        for (district, handoffs) in Dictionary(grouping: items, by: \.districtID) {
            try await accessLog.record(
                principal,
                persons: handoffs.map { Self.subject(ofClient: $0.clientID) },
                district: district
            )
        }
        return .ok(.init(body: .json(.init(items: try await shown(items), nextCursor: next))))
    }

    func getHandoff(_ input: Operations.GetHandoff.Input) async throws -> Operations.GetHandoff.Output {
        let (handoff, principal) = try await visibleHandoff(input.path.handoffId)
        try await accessLog.record(principal, persons: [Self.subject(ofClient: handoff.clientID)], district: handoff.districtID)
        return .ok(.init(body: .json(try await shown(handoff))))
    }

    func acknowledgeHandoff(_ input: Operations.AcknowledgeHandoff.Input) async throws -> Operations.AcknowledgeHandoff.Output {
        let (handoff, principal) = try await visibleHandoff(input.path.handoffId)
        guard let row = try await casebook.caseRow(handoff.caseID) else { throw Problem.internalError() }
        _ = try await changeCase(
            row,
            ifMatch: nil,
            command: .acknowledgeHandoff(handoffID: handoff.item.id, organisationID: principal.organisationID, at: now())
        )
        guard let acknowledged = try await caseItems.handoff(handoff.item.id) else { throw Problem.internalError() }
        return .ok(.init(body: .json(try await shown(acknowledged))))
    }

    /// The hand-off `id` (a path parameter) if the caller may see it now: the Jobcenter
    /// organisation it went to, or a case worker or team lead who may read its case; 404 for
    /// everyone else.
    private func visibleHandoff(_ id: String) async throws -> (CaseItems.Handoff, Principal) {
        let principal = try Principal.required()
        let handoffID = try Input.uuid(id, at: "#/path/handoff_id")
        let missing = Problem.notFound("No hand-off \(handoffID.apiString) here.")
        guard let handoff = try await caseItems.handoff(handoffID), handoff.districtID == principal.districtID else {
            throw missing
        }
        if principal.role == .jobcenter {
            guard handoff.item.body["recipient_organisation_id"]?.string?.lowercased() == principal.organisationID.apiString
            else { throw missing }
        } else {
            do {
                _ = try await visibleCase(handoff.caseID.apiString, for: .read)
            } catch let problem as Problem where problem.status == 404 {
                throw missing
            }
        }
        return (handoff, principal)
    }

    /// `handoff` opened and shaped as the API shows it. The Jobcenter reads the package only
    /// while its consent holds: after a withdrawal or expiry each read would be a new disclosure.
    private func shown(_ handoff: CaseItems.Handoff) async throws -> Components.Schemas.Handoff {
        try await shown([handoff])[0]
    }

    /// `handoffs` shown as a single one is, their keys fetched in one round trip.
    private func shown(_ handoffs: [CaseItems.Handoff]) async throws -> [Components.Schemas.Handoff] {
        let bodies = try await openingSealedParts(handoffs.map(\.item.body))
        return try zip(handoffs, bodies).map { handoff, body in
            var shown = try Self.handoff(body, consent: handoff.consent, now: now())
            if Principal.current?.role == .jobcenter, !shown.consent.inForce { shown.package = nil }
            return shown
        }
    }

    /// The package the request asks for: its parts as sent, and the client's name and date of
    /// birth from their record if `identity` is asked for.
    private func profile(
        _ input: Components.Schemas.LabourMarketProfileInput,
        of clientID: UUID
    ) async throws -> CaseFile.LabourMarketProfile {
        var identity: CaseFile.Identity?
        if input.identity == true {
            guard let row = try await casebook.client(clientID), let (profile, erased) = try await openedProfiles([row]).first
            else { throw Problem.internalError() }
            guard !erased, let personal = profile.personal else {
                throw Problem.conflict("The client's personal data was erased; nothing new is recorded about them.")
            }
            identity = CaseFile.Identity(
                givenName: personal.givenName,
                familyName: personal.familyName,
                dateOfBirth: personal.dateOfBirth
            )
        }
        return CaseFile.LabourMarketProfile(
            identity: identity,
            schooling: input.schooling,
            vocationalQualification: input.vocationalQualification,
            recognition: input.recognition,
            germanLevel: input.germanLevel,
            courseAttendance: input.courseAttendance,
            workExperience: input.workExperience,
            occupationalGoal: input.occupationalGoal,
            competences: input.competences
        )
    }

    /// The hand-off item `body` (personal part opened) with its consent item `consent`, as the
    /// API shows it at `now`.
    static func handoff(_ body: JSONValue, consent: JSONValue?, now: Date) throws -> Components.Schemas.Handoff {
        var shown = body
        shown["package"] = body["personal"]
        shown["personal"] = nil
        shown["made_by"] = body["recorded_by"]
        shown["recorded_by"] = nil
        shown["consent_id"] = nil
        var status: [String: JSONValue] = ["id": body["consent_id"] ?? .null]
        if let consent {
            let stored = try consent.lowercasingUUIDs.decoded(as: Components.Schemas.Consent.self)
            let inForce =
                stored.givenAt <= now && stored.validUntil.map { now < $0 } != false
                && stored.withdrawnAt.map { now < $0 } != false
            status["given_at"] = consent["given_at"]
            status["valid_until"] = consent["valid_until"]
            status["withdrawn_at"] = consent["withdrawn_at"]
            status["in_force"] = .bool(inForce)
        } else {
            status["given_at"] = body["at"]
            status["in_force"] = .bool(false)
        }
        shown["consent"] = .object(status)
        return try shown.lowercasingUUIDs.decoded(as: Components.Schemas.Handoff.self)
    }
}

extension CaseFile.HandoffRefusal {
    /// The answer: a problem whose `type` names the reason.
    var problem: Problem {
        switch self {
        case .noSuchConsent:
            Problem(
                slug: "consent-missing",
                title: "No consent",
                status: 422,
                detail: "The case has no consent with this id.",
                errors: [.init(pointer: "/consent_id", detail: "no such consent in this case")]
            )
        case .wrongPurpose(let purpose):
            Problem(
                slug: "consent-purpose",
                title: "Consent for another purpose",
                status: 422,
                detail: "The consent is for \(purpose.rawValue), not for jobcenter_handoff.",
                errors: [.init(pointer: "/consent_id", detail: "not a jobcenter_handoff consent")]
            )
        case .notYetGiven(let at):
            Problem(
                slug: "consent-not-yet-given",
                title: "Consent not yet given",
                status: 409,
                detail: "The consent holds only from \(at.formatted(.iso8601))."
            )
        case .expired(let at):
            Problem(
                slug: "consent-expired",
                title: "Consent expired",
                status: 409,
                detail: "The consent expired at \(at.formatted(.iso8601))."
            )
        case .withdrawn(let at):
            Problem(
                slug: "consent-withdrawn",
                title: "Consent withdrawn",
                status: 409,
                detail: "The client withdrew the consent at \(at.formatted(.iso8601)); nothing more is handed off under it."
            )
        case .otherRecipient:
            Problem(
                slug: "consent-recipient",
                title: "Consent for another recipient",
                status: 422,
                detail: "The consent does not name this Jobcenter organisation as its recipient.",
                errors: [.init(pointer: "/recipient_organisation_id", detail: "not the consent's recipient")]
            )
        case .categoryNotCovered(let category, let field):
            Problem(
                slug: "consent-category",
                title: "Category not covered by the consent",
                status: 422,
                detail: "The consent does not cover \(category.rawValue).",
                errors: [.init(pointer: "/\(field)", detail: "\(category.rawValue) is not covered by the consent")]
            )
        }
    }
}
