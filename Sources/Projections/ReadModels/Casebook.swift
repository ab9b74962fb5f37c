public import Casework
public import EventStore
public import Foundation
public import Logging
public import PostgresNIO

/// The read models of casework: each client (base data in the clear, personal data still
/// sealed) and each case (its folded state, assignee and whether it is closed), written
/// in the same transaction as their events; listings such as a caseload read them instead of
/// folding streams.
public struct Casebook: Sendable {
    /// A client as stored: the profile with its personal part sealed, and the event that
    /// sealed it.
    public struct ClientRow: Sendable {
        /// The client's id.
        public var id: UUID
        /// The district.
        public var districtID: String
        /// Who registered the client.
        public var registeredBy: UUID
        /// The event the sealed part is bound to.
        public var sealedIn: UUID
        /// The stream version: the `ETag`.
        public var version: Int64
        /// The stored profile (`personal` sealed).
        public var profile: JSONValue
    }

    /// A case as stored.
    public struct CaseRow: Sendable {
        /// The case's state.
        public var record: CaseFile.Record
        /// The stream version: the `ETag`.
        public var version: Int64
        /// When its closure was recorded, while it is closed.
        public var closedAt: Date?
    }

    /// The pool.
    public let client: PostgresClient
    let logger: Logger

    /// A casebook over `client`.
    public init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    /// Stores a client's profile as stored in its latest event; `registeredBy` is given with the
    /// registration and kept afterwards.
    static func saveClient(
        id: UUID,
        districtID: String,
        registeredBy: UUID?,
        sealedIn: UUID,
        version: Int64,
        profile: JSONValue,
        in context: ProjectionContext
    ) async throws {
        guard let registeredBy else {
            try await context.connection.query(
                """
                UPDATE clients SET sealed_in = \(sealedIn), version = \(version), profile = \(profile.jsonText())::jsonb,
                                   updated_at = now()
                WHERE id = \(id)
                """,
                logger: context.logger
            )
            return
        }
        try await context.connection.query(
            """
            INSERT INTO clients (id, district_id, registered_by, sealed_in, version, profile)
            VALUES (\(id), \(districtID), \(registeredBy), \(sealedIn), \(version), \(profile.jsonText())::jsonb)
            ON CONFLICT (id) DO UPDATE
            SET registered_by = excluded.registered_by, sealed_in = excluded.sealed_in, version = excluded.version,
                profile = excluded.profile, updated_at = now()
            """,
            logger: context.logger
        )
    }

    /// The stored client `id`, locked for the rest of the transaction of `connection`; `nil`
    /// before they are registered.
    public func lockedClient(_ id: UUID, on connection: PostgresConnection) async throws -> ClientRow? {
        let rows = try await connection.query(
            "SELECT \(unescaped: Self.clientColumns) FROM clients WHERE id = \(id) FOR UPDATE",
            logger: logger
        )
        return try await Self.clientRows(try await GuardedRows(rows)).first
    }

    /// The stored state and version of case `id`, locked for the rest of the transaction of
    /// `connection`; `nil` before it is opened. A write decides on this instead of folding the
    /// case's whole stream, so it costs the same on day 1 and in year 3.
    public func lockedCase(
        _ id: UUID,
        on connection: PostgresConnection
    ) async throws -> (state: CaseFile.Record, version: Int64)? {
        try await Self.lockedCase(id, in: ProjectionContext(connection: connection, logger: logger))
    }

    private static func lockedCase(
        _ id: UUID,
        in context: ProjectionContext
    ) async throws -> (state: CaseFile.Record, version: Int64)? {
        try await lockedCases([id], in: context)[id]
    }

    /// The stored states and versions of the cases `ids` that exist, locked for the rest of the
    /// transaction (in the order of their ids, as every writer locks them).
    static func lockedCases(
        _ ids: [UUID],
        in context: ProjectionContext
    ) async throws -> [UUID: (state: CaseFile.Record, version: Int64)] {
        guard !ids.isEmpty else { return [:] }
        let rows = try await context.connection.query(
            "SELECT id, state::text, version FROM cases WHERE id = ANY(\(ids)) ORDER BY id FOR UPDATE",
            logger: context.logger
        )
        var found: [UUID: (state: CaseFile.Record, version: Int64)] = [:]
        for try await (id, state, version) in rows.decode((UUID, String, Int64).self) {
            found[id] = (try EventCoding.decode(Data(state.utf8)), version)
        }
        return found
    }

    /// The client `id`, or `nil`.
    public func client(_ id: UUID) async throws -> ClientRow? {
        try await clients([id]).first
    }

    /// The clients of `ids` that exist.
    public func clients(_ ids: [UUID]) async throws -> [ClientRow] {
        let rows = try await client.guardedQuery(
            "SELECT \(unescaped: Self.clientColumns) FROM clients WHERE id = ANY(\(ids))",
            logger: logger
        )
        return try await Self.clientRows(rows)
    }

