import Foundation
import PostgresNIO

/// The part every append statement begins with: move the stream's version.
///
/// An `UPDATE` locks the stream's row and checks the expected version ($4; `NULL` for any), or
/// the stream is inserted when it is new; either moves the version by the number of events
/// ($5). The events are inserted only from the resulting `stream` row, so a losing writer
/// inserts nothing and consumes no global position.
private let movingTheStream = """
    WITH updated AS (
        UPDATE streams SET version = version + $5, updated_at = now()
        WHERE stream_id = $1 AND category = $2 AND tenant = $3 AND ($4::bigint IS NULL OR version = $4::bigint)
        RETURNING version
    ), created AS (
        INSERT INTO streams (stream_id, category, tenant, version)
        SELECT $1, $2, $3, $5
        WHERE ($4::bigint IS NULL OR $4::bigint = 0) AND NOT EXISTS (SELECT 1 FROM updated)
        ON CONFLICT (stream_id) DO NOTHING
        RETURNING version
    ), stream AS (
        SELECT version FROM updated UNION ALL SELECT version FROM created
    )

    """

/// The append of one event, in one statement and one round trip: the common case, with scalar
/// parameters (no arrays to build, send and unnest).
///
/// Returns the event's global position and stream version, or no row when nothing was
/// written; ``AppendDiagnosis`` then tells why.
struct AppendOneStatement: PostgresPreparedStatement {
    static let name = "wegweiser_append_one"
    static let sql =
        movingTheStream + """
            INSERT INTO events (stream_id, stream_version, event_id, event_type, schema_version, payload, metadata)
            SELECT $1, stream.version, $6, $7, $8, $9::jsonb, $10::jsonb FROM stream
            RETURNING global_position, stream_version
            """
    typealias Row = (Int64, Int64)

    var stream: StreamName
    var expected: Int64?
    var event: EncodedEvents.Event

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 10)
        bindings.append(stream.id)
        bindings.append(stream.category)
        bindings.append(stream.tenant)
        bindings.append(expected)
        bindings.append(Int64(1))
        bindings.append(event.id)
        bindings.append(event.type)
        bindings.append(event.schemaVersion)
        bindings.append(event.payload)
        bindings.append(event.metadata)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> Row {
        try row.decode(Row.self)
    }
}

/// The append of several events, in one statement and one round trip: the events come as one
/// array per column and are numbered in their order.
///
/// Returns one row per event (global position, stream version), or no row when nothing was
/// written; ``AppendDiagnosis`` then tells why.
struct AppendManyStatement: PostgresPreparedStatement {
    static let name = "wegweiser_append_many"
    static let sql =
        movingTheStream + """
            INSERT INTO events (stream_id, stream_version, event_id, event_type, schema_version, payload, metadata)
            SELECT $1, stream.version - $5 + n.ordinal, n.event_id, n.event_type, n.schema_version, n.payload, n.metadata
            FROM stream, unnest($6::uuid[], $7::text[], $8::integer[], $9::text[]::jsonb[], $10::text[]::jsonb[])
                 WITH ORDINALITY AS n(event_id, event_type, schema_version, payload, metadata, ordinal)
            RETURNING global_position, stream_version
            """
    typealias Row = (Int64, Int64)

    var stream: StreamName
    var expected: Int64?
    var events: EncodedEvents

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 10)
        bindings.append(stream.id)
        bindings.append(stream.category)
        bindings.append(stream.tenant)
        bindings.append(expected)
        bindings.append(Int64(events.events.count))
        bindings.append(events.ids)
        bindings.append(events.types)
        bindings.append(events.schemaVersions)
        bindings.append(events.payloads)
        bindings.append(events.metadata)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> Row {
        try row.decode(Row.self)
    }
}

/// Why an append wrote nothing: the cold path, asked only after the append statement returned
/// no version or hit the unique event id.
struct AppendDiagnosis: PostgresPreparedStatement {
    static let name = "wegweiser_append_diagnosis"
    static let sql = """
        SELECT s.version, s.tenant = $2 AND s.category = $3,
               (SELECT count(*) FROM events e WHERE e.event_id = ANY($4::uuid[])),
               (SELECT count(*) FROM events e
                JOIN unnest($4::uuid[], $5::text[], $6::integer[], $7::text[]::jsonb[]) AS n(event_id, event_type, schema_version, payload)
                  ON e.event_id = n.event_id
                WHERE e.stream_id = $1 AND e.event_type = n.event_type AND e.schema_version = n.schema_version
                  AND e.payload = n.payload),
               (SELECT max(e.stream_version) FROM events e WHERE e.event_id = ANY($4::uuid[])),
               (SELECT array_agg(e.global_position ORDER BY e.stream_version) FROM events e WHERE e.event_id = ANY($4::uuid[]))
        FROM (SELECT 1) AS one LEFT JOIN streams s ON s.stream_id = $1
        """
    typealias Row = (Int64?, Bool?, Int64, Int64, Int64?, [Int64]?)

    var stream: StreamName
    var events: EncodedEvents

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 7)
        bindings.append(stream.id)
        bindings.append(stream.tenant)
        bindings.append(stream.category)
        bindings.append(events.ids)
        bindings.append(events.types)
        bindings.append(events.schemaVersions)
        bindings.append(events.payloads)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> Row {
        try row.decode(Row.self)
    }
}

/// Events as the statements bind them: payload and metadata as JSON text.
struct EncodedEvents: Sendable {
    /// One event as the statements bind it.
    struct Event: Sendable {
        var id: UUID
        var type: String
        var schemaVersion: Int32
        var payload: String
        var metadata: String
    }

    /// The events, in order.
    var events: [Event]

    init(_ events: [NewEvent]) {
        self.events = events.map {
            Event(
                id: $0.id,
                type: $0.type,
                schemaVersion: Int32($0.schemaVersion),
                payload: $0.payload.jsonText(),
                metadata: $0.metadata.jsonText
            )
        }
    }

    /// The only event, when there is exactly one.
    var single: Event? { events.count == 1 ? events[0] : nil }
    /// The events' ids, in order.
    var ids: [UUID] { events.map(\.id) }
    /// The events' type names, in order.
    var types: [String] { events.map(\.type) }
    /// The events' schema versions, in order.
    var schemaVersions: [Int32] { events.map(\.schemaVersion) }
    /// The events' payloads, in order.
    var payloads: [String] { events.map(\.payload) }
    /// The events' metadata, in order.
    var metadata: [String] { events.map(\.metadata) }
}
