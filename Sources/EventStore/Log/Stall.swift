public import Logging
public import PostgresNIO
import Synchronization

/// A call to the database that did not return within its limit, and was left behind.
public struct Stalled: Error, CustomStringConvertible {
    /// The limit it ran past.
    public let limit: Duration

    /// What happened.
    public var description: String { "no answer within \(limit); the call was abandoned" }
}

/// The result of `operation`, or ``Stalled`` after `limit`, or `CancellationError` when the
/// calling task is cancelled — without waiting for `operation` to end.
///
/// For background loops and probes only: PostgresNIO 1.33.2 can leave a query waiting for ever when the
/// server closes its connection while the query is in flight (seen when PostgreSQL stops or
/// restarts). Such a call is cancelled and abandoned (it runs on in an unstructured task,
/// holding its connection) so that the loop goes on and a graceful shutdown ends.
public func abandoning<T: Sendable>(
    after limit: Duration,
    _ operation: @escaping @Sendable () async throws -> T
) async throws -> T {
    let outcome = FirstOutcome<T>()
    let work = Task {
        do { outcome.settle(.success(try await operation())) } catch { outcome.settle(.failure(error)) }
    }
    let timer = Task {
        guard (try? await Task.sleep(for: limit)) != nil else { return }
        work.cancel()
        outcome.settle(.failure(Stalled(limit: limit)))
    }
    defer { timer.cancel() }
    return try await withTaskCancellationHandler {
        try await outcome.value()
    } onCancel: {
        work.cancel()
        outcome.settle(.failure(CancellationError()))
    }
}

/// The connection ran a call of ours when PostgreSQL closed it: the call was abandoned, and
/// its outcome is unknown (a `COMMIT` answered in the same moment may have taken effect; a
/// retry with the same idempotency key finds out).
public struct ConnectionLost: Error, CustomStringConvertible {
    /// What happened.
    public var description: String { "the database closed the connection during the call; its outcome is unknown" }
}

extension PostgresClient {
    /// `body` on a leased connection, returning or failing with ``ConnectionLost`` as soon as
    /// PostgreSQL closes that connection, without waiting for `body` to end.
    ///
    /// PostgresNIO 1.33.2 leaves a query waiting for ever when it is sent on a connection that
    /// has just been closed (its write never reaches the closed channel's handler; upstream's
    /// fix, vapor/postgres-nio#487, was reverted in #501). A request in a transaction when
    /// PostgreSQL restarts or terminates its backend then never got an answer. Here such a
    /// `body` is cancelled and left behind (suspended, holding nothing PostgreSQL still knows)
    /// and the caller goes on with ``ConnectionLost``; a `body` that finished in the same moment
    /// (within 50 ms) still gives its result. A cancelled caller still waits for `body`, which
    /// is cancelled too.
    public func withGuardedConnection<T: Sendable>(
        _ body: @escaping @Sendable (PostgresConnection) async throws -> T
    ) async throws -> T {
        try await withConnection { connection in
            let outcome = FirstOutcome<T>()
            let work = Task {
                do { outcome.settle(.success(try await body(connection))) } catch { outcome.settle(.failure(error)) }
            }
            let watch = ConnectionWatch.shared.watch(connection) {
                // An answer that arrived with the close (a COMMIT, then the connection ends) is
                // delivered to `body` a moment later: let it win.
                Task {
                    try? await Task.sleep(for: .milliseconds(50))
                    outcome.settle(.failure(ConnectionLost()))
                }
            }
            defer {
                ConnectionWatch.shared.unwatch(connection, watch)
                work.cancel()
            }
            // Cancelled, `body` is asked to stop and waited for: the connection goes back to the
            // pool only when nothing of ours uses it any more, or when it is closed.
            return try await withTaskCancellationHandler {
                try await outcome.value()
            } onCancel: {
                work.cancel()
            }
        }
    }

    /// `body` in a transaction (`BEGIN` … `COMMIT`, `ROLLBACK` when it throws) on a leased
    /// connection, as ``withGuardedConnection(_:)`` guards it; errors arrive as thrown, not
    /// wrapped.
    public func withGuardedTransaction<T: Sendable>(
        logger: Logger,
        _ body: @escaping @Sendable (PostgresConnection) async throws -> T
    ) async throws -> T {
        try await withGuardedConnection { connection in
            try await connection.query("BEGIN", logger: logger)
            let value: T
            do {
                value = try await body(connection)
            } catch {
                // A connection that is gone has rolled back by itself.
                if !connection.isClosed { _ = try? await connection.query("ROLLBACK", logger: logger) }
                throw error
            }
            try await connection.query("COMMIT", logger: logger)
            return value
        }
    }
}

