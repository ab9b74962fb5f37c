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
