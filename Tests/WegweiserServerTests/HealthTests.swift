import Configuration
import EventStore
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import PostgresNIO
import TestSupport
import Testing

@testable import WegweiserServer

@Suite("Health, contract and errors over HTTP", .postgres)
struct HealthTests {
    /// The application as `wegweiser serve` builds it, on this test's own database.
    static func application(database: TestDatabase) async throws -> some ApplicationProtocol {
        try await buildApplication(reader: TestApp.reader(database: database, extra: ["demo.data": false]))
    }

    /// A handler over `client`, for routes served without the application's start-up.
    static func handler(_ client: PostgresClient) throws -> APIHandler {
        let logger = Logger(label: "test")
        let master = MasterKey.random()
        return APIHandler(
            database: client,
            migrator: try .bundled(),
            eventStore: EventStore(client: client, logger: logger),
            keys: KeyStore(client: client, master: master, logger: logger),
            checkpointSigner: try CheckpointSigner(derivedFrom: master),
            idempotency: IdempotencyPolicy(master: master),
            logger: logger
        )
    }

    @Test("with an external database and no master key the server refuses to start, saying what to set")
    func masterKeyRequired() async throws {
        let database = try await TestPostgres.shared.database(migrated: false)
        let reader = ConfigReader(
            provider: InMemoryProvider(values: ["database.url": .init(.string(database.url), isSecret: true)])
        )
        let error = await #expect(throws: KeyStoreError.self) { try await buildApplication(reader: reader) }
        #expect(error?.description.contains("KEYS_MASTER_FILE") == true)
    }

    @Test("liveness answers 200 with the server's request id and echoes the caller's as the correlation id")
    func liveness() async throws {
        let app = try await Self.application(database: TestPostgres.shared.database())
        try await app.test(.router) { client in
            try await client.execute(uri: "/health/live", method: .get, headers: [.init("X-Request-ID")!: "abc-123"]) {
                response in
                #expect(response.status == .ok)
                #expect(response.headers[.init("X-Request-ID")!]?.count == 36)
                #expect(response.headers[.init("X-Correlation-ID")!] == "abc-123")
                #expect(String(buffer: response.body).contains("\"pass\""))
            }
        }
    }

    @Test("readiness answers 200 once start-up has applied the migrations (connected as the schema's owner)")
    func readyAfterMigrations() async throws {
        let database = try await TestPostgres.shared.database(migrated: false)
        let app = try await buildApplication(
            reader: TestApp.reader(
                database: database,
                extra: ["demo.data": false, "database.url": .init(.string(database.url + "?sslmode=disable"), isSecret: true)]
            )
        )
        let latest = try Migrator.bundled().migrations.last?.version
        try await app.test(.router) { client in
            try await client.execute(uri: "/health/ready", method: .get) { response in
                #expect(response.status == .ok)
                let body = try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any]
                #expect(body?["schema_version"] as? Int == latest)
                #expect(response.headers[.init("X-Request-ID")!]?.isEmpty == false)
            }
        }
    }

    @Test("readiness answers 503 problem+json while migrations are pending")
    func notReadyWhilePending() async throws {
        let database = try await TestPostgres.shared.database(migrated: false)
        let client = PostgresClient(configuration: database.configuration)
        let handler = try Self.handler(client)
        let app = Application(
            router: try buildRouter(
                handler: handler,
                authentication: TestApp.authentication(client: client),
                limits: ServerLimits(reader: ConfigReader(provider: InMemoryProvider(values: [:])))
            ),
            services: [client]
        )
        try await app.test(.router) { client in
            try await client.execute(uri: "/health/ready", method: .get) { response in
                #expect(response.status == .serviceUnavailable)
                #expect(response.headers[.contentType]?.hasPrefix("application/problem+json") == true)
                let problem = try JSONDecoder().decode(Problem.self, from: Data(buffer: response.body))
                #expect(problem.type == "urn:wegweiser:problem:not-ready")
                #expect(problem.detail?.contains("0001_event_store.sql") == true)
                #expect(problem.instance == response.headers[.init("X-Request-ID")!])
            }
        }
    }

    @Test("readiness answers 503 when the database does not answer")
    func notReadyWithoutDatabase() async throws {
        // Nothing listens on port 1.
        let configuration = PostgresClient.Configuration(
            host: "127.0.0.1",
            port: 1,
            username: "wegweiser",
            password: "none",
            database: "none",
            tls: .disable
        )
        let client = PostgresClient(configuration: configuration)
        let handler = try Self.handler(client)
        let app = Application(
            router: try buildRouter(
                handler: handler,
                authentication: TestApp.authentication(client: client),
                limits: ServerLimits(reader: ConfigReader(provider: InMemoryProvider(values: [:])))
            ),
            services: [client]
        )
        try await app.test(.router) { client in
            try await client.execute(uri: "/health/ready", method: .get) { response in
                #expect(response.status == .serviceUnavailable)
                let problem = try JSONDecoder().decode(Problem.self, from: Data(buffer: response.body))
                #expect(problem.detail == "The database does not answer.")
            }
        }
    }

    @Test("the server serves the contract it was built from")
    func contract() async throws {
        let app = try await Self.application(database: TestPostgres.shared.database(migrated: true))
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let expected = try Data(contentsOf: root.appendingPathComponent("openapi.yaml"))
        try await app.test(.router) { client in
            try await client.execute(uri: "/openapi.yaml", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType]?.hasPrefix("application/yaml") == true)
                #expect(Data(buffer: response.body) == expected)
            }
        }
    }

    @Test("an unknown route answers 404 problem+json; a malformed request id answers 400")
    func unknownRoute() async throws {
        let app = try await Self.application(database: TestPostgres.shared.database(migrated: true))
        try await app.test(.router) { client in
            try await client.execute(uri: "/nowhere", method: .get) { response in
                #expect(response.status == .notFound)
                #expect(response.headers[.contentType]?.hasPrefix("application/problem+json") == true)
                let problem = try JSONDecoder().decode(Problem.self, from: Data(buffer: response.body))
                #expect(problem.type == "urn:wegweiser:problem:not-found")
                #expect(problem.status == 404)
                let requestID = response.headers[.init("X-Request-ID")!]
                #expect(requestID?.count == 36)
                #expect(problem.instance == requestID)
            }
            try await client.execute(
                uri: "/health/live",
                method: .get,
                headers: [.init("X-Request-ID")!: String(repeating: "x", count: 200)]
            ) { response in
                #expect(response.status == .badRequest)
                let problem = try JSONDecoder().decode(Problem.self, from: Data(buffer: response.body))
                #expect(problem.errors?.first?.pointer == "#/header/X-Request-ID")
                #expect(problem.instance == response.headers[.init("X-Request-ID")!])
            }
        }
    }
}
