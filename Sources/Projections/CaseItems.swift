public import Casework
public import EventStore
public import Foundation
public import Logging
public import PostgresNIO

/// The parts of cases that front ends show (the hand-over, period extensions, assessments,
/// goals, plan reviews, the plan agreement, consultations, observations, consents), each as the API shows it, kept current in the
/// transaction that appends the case's events.
///
/// Free text stays sealed: each sealed part is stored as `{"subject", "sealed", "event_id"}`,
/// the event id being what its encryption is bound to; the reader opens it.
public struct CaseItems: Sendable {
    /// The kinds of item.
    public enum Kind: String, Sendable {
        /// The hand-over from preliminary accommodation (one per case).
        case handover
        /// An extension of the counselling period.
        case periodExtension = "extension"
        /// An assessment interview.
        case assessment
        /// A goal of the plan.
        case goal
        /// A plan review.
        case planReview = "plan_review"
        /// The client's agreement to the plan (one per case).
        case planAgreement = "plan_agreement"
        /// A consultation, with its referrals and their outcomes.
        case consultation
        /// An observation.
        case observation
        /// A consent.
        case consent
    }

    /// One item.
    public struct Item: Sendable {
        /// Its id.
        public var id: UUID
        /// The case version that created it.
        public var position: Int64
        /// The item as the API shows it, personal parts sealed.
        public var body: JSONValue
    }

    /// The pool.
    public let client: PostgresClient
    let logger: Logger

    /// The items over `client`.
    public init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    /// Applies one appended event of case `caseID` (its domain form, id, stored payload and
    /// the case version it made) on the connection that appended it.
    public func apply(
        _ event: CaseFile.Event,
        id eventID: UUID,
        payload: JSONValue,
        caseID: UUID,
        version: Int64,
        on connection: PostgresConnection
    ) async throws {
        let personal = Self.sealed(payload["personal"], eventID: eventID)
        switch event {
        case .opened(let opened) where opened.opening == .handover:
            let body = JSONValue.object(["opened_on": payload["opened_on"] ?? .null, "personal": personal])
            try await save(.handover, caseID: caseID, itemID: caseID, position: version, body: body, on: connection)
        case .periodExtended:
            let body = JSONValue.object([
                "id": .string(eventID.uuidString), "months": payload["months"] ?? .null, "decided_on": payload["on"] ?? .null,
                "personal": personal,
            ])
            try await save(.periodExtension, caseID: caseID, itemID: eventID, position: version, body: body, on: connection)
        case .assessmentRecorded:
            var body = payload["assessment"] ?? .object([:])
            body["id"] = .string(eventID.uuidString)
            body["personal"] = personal
            try await save(.assessment, caseID: caseID, itemID: eventID, position: version, body: body, on: connection)
        case .goalAgreed(let agreed):
            var body = payload["goal"] ?? .object([:])
            body["personal"] = personal
            try await save(.goal, caseID: caseID, itemID: agreed.goal.id, position: version, body: body, on: connection)
        case .goalRevised(let revised):
            guard let item = try await find(caseID: caseID, kind: .goal, itemID: revised.goal.id, on: connection) else { return }
            var body = payload["goal"] ?? .object([:])
            body["personal"] = personal
            body["status_reason"] = item.body["status_reason"]
            try await save(.goal, caseID: caseID, itemID: revised.goal.id, position: item.position, body: body, on: connection)
        case .goalStatusChanged(let changed):
            guard var item = try await find(caseID: caseID, kind: .goal, itemID: changed.goalID, on: connection) else { return }
            item.body["status"] = payload["status"]
            item.body["status_changed_on"] = payload["on"]
            item.body["status_reason"] = personal
            try await save(
                .goal,
                caseID: caseID,
                itemID: changed.goalID,
                position: item.position,
                body: item.body,
                on: connection
            )
        case .planReviewed:
            let body = JSONValue.object([
                "id": .string(eventID.uuidString), "reviewed_on": payload["on"] ?? .null, "personal": personal,
            ])
            try await save(.planReview, caseID: caseID, itemID: eventID, position: version, body: body, on: connection)
        case .planAgreed:
            try await save(.planAgreement, caseID: caseID, itemID: caseID, position: version, body: payload, on: connection)
        case .consultationLogged(let logged):
            var body = payload
            body["personal"] = personal
            try await save(.consultation, caseID: caseID, itemID: logged.id, position: version, body: body, on: connection)
        case .referralOutcomeRecorded(let recorded):
            guard var item = try await consultation(caseID: caseID, referralID: recorded.referralID, on: connection),
                case .array(var referrals)? = item.body["referrals"]
            else { return }
            for index in referrals.indices where referrals[index]["id"] == .string(recorded.referralID.uuidString) {
                referrals[index]["outcome"] = .object(["recorded_on": payload["on"] ?? .null, "personal": personal])
            }
            item.body["referrals"] = .array(referrals)
            try await save(
                .consultation,
                caseID: caseID,
                itemID: item.id,
                position: item.position,
                body: item.body,
                on: connection
            )
        case .observationRecorded(let observation):
            try await save(.observation, caseID: caseID, itemID: observation.id, position: version, body: payload, on: connection)
        case .consentGiven(let consent):
            try await save(.consent, caseID: caseID, itemID: consent.id, position: version, body: payload, on: connection)
        case .consentWithdrawn(let withdrawn):
            guard var item = try await find(caseID: caseID, kind: .consent, itemID: withdrawn.consentID, on: connection) else {
                return
            }
            item.body["withdrawn_at"] = payload["withdrawn_at"]
            try await save(
                .consent,
                caseID: caseID,
                itemID: withdrawn.consentID,
                position: item.position,
                body: item.body,
                on: connection
            )
        case .opened, .assigned, .followUpHousingStarted, .closed, .reopened:
            return
        }
    }

