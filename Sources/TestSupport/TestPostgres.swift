import EventStore
import Foundation
public import LocalPostgres
import Logging
public import PostgresNIO
public import Testing

/// The throwaway PostgreSQL of a test run: one ``LocalPostgres`` cluster in a temporary folder,
/// started by the first suite marked ``Testing/Trait/postgres`` and stopped (folder removed) when
/// the last one ends. Every test gets its own database from ``database(migrated:)``, so tests
/// can run in parallel without sharing mutable state.
public actor TestPostgres {
    /// The cluster of this test process.
    public static let shared = TestPostgres()

    private var users = 0
    private var starting: Task<RunningPostgres, any Error>?
    private var templateReady: Task<Void, any Error>?
    private var nextDatabase = 0
    private let logger: Logger = {
        var logger = Logger(label: "test-postgres")
        logger.logLevel = .warning
        return logger
    }()

    /// The template every migrated test database is copied from.
    static let template = "wegweiser_template"

    /// The role the server connects as in tests, with the privileges of production's
    /// (``ApplicationRole``): the migrated databases grant it exactly those.
    static let application = RunningPostgres.Login(username: ApplicationRole.defaultName, password: "wegweiser-app-test")

    /// Runs `body` while the cluster is up; the last user out stops it.
    func withCluster(_ body: () async throws -> Void) async throws {
        _ = try await acquire()
        do {
            try await body()
        } catch {
            try await release()
            throw error
        }
        try await release()
    }

    /// The running cluster (it must be held by a suite marked `.postgres`).
    public func cluster() async throws -> RunningPostgres {
        guard let starting else { throw TestPostgresError.notHeld }
        return try await starting.value
    }

    /// A new, empty database of its own; with `migrated`, holding every bundled migration.
    public func database(migrated: Bool = true) async throws -> TestDatabase {
        let server = try await cluster()
        nextDatabase += 1
        let name = "test_\(nextDatabase)"
        if migrated {
            try await migratedTemplate(on: server)
            try await server.createDatabase(name, template: Self.template)
        } else {
            try await server.createDatabase(name, template: "template0")
        }
        return TestDatabase(
            name: name,
            configuration: server.clientConfiguration(database: name),
            url: server.url(database: name),
            applicationURL: server.url(database: name, login: Self.application)
        )
    }

    private func acquire() async throws -> RunningPostgres {
        users += 1
        if starting == nil {
            let logger = logger
            starting = Task {
                let directory = FileManager.default.temporaryDirectory
                    .appendingPathComponent("wegweiser-tests-\(getpid())-\(UUID().uuidString.prefix(8))").path
                let configuration = LocalPostgres.Configuration(
                    directory: directory,
                    durable: false,
                    removeWhenStopped: true,
                    // Every suite runs in parallel, each application with its pool (up to 20),
                    // its database watch and listeners: a full run peaked at about 310.
                    maxConnections: 800
                )
                return try await LocalPostgres(configuration: configuration).start(logger: logger)
            }
        }
        return try await cluster()
    }

    private func release() async throws {
        users -= 1
        guard users == 0, let starting else { return }
        self.starting = nil
        templateReady = nil
        try await starting.value.stop()
    }

    private func migratedTemplate(on server: RunningPostgres) async throws {
        if templateReady == nil {
            let logger = logger
            templateReady = Task {
                try await server.createDatabase(Self.template, template: "template0")
                let client = PostgresClient(configuration: server.clientConfiguration(database: Self.template))
                let role = try ApplicationRole(name: Self.application.username)
                try await withThrowingDiscardingTaskGroup { group in
                    group.addTask { await client.run() }
                    // The role is the cluster's; the template (and so every copy) holds its grants.
                    try await client.query(PostgresQuery(unsafeSQL: role.creation(password: Self.application.password)))
                    try await Migrator.bundled().migrate(on: client, grantingTo: role, logger: logger)
                    group.cancelAll()
                }
            }
        }
        guard let templateReady else { return }
        try await templateReady.value
    }
}

/// One test's own database.
public struct TestDatabase: Sendable {
    /// The database name.
    public let name: String
    /// How to connect to it.
    public let configuration: PostgresClient.Configuration
    /// The same as a `postgres://` URL (as the cluster's superuser, who owns the schema).
    public let url: String
    /// A `postgres://` URL for the application role (``ApplicationRole``), as the server
    /// connects in production.
    public let applicationURL: String

    /// Runs `body` with a running connection pool to this database, as its owner.
    public func withClient<T: Sendable>(_ body: @Sendable (PostgresClient) async throws -> T) async throws -> T {
        try await Self.withClient(configuration, body)
    }

    /// Runs `body` with a running connection pool of `configuration` (e.g. another role's).
    public static func withClient<T: Sendable>(
        _ configuration: PostgresClient.Configuration,
        _ body: @Sendable (PostgresClient) async throws -> T
    ) async throws -> T {
        let client = PostgresClient(configuration: configuration)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            return try await body(client)
        }
    }
}

/// Misuse of ``TestPostgres``.
public enum TestPostgresError: Error, CustomStringConvertible {
    /// A test asked for a database outside a suite marked `.postgres`.
    case notHeld

    /// What to do about it.
    public var description: String {
        "no test cluster is running: mark the suite with @Suite(.postgres)"
    }
}

/// Starts the test cluster for a suite (or test) and stops it after the last one using it.
public struct PostgresTrait: SuiteTrait, TestTrait, TestScoping {
    /// Once for the suite, not for each test in it.
    public var isRecursive: Bool { false }

    /// Holds the cluster while the suite runs.
    public func provideScope(
        for test: Test,
        testCase: Test.Case?,
        performing function: @Sendable () async throws -> Void
    ) async throws {
        try await TestPostgres.shared.withCluster(function)
    }
}

extension Trait where Self == PostgresTrait {
    /// Runs the suite with the shared throwaway PostgreSQL cluster up.
    public static var postgres: Self { PostgresTrait() }
}
