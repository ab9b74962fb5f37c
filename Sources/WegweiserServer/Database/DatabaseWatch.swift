import EventStore
import Foundation
import Logging
import NIOCore
import NIOPosix
import OpenAPIRuntime
import PostgresNIO
import ServiceLifecycle
import Synchronization
import _ConnectionPoolModule

/// Knows whether PostgreSQL answers, so that requests do not wait on a database that is gone.
///
/// Every `interval` it asks `SELECT 1` over a client of its own (never the pool's, whose
/// connections may all be busy), allowing `timeout`. A lost connection or a server shutting
/// down marks the database gone. Without an answer in time it knocks at the server's port: a
/// refused knock marks it gone as well, an accepted one leaves the verdict as it was (a busy
/// or hanging database is met by the request deadline of ``LoadSheddingMiddleware``), and the
/// client is replaced, since its connection may be stuck. While the database is gone,
/// ``LoadSheddingMiddleware`` answers 503 with `Retry-After` at once and cancels the requests
/// that were waiting; when it answers again, so does the service, without a restart.
final class DatabaseWatch: Service, Sendable {
    /// How often the database is asked.
    let interval: Duration
    /// How long an answer or a knock may take.
    let timeout: Duration
    private let configuration: PostgresClient.Configuration
    private let answering = Mutex(true)
    private let logger: Logger

    /// A watch of the database `configuration` reaches.
    init(
        configuration: PostgresClient.Configuration,
        interval: Duration = .milliseconds(500),
        timeout: Duration = .seconds(1),
        logger: Logger
    ) {
        var configuration = configuration
        configuration.options.minimumConnections = 0
        configuration.options.maximumConnections = 1
        configuration.options.connectTimeout = timeout
        configuration.options.additionalStartupParameters = [("application_name", "wegweiser watch")]
        self.configuration = configuration
        self.interval = interval
        self.timeout = timeout
        self.logger = logger
    }

    /// Whether the database answered (or its port was open) at the last look.
    var isAnswering: Bool { answering.withLock { $0 } }

    func run() async throws {
        await cancelWhenGracefulShutdown {
            var probe = Probe(configuration: self.configuration, logger: self.logger)
            defer { probe.stop() }
            while !Task.isCancelled {
                let answered: Bool
                switch await self.ask(probe.client) {
                case .answered: answered = true
                case .refused: answered = false
                case .slow:
                    answered = await self.knock() && self.isAnswering
                    probe.stop()
                    probe = Probe(configuration: self.configuration, logger: self.logger)
                }
                let changed = self.answering.withLock { state in
                    defer { state = answered }
                    return state != answered
                }
                if changed {
                    if answered {
                        self.logger.notice("the database answers again")
                    } else {
                        self.logger.error("the database does not answer; requests are answered 503 until it does")
                    }
                }
                do { try await Task.sleep(for: self.interval) } catch { break }
            }
        }
    }

    /// A client of one connection, running in a task of its own so that it can be dropped
    /// even while one of its calls hangs.
    private struct Probe {
        let client: PostgresClient
        let task: Task<Void, Never>

        init(configuration: PostgresClient.Configuration, logger: Logger) {
            let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
            self.client = client
            self.task = Task { await client.run() }
        }

        func stop() { task.cancel() }
    }

    /// What one question got.
    private enum Answer {
        /// `SELECT 1` came back.
        case answered
        /// The connection was lost or refused, or the server is shutting down.
        case refused
        /// No answer within ``timeout``.
        case slow
    }

    /// Asks once.
    private func ask(_ client: PostgresClient) async -> Answer {
        do {
            try await abandoning(after: timeout) {
                _ = try await client.query("SELECT 1").collect()
            }
            return .answered
        } catch {
            return Self.isUnreachable(error) ? .refused : .slow
        }
    }

    /// Whether the server's port accepts a connection within ``timeout``.
    private func knock() async -> Bool {
        let bootstrap = ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(.milliseconds(Int64(timeout.components.seconds * 1000)))
        do {
            let channel: any Channel
            if let path = configuration.unixSocketPath {
                channel = try await bootstrap.connect(unixDomainSocketPath: path).get()
            } else {
                channel = try await bootstrap.connect(host: configuration.host ?? "127.0.0.1", port: configuration.port ?? 5432)
                    .get()
            }
            try? await channel.close()
            return true
        } catch {
            return false
        }
    }

    /// Whether `error` says the database cannot be reached (a lost or refused connection, a
    /// server shutting down, a pool that gave up connecting), as opposed to a fault of the
    /// request or a bug.
    static func isUnreachable(_ error: any Error) -> Bool {
        switch error {
        case let serverError as ServerError:
            return isUnreachable(serverError.underlyingError)
        case let transaction as PostgresTransactionError:
            let inner: [(any Error)?] = [transaction.beginError, transaction.closureError, transaction.commitError]
            return inner.contains { $0.map(isUnreachable) ?? false }
        case let psql as PSQLError:
            if [.connectionError, .serverClosedConnection, .clientClosedConnection, .uncleanShutdown, .poolClosed].contains(
                psql.code
            ) {
                return true
            }
            // Class 08 (connection exception), 57P01–57P03 (shutting down, starting up), 53300
            // (too many connections).
            guard let state = psql.serverInfo?[.sqlState] else { return false }
            return state.hasPrefix("08") || ["57P01", "57P02", "57P03", "53300"].contains(state)
        case is ConnectionPoolError, is ConnectionLost:
            return true
        default:
            return false
        }
    }
}
