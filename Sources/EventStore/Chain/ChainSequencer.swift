import Logging
import PostgresNIO
public import ServiceLifecycle

/// Seals committed events into the hash chain, in reading order, behind the watermark.
///
/// Runs as a service next to the server; writers never wait for it. Several instances may
/// run (one per server process): an advisory lock lets one seal at a time. After sealing it
/// notifies `wegweiser_events`, which wakes subscribers in every process.
public struct ChainSequencer: Service {
    /// The log to seal.
    public let store: EventStore
    /// How long to sleep when nothing new was seen and no append in this process rang.
    public let pollInterval: Duration
    /// The most events sealed in one transaction.
    public let batchSize: Int
    /// Returns once the log's tables exist (the server's migrations have run): the sequencer
    /// queries nothing before, so PostgreSQL logs no missing relation at a first start.
    let schemaReady: @Sendable () async -> Void

    static let advisoryLock: Int64 = 0x5745_4757_4348_4149  // "WEGWCHAI"
    /// The channel subscribers listen on.
    public static let channel = "wegweiser_events"

    /// A sequencer for `store` that starts sealing once `schemaReady` returns.
    public init(
        store: EventStore,
        pollInterval: Duration = .milliseconds(250),
        batchSize: Int = 1000,
        schemaReady: @escaping @Sendable () async -> Void = {}
    ) {
        self.store = store
        self.pollInterval = pollInterval
        self.batchSize = batchSize
        self.schemaReady = schemaReady
    }

    /// Seals until the service group shuts down.
    public func run() async throws {
        await cancelWhenGracefulShutdown {
            await schemaReady()
            while !Task.isCancelled {
                let generation = store.appended.generation
                do {
                    if try await sealNextBatch() == batchSize { continue }
                } catch is CancellationError {
                    return
                } catch let error as PostgresTransactionError where error.closureError is CancellationError {
                    return
                } catch {
                    store.logger.error("sealing the hash chain failed", metadata: ["error": "\(String(reflecting: error))"])
                }
                await store.appended.wait(after: generation, timeout: pollInterval)
            }
        }
    }

    /// Seals the next batch of events below the watermark and returns how many it sealed (0 if
    /// none, or if another sequencer holds the lock).
    @discardableResult
    public func sealNextBatch() async throws -> Int {
        let logger = store.logger
        let batchSize = batchSize
        return try await store.client.withTransaction(logger: logger) { connection in
            var locked = false
            for try await value in try await connection.query(
                "SELECT pg_try_advisory_xact_lock(\(Self.advisoryLock))",
                logger: logger
            )
            .decode(Bool.self) {
                locked = value
            }
            guard locked else { return 0 }

            var head = (logPosition: Int64(0), hash: ChainHash.genesis, after: Checkpoint.start)
            let headRows = try await connection.query(
                """
                SELECT c.log_position, encode(c.hash, 'hex'), e.transaction_id::text, e.global_position
                FROM event_chain c JOIN events e ON e.global_position = c.global_position
                ORDER BY c.log_position DESC LIMIT 1
                """,
                logger: logger
            )
            for try await (logPosition, hash, transaction, position) in headRows.decode((Int64, String, String, Int64).self) {
                head = (
                    logPosition, [UInt8](hex: hash) ?? [], Checkpoint(transactionID: UInt64(transaction) ?? 0, position: position)
                )
            }

            let rows = try await connection.query(
                """
                SELECT \(unescaped: StoredEvent.columns) FROM events e
                WHERE (e.transaction_id, e.global_position) > (\(String(head.after.transactionID))::xid8, \(head.after.position))
                  AND e.transaction_id < pg_snapshot_xmin(pg_current_snapshot())
                ORDER BY e.transaction_id, e.global_position
                LIMIT \(batchSize)
                """,
                logger: logger
            )
            var logPositions: [Int64] = []
            var globalPositions: [Int64] = []
            var previousHashes: [String] = []
            var hashes: [String] = []
            var previous = head.hash
            for try await row in rows.decode(StoredEvent.Row.self) {
                let event = StoredEvent(row)
                let hash = ChainHash.next(after: previous, event: event)
                logPositions.append(head.logPosition + Int64(logPositions.count) + 1)
                globalPositions.append(event.globalPosition)
                previousHashes.append(previous.hex)
                hashes.append(hash.hex)
                previous = hash
            }
            guard !logPositions.isEmpty else { return 0 }
            try await connection.query(
                """
                INSERT INTO event_chain (log_position, global_position, previous_hash, hash)
                SELECT l, g, decode(p, 'hex'), decode(h, 'hex')
                FROM unnest(\(logPositions)::bigint[], \(globalPositions)::bigint[], \(previousHashes)::text[], \(hashes)::text[])
                     AS t(l, g, p, h)
                """,
                logger: logger
            )
            try await connection.query("SELECT pg_notify(\(Self.channel), \(String(logPositions.last ?? 0)))", logger: logger)
            return logPositions.count
        }
    }
}
