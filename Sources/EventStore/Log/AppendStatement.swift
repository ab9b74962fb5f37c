import Foundation
import PostgresNIO

// An append is one statement and one round trip: it moves the stream's version, then inserts
// the events from the stream row that moved, so a losing writer inserts nothing and consumes no
// global position. It returns one row (global position, stream version) per event written, or
// no row when nothing was written; `AppendDiagnosis` then tells why.
//
// The stream's version moves one of two ways, each its own statement so that PostgreSQL
// prepares only the work it does: an existing stream's row is updated if it is at the expected
// version (and locked until commit), or a new stream's row is inserted. The events come as
// scalar parameters when there is one (the common case: nothing to build, send and unnest) or
// as one array per column when there are several.
//
// Parameters: $1 stream id, $2 category, $3 tenant, $4 expected version (NULL for any), $5
// number of events, $6... the events.

/// Moves an existing stream's version by the number of events, if it is at the expected one.
private let updateStreamSQL = """
    WITH stream AS (
        UPDATE streams SET version = version + $5, updated_at = now()
        WHERE stream_id = $1 AND category = $2 AND tenant = $3 AND ($4::bigint IS NULL OR version = $4::bigint)
        RETURNING version
    )

    """

/// Inserts a new stream at the number of events; nothing if it exists.
private let createStreamSQL = """
    WITH stream AS (
        INSERT INTO streams (stream_id, category, tenant, version)
        SELECT $1, $2, $3, $5 WHERE $4::bigint IS NULL OR $4::bigint = 0
        ON CONFLICT (stream_id) DO NOTHING
        RETURNING version
    )

    """

/// Inserts one event from the stream row that moved.
private let insertOneEventSQL = """
    INSERT INTO events (stream_id, stream_version, event_id, event_type, schema_version, payload, metadata)
    SELECT $1, stream.version, $6, $7, $8, $9::jsonb, $10::jsonb FROM stream
    RETURNING global_position, stream_version, recorded_at
    """

/// Inserts several events, numbered in their order, from the stream row that moved.
private let insertSeveralEventsSQL = """
    INSERT INTO events (stream_id, stream_version, event_id, event_type, schema_version, payload, metadata)
    SELECT $1, stream.version - $5 + n.ordinal, n.event_id, n.event_type, n.schema_version, n.payload, n.metadata
    FROM stream, unnest($6::uuid[], $7::text[], $8::integer[], $9::text[]::jsonb[], $10::text[]::jsonb[])
         WITH ORDINALITY AS n(event_id, event_type, schema_version, payload, metadata, ordinal)
    RETURNING global_position, stream_version, recorded_at
    """

/// How an append moves its stream's version.
enum StreamMove {
    /// Update the existing stream's row.
    case update
    /// Insert the new stream's row.
    case create
}

/// The statements of one ``StreamMove``: each needs a prepared statement of its own.
protocol StreamMoveStatements {
    /// The prepared statement's name and text for one event.
    static var appendingOne: (name: String, sql: String) { get }
    /// The prepared statement's name and text for several events.
    static var appendingSeveral: (name: String, sql: String) { get }
}

/// ``StreamMove/update``: the hot path.
enum UpdatingTheStream: StreamMoveStatements {
    static let appendingOne = (name: "wegweiser_append_one_existing", sql: updateStreamSQL + insertOneEventSQL)
    static let appendingSeveral = (name: "wegweiser_append_several_existing", sql: updateStreamSQL + insertSeveralEventsSQL)
}

/// ``StreamMove/create``.
enum CreatingTheStream: StreamMoveStatements {
    static let appendingOne = (name: "wegweiser_append_one_new", sql: createStreamSQL + insertOneEventSQL)
    static let appendingSeveral = (name: "wegweiser_append_several_new", sql: createStreamSQL + insertSeveralEventsSQL)
}

/// The append of one event, with scalar parameters.
struct AppendOneStatement<Move: StreamMoveStatements>: PostgresPreparedStatement {
    static var name: String { Move.appendingOne.name }
    static var sql: String { Move.appendingOne.sql }
    typealias Row = (Int64, Int64, Date)

    var stream: StreamName
    var expected: Int64?
    var event: EncodedEvents.Event

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(appendingTo: stream, expected: expected, count: 1)
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

/// The append of several events, one array per column.
struct AppendSeveralStatement<Move: StreamMoveStatements>: PostgresPreparedStatement {
    static var name: String { Move.appendingSeveral.name }
    static var sql: String { Move.appendingSeveral.sql }
    typealias Row = (Int64, Int64, Date)

    var stream: StreamName
    var expected: Int64?
    var events: EncodedEvents

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(appendingTo: stream, expected: expected, count: events.count)
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

extension PostgresBindings {
    /// The parameters every append statement starts with: $1 stream id, $2 category, $3 tenant,
    /// $4 expected version, $5 number of events; room for the events' five after them.
    fileprivate init(appendingTo stream: StreamName, expected: Int64?, count: Int) {
        self.init(capacity: 10)
        append(stream.id)
        append(stream.category)
        append(stream.tenant)
        append(expected)
        append(Int64(count))
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
                metadata: $0.metadata.json.jsonText()
            )
        }
    }

    /// How many events there are.
    var count: Int { events.count }
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