extension PostgresClient {
    /// The rows of `query`, read whole on a connection ``withGuardedConnection(_:)`` guards:
    /// what `query(_:logger:)` answers, without waiting for ever on a connection PostgreSQL
    /// has just closed.
    public func guardedQuery(
        _ query: PostgresQuery,
        logger: Logger = Logger(label: "wegweiser.postgres", factory: { _ in SwiftLogNoOpLogHandler() })
    ) async throws -> GuardedRows {
        try await withGuardedConnection { connection in
            try await GuardedRows(try await connection.query(query, logger: logger))
        }
    }
}

/// Rows read whole, iterated and decoded as PostgresNIO's row sequence is.
public struct GuardedRows: AsyncSequence, Sendable {
    /// One row.
    public typealias Element = PostgresRow
    /// The rows.
    public let rows: [PostgresRow]

    /// `rows`, all of them.
    public init(rows: [PostgresRow]) { self.rows = rows }

    /// The rows of `sequence`, read whole (a query on a connection the caller guards).
    public init(_ sequence: PostgresRowSequence) async throws {
        var rows: [PostgresRow] = []
        for try await row in sequence { rows.append(row) }
        self.rows = rows
    }

    /// Iterates the rows.
    public struct AsyncIterator: AsyncIteratorProtocol {
        var base: IndexingIterator<[PostgresRow]>

        /// The next row.
        public mutating func next() async throws -> PostgresRow? { base.next() }
    }

    /// An iterator over the rows.
    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(base: rows.makeIterator()) }

    /// The rows decoded as `columns`.
    public func decode<each Column: PostgresDecodable>(
        _ columns: (repeat each Column).Type,
        file: String = #fileID,
        line: Int = #line
    ) -> AsyncThrowingMapSequence<GuardedRows, (repeat each Column)> {
        map { try $0.decode(columns, file: file, line: line) }
    }
}

/// The calls in flight on each pooled connection, told when it closes. One close callback per
/// connection, registered when a call first uses it: a callback per call would pile up on a
/// connection that lives for days (with each call's result).
private final class ConnectionWatch: Sendable {
    /// The one watch of the process.
    static let shared = ConnectionWatch()

    private let calls = Mutex<(next: Int, byConnection: [ObjectIdentifier: [Int: @Sendable () -> Void]])>((0, [:]))

    /// Calls `onClose` if `connection` closes before ``unwatch(_:_:)`` with the token returned.
    func watch(_ connection: PostgresConnection, onClose: @escaping @Sendable () -> Void) -> Int {
        let key = ObjectIdentifier(connection)
        let (token, first) = calls.withLock { calls -> (Int, Bool) in
            calls.next += 1
            let first = calls.byConnection[key] == nil
            calls.byConnection[key, default: [:]][calls.next] = onClose
            return (calls.next, first)
        }
        if first {
            connection.closeFuture.whenComplete { [self] _ in
                let waiting = calls.withLock { $0.byConnection.removeValue(forKey: key) } ?? [:]
                for onClose in waiting.values { onClose() }
            }
        }
        return token
    }

    /// Forgets the call of `token` on `connection`.
    func unwatch(_ connection: PostgresConnection, _ token: Int) {
        calls.withLock { _ = $0.byConnection[ObjectIdentifier(connection)]?.removeValue(forKey: token) }
    }
}

/// The first of several results, handed to whoever waits for it.
private final class FirstOutcome<T: Sendable>: Sendable {
    private let state = Mutex<(result: Result<T, any Error>?, waiter: CheckedContinuation<T, any Error>?)>((nil, nil))

    /// Keeps `result` unless one came first, and hands it to the waiter.
    func settle(_ result: Result<T, any Error>) {
        let waiter = state.withLock { state -> CheckedContinuation<T, any Error>? in
            guard state.result == nil else { return nil }
            state.result = result
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume(with: result)
    }

    /// The first result, once there is one.
    func value() async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let ready = state.withLock { state -> Result<T, any Error>? in
                if state.result == nil { state.waiter = continuation }
                return state.result
            }
            if let ready { continuation.resume(with: ready) }
        }
    }
}
