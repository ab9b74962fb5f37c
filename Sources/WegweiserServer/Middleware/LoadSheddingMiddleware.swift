import Foundation
import HTTPTypes
import OpenAPIRuntime
import ServiceLifecycle
import Synchronization

/// Keeps the server answering under any load: at most `limit` operations are worked at once,
/// and any beyond that answer 503 with `Retry-After` at once instead of queueing; each
/// operation gets `deadline`, after which it answers 503 and its work is cancelled; work for a
/// client whose connection closed is cancelled at once (``ConnectionWatch``). The
/// health probes are neither counted nor limited, so `/health/live` answers under overload.
///
/// An operation that runs past its deadline is still counted until its work has actually
/// stopped, so abandoned work can never pile up beyond `limit`. On graceful shutdown (SIGINT,
/// SIGTERM) operations in flight get `shutdownGrace` to finish, then are cancelled and answer
/// 503, so the server stops within seconds under any load.
struct LoadSheddingMiddleware: ServerMiddleware {
    /// The operations that are always answered.
    static let exempt: Set<String> = ["getLiveness", "getReadiness"]
    /// Operations that need no database, answered while it is gone.
    static let withoutDatabase: Set<String> = ["getOpenAPIDocument", "getDevelopmentJWKS", "getCheckpointKey", "getMetrics"]

    /// The most operations worked at once.
    let limit: Int
    /// How long one operation may take.
    let deadline: Duration
    /// How long operations in flight may finish after a shutdown signal.
    let shutdownGrace: Duration
    /// The operations being worked now.
    let inFlight = InFlight()
    /// Whether the database answers; while it does not, operations answer 503 at once.
    var database: DatabaseWatch? = nil

    func intercept(
        _ request: HTTPRequest,
        body: HTTPBody?,
        metadata: ServerRequestMetadata,
        operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        if Self.exempt.contains(operationID) { return try await next(request, body, metadata) }
        let database = Self.withoutDatabase.contains(operationID) ? nil : database
        if let database, !database.isAnswering { throw Problem.databaseUnavailable() }
        guard inFlight.enter(limit: limit) else {
            throw Problem.overloaded("The server is at its limit of \(limit) requests at once; try again shortly.")
        }
        defer { inFlight.leave() }
        return try await withoutActuallyEscaping(next) { next in
            try await Self.within(deadline, shutdownGrace: shutdownGrace, database: database) {
                try await next(request, body, metadata)
            }
        }
    }

    /// How a worked operation ended.
    private enum Outcome<T: Sendable>: Sendable {
        /// It finished (or failed) by itself.
        case finished(Result<T, any Error>)
        /// Its deadline passed.
        case deadlineExceeded
        /// The server is shutting down and the grace period passed.
        case shuttingDown
        /// The client closed the connection.
        case clientGone
        /// The database stopped answering.
        case databaseGone
        /// A watcher that was no longer needed.
        case none
    }

    /// The value of `work`, unless `deadline` passes first, a graceful shutdown began
    /// `shutdownGrace` ago, the client went away or the `database` stopped answering: then
    /// `work` is cancelled and, once it has stopped, the answer is a 503 (499 for the client
    /// that is no longer there). The work is never left running behind an answer.
    static func within<T: Sendable>(
        _ deadline: Duration,
        shutdownGrace: Duration,
        database: DatabaseWatch? = nil,
        work: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        let outcome = await withTaskGroup(of: Outcome<T>.self) { group in
            group.addTask {
                do { return .finished(.success(try await work())) } catch { return .finished(.failure(error)) }
            }
            group.addTask {
                do { try await Task.sleep(for: deadline) } catch { return .none }
                return .deadlineExceeded
            }
            group.addTask {
                do {
                    try await gracefulShutdown()
                    try await Task.sleep(for: shutdownGrace)
                } catch { return .none }
                return .shuttingDown
            }
            group.addTask {
                guard let connection = ConnectionWatch.current else { return .none }
                return await connection.gone() ? .clientGone : .none
            }
            group.addTask {
                guard let database else { return .none }
                while database.isAnswering {
                    do { try await Task.sleep(for: .milliseconds(100)) } catch { return .none }
                }
                return .databaseGone
            }
            var first = Outcome<T>.none
            while let next = await group.next() {
                if case .none = next { continue }
                first = next
                break
            }
            group.cancelAll()
            return first
        }
        switch outcome {
        case .finished(let result):
            return try result.get()
        case .deadlineExceeded:
            throw Problem.deadlineExceeded(seconds: Double(deadline.milliseconds) / 1000)
        case .databaseGone:
            throw Problem.databaseUnavailable()
        case .shuttingDown, .none:
            throw Problem.overloaded("The request was cancelled: the server is shutting down.")
        case .clientGone:
            throw Problem(
                slug: "client-closed-request",
                title: "Client closed request",
                status: 499,
                detail: "The client closed the connection; the work for it was cancelled."
            )
        }
    }
}

/// A count of operations in flight.
final class InFlight: Sendable {
    private let count = Atomic<Int>(0)

    /// Counts one more unless `limit` are in flight already; whether it was counted.
    func enter(limit: Int) -> Bool {
        let (_, after) = count.add(1, ordering: .relaxed)
        guard after > limit else { return true }
        count.subtract(1, ordering: .relaxed)
        return false
    }

    /// Counts one fewer.
    func leave() {
        count.subtract(1, ordering: .relaxed)
    }

    /// How many are in flight now.
    var current: Int { count.load(ordering: .relaxed) }
}
