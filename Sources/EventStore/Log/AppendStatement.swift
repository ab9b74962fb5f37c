import Foundation
import PostgresNIO

/// The append, in one statement and one round trip.
///
/// It first moves the stream's version (an `UPDATE` that locks the stream's row and checks the
/// expected version, or the `INSERT` of a new stream), and inserts the events only if that
/// succeeded, so a losing writer consumes no global position. It returns the new version and
/// the events' positions, or no version when nothing was written; ``AppendDiagnosis`` then
/// tells why.
struct AppendStatement: PostgresPreparedStatement {
    static let sql = """
        WITH updated AS (
            UPDATE streams SET version = version + cardinality($5::uuid[]), updated_at = now()
            WHERE stream_id = $1 AND category = $2 AND tenant = $3 AND ($4::bigint IS NULL OR version = $4::bigint)
            RETURNING version
        ), created AS (
            INSERT INTO streams (stream_id, category, tenant, version)
            SELECT $1, $2, $3, cardinality($5::uuid[])
            WHERE ($4::bigint IS NULL OR $4::bigint = 0) AND NOT EXISTS (SELECT 1 FROM updated)
            ON CONFLICT (stream_id) DO NOTHING
            RETURNING version
        ), stream AS (
            SELECT version FROM updated UNION ALL SELECT version FROM created
        ), inserted AS (
            INSERT INTO events (stream_id, stream_version, event_id, event_type, schema_version, payload, metadata)
            SELECT $1, stream.version - cardinality($5::uuid[]) + n.ordinal,
                   n.event_id, n.event_type, n.schema_version, n.payload, n.metadata
            FROM stream, unnest($5::uuid[], $6::text[], $7::integer[], $8::text[]::jsonb[], $9::text[]::jsonb[])
                 WITH ORDINALITY AS n(event_id, event_type, schema_version, payload, metadata, ordinal)
            RETURNING global_position, stream_version
        )
        SELECT (SELECT version FROM stream), (SELECT array_agg(global_position ORDER BY stream_version) FROM inserted)
        """
    typealias Row = (Int64?, [Int64]?)

    var stream: StreamName
    var expected: Int64?
    var events: EncodedEvents

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 9)
        bindings.append(stream.id)
        bindings.append(stream.category)
        bindings.append(stream.tenant)
        bindings.append(expected)
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

/// Events as the statements bind them: one array per column.
struct EncodedEvents: Sendable {
    var ids: [UUID]
    var types: [String]
    var schemaVersions: [Int32]
    var payloads: [String]
    var metadata: [String]

    init(_ events: [NewEvent]) {
        ids = events.map(\.id)
        types = events.map(\.type)
        schemaVersions = events.map { Int32($0.schemaVersion) }
        payloads = events.map { $0.payload.jsonText() }
        metadata = events.map { $0.metadata.json.jsonText() }
    }
}
