public import EventStore
import Foundation
public import Logging
import PostgresNIO

/// Rebuilds read models from the whole log while the API keeps serving: fills fresh copies of
/// their tables in a schema of their own, follows the log until it has caught up, and then, in
/// one transaction that briefly holds the live tables, applies the last events and switches the
/// copies in. Writes that commit meanwhile are not lost: those before the switch are in the
/// copies, those after it write into them.
///
/// The copies keep the live tables' columns, checks, indexes, constraint names, triggers and
/// grants (the application role's, ``ApplicationRole``); the owner of the tables runs it.
/// Projections write unqualified table names; during a rebuild the copies' schema comes first
/// in `search_path`.
public struct Rebuild: Sendable {
    /// What a rebuild has done so far.
    public struct Progress: Sendable {
        /// Events read from the log.
        public var events: Int
        /// Events in the log when the rebuild began (an estimate of the work).
        public var total: Int
        /// Time since the rebuild began.
        public var elapsed: Duration
        /// Whether the copies have been switched in.
        public var switched: Bool

        /// Events per second so far.
        public var rate: Double {
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            return seconds > 0 ? Double(events) / seconds : 0
        }

        /// The time the rest will take at the rate so far.
        public var remaining: Duration? {
            rate > 0 ? .seconds(Double(max(total - events, 0)) / rate) : nil
        }
    }

    /// The schema the copies are built in.
    public static let schema = "wegweiser_rebuild"

    /// The log.
    public let store: EventStore
    /// The projections to rebuild.
    public let projections: [any Projection]
    /// Events per transaction while catching up.
    public let batchSize: Int
    /// The per-person keys, for projections that read personal parts (the search index).
    public let keys: KeyStore?
    let logger: Logger

    /// A rebuild of `projections` from `store`, opening personal parts with `keys` where a
    /// projection needs them.
    public init(store: EventStore, projections: [any Projection], keys: KeyStore? = nil, batchSize: Int = 2000, logger: Logger) {
        self.store = store
        self.projections = projections
        self.keys = keys
        self.batchSize = batchSize
        self.logger = logger
    }

    /// Runs the rebuild; `progress` is called after every batch and once after the switch.
    ///
    /// - Returns: The last progress.
    @discardableResult
    public func run(progress: @Sendable (Progress) -> Void = { _ in }) async throws -> Progress {
        let started = ContinuousClock.now
        let client = store.client
        let tables = projections.flatMap(\.tables)
        let home = try await prepareCopies(of: tables)
        var state = Progress(events: 0, total: try await eventCount(), elapsed: .zero, switched: false)
        try await inCopies(home) { context in
            for projection in projections { try await projection.replayBegins(in: context) }
        }
        var checkpoint = try await catchUp(from: .start, home: home, progress: &state, started: started, report: progress)
        try await inCopies(home) { context in
            for projection in projections { try await projection.replayCaughtUp(in: context) }
        }
        checkpoint = try await catchUp(from: checkpoint, home: home, progress: &state, started: started, report: progress)
        let last = try await client.withTransaction(logger: logger) { connection in
            let live = tables.map { "\(home).\($0)" }.joined(separator: ", ")
            // Writers of these read models now wait; each has written its rows before it
            // commits, so every event they commit before this lock is visible below.
            try await connection.query("LOCK TABLE \(unescaped: live) IN ACCESS EXCLUSIVE MODE", logger: logger)
            try await connection.query("SET LOCAL search_path TO \(unescaped: Self.schema), \(unescaped: home)", logger: logger)
            let events = try await store.readCommitted(after: checkpoint, on: connection)
            try await apply(events, in: ProjectionContext(connection: connection, logger: logger, keys: keys))
            for table in tables {
                try await connection.query("DROP TABLE \(unescaped: home).\(unescaped: table)", logger: logger)
                try await connection.query(
                    "ALTER TABLE \(unescaped: Self.schema).\(unescaped: table) SET SCHEMA \(unescaped: home)",
                    logger: logger
                )
            }
            try await connection.query("DROP SCHEMA \(unescaped: Self.schema)", logger: logger)
            return events.count
        }
        state.events += last
        state.elapsed = ContinuousClock.now - started
        state.switched = true
        progress(state)
        return state
    }

