import Configuration
import EventStore
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import PostgresNIO
import Projections
import TestSupport
import Testing

@testable import WegweiserServer

/// The application as `wegweiser serve` builds it, on a test's own database, checking tokens
/// against ``TestIdentityProvider``, with the demo data and a clock the test moves.
enum TestApp {
    /// A master key for tests: 32 bytes in base64.
    static let masterKey = Data(repeating: 7, count: 32).base64EncodedString()

    /// The configuration of a test application on `database`.
    static func reader(database: TestDatabase, extra: [AbsoluteConfigKey: ConfigValue] = [:]) -> ConfigReader {
        // The server connects as the application role, with exactly the privileges of production.
        reader(databaseURL: database.applicationURL, extra: extra)
    }

    /// The configuration of a test application on the database of `databaseURL`.
    static func reader(databaseURL: String, extra: [AbsoluteConfigKey: ConfigValue] = [:]) -> ConfigReader {
        var values: [AbsoluteConfigKey: ConfigValue] = [
            "database.url": .init(.string(databaseURL + "?sslmode=disable"), isSecret: true),
            "keys.master": .init(.string(masterKey), isSecret: true),
            "auth.jwks.json": .init(.string(TestIdentityProvider.shared.jwks), isSecret: false),
            "auth.issuer": .init(.string(TestIdentityProvider.issuer), isSecret: false),
            "auth.audience": .init(.string(TestIdentityProvider.audience), isSecret: false),
            "demo.data": true,
            "log.level": "warning",
        ]
        values.merge(extra) { $1 }
        return ConfigReader(provider: InMemoryProvider(values: values))
    }

    /// A built application on a fresh migrated database.
    static func make(
        clock: TestClock = TestClock(),
        extra: [AbsoluteConfigKey: ConfigValue] = [:]
    ) async throws -> some ApplicationProtocol {
        try await makeWithDatabase(clock: clock, extra: extra).app
    }

    /// A built application and its database, for tests that look into the tables; `extra`
    /// configuration is laid over the test defaults. The schema is migrated by its owner
    /// beforehand, as in production: the server, connected as the application role, only checks it.
    static func makeWithDatabase(
        clock: TestClock = TestClock(),
        extra: [AbsoluteConfigKey: ConfigValue] = [:]
    ) async throws -> (app: some ApplicationProtocol, database: TestDatabase) {
        let database = try await TestPostgres.shared.database()
        return (try await buildApplication(reader: reader(database: database, extra: extra), now: { clock.now }), database)
    }
}

extension TestClientProtocol {
    /// Sends `method uri` with `token` (if any) and a JSON `body` (if any).
    func send(
        _ method: HTTPRequest.Method,
        _ uri: String,
        token: String?,
        body: [String: Any]? = nil,
        headers: HTTPFields = [:]
    ) async throws -> TestResponse {
        var headers = headers
        if let token { headers[.authorization] = "Bearer \(token)" }
        var buffer: ByteBuffer?
        if let body {
            headers[.contentType] = "application/json"
            buffer = ByteBuffer(data: try JSONSerialization.data(withJSONObject: body))
        }
        return try await execute(uri: uri, method: method, headers: headers, body: buffer)
    }
}

extension TestResponse {
    /// The body as a JSON object.
    var json: [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(buffer: body)) as? [String: Any]) ?? [:]
    }
}

extension TestApp {
    /// The authentication of a router built by hand over `client`, trusting the test identity
    /// provider's keys.
    static func authentication(client: PostgresClient, signIns: SignIns = SignIns()) -> AuthenticationMiddleware {
        let logger = Logger(label: "test")
        let provider = TestIdentityProvider.shared
        let keys = KeySet(
            source: .fixed(["rsa-1": .rs256(provider.rsa.publicKey), "ec-1": .es256(provider.ec.publicKey)]),
            logger: logger
        )
        let verifier = TokenVerifier(
            keys: keys,
            issuer: TestIdentityProvider.issuer,
            audience: TestIdentityProvider.audience,
            rolesClaim: ["realm_access", "roles"],
            districtClaim: ["district"]
        )
        return AuthenticationMiddleware(
            authenticator: Authenticator(
                verifier: verifier,
                directory: Directory(client: client, logger: logger),
                signIns: signIns
            ),
            now: { Date() },
            logger: logger
        )
    }
}

extension TestClientProtocol {
    /// A Syrian client of the refugee target group called `family`, registered by the holder of
    /// `token`, with a case opened on `day` (`YYYY-MM-DD`).
    func openCase(of family: String, on day: String, token: String) async throws -> (client: String, caseID: String) {
        let client = try #require(
            try await send(
                .post,
                "/clients",
                token: token,
                body: ["family_name": family, "citizenships": ["SY"], "target_group": "refugee_follow_up_housing"]
            ).json["id"] as? String
        )
        let opened = try await send(
            .post,
            "/cases",
            token: token,
            body: ["client_id": client, "opening": "direct_intake", "opened_on": day]
        )
        #expect(opened.status == .created, "\(String(buffer: opened.body))")
        return (client, try #require(opened.json["id"] as? String))
    }
}

extension TestIdentityProvider {
    /// A token for the demo staff member signing in as `subject`.
    func token(forDemo subject: String) throws -> String {
        guard let person = DemoData.people.first(where: { $0.subject == subject }) else {
            throw TestSetupError(description: "no demo staff member \(subject)")
        }
        return try token(for: person)
    }
}

/// A test's own setup went wrong.
struct TestSetupError: Error, CustomStringConvertible {
    let description: String
}

extension TestDatabase {
    /// Seals everything committed into the hash chains, as the server's sequencer does, waiting
    /// while a transaction of another test holds the watermark back.
    func sealChains() async throws {
        try await withClient { pool in
            let sequencer = ChainSequencer(store: EventStore(client: pool, logger: Logger(label: "test")))
            for _ in 0..<300 {
                while try await sequencer.sealNextBatch() > 0 {}
                let rows = try await pool.query("SELECT (SELECT count(*) FROM events) = (SELECT count(*) FROM district_chain)")
                for try await (sealed, ) in rows.decode((Bool,).self) where sealed { return }
                try await Task.sleep(for: .milliseconds(100))
            }
            throw TestSetupError(description: "the chains did not catch up with the log")
        }
    }
}
