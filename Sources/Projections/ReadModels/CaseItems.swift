import Casework
public import EventStore
public import Foundation
public import Logging
public import PostgresNIO

/// The parts of cases that front ends show (the hand-over, transfers, period extensions, assessments,
/// goals, plan reviews, the plan agreement, consultations, observations, consents), each as the
/// API shows it, kept by ``CaseItemsProjection`` in the transaction that appends the case's
/// events.
///
/// Items withdrawn by a correction (`"withdrawn": true`) are left out of listings; their
/// single read still answers them, marked.
///
/// Free text stays sealed: each sealed part is stored as `{"subject", "sealed", "event_id"}`,
/// the event id being what its encryption is bound to; the reader opens it.
public struct CaseItems: Sendable {
    /// The kinds of item.
    public enum Kind: String, Sendable {
        /// The hand-over from preliminary accommodation (one per case).
        case handover
        /// A hand-over of the open case to another team or organisation.
        case transfer
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
        /// A correction of a fact recorded earlier.
        case correction
        /// A hand-off of labour-market data to the Jobcenter.
        case handoff
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

    /// Up to `limit` items of `kind` of the case, oldest first, after `position`.
    public func list(caseID: UUID, kind: Kind, after position: Int64, limit: Int) async throws -> [Item] {
        let rows = try await client.guardedQuery(
            """
            SELECT item_id, position, body::text FROM case_items
            WHERE case_id = \(caseID) AND kind = \(kind.rawValue) AND position > \(position) AND NOT body ? 'withdrawn'
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
        let rows = try await client.guardedQuery(
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

    /// Every item of `kind` of the cases `caseIDs` (a client's), by case and position; at most
    /// `limit`.
    public func items(ofCases caseIDs: [UUID], kind: Kind, limit: Int) async throws -> [(caseID: UUID, item: Item)] {
        let rows = try await client.guardedQuery(
            """
            SELECT case_id, item_id, position, body::text FROM case_items
            WHERE case_id = ANY(\(caseIDs)) AND kind = \(kind.rawValue) AND NOT body ? 'withdrawn'
            ORDER BY case_id, position LIMIT \(limit)
            """,
            logger: logger
        )
        var found: [(caseID: UUID, item: Item)] = []
        for try await (caseID, id, position, body) in rows.decode((UUID, UUID, Int64, String).self) {
            found.append((caseID, Item(id: id, position: position, body: try JSONValue(jsonText: body))))
        }
        return found
    }

    /// A hand-off as the Jobcenter reads it: the item, its case, and the consent item it was made
    /// under (its validity and withdrawal as they stand now).
    public struct Handoff: Sendable {
        /// The case.
        public var caseID: UUID
        /// The case's client.
        public var clientID: UUID
        /// The case's district.
        public var districtID: String
        /// The hand-off item.
        public var item: Item
        /// The consent item.
        public var consent: JSONValue?
    }

    /// Up to `limit` hand-offs to the organisation `recipientID`, newest first, after the
    /// hand-off `after` (its time and id).
    public func handoffs(to recipientID: UUID, after: (at: String, id: UUID)?, limit: Int) async throws -> [Handoff] {
        let rows = try await client.guardedQuery(
            """
            SELECT h.case_id, k.client_id, k.district_id, h.item_id, h.position, h.body::text, c.body::text
            FROM case_items h JOIN cases k ON k.id = h.case_id
            LEFT JOIN case_items c ON c.case_id = h.case_id AND c.kind = 'consent'
                AND c.item_id = (h.body ->> 'consent_id')::uuid
            WHERE h.kind = 'handoff' AND h.body ->> 'recipient_organisation_id' = \(recipientID.uuidString)
              AND (\(after == nil) OR (h.body ->> 'at', h.item_id) < (\(after?.at ?? ""), \(after?.id ?? UUID())))
            ORDER BY h.body ->> 'at' DESC, h.item_id DESC LIMIT \(limit)
            """,
            logger: logger
        )
        return try await Self.handoffs(rows)
    }

    /// The hand-off `id`, or `nil`.
    public func handoff(_ id: UUID) async throws -> Handoff? {
        let rows = try await client.guardedQuery(
            """
            SELECT h.case_id, k.client_id, k.district_id, h.item_id, h.position, h.body::text, c.body::text
            FROM case_items h JOIN cases k ON k.id = h.case_id
            LEFT JOIN case_items c ON c.case_id = h.case_id AND c.kind = 'consent'
                AND c.item_id = (h.body ->> 'consent_id')::uuid
            WHERE h.kind = 'handoff' AND h.item_id = \(id)
            """,
            logger: logger
        )
        return try await Self.handoffs(rows).first
    }

    private static func handoffs(_ rows: GuardedRows) async throws -> [Handoff] {
        var found: [Handoff] = []
        let columns = (UUID, UUID, String, UUID, Int64, String, String?).self
        for try await (caseID, clientID, districtID, id, position, body, consent) in rows.decode(columns) {
            found.append(
                Handoff(
                    caseID: caseID,
                    clientID: clientID,
                    districtID: districtID,
                    item: Item(id: id, position: position, body: try JSONValue(jsonText: body)),
                    consent: try consent.map { try JSONValue(jsonText: $0) }
                )
            )
        }
        return found
    }

    /// Every item of every kind of the cases `caseIDs` (a client's), by case, kind and
    /// position, withdrawn ones included; at most `limit`.
    public func allItems(ofCases caseIDs: [UUID], limit: Int) async throws -> [(caseID: UUID, kind: String, item: Item)] {
        let rows = try await client.guardedQuery(
            """
            SELECT case_id, kind, item_id, position, body::text FROM case_items
            WHERE case_id = ANY(\(caseIDs)) ORDER BY case_id, kind, position LIMIT \(limit)
            """,
            logger: logger
        )
        var found: [(caseID: UUID, kind: String, item: Item)] = []
        for try await (caseID, kind, id, position, body) in rows.decode((UUID, String, UUID, Int64, String).self) {
            found.append((caseID, kind, Item(id: id, position: position, body: try JSONValue(jsonText: body))))
        }
        return found
    }

    /// The item `itemID` of `kind`, or `nil`.
    public func find(caseID: UUID, kind: Kind, itemID: UUID) async throws -> Item? {
        try await client.withGuardedConnection { connection in
            try await Self.find(
                caseID: caseID,
                kind: kind,
                itemID: itemID,
                in: ProjectionContext(connection: connection, logger: logger)
            )
        }
    }

    /// ``find(caseID:kind:itemID:)`` in `context`'s transaction.
    static func find(caseID: UUID, kind: Kind, itemID: UUID, in context: ProjectionContext) async throws -> Item? {
        let rows = try await context.connection.query(
            """
            SELECT item_id, position, body::text FROM case_items
            WHERE case_id = \(caseID) AND kind = \(kind.rawValue) AND item_id = \(itemID)
            """,
            logger: context.logger
        )
        return try await Self.items(try await GuardedRows(rows)).first
    }

    /// The consultation that made `referralID`.
    public func consultation(caseID: UUID, referralID: UUID) async throws -> Item? {
        try await client.withGuardedConnection { connection in
            try await Self.consultation(
                caseID: caseID,
                referralID: referralID,
                in: ProjectionContext(connection: connection, logger: logger)
            )
        }
    }

    /// ``consultation(caseID:referralID:)`` in `context`'s transaction.
    static func consultation(caseID: UUID, referralID: UUID, in context: ProjectionContext) async throws -> Item? {
        let pattern = JSONValue.array([.object(["id": .string(referralID.uuidString)])]).jsonText()
        let rows = try await context.connection.query(
            """
            SELECT item_id, position, body::text FROM case_items
            WHERE case_id = \(caseID) AND kind = 'consultation' AND body -> 'referrals' @> \(pattern)::jsonb
            """,
            logger: context.logger
        )
        return try await Self.items(try await GuardedRows(rows)).first
    }

    /// An item to store: a new one, or a changed one at its old position.
    struct Stored: Sendable {
        /// Its kind.
        var kind: Kind
        /// Its case.
        var caseID: UUID
        /// The item.
        var item: Item
    }

    /// Stores `items` in one statement (each item once: the statement cannot change a row twice).
    static func save(_ items: [Stored], in context: ProjectionContext) async throws {
        guard !items.isEmpty else { return }
        try await context.connection.query(
            """
            INSERT INTO case_items (case_id, kind, item_id, position, body)
            SELECT * FROM unnest(\(items.map(\.caseID))::uuid[], \(items.map(\.kind.rawValue))::text[],
                                 \(items.map(\.item.id))::uuid[], \(items.map(\.item.position))::bigint[],
                                 \(items.map { $0.item.body.jsonText() })::text[]::jsonb[])
            ON CONFLICT (case_id, kind, item_id) DO UPDATE SET body = excluded.body
            """,
            logger: context.logger
        )
    }

    private static func items(_ rows: GuardedRows) async throws -> [Item] {
        var items: [Item] = []
        for try await (id, position, body) in rows.decode((UUID, Int64, String).self) {
            items.append(Item(id: id, position: position, body: try JSONValue(jsonText: body)))
        }
        return items
    }
}