    /// Up to `limit` items of `kind` of the case, oldest first, after `position`.
    public func list(caseID: UUID, kind: Kind, after position: Int64, limit: Int) async throws -> [Item] {
        let rows = try await client.query(
            """
            SELECT item_id, position, body::text FROM case_items
            WHERE case_id = \(caseID) AND kind = \(kind.rawValue) AND position > \(position)
            ORDER BY position, item_id LIMIT \(limit)
            """,
            logger: logger
        )
        return try await Self.items(rows)
    }

    /// Up to `limit` consultations of the cases `caseIDs` (a client's), by day held, after the
    /// consultation `after` (its day and id).
    public func consultations(
        ofCases caseIDs: [UUID],
        after: (heldOn: String, id: UUID)?,
        limit: Int
    ) async throws -> [Item] {
        let rows = try await client.query(
            """
            SELECT item_id, position, body::text FROM case_items
            WHERE case_id = ANY(\(caseIDs)) AND kind = 'consultation'
              AND (\(after == nil) OR (body ->> 'held_on', item_id) > (\(after?.heldOn ?? ""), \(after?.id ?? UUID())))
            ORDER BY body ->> 'held_on', item_id LIMIT \(limit)
            """,
            logger: logger
        )
        return try await Self.items(rows)
    }

    /// The item `itemID` of `kind`, or `nil`.
    public func find(caseID: UUID, kind: Kind, itemID: UUID) async throws -> Item? {
        try await client.withConnection { try await find(caseID: caseID, kind: kind, itemID: itemID, on: $0) }
    }

    private func find(caseID: UUID, kind: Kind, itemID: UUID, on connection: PostgresConnection) async throws -> Item? {
        let rows = try await connection.query(
            """
            SELECT item_id, position, body::text FROM case_items
            WHERE case_id = \(caseID) AND kind = \(kind.rawValue) AND item_id = \(itemID)
            """,
            logger: logger
        )
        return try await Self.items(rows).first
    }

    /// The consultation that made `referralID`.
    public func consultation(caseID: UUID, referralID: UUID) async throws -> Item? {
        try await client.withConnection { try await consultation(caseID: caseID, referralID: referralID, on: $0) }
    }

    private func consultation(caseID: UUID, referralID: UUID, on connection: PostgresConnection) async throws -> Item? {
        let pattern = JSONValue.array([.object(["id": .string(referralID.uuidString)])]).jsonText()
        let rows = try await connection.query(
            """
            SELECT item_id, position, body::text FROM case_items
            WHERE case_id = \(caseID) AND kind = 'consultation' AND body -> 'referrals' @> \(pattern)::jsonb
            """,
            logger: logger
        )
        return try await Self.items(rows).first
    }

    private func save(
        _ kind: Kind,
        caseID: UUID,
        itemID: UUID,
        position: Int64,
        body: JSONValue,
        on connection: PostgresConnection
    ) async throws {
        try await connection.query(
            """
            INSERT INTO case_items (case_id, kind, item_id, position, body)
            VALUES (\(caseID), \(kind.rawValue), \(itemID), \(position), \(body.jsonText())::jsonb)
            ON CONFLICT (case_id, kind, item_id) DO UPDATE SET body = excluded.body
            """,
            logger: logger
        )
    }

    private static func items(_ rows: PostgresRowSequence) async throws -> [Item] {
        var items: [Item] = []
        for try await (id, position, body) in rows.decode((UUID, Int64, String).self) {
            items.append(Item(id: id, position: position, body: try JSONValue(jsonText: body)))
        }
        return items
    }

    /// A stored `personal` part with the event it is bound to, or `null` if there is none.
    private static func sealed(_ personal: JSONValue?, eventID: UUID) -> JSONValue {
        guard var personal, personal["sealed"] != nil else { return .null }
        personal["event_id"] = .string(eventID.uuidString)
        return personal
    }
}
