public import Configuration

/// How much the server takes on: bounds on requests, time and connections, read from
/// configuration. Every one has a default that suits one district on two cores.
///
/// Keys (environment variable / flag in brackets):
/// - `http.body.limit` (`HTTP_BODY_LIMIT`): the most bytes of a request body (default 1 MiB);
///   larger bodies answer 413 before they are read.
/// - `http.requests.limit` (`HTTP_REQUESTS_LIMIT`): the most operations worked at once (default
///   64); beyond it requests answer 503 with `Retry-After` at once.
/// - `http.request.deadline.seconds` (`HTTP_REQUEST_DEADLINE_SECONDS`): how long one operation
///   may take before it answers 503 and its work is cancelled (default 10).
/// - `http.idle.timeout.seconds` (`HTTP_IDLE_TIMEOUT_SECONDS`): idle and half-sent connections
///   are closed after this (default 30).
/// - `http.shutdown.grace.seconds` (`HTTP_SHUTDOWN_GRACE_SECONDS`): on SIGINT/SIGTERM, how long
///   requests in flight may still finish before they are cancelled (default 2).
/// - `database.statement.timeout.seconds` (`DATABASE_STATEMENT_TIMEOUT_SECONDS`): PostgreSQL's
///   `statement_timeout` for the server's connections (default 15; migrations are exempt).
public struct ServerLimits: Sendable {
    /// The most bytes of a request body.
    public var bodyLimit: Int
    /// The most bytes of a request URI.
    public var uriLimit = 8 * 1024
    /// The most bytes of all request headers.
    public var headerLimit = 16 * 1024
    /// The most operations worked at once.
    public var requestsInFlight: Int
    /// How long one operation may take.
    public var deadline: Duration
    /// After how long without traffic a connection is closed.
    public var idleTimeout: Duration
    /// How long requests in flight may finish after a shutdown signal.
    public var shutdownGrace: Duration
    /// PostgreSQL's statement timeout for the server's connections.
    public var statementTimeout: Duration

    /// The limits in `reader`, or their defaults.
    ///
    /// - Throws: ``ConfigurationError`` for a limit that is not positive.
    public init(reader: ConfigReader) throws {
        func positive(_ key: String, _ fallback: Double) throws -> Double {
            let value = reader.double(forKey: ConfigKey(key), default: fallback)
            guard value > 0 else { throw ConfigurationError("\(key) must be positive, not \(value)") }
            return value
        }
        bodyLimit = Int(try positive("http.body.limit", 1_048_576))
        requestsInFlight = Int(try positive("http.requests.limit", 64))
        deadline = .milliseconds(Int64(try positive("http.request.deadline.seconds", 10) * 1000))
        idleTimeout = .milliseconds(Int64(try positive("http.idle.timeout.seconds", 30) * 1000))
        shutdownGrace = .milliseconds(Int64(try positive("http.shutdown.grace.seconds", 2) * 1000))
        statementTimeout = .milliseconds(Int64(try positive("database.statement.timeout.seconds", 15) * 1000))
    }
}

extension Duration {
    /// The duration in whole milliseconds.
    var milliseconds: Int64 {
        components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000
    }
}
