public import Casework
public import EventStore
public import Foundation
public import Logging
public import PostgresNIO

/// The households: each one's state, and every membership in `household_members`, whose
/// unique index keeps a person in at most one household at a time.
public struct Households: Sendable {
    /// A household with its version.
    public struct Row: Sendable {
        /// The household.
        public var record: Household.Record
        /// Its stream version.
        public var version: Int64
    }

    /// The pool.
    public let client: PostgresClient
    let logger: Logger

    /// The households over `client`.
    public init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    /// The household `id`, or `nil`.
    public func household(_ id: UUID) async throws -> Row? {
        let rows = try await client.guardedQuery(
            "SELECT state::text, version FROM households WHERE id = \(id)",
            logger: logger
        )
        return try await Self.rows(rows).first
    }

    /// The household `id`, locked for the transaction of `connection`, or `nil`.
    public func locked(_ id: UUID, on connection: PostgresConnection) async throws -> Row? {
        let rows = try await connection.query(
            "SELECT state::text, version FROM households WHERE id = \(id) FOR UPDATE",
            logger: logger
        )
        return try await Self.rows(try await GuardedRows(rows)).first
    }

    /// The household each of `clientIDs` belongs to now (those in none are absent).
    public func current(of clientIDs: [UUID]) async throws -> [UUID: UUID] {
        let rows = try await client.guardedQuery(
            "SELECT client_id, household_id FROM household_members WHERE client_id = ANY(\(clientIDs)) AND left_on IS NULL",
            logger: logger
        )
        var found: [UUID: UUID] = [:]
        for try await (clientID, householdID) in rows.decode((UUID, UUID).self) { found[clientID] = householdID }
        return found
    }

    private static func rows(_ rows: GuardedRows) async throws -> [Row] {
        var found: [Row] = []
        for try await (state, version) in rows.decode((String, Int64).self) {
            found.append(Row(record: try EventCoding.decode(Data(state.utf8)), version: version))
        }
        return found
    }
}

/// Keeps ``Households``. Inline: the one-at-a-time rule is checked by its index in the
/// transaction that records a membership.
public struct HouseholdsProjection: Projection {
    /// `households`.
    public let name = "households"
    /// Its tables.
    public let tables = ["households", "household_members"]

    /// The projection.
    public init() {}

    /// `household.*` events.
    public func handles(_ eventType: String) -> Bool {
        eventType.hasPrefix("household.")
    }

    /// Folds each household's events into its row and rewrites its memberships.
    public func apply(_ events: [RecordedEvent], in context: ProjectionContext) async throws {
        for (stream, recorded) in events.groupedByStream() {
            let projected = try context.projected(recorded, as: Household.Event.self)
            guard let first = projected.first, let last = projected.last else { continue }
            var state: Household.State
            if first.recorded.streamVersion == 1 {
                state = nil
            } else if let known = context.known[stream], known.version == first.recorded.streamVersion - 1 {
                state = known.state as? Household.State ?? nil
            } else {
                let rows = try await context.connection.query(
                    "SELECT state::text FROM households WHERE id = \(Self.id(of: stream))",
                    logger: context.logger
                )
                state = nil
                for try await (text, ) in rows.decode((String,).self) { state = try EventCoding.decode(Data(text.utf8)) }
            }
            state = projected.map(\.event).reduce(state, Household.evolve)
            guard let record = state else { continue }
            let json = String(decoding: try EventCoding.encode(record), as: UTF8.self)
            try await context.connection.query(
                """
                INSERT INTO households (id, district_id, version, state)
                VALUES (\(record.id), \(record.districtID), \(last.recorded.streamVersion), \(json)::jsonb)
                ON CONFLICT (id) DO UPDATE SET version = excluded.version, state = excluded.state, updated_at = now()
                """,
                logger: context.logger
            )
            try await context.connection.query(
                "DELETE FROM household_members WHERE household_id = \(record.id)",
                logger: context.logger
            )
            let members = record.members
            try await context.connection.query(
                """
                INSERT INTO household_members (household_id, client_id, district_id, role, joined_on, left_on, ordinal)
                SELECT \(record.id), client_id, \(record.districtID), role, joined_on::date, nullif(left_on, '')::date, ordinal
                FROM unnest(\(members.map(\.clientID))::uuid[], \(members.map(\.role.rawValue))::text[],
                            \(members.map(\.joinedOn.description))::text[], \(members.map { $0.leftOn?.description ?? "" })::text[],
                            \(Array(members.indices))::int[])
                    AS m(client_id, role, joined_on, left_on, ordinal)
                """,
                logger: context.logger
            )
        }
    }

    /// The household id of the stream `household-<id>`.
    private static func id(of stream: String) -> UUID {
        UUID(uuidString: String(stream.dropFirst("household-".count)))
            ?? UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0))
    }
}
