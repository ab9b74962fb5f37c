import Casework
import EventStore
import Foundation
public import Logging
public import PostgresNIO

/// The read model of the organisation structure: each district, organisation, team, staff
/// member and substitution grant with its current state and stream version.
///
/// Written in the same transaction as the object's events (so every read sees its writes),
/// read by listings, by sign-in (staff member by subject) and by the access policy.
public struct Directory: Sendable {
    /// The kinds of object the directory holds.
    public enum Kind: String, Sendable, CaseIterable {
        /// A ``Casework/District``.
        case district
        /// A ``Casework/Organisation``.
        case organisation
        /// A ``Casework/Team``.
        case team
        /// A ``Casework/StaffMember``.
        case staffMember = "staff_member"
        /// A ``Casework/Substitution`` grant.
        case substitution
        /// An ``Casework/Erasure`` request.
        case erasure
    }

    /// One object: its id, district, version and state.
    public struct Entry<State: Sendable>: Sendable {
        /// The object's id.
        public var id: String
        /// Its district.
        public var districtID: String
        /// The version of its stream: the `ETag`.
        public var version: Int64
        /// Its current state.
        public var state: State
    }

    /// A condition on entries, for listings.
    public enum Condition: Sendable {
        /// The entry's id is one of these.
        case id(in: [String])
        /// The state's value at `path` (e.g. `["profile", "team_id"]`) is `value`.
        case field([String], equals: String)
    }

    /// The pool.
    public let client: PostgresClient
    let logger: Logger

    /// A directory over `client`.
    public init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    /// Stores the state of an object after its events, on the connection that appended them.
    static func save(
        _ kind: Kind,
        id: String,
        districtID: String,
        version: Int64,
        state: some Encodable,
        on connection: PostgresConnection,
        logger: Logger
    ) async throws {
        let json = String(decoding: try EventCoding.encode(state), as: UTF8.self)
        try await connection.query(
            """
            INSERT INTO directory (stream_id, kind, id, district_id, version, state)
            VALUES (\(kind.rawValue + "-" + id), \(kind.rawValue), \(id), \(districtID), \(version), \(json)::jsonb)
            ON CONFLICT (stream_id) DO UPDATE
            SET version = excluded.version, state = excluded.state, district_id = excluded.district_id, updated_at = now()
            """,
            logger: logger
        )
    }

    /// The stored state and version of the object of `kind` with `id`, locked for the rest of
    /// the transaction of `connection` (writers of one object take turns); `nil` before it
    /// exists. A write decides on this instead of folding the object's whole stream.
    public func locked<State: Decodable & Sendable>(
        _ kind: Kind,
        id: String,
        as type: State.Type = State.self,
        on connection: PostgresConnection
    ) async throws -> (state: State, version: Int64)? {
        try await Self.locked(stream: kind.rawValue + "-" + id, as: type, on: connection, logger: logger)
    }

    /// ``locked(_:id:as:on:)`` by the object's stream id.
    static func locked<State: Decodable & Sendable>(
        stream: String,
        as type: State.Type = State.self,
        on connection: PostgresConnection,
        logger: Logger
    ) async throws -> (state: State, version: Int64)? {
        let rows = try await connection.query(
            "SELECT state::text, version FROM directory WHERE stream_id = \(stream) FOR UPDATE",
            logger: logger
        )
        for try await (state, version) in rows.decode((String, Int64).self) {
            return (try EventCoding.decode(Data(state.utf8)), version)
        }
        return nil
    }

    /// The object of `kind` with `id`, or `nil`.
    public func find<State: Decodable & Sendable>(
        _ kind: Kind,
        id: String,
        as type: State.Type = State.self
    ) async throws -> Entry<State>? {
        try await list(kind, as: type, where: [[.id(in: [id])]], limit: 1).first
    }

    /// Up to `limit` objects of `kind`, ordered by id, after the id `after`; `districtID`
    /// restricts to one district; `conditions` is a conjunction of alternatives (every inner
    /// list must have one condition that holds; an empty inner list matches nothing).
    public func list<State: Decodable & Sendable>(
        _ kind: Kind,
        as type: State.Type = State.self,
        districtID: String? = nil,
        where conditions: [[Condition]] = [],
        after: String? = nil,
        limit: Int
    ) async throws -> [Entry<State>] {
        var bindings = PostgresBindings()
        bindings.append(kind.rawValue)
        var sql = "SELECT id, district_id, version, state::text FROM directory WHERE kind = $1"
        if let districtID {
            bindings.append(districtID)
            sql += " AND district_id = $\(bindings.count)"
        }
        for alternatives in conditions {
            let clauses = alternatives.map { condition in
                switch condition {
                case .id(let ids):
                    bindings.append(ids)
                    return "id = ANY($\(bindings.count))"
                case .field(let path, let value):
                    bindings.append(path)
                    bindings.append(value)
                    return "state #>> $\(bindings.count - 1) = $\(bindings.count)"
                }
            }
            sql += clauses.isEmpty ? " AND false" : " AND (" + clauses.joined(separator: " OR ") + ")"
        }
        if let after {
            bindings.append(after)
            sql += " AND id > $\(bindings.count)"
        }
        bindings.append(limit)
        sql += " ORDER BY id LIMIT $\(bindings.count)"
        // The SQL text is assembled from constant fragments and placeholder numbers only; every
        // value travels as a bind parameter.
        let rows = try await client.guardedQuery(PostgresQuery(unsafeSQL: sql, binds: bindings), logger: logger)
        var entries: [Entry<State>] = []
        for try await (id, districtID, version, state) in rows.decode((String, String, Int64, String).self) {
            entries.append(
                Entry(id: id, districtID: districtID, version: version, state: try EventCoding.decode(Data(state.utf8), as: type))
            )
        }
        return entries
    }

}