    /// Up to `limit` clients of `districtID`, by id.
    public func clients(districtID: String, limit: Int) async throws -> [ClientRow] {
        let rows = try await client.guardedQuery(
            "SELECT \(unescaped: Self.clientColumns) FROM clients WHERE district_id = \(districtID) ORDER BY id LIMIT \(limit)",
            logger: logger
        )
        return try await Self.clientRows(rows)
    }

    /// What a search of clients asks for besides the caseloads: every one of `tokens` (keyed
    /// search tokens, see ``ClientSearch``), a year of birth, a citizenship.
    public struct ClientFilter: Sendable {
        /// Tokens the client must all have.
        public var tokens: [String]
        /// The year of birth.
        public var yearOfBirth: Int?
        /// One of the citizenships.
        public var citizenship: String?

        /// A filter.
        public init(tokens: [String], yearOfBirth: Int?, citizenship: String?) {
            self.tokens = Array(Set(tokens))
            self.yearOfBirth = yearOfBirth
            self.citizenship = citizenship
        }
    }

    /// Up to `limit` clients of `districtID` in the caseloads of `holders` that match
    /// `filter`: those with a case ever assigned to one of them, and those without a case
    /// registered by one of them. A superset of what each holder may see now: the caller
    /// narrows it with the access policy.
    public func clients(
        districtID: String,
        holders: [UUID],
        matching filter: ClientFilter,
        limit: Int
    ) async throws -> [ClientRow] {
        let rows = try await client.guardedQuery(
            """
            SELECT \(unescaped: Self.clientColumns) FROM clients c
            WHERE c.district_id = \(districtID)
              AND (EXISTS (SELECT 1 FROM cases k WHERE k.client_id = c.id AND k.assignee_id = ANY(\(holders)))
                   OR (c.registered_by = ANY(\(holders)) AND NOT EXISTS (SELECT 1 FROM cases k WHERE k.client_id = c.id)))
              AND (cardinality(\(filter.tokens)::text[]) = 0 OR c.id IN (
                    SELECT client_id FROM client_search WHERE district_id = \(districtID) AND token = ANY(\(filter.tokens))
                    GROUP BY client_id HAVING count(*) = cardinality(\(filter.tokens)::text[])))
              AND (\(filter.yearOfBirth)::int IS NULL OR (c.profile ->> 'year_of_birth')::int = \(filter.yearOfBirth))
              AND (\(filter.citizenship)::text IS NULL OR c.profile -> 'citizenships' ? \(filter.citizenship))
            ORDER BY c.id LIMIT \(limit)
            """,
            logger: logger
        )
        return try await Self.clientRows(rows)
    }

    /// The columns ``clientRows(_:)`` reads, a constant fragment of SQL.
    private static let clientColumns = "id, district_id, registered_by, sealed_in, version, profile::text"

    /// The clients in `rows` of ``clientColumns``.
    private static func clientRows(_ rows: GuardedRows) async throws -> [ClientRow] {
        var result: [ClientRow] = []
        for try await (id, district, registeredBy, sealedIn, version, profile) in rows.decode(
            (UUID, String, UUID, UUID, Int64, String).self
        ) {
            result.append(
                ClientRow(
                    id: id,
                    districtID: district,
                    registeredBy: registeredBy,
                    sealedIn: sealedIn,
                    version: version,
                    profile: try JSONValue(jsonText: profile)
                )
            )
        }
        return result
    }

    /// A case's state to store: as of the event that made `version`; `closedIn` is the event
    /// that closed it (its recording time is when the closure became known), `nil` when it is
    /// open or was closed by an earlier event.
    struct CaseState: Sendable {
        /// The state.
        var record: CaseFile.Record
        /// Its version.
        var version: Int64
        /// The event that closed it, if one of the events stored now did.
        var closedIn: UUID?
    }

    /// Stores the states of `cases` (each case once) in one statement.
    static func saveCases(_ cases: [CaseState], in context: ProjectionContext) async throws {
        guard !cases.isEmpty else { return }
        let states = try cases.map { String(decoding: try EventCoding.encode($0.record), as: UTF8.self) }
        // Optional dates and the closing event travel as text, empty for none.
        func text(_ value: (some CustomStringConvertible)?) -> String { value?.description ?? "" }
        try await context.connection.query(
            """
            INSERT INTO cases (id, client_id, district_id, assignee_id, closed, closed_at, version, state,
                               opened_on, plan_agreed_on, period_end, next_review_on)
            SELECT c.id, c.client_id, c.district_id, c.assignee_id, c.closed,
                   (SELECT recorded_at FROM events WHERE event_id = nullif(c.closed_in, '')::uuid), c.version, c.state::jsonb,
                   c.opened_on::date, nullif(c.plan_agreed_on, '')::date, nullif(c.period_end, '')::date,
                   nullif(c.next_review_on, '')::date
            FROM unnest(\(cases.map(\.record.id))::uuid[], \(cases.map(\.record.clientID))::uuid[],
                        \(cases.map(\.record.districtID))::text[], \(cases.map(\.record.assigneeID))::uuid[],
                        \(cases.map(\.record.isClosed))::boolean[], \(cases.map { text($0.closedIn) })::text[],
                        \(cases.map(\.version))::bigint[], \(states)::text[],
                        \(cases.map(\.record.openedOn.description))::text[],
                        \(cases.map { text($0.record.planAgreement?.agreedOn) })::text[],
                        \(cases.map { text($0.record.periodEnd) })::text[], \(cases.map { text($0.record.nextReviewOn) })::text[])
                 AS c(id, client_id, district_id, assignee_id, closed, closed_in, version, state,
                      opened_on, plan_agreed_on, period_end, next_review_on)
            ON CONFLICT (id) DO UPDATE
            SET assignee_id = excluded.assignee_id, closed = excluded.closed,
                closed_at = CASE WHEN excluded.closed THEN coalesce(excluded.closed_at, cases.closed_at) END,
                version = excluded.version, state = excluded.state, opened_on = excluded.opened_on,
                plan_agreed_on = excluded.plan_agreed_on, period_end = excluded.period_end,
                next_review_on = excluded.next_review_on, updated_at = now()
            """,
            logger: context.logger
        )
    }

