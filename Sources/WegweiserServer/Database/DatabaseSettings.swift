public import Configuration
import Foundation
public import LocalPostgres
public import Logging
import NIOSSL
public import PostgresNIO

/// Where the database is: a configured server (`database.url` / `DATABASE_URL`), or the local
/// cluster Wegweiser starts itself in `postgres.directory` when no URL is configured.
///
/// Configuration keys (environment variable / command-line flag in brackets):
/// - `database.url` (`DATABASE_URL`, `--database-url`): `postgres://user:password@host:port/db?sslmode=…`
///   with `sslmode` one of `disable`, `prefer` (default), `require`, `verify-full`.
/// - `database.pool.size` (`DATABASE_POOL_SIZE`): the most connections to hold (default 20).
/// - `postgres.directory` (`POSTGRES_DIRECTORY`): the local cluster's folder (default `.wegweiser/postgres`).
/// - `postgres.system.user` (`POSTGRES_SYSTEM_USER`): who the local cluster runs as when we are root (default `postgres`).
public enum DatabaseSettings: Sendable {
    /// Connect to a server that someone else runs.
    case external(PostgresClient.Configuration)
    /// Start (and stop) a private cluster.
    case local(LocalPostgres.Configuration, poolSize: Int)

    /// The default folder of the local cluster, relative to the working directory.
    public static let defaultLocalDirectory = ".wegweiser/postgres"

    /// Reads the settings from configuration.
    ///
    /// - Throws: ``DatabaseURLError`` for a URL that cannot be used.
    public init(reader: ConfigReader) throws {
        let poolSize = reader.int(forKey: "database.pool.size", default: 20)
        if let url = reader.string(forKey: "database.url", isSecret: true), !url.isEmpty {
            var configuration = try PostgresClient.Configuration(url: url)
            configuration.options.maximumConnections = poolSize
            self = .external(configuration)
        } else {
            let local = LocalPostgres.Configuration(
                directory: reader.string(forKey: "postgres.directory", default: Self.defaultLocalDirectory),
                systemUser: reader.string(forKey: "postgres.system.user", default: "postgres")
            )
            self = .local(local, poolSize: poolSize)
        }
    }
}

extension DatabaseSettings {
    /// The local cluster's folder, or `nil` with an external database.
    public var localDirectory: String? {
        guard case .local(let configuration, _) = self else { return nil }
        return configuration.directory
    }

    /// How to connect, after starting the local cluster if that is the configured database.
    ///
    /// - Returns: The client configuration, and the started local cluster (to stop at the end)
    ///   or `nil` with an external database.
    public func start(logger: Logger) async throws -> (configuration: PostgresClient.Configuration, local: RunningPostgres?) {
        switch self {
        case .external(let configuration):
            return (configuration, nil)
        case .local(let local, let poolSize):
            let server = try await LocalPostgres(configuration: local).start(logger: logger)
            var configuration = server.clientConfiguration()
            configuration.options.maximumConnections = poolSize
            return (configuration, server)
        }
    }
}

/// Why a database URL cannot be used.
public struct DatabaseURLError: Error, CustomStringConvertible {
    /// What is wrong with it (never the password).
    public let description: String
}

extension PostgresClient.Configuration {
    /// A client configuration from a `postgres://` or `postgresql://` URL.
    public init(url string: String) throws {
        guard let components = URLComponents(string: string), ["postgres", "postgresql"].contains(components.scheme ?? ""),
            let host = components.host, !host.isEmpty
        else {
            throw DatabaseURLError(description: "database URL must look like postgres://user:password@host:5432/database")
        }
        guard let user = components.user, !user.isEmpty else {
            throw DatabaseURLError(description: "database URL names no user")
        }
        let database = String(components.path.drop { $0 == "/" })
        let sslMode = components.queryItems?.first { $0.name == "sslmode" }?.value ?? "prefer"
        let tls: PostgresClient.Configuration.TLS
        switch sslMode {
        case "disable":
            tls = .disable
        case "prefer", "require":
            var unverified = TLSConfiguration.makeClientConfiguration()
            unverified.certificateVerification = .none
            tls = sslMode == "prefer" ? .prefer(unverified) : .require(unverified)
        case "verify-full":
            tls = .require(.makeClientConfiguration())
        default:
            throw DatabaseURLError(
                description: "database URL has sslmode=\(sslMode): use disable, prefer, require or verify-full"
            )
        }
        self.init(
            host: host,
            port: components.port ?? 5432,
            username: user,
            // URLComponents decodes user and password already; decoding again would turn "%41" into "A".
            password: components.password,
            database: database.isEmpty ? user : database,
            tls: tls
        )
    }
}
