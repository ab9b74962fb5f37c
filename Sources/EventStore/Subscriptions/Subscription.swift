import Logging
public import PostgresNIO

/// A named reader of the whole log that catches up from its stored checkpoint and then follows
/// new events, woken by appends in this process, by `NOTIFY` from the sequencer in any
/// process, and by polling (so it also works where `LISTEN` is unavailable, e.g. behind a
/// transaction pooler).
///
/// Exactly-once effects: each batch is handed to the handler inside a transaction, and the
/// checkpoint is stored in that same transaction. If the handler throws, neither its writes
/// nor the checkpoint are kept, and the batch comes again.
public struct Subscription: Sendable {
    /// Handles one batch of events on the connection of the transaction that will store the
    /// checkpoint; write the batch's effects on that connection.
    public typealias Handler = @Sendable ([RecordedEvent], PostgresConnection) async throws -> Void

    /// The subscription's name, under which its checkpoint is stored.
    public let name: String
    /// The log it reads.
    public let store: EventStore
    /// The most events per batch.
    public let batchSize: Int
    /// How long to wait for a wake-up before looking again.
    public let pollInterval: Duration
    /// Whether to listen for `NOTIFY` from the sequencer.
    public let listens: Bool

    /// A subscription called `name` on `store`.
    public init(name: String, store: EventStore, batchSize: Int = 500, pollInterval: Duration = .seconds(1), listens: Bool = true)
    {
        self.name = name
        self.store = store
        self.batchSize = batchSize
        self.pollInterval = pollInterval
        self.listens = listens
    }

    /// The stored checkpoint (the start of the log if none is stored).
    public func checkpoint() async throws -> Checkpoint {
        let rows = try await store.client.guardedQuery(
            "SELECT transaction_id::text, global_position FROM subscription_checkpoints WHERE subscription = \(name)",
            logger: store.logger
        )
        for try await (transaction, position) in rows.decode((String, Int64).self) {
            return Checkpoint(transactionID: UInt64(transaction) ?? 0, position: position)
        }
        return .start
    }

    /// Hands every event after the checkpoint to `handler`, batch by batch, until the task is
    /// cancelled.
    public func run(_ handler: @escaping Handler) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            if listens {
                group.addTask { await listen() }
            }
            defer { group.cancelAll() }
            try await follow(handler)
        }
    }

    /// Handles the events there are now, then returns how many it handled.
    @discardableResult
    public func catchUp(_ handler: @escaping Handler) async throws -> Int {
        var handled = 0
        while true {
            let count = try await handleNextBatch(handler)
            handled += count
            if count < batchSize { return handled }
        }
    }

    private func follow(_ handler: @escaping Handler) async throws {
        while !Task.isCancelled {
            let generation = store.appended.generation
            if try await handleNextBatch(handler) == batchSize { continue }
            await store.appended.wait(after: generation, timeout: pollInterval)
        }
    }

    /// Reads one batch after the stored checkpoint and hands it over in a transaction that
    /// also stores the new checkpoint. The checkpoint row is locked first, so two instances
    /// of one subscription never both handle a batch.
    private func handleNextBatch(_ handler: @escaping Handler) async throws -> Int {
        let logger = store.logger
        return try await store.client.withGuardedTransaction(logger: logger) { connection in
            try await connection.query(
                """
                INSERT INTO subscription_checkpoints (subscription, transaction_id, global_position)
                VALUES (\(name), '0'::xid8, 0) ON CONFLICT (subscription) DO NOTHING
                """,
                logger: logger
            )
            var checkpoint = Checkpoint.start
            let rows = try await connection.query(
                """
                SELECT transaction_id::text, global_position FROM subscription_checkpoints
                WHERE subscription = \(name) FOR UPDATE
                """,
                logger: logger
            )
            for try await (transaction, position) in rows.decode((String, Int64).self) {
                checkpoint = Checkpoint(transactionID: UInt64(transaction) ?? 0, position: position)
            }
            let events = try await store.readAll(after: checkpoint, limit: batchSize, on: connection)
            guard let last = events.last?.checkpoint else { return 0 }
            try await handler(events, connection)
            try await connection.query(
                """
                UPDATE subscription_checkpoints
                SET transaction_id = \(String(last.transactionID))::xid8, global_position = \(last.position), updated_at = now()
                WHERE subscription = \(name)
                """,
                logger: logger
            )
            return events.count
        }
    }

    /// Rings the store's doorbell on every `NOTIFY` until cancelled; on failure, logs and
    /// leaves the work to polling.
    private func listen() async {
        do {
            try await store.client.withGuardedConnection { connection in
                try await connection.listen(on: ChainSequencer.channel) { notifications in
                    for try await _ in notifications { store.appended.ring() }
                }
            }
        } catch is CancellationError {
            return
        } catch {
            store.logger.warning(
                "LISTEN unavailable, subscription falls back to polling",
                metadata: ["subscription": "\(name)", "error": "\(error)"]
            )
        }
    }
}