    /// The case `id`, or `nil`.
    public func caseRow(_ id: UUID) async throws -> CaseRow? {
        try await cases(where: "id = $1", bindings: [id], after: nil, limit: 1).first
    }

    /// The cases of `clientID`.
    public func cases(ofClient clientID: UUID) async throws -> [CaseRow] {
        try await cases(where: "client_id = $1", bindings: [clientID], after: nil, limit: 1000)
    }

    /// Every case of the clients `clientIDs` (at most `limit`).
    public func cases(ofClients clientIDs: [UUID], limit: Int) async throws -> [CaseRow] {
        var bindings = PostgresBindings()
        bindings.append(clientIDs)
        return try await cases(where: "client_id = ANY($1)", bindings: bindings, order: .id(after: nil), limit: limit)
    }

    /// Up to `limit` cases of `districtID` assigned to one of `assignees`, ordered by id,
    /// after `after`: the open ones, and unless `openOnly` the closed ones whose closure was
    /// recorded after `closedSince` (all closed ones when it is `nil`).
    public func cases(
        districtID: String,
        assignees: [UUID],
        openOnly: Bool,
        closedSince: Date?,
        order: CaseOrder,
        limit: Int
    ) async throws -> [CaseRow] {
        var bindings = PostgresBindings()
        bindings.append(districtID)
        bindings.append(assignees)
        var sql = "district_id = $1 AND assignee_id = ANY($2)"
        if openOnly {
            sql += " AND NOT closed"
        } else if let closedSince {
            bindings.append(closedSince)
            sql += " AND (NOT closed OR closed_at > $3)"
        }
        return try await cases(where: sql, bindings: bindings, order: order, limit: limit)
    }

    /// The order of a caseload listing, with where the previous page ended.
    public enum CaseOrder: Sendable {
        /// By id, after the case `after`.
        case id(after: UUID?)
        /// By what is due next (``CaseFile/Record/nextDueOn``: a goal review or the period's
        /// end; cases with nothing due last), then id; after the case with that day and id.
        case nextDue(after: (day: CalendarDate, id: UUID)?)
    }

    private func cases(where condition: String, bindings: [UUID], after: UUID?, limit: Int) async throws -> [CaseRow] {
        var binds = PostgresBindings()
        for binding in bindings { binds.append(binding) }
        return try await cases(where: condition, bindings: binds, order: .id(after: after), limit: limit)
    }

    private func cases(
        where condition: String,
        bindings: PostgresBindings,
        order: CaseOrder,
        limit: Int
    ) async throws -> [CaseRow] {
        var bindings = bindings
        var sql = "SELECT state::text, version, closed_at FROM cases WHERE " + condition
        switch order {
        case .id(let after):
            if let after {
                bindings.append(after)
                sql += " AND id > $\(bindings.count)"
            }
            bindings.append(limit)
            sql += " ORDER BY id LIMIT $\(bindings.count)"
        case .nextDue(let after):
            let due = "coalesce(CASE WHEN closed THEN NULL ELSE least(next_review_on, period_end) END, DATE '9999-12-31')"
            if let after {
                bindings.append(after.day.description)
                bindings.append(after.id)
                sql += " AND (\(due), id) > ($\(bindings.count - 1)::date, $\(bindings.count))"
            }
            bindings.append(limit)
            sql += " ORDER BY \(due), id LIMIT $\(bindings.count)"
        }
        // Assembled from constant fragments and placeholder numbers; every value is a binding.
        let rows = try await client.guardedQuery(PostgresQuery(unsafeSQL: sql, binds: bindings), logger: logger)
        var result: [CaseRow] = []
        for try await (state, version, closedAt) in rows.decode((String, Int64, Date?).self) {
            result.append(CaseRow(record: try EventCoding.decode(Data(state.utf8)), version: version, closedAt: closedAt))
        }
        return result
    }
}
