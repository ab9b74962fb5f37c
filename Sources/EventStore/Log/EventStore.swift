import Foundation
public import Logging
public import PostgresNIO

/// The append-only event log on PostgreSQL: append to a stream with an expected version, read a
/// stream, read the whole log in a safe order.
///
/// Generic: streams, event type names and JSON payloads; it knows nothing of the domain.
public struct EventStore: Sendable {
    /// The connection pool.
    public let client: PostgresClient
    /// How old payload versions are brought up to date on read.
    public let upcasters: Upcasters
    /// Rung after every append through this store, to wake subscribers and the sequencer in
    /// this process at once (other processes learn of new events by NOTIFY or polling).
    public let appended: Doorbell
    /// Rung after the chain sequencer of this process sealed new events, to wake the readers
    /// that follow the sealed order (the change feed's live tail).
    public let sealed: Doorbell
    let logger: Logger

    /// A store over `client`.
    public init(client: PostgresClient, upcasters: Upcasters = Upcasters(), logger: Logger) {
        self.client = client
        self.upcasters = upcasters
        self.appended = Doorbell()
        self.sealed = Doorbell()
        self.logger = logger
    }

    /// Appends `events` to `stream` if it is at the `expected` version, in one round trip and
    /// one transaction of its own.
    ///
    /// - Returns: The new stream version and the events' global positions; for a retry of an
    ///   append that already happened (same event ids, same content), the original result.
    /// - Throws: ``EventStoreError/wrongExpectedVersion(stream:expected:actual:)`` (nothing was
    ///   written), ``EventStoreError/eventIDReused(stream:)``,
    ///   ``EventStoreError/streamBelongsElsewhere(stream:)``.
    @discardableResult
    public func append(
        to stream: StreamName,
        expecting expected: ExpectedVersion,
        events: [NewEvent]
    ) async throws -> AppendResult {
        try await client.withGuardedConnection { connection in
            try await append(to: stream, expecting: expected, events: events, on: connection)
        }
    }

    /// Appends on `connection`, inside whatever transaction it has open, so that read models
    /// can be written in the same transaction as the events.
    @discardableResult
    public func append(
        to stream: StreamName,
        expecting expected: ExpectedVersion,
        events: [NewEvent],
        on connection: PostgresConnection
    ) async throws -> AppendResult {
        guard !events.isEmpty else { throw EventStoreError.noEvents }
        let encoded = EncodedEvents(events)
        // Expecting any version, the stream is updated if it exists and created if not; one
        // created by someone else in between is updated in the next round.
        let moves: [StreamMove] =
            switch expected {
            case .noStream, .exactly(0): [.create]
            case .exactly: [.update]
            case .any: [.update, .create, .update]
            }
        for move in moves {
            do {
                let written = try await Self.written(
                    encoded,
                    to: stream,
                    moving: move,
                    expecting: expected.databaseValue,
                    on: connection,
                    logger: logger
                )
                if let last = written.last {
                    appended.ring()
                    return AppendResult(
                        streamVersion: last.version,
                        positions: written.map(\.position),
                        recordedAt: last.recordedAt,
                        wasDuplicate: false
                    )
                }
            } catch let error as PSQLError where error.serverInfo?[.sqlState] == "23505" {
                // The same event ids arrived first by another way: the diagnosis tells.
                break
            }
        }
        let diagnosis = AppendDiagnosis(stream: stream, events: encoded)
        guard
            let (version, owned, existing, matching, lastVersion, positions) = try await Self.firstRow(
                connection.execute(diagnosis, logger: logger)
            )
        else { throw EventStoreError.wrongExpectedVersion(stream: stream.id, expected: expected, actual: 0) }
        if existing > 0 {
            guard existing == events.count, matching == events.count, let lastVersion else {
                throw EventStoreError.eventIDReused(stream: stream.id)
            }
            return AppendResult(streamVersion: lastVersion, positions: positions ?? [], recordedAt: nil, wasDuplicate: true)
        }
        if owned == false { throw EventStoreError.streamBelongsElsewhere(stream: stream.id) }
        throw EventStoreError.wrongExpectedVersion(stream: stream.id, expected: expected, actual: version ?? 0)
    }

    /// The events of `stream` from version `from` on, in stream order.
    public func read(stream: String, from version: Int64 = 1) async throws -> [RecordedEvent] {
        try await client.withGuardedConnection { try await read(stream: stream, from: version, on: $0) }
    }

    /// ``read(stream:from:)`` on `connection`, inside whatever transaction it has open.
    public func read(stream: String, from version: Int64 = 1, on connection: PostgresConnection) async throws -> [RecordedEvent] {
        let rows = try await connection.query(
            """
            SELECT \(unescaped: Self.columns) FROM events
            WHERE stream_id = \(stream) AND stream_version >= \(version)
            ORDER BY stream_version
            """,
            logger: logger
        )
        return try await decode(try await GuardedRows(rows))
    }

    /// Up to `limit` events of the `streams` after the global position `position`, by global
    /// position: the history of an object and its related streams, for an audit trail.
    public func read(streams: [String], after position: Int64, limit: Int) async throws -> [RecordedEvent] {
        let rows = try await client.guardedQuery(
            """
            SELECT \(unescaped: Self.columns) FROM events
            WHERE stream_id = ANY(\(streams)) AND global_position > \(position)
            ORDER BY global_position LIMIT \(limit)
            """,
            logger: logger
        )
        return try await decode(rows)
    }

    /// Up to `limit` events after `checkpoint`, in reading order.
    ///
    /// Reads only below the snapshot watermark: an event is returned once every transaction
    /// that started writing before it has ended, so an event whose transaction commits late is
    /// never skipped, whatever its global position.
    public func readAll(after checkpoint: Checkpoint = .start, limit: Int = 1000) async throws -> [RecordedEvent] {
        try await client.withGuardedConnection { try await readAll(after: checkpoint, limit: limit, on: $0) }
    }