    /// Applies the log from `checkpoint` on to the copies, a batch per transaction, until a batch
    /// comes back short; returns the checkpoint of the last event applied. The copies' statistics
    /// are refreshed as they grow (after batch 1, 2, 4, 8, …), so that their indexes are used.
    private func catchUp(
        from checkpoint: Checkpoint,
        home: String,
        progress state: inout Progress,
        started: ContinuousClock.Instant,
        report: (Progress) -> Void
    ) async throws -> Checkpoint {
        var checkpoint = checkpoint
        var batches = 0
        // The next batch is read (and its rows decoded) while the projections apply this one.
        let readAhead = { @Sendable [store, batchSize] (after: Checkpoint) in
            Task { try await store.readAll(after: after, limit: batchSize) }
        }
        var next = readAhead(checkpoint)
        while true {
            let events = try await next.value
            if events.count == batchSize, let last = events.last?.checkpoint { next = readAhead(last) }
            try await inCopies(home) { context in try await apply(events, in: context) }
            batches += 1
            if batches & (batches - 1) == 0 {
                for table in projections.flatMap(\.tables) {
                    try await store.client.query("ANALYZE \(unescaped: Self.schema).\(unescaped: table)", logger: logger)
                }
            }
            checkpoint = events.last?.checkpoint ?? checkpoint
            state.events += events.count
            state.elapsed = ContinuousClock.now - started
            report(state)
            if events.count < batchSize { return checkpoint }
        }
    }

    /// Runs `body` in a transaction whose unqualified table names are the copies'.
    private func inCopies(_ home: String, _ body: @escaping @Sendable (ProjectionContext) async throws -> Void) async throws {
        try await store.client.withTransaction(logger: logger) { connection in
            try await connection.query("SET LOCAL search_path TO \(unescaped: Self.schema), \(unescaped: home)", logger: logger)
            try await body(ProjectionContext(connection: connection, logger: logger, keys: keys))
        }
    }

    /// Hands `events` to each projection that handles them, the projections side by side (each
    /// writes only its own tables; their statements take turns on the one connection).
    private func apply(_ events: [RecordedEvent], in context: ProjectionContext) async throws {
        try await withThrowingTaskGroup { group in
            for projection in projections {
                let handled = events.filter { projection.handles($0.type) }
                if !handled.isEmpty { group.addTask { try await projection.apply(handled, in: context) } }
            }
            try await group.waitForAll()
        }
    }

    /// Makes empty copies of the live `tables` in ``schema`` (replacing any left by a rebuild
    /// that stopped), with the same checks, indexes, constraint names, triggers, storage settings
    /// and grants.
    ///
    /// - Returns: The live tables' schema.
    private func prepareCopies(of tables: [String]) async throws -> String {
        try await store.client.withTransaction(logger: logger) { connection in
            var home = "public"
            for try await (schema, ) in try await connection.query("SELECT current_schema()", logger: logger).decode(
                (String,).self
            ) {
                home = schema
            }
            try await connection.query("DROP SCHEMA IF EXISTS \(unescaped: Self.schema) CASCADE", logger: logger)
            try await connection.query("CREATE SCHEMA \(unescaped: Self.schema)", logger: logger)
            for table in tables {
                let live = "\(home).\(table)"
                let copy = "\(Self.schema).\(table)"
                // Names of our own tables and schemas, constants of the projections: no input.
                try await connection.query(
                    "CREATE TABLE \(unescaped: copy) (LIKE \(unescaped: live) INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING STORAGE)",
                    logger: logger
                )
                var statements: [String] = []
                let definitions = try await connection.query(
                    """
                    SELECT 'ALTER TABLE ' || \(copy) || ' SET (' || array_to_string(c.reloptions, ', ') || ')'
                    FROM pg_class c WHERE c.oid = \(live)::regclass AND c.reloptions IS NOT NULL
                    UNION ALL
                    SELECT 'ALTER TABLE ' || \(copy) || ' ADD CONSTRAINT ' || quote_ident(c.conname) || ' '
                           || pg_get_constraintdef(c.oid)
                    FROM pg_constraint c WHERE c.conrelid = \(live)::regclass AND c.contype IN ('p', 'u', 'x')
                    UNION ALL
                    SELECT regexp_replace(pg_get_indexdef(i.indexrelid), ' ON (ONLY )?\\S+ USING ', ' ON ' || \(copy) || ' USING ')
                    FROM pg_index i WHERE i.indrelid = \(live)::regclass
                      AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
                    UNION ALL
                    SELECT regexp_replace(pg_get_triggerdef(t.oid), ' ON \\S+ ', ' ON ' || \(copy) || ' ')
                    FROM pg_trigger t WHERE t.tgrelid = \(live)::regclass AND NOT t.tgisinternal
                    UNION ALL
                    SELECT 'GRANT ' || a.privilege_type || ' ON ' || \(copy) || ' TO ' || quote_ident(r.rolname)
                    FROM pg_class c CROSS JOIN LATERAL aclexplode(c.relacl) a JOIN pg_roles r ON r.oid = a.grantee
                    WHERE c.oid = \(live)::regclass AND a.grantee <> c.relowner
                    """,
                    logger: logger
                )
                for try await (statement, ) in definitions.decode((String,).self) { statements.append(statement) }
                for statement in statements {
                    // Definitions PostgreSQL printed of our own schema, moved to the copy.
                    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                }
            }
            return home
        }
    }

    /// How many events the log holds.
    private func eventCount() async throws -> Int {
        for try await (count, ) in try await store.client.query("SELECT count(*) FROM events", logger: logger).decode((Int,).self)
        {
            return count
        }
        return 0
    }
}
