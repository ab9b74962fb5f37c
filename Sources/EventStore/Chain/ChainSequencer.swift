import Foundation
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
    /// How long one batch may take before it is abandoned (see ``abandoning(after:_:)``); far
    /// beyond the statement timeout, so only a call that lost its connection ever reaches it.
    static let stallLimit: Duration = .seconds(60)
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
                    if try await abandoning(after: Self.stallLimit, sealNextBatch) == batchSize { continue }
                } catch is CancellationError {
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
        let sealed = try await store.client.withGuardedTransaction(logger: logger) { connection in
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
            if !logPositions.isEmpty {
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
            }
            let district = try await Self.sealDistrictChains(batchSize: batchSize, on: connection, logger: logger)
            return max(logPositions.count, district)
        }
        if sealed > 0 { store.sealed.ring() }
        return sealed
    }

    /// Seals the next links of `event_chain` into their districts' chains (`district_chain`),
    /// in log order, and returns how many. It follows `event_chain` with its own position, so a
    /// log sealed before district chains existed is caught up the same way.
    static func sealDistrictChains(batchSize: Int, on connection: PostgresConnection, logger: Logger) async throws -> Int {
        let rows = try await connection.query(
            """
            SELECT c.log_position, s.tenant, \(unescaped: StoredEvent.columns)
            FROM event_chain c JOIN events e ON e.global_position = c.global_position
                 JOIN streams s ON s.stream_id = e.stream_id
            WHERE c.log_position > (SELECT coalesce(max(log_position), 0) FROM district_chain)
            ORDER BY c.log_position
            LIMIT \(batchSize)
            """,
            logger: logger
        )
        var links: [(logPosition: Int64, tenant: String, event: StoredEvent)] = []
        for try await row in rows.decode((Int64, String, Int64, String, Int64, UUID, String, Int32, String, String, Int64).self) {
            let stored = StoredEvent((row.2, row.3, row.4, row.5, row.6, row.7, row.8, row.9, row.10))
            links.append((row.0, row.1, stored))
        }
        guard !links.isEmpty else { return 0 }
        // Each district's head, one index probe per district of the batch.
        let tenants = Array(Set(links.map(\.tenant)))
        let heads = try await connection.query(
            """
            SELECT t, d.district_position, encode(d.hash, 'hex')
            FROM unnest(\(tenants)::text[]) AS t
            LEFT JOIN LATERAL (
                SELECT district_position, hash FROM district_chain WHERE tenant = t ORDER BY district_position DESC LIMIT 1
            ) d ON true
            """,
            logger: logger
        )
        var head: [String: (position: Int64, hash: [UInt8])] = [:]
        for try await (tenant, position, hash) in heads.decode((String, Int64?, String?).self) {
            head[tenant] = (position ?? 0, hash.flatMap { [UInt8](hex: $0) } ?? ChainHash.genesis)
        }
        var tenantColumn: [String] = []
        var districtPositions: [Int64] = []
        var logPositions: [Int64] = []
        var previousHashes: [String] = []
        var hashes: [String] = []
        for link in links {
            let previous = head[link.tenant] ?? (0, ChainHash.genesis)
            let hash = ChainHash.next(after: previous.hash, event: link.event)
            tenantColumn.append(link.tenant)
            districtPositions.append(previous.position + 1)
            logPositions.append(link.logPosition)
            previousHashes.append(previous.hash.hex)
            hashes.append(hash.hex)
            head[link.tenant] = (previous.position + 1, hash)
        }
        try await connection.query(
            """
            INSERT INTO district_chain (tenant, district_position, log_position, previous_hash, hash)
            SELECT t, d, l, decode(p, 'hex'), decode(h, 'hex')
            FROM unnest(\(tenantColumn)::text[], \(districtPositions)::bigint[], \(logPositions)::bigint[],
                        \(previousHashes)::text[], \(hashes)::text[]) AS x(t, d, l, p, h)
            """,
            logger: logger
        )
        return links.count
    }
}
