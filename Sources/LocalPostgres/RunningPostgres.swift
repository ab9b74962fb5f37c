import Foundation
import Logging
public import PostgresNIO

/// A started ``LocalPostgres`` cluster: where to connect, and how to stop it.
public actor RunningPostgres {
    /// The configuration the cluster was started with.
    public nonisolated let configuration: LocalPostgres.Configuration
    /// The loopback port the cluster listens on.
    public nonisolated let port: Int
    /// The password of ``LocalPostgres/Configuration/username``.
    public nonisolated let password: String
    /// The folder of the PostgreSQL programs the cluster runs with (`pgbench` and
    /// `psql` sit there too).
    public nonisolated let binaryDirectory: String
    /// The postmaster, a child of this process.
    private let server: ChildProcess
    private let watchdog: ChildProcess
    private let layout: ClusterLayout
    private nonisolated let logger: Logger
    private var stopped = false

    init(
        configuration: LocalPostgres.Configuration,
        layout: ClusterLayout,
        binaryDirectory: String,
        server: ChildProcess,
        watchdog: ChildProcess,
        port: Int,
        password: String,
        logger: Logger
    ) {
        self.configuration = configuration
        self.layout = layout
        self.binaryDirectory = binaryDirectory
        self.server = server
        self.watchdog = watchdog
        self.port = port
        self.password = password
        self.logger = logger
    }

    /// The process id of the postmaster.
    public nonisolated var processID: pid_t { server.pid }

    /// The host to connect to: always the IPv4 loopback address.
    public nonisolated var host: String { "127.0.0.1" }

    /// A client configuration for `database` (by default the configured one) as `login` (by
    /// default the superuser), without TLS: the cluster listens on loopback only.
    public nonisolated func clientConfiguration(database: String? = nil, login: Login? = nil) -> PostgresClient.Configuration {
        PostgresClient.Configuration(
            host: host,
            port: port,
            username: login?.username ?? configuration.username,
            password: login?.password ?? password,
            database: database ?? configuration.database,
            tls: .disable
        )
    }

    /// A `postgres://` URL for `database` (by default the configured one) as `login` (by
    /// default the superuser).
    public nonisolated func url(database: String? = nil, login: Login? = nil) -> String {
        let username = login?.username ?? configuration.username
        let password = login?.password ?? password
        return "postgres://\(username):\(password)@\(host):\(port)/\(database ?? configuration.database)"
    }

    /// Another role's name and password, to connect as someone other than the superuser.
    public struct Login: Sendable {
        /// The role's name.
        public let username: String
        /// Its password (percent-encode it yourself if it holds characters a URL cannot).
        public let password: String

        /// The login of `username` with `password`.
        public init(username: String, password: String) {
            self.username = username
            self.password = password
        }
    }

    /// Creates `name` if it does not exist yet, optionally as a copy of `template`.
    ///
    /// - Parameters:
    ///   - name: A plain lower-case identifier (`[a-z_][a-z0-9_]*`).
    ///   - template: A database to copy; it must have no open connections.
    public func createDatabase(_ name: String, template: String? = nil) async throws {
        try Self.checkIdentifier(name)
        if let template { try Self.checkIdentifier(template) }
        try await withConnection(database: "postgres") { connection in
            let rows = try await connection.query("SELECT 1 FROM pg_database WHERE datname = \(name)", logger: logger)
            var exists = false
            for try await _ in rows { exists = true }
            if !exists {
                // Identifiers cannot be bound as parameters; both names were checked above.
                let templateClause = template.map { " TEMPLATE \($0)" } ?? ""
                try await connection.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name)\(templateClause)"), logger: logger)
            }
        }
    }

    /// Runs `body` on one new connection to `database` (by default the configured one) and
    /// closes the connection afterwards.
    @discardableResult
    public nonisolated func withConnection<Result: Sendable>(
        database: String? = nil,
        _ body: @Sendable (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        let connection = try await PostgresConnection.connect(
            configuration: PostgresConnection.Configuration(
                host: host,
                port: port,
                username: configuration.username,
                password: password,
                database: database ?? configuration.database,
                tls: .disable
            ),
            id: 1,
            logger: logger
        )
        do {
            let result = try await body(connection)
            try await connection.close()
            return result
        } catch {
            try? await connection.close()
            throw error
        }
    }

    /// Stops the cluster (fast shutdown: open sessions end, committed data stays) and, if so
    /// configured, removes its folder. Calling it again does nothing.
    ///
    /// - Throws: ``LocalPostgresError/stopFailed(directory:output:)`` if the server needed an
    ///   immediate shutdown after a minute.
    public func stop() async throws {
        guard !stopped else { return }
        stopped = true
        server.send(SIGINT)
        let status = try? await server.wait(timeout: .seconds(60))
        if status == nil {
            server.send(SIGQUIT)
            _ = await server.wait()
        }
        // The watchdog sees the lock file gone and ends within a second.
        _ = await watchdog.wait()
        if configuration.removeWhenStopped {
            try? FileManager.default.removeItem(atPath: layout.directory)
        }
        guard status != nil else {
            throw LocalPostgresError.stopFailed(directory: layout.dataDirectory, output: "no fast shutdown within a minute")
        }
        logger.info("local PostgreSQL stopped", metadata: ["directory": "\(layout.directory)"])
    }

    private static func checkIdentifier(_ name: String) throws {
        let allowed = name.utf8.allSatisfy { byte in
            (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
                || byte == UInt8(ascii: "_")
        }
        guard allowed, let first = name.utf8.first, !(first >= UInt8(ascii: "0") && first <= UInt8(ascii: "9")),
            name.utf8.count <= 63
        else { throw LocalPostgresError.invalidDatabaseName(name) }
    }
}