    /// ``readAll(after:limit:)`` on `connection`.
    public func readAll(
        after checkpoint: Checkpoint,
        limit: Int,
        on connection: PostgresConnection
    ) async throws -> [RecordedEvent] {
        let rows = try await connection.query(
            """
            SELECT \(unescaped: Self.columns) FROM events
            WHERE (transaction_id, global_position) > (\(String(checkpoint.transactionID))::xid8, \(checkpoint.position))
              AND transaction_id < pg_snapshot_xmin(pg_current_snapshot())
            ORDER BY events.transaction_id, events.global_position
            LIMIT \(limit)
            """,
            logger: logger
        )
        return try await decode(try await GuardedRows(rows))
    }

    /// Every event after `checkpoint` that `connection` sees committed now, in reading order,
    /// without waiting for the watermark.
    ///
    /// Only for a reader that has stopped every writer it cares about (for example by locking
    /// the tables those writers must write in the same transaction) and whose `checkpoint` came
    /// from ``readAll(after:limit:on:)``: then nothing it cares about can commit later behind
    /// the checkpoint.
    public func readCommitted(after checkpoint: Checkpoint, on connection: PostgresConnection) async throws -> [RecordedEvent] {
        let rows = try await connection.query(
            """
            SELECT \(unescaped: Self.columns) FROM events
            WHERE (transaction_id, global_position) > (\(String(checkpoint.transactionID))::xid8, \(checkpoint.position))
            ORDER BY events.transaction_id, events.global_position
            """,
            logger: logger
        )
        return try await decode(try await GuardedRows(rows))
    }

    /// The columns every read selects, in the order ``decode(_:)`` expects. A constant.
    static let columns = """
        global_position, transaction_id::text AS transaction_text, stream_id, stream_version, event_id, event_type, schema_version,
        payload::text, metadata::text, recorded_at
        """

    private func decode(_ rows: GuardedRows) async throws -> [RecordedEvent] {
        var events: [RecordedEvent] = []
        for try await (position, transaction, stream, version, id, type, schemaVersion, payload, metadata, recordedAt)
            in rows.decode(
                (Int64, String, String, Int64, UUID, String, Int32, String, String, Date).self
            )
        {
            do {
                let upcast = try upcasters.upcast(type, version: Int(schemaVersion), payload: JSONValue(jsonText: payload))
                events.append(
                    RecordedEvent(
                        globalPosition: position,
                        streamID: stream,
                        streamVersion: version,
                        id: id,
                        type: type,
                        schemaVersion: upcast.version,
                        payload: upcast.payload,
                        metadata: EventMetadata(json: try JSONValue(jsonText: metadata)),
                        recordedAt: recordedAt,
                        checkpoint: Checkpoint(transactionID: UInt64(transaction) ?? 0, position: position)
                    )
                )
            } catch {
                throw EventStoreError.unreadableEvent(position: position, reason: "\(error)")
            }
        }
        return events
    }

    /// Runs the append statement that fits the move and the number of events; returns what it
    /// wrote in stream order, nothing if it wrote nothing. (Each statement type is named here,
    /// so that the calls are specialised: through an opened existential they cost a few
    /// percent of the append rate.)
    private static func written(
        _ events: EncodedEvents,
        to stream: StreamName,
        moving move: StreamMove,
        expecting expected: Int64?,
        on connection: PostgresConnection,
        logger: Logger
    ) async throws -> [(position: Int64, version: Int64, recordedAt: Date)] {
        switch (move, events.single) {
        case (.update, let event?):
            try await rows(
                of: AppendOneStatement<UpdatingTheStream>(stream: stream, expected: expected, event: event),
                on: connection,
                logger: logger
            )
        case (.create, let event?):
            try await rows(
                of: AppendOneStatement<CreatingTheStream>(stream: stream, expected: expected, event: event),
                on: connection,
                logger: logger
            )
        case (.update, nil):
            try await rows(
                of: AppendSeveralStatement<UpdatingTheStream>(stream: stream, expected: expected, events: events),
                on: connection,
                logger: logger
            )
        case (.create, nil):
            try await rows(
                of: AppendSeveralStatement<CreatingTheStream>(stream: stream, expected: expected, events: events),
                on: connection,
                logger: logger
            )
        }
    }

    /// The rows an append statement returned, in stream order.
    private static func rows<Statement: PostgresPreparedStatement>(
        of statement: Statement,
        on connection: PostgresConnection,
        logger: Logger
    ) async throws -> [(position: Int64, version: Int64, recordedAt: Date)] where Statement.Row == (Int64, Int64, Date) {
        var rows: [(position: Int64, version: Int64, recordedAt: Date)] = []
        for try await (position, version, recordedAt) in try await connection.execute(statement, logger: logger) {
            rows.append((position, version, recordedAt))
        }
        return rows.count > 1 ? rows.sorted { $0.version < $1.version } : rows
    }

    private static func firstRow<Row>(_ rows: some AsyncSequence<Row, any Error>) async throws -> Row? {
        for try await row in rows { return row }
        return nil
    }
}

/// A stream: its id, the kind of object it records, and the tenant (district) it belongs to.
public struct StreamName: Sendable, Hashable {
    /// The stream id, unique in the log, e.g. `case-4f1c…`.
    public var id: String
    /// The kind of object, e.g. `case`.
    public var category: String
    /// The tenant the stream belongs to; never changes.
    public var tenant: String

    /// A stream of `category` in `tenant`.
    public init(id: String, category: String, tenant: String) {
        self.id = id
        self.category = category
        self.tenant = tenant
    }
}
