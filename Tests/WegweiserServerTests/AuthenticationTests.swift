import Crypto
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Synchronization
import TestSupport
import Testing

@testable import WegweiserServer

@Suite("Authentication: bearer tokens checked against the identity provider's keys", .postgres)
struct AuthenticationTests {
    let provider = TestIdentityProvider.shared
    let worker = DemoData.people.first { $0.subject == "demo-worker-a" }!

    @Test("a valid RS256 or ES256 token signs in as the staff member its subject names")
    func validTokens() async throws {
        let app = try await TestApp.make()
        let claims = provider.claims(subject: worker.subject, role: "case_worker")
        let tokens = try ["RS256", "ES256"].map { ($0, try provider.token(claims, algorithm: $0)) }
        try await app.test(.router) { client in
            for (algorithm, token) in tokens {
                let response = try await client.send(.get, "/me", token: token)
                #expect(response.status == .ok, "\(algorithm)")
                #expect((response.json["staff_member"] as? [String: Any])?["subject"] as? String == worker.subject)
            }
        }
    }

    @Test("every broken token answers 401 invalid_token with a problem body; no token answers 401 too")
    func invalidTokens() async throws {
        let app = try await TestApp.make()
        let now = Date()
        let valid = provider.claims(subject: worker.subject, role: "case_worker", now: now)
        func with(_ key: String, _ value: Any) -> [String: Any] {
            var claims = valid
            claims[key] = value
            return claims
        }
        let header = { (json: String) in Base64URL.encode(Data(json.utf8)) }
        let payload = Base64URL.encode(try JSONSerialization.data(withJSONObject: valid))
        let validToken = try provider.token(valid)
        // HS256 keyed with the RSA public key as the verifier would know it (a classic confusion attack).
        let hsInput = header(#"{"alg":"HS256","kid":"rsa-1","typ":"JWT"}"#) + "." + payload
        let hsSignature = HMAC<SHA256>.authenticationCode(
            for: Data(hsInput.utf8),
            using: SymmetricKey(data: provider.rsa.publicKey.derRepresentation)
        )
        var tampered = validToken.split(separator: ".").map(String.init)
        tampered[1] = Base64URL.encode(try JSONSerialization.data(withJSONObject: with("sub", "demo-admin")))

        let cases: [(String, String?, String)] = [
            ("expired", try provider.token(with("exp", Int(now.timeIntervalSince1970) - 3600)), "expired"),
            ("not yet valid", try provider.token(with("nbf", Int(now.timeIntervalSince1970) + 3600)), "not valid yet"),
            ("wrong issuer", try provider.token(with("iss", "https://evil.example.org/realms/wegweiser")), "another issuer"),
            ("wrong audience", try provider.token(with("aud", "another-api")), "another audience"),
            ("alg none", header(#"{"alg":"none","typ":"JWT"}"#) + "." + payload + ".", "only RS256 and ES256"),
            ("HS256 with the public key", hsInput + "." + Base64URL.encode(Data(hsSignature)), "only RS256 and ES256"),
            ("unknown kid", try provider.token(valid, kid: "rsa-unknown"), "unknown key"),
            ("tampered signature", tampered.joined(separator: "."), "signature is not valid"),
            ("RS256 header on the EC key", try provider.token(valid, algorithm: "RS256", kid: "ec-1"), "signature is not valid"),
            ("no expiry", try provider.token(valid.filter { $0.key != "exp" }), "no expiry"),
            ("not a JWT", "abc", "not a signed JWT"),
            ("missing token", nil, "needs an `Authorization: Bearer <token>` header"),
        ]
        try await app.test(.router) { client in
            #expect(try await client.send(.get, "/me", token: validToken).status == .ok)
            for (name, token, reason) in cases {
                let response = try await client.send(.get, "/me", token: token)
                #expect(response.status == .unauthorized, "\(name)")
                #expect(response.headers[.contentType]?.hasPrefix("application/problem+json") == true, "\(name)")
                let challenge = response.headers[.wwwAuthenticate] ?? ""
                #expect(challenge.hasPrefix("Bearer realm=\"wegweiser\""), "\(name)")
                #expect(challenge.contains("error=\"invalid_token\"") == (token != nil), "\(name): \(challenge)")
                #expect(response.json["status"] as? Int == 401, "\(name)")
                #expect(
                    (response.json["detail"] as? String)?.contains(reason) == true,
                    "\(name): \(response.json["detail"] ?? "")"
                )
            }
        }
    }

    @Test("azp and the typ claim are checked as configured: only the named clients, only the named kind of token")
    func configuredClaimChecks() async throws {
        let database = try await TestPostgres.shared.database()
        let reader = TestApp.reader(
            database: database,
            extra: [
                "auth.authorized.parties": .init(.string("fallakte-web, fallakte-mobile"), isSecret: false),
                "auth.token.type.claim": .init(.string("Access"), isSecret: false),
            ]
        )
        let app = try await buildApplication(reader: reader)
        let claims = provider.claims(subject: worker.subject, role: "case_worker")
        func token(_ changes: [String: String]) throws -> String {
            try provider.token(claims.merging(changes) { $1 })
        }
        let cases: [(String, String, HTTPResponse.Status)] = [
            ("the web client", try token(["azp": "fallakte-web"]), .ok),
            ("the mobile client, typ in other case", try token(["azp": "fallakte-mobile", "typ": "access"]), .ok),
            ("another client", try token(["azp": "another-client"]), .unauthorized),
            ("no azp", try token([:]), .unauthorized),
            ("a typ claim other than the configured one", try token(["azp": "fallakte-web", "typ": "Bearer"]), .unauthorized),
        ]
        try await app.test(.router) { client in
            for (name, token, expected) in cases {
                #expect(try await client.send(.get, "/me", token: token).status == expected, "\(name)")
            }
            let refused = try await client.send(.get, "/me", token: cases[2].1)
            #expect((refused.json["detail"] as? String)?.contains("azp") == true)
        }
    }

    @Test("a valid token of someone who is no active staff member, or without the recorded role, gets 403")
    func knownButNotAllowed() async throws {
        let app = try await TestApp.make()
        try await app.test(.router) { client in
            let stranger = try provider.token(provider.claims(subject: "nobody", role: "case_worker"))
            #expect(try await client.send(.get, "/me", token: stranger).status == .forbidden)
            let wrongRole = try provider.token(provider.claims(subject: worker.subject, role: "admin"))
            #expect(try await client.send(.get, "/me", token: wrongRole).status == .forbidden)
            let otherDistrict = try provider.token(
                provider.claims(subject: worker.subject, role: "case_worker", district: "08416")
            )
            #expect(try await client.send(.get, "/me", token: otherDistrict).status == .forbidden)
        }
    }

    @Test("an unknown kid makes the key set read the JWKS again, at most once per interval")
    func keyRotation() async throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("jwks-\(UUID().uuidString).json").path
        defer { try? FileManager.default.removeItem(atPath: file) }
        let first = P256.Signing.PrivateKey()
        let second = P256.Signing.PrivateKey()
        try JSONWebKeySet.document(["k1": .es256(first.publicKey)]).write(to: URL(fileURLWithPath: file))
        let keys = KeySet(source: .file(file), minimumRefetchInterval: .seconds(3600), logger: Logger(label: "test"))
        try await keys.load()
        #expect(await keys.key(for: "k1") != nil)
        #expect(await keys.fetchCount == 1)

        // Rotated in after the first load, and the last fetch was just now: not fetched yet.
        try JSONWebKeySet.document(["k1": .es256(first.publicKey), "k2": .es256(second.publicKey)])
            .write(to: URL(fileURLWithPath: file))
        for _ in 0..<5 { #expect(await keys.key(for: "made-up") == nil) }
        #expect(await keys.fetchCount == 1, "no refetch within the interval")

        let eager = KeySet(source: .file(file), minimumRefetchInterval: .zero, logger: Logger(label: "test"))
        try JSONWebKeySet.document(["k1": .es256(first.publicKey)]).write(to: URL(fileURLWithPath: file))
        try await eager.load()
        try JSONWebKeySet.document(["k1": .es256(first.publicKey), "k2": .es256(second.publicKey)])
            .write(to: URL(fileURLWithPath: file))
        #expect(await eager.key(for: "k2") != nil, "a rotated-in key is found by refetching")
        #expect(await eager.fetchCount == 2)
    }

    @Test("a JWKS URL is fetched over HTTP, and fetched again for a key rotated in later")
    func jwksURL() async throws {
        let first = P256.Signing.PrivateKey()
        let second = P256.Signing.PrivateKey()
        let published = Published(try JSONWebKeySet.document(["k1": .es256(first.publicKey)]))
        let router = Router()
        router.get("/realms/wegweiser/certs") { _, _ in
            Response(
                status: .ok,
                headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(data: published.value))
            )
        }
        try await Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0))).test(.live) {
            client in
            let port = try #require(client.port)
            let url = try #require(URL(string: "http://127.0.0.1:\(port)/realms/wegweiser/certs"))
            let keys = KeySet(source: .url(url), minimumRefetchInterval: .zero, logger: Logger(label: "test"))
            try await keys.load()
            #expect(await keys.key(for: "k1") != nil)
            #expect(await keys.key(for: "k2") == nil)
            published.value = try JSONWebKeySet.document(["k1": .es256(first.publicKey), "k2": .es256(second.publicKey)])
            #expect(await keys.key(for: "k2") != nil)
        }
    }

    @Test("the development signer is refused with an external database unless a second switch allows it")
    func developmentSignerGuard() async throws {
        let database = try await TestPostgres.shared.database()
        let keyFile = FileManager.default.temporaryDirectory.appendingPathComponent("dev-\(UUID().uuidString).pem").path
        defer { try? FileManager.default.removeItem(atPath: keyFile) }
        let refused = TestApp.reader(
            database: database,
            extra: [
                "auth.jwks.json": "", "auth.development.signer": true,
                "auth.development.key.file": .init(.string(keyFile), isSecret: false),
            ]
        )
        let error = await #expect(throws: AuthConfigurationError.self) { try await buildApplication(reader: refused) }
        #expect(error?.description.contains("AUTH_DEVELOPMENT_EXTERNAL_DATABASE") == true)

        let two = TestApp.reader(database: database, extra: ["auth.jwks.file": "/etc/jwks.json"])
        let several = await #expect(throws: AuthConfigurationError.self) { try await buildApplication(reader: two) }
        #expect(several?.description.contains("not several") == true)

        let none = TestApp.reader(database: database, extra: ["auth.jwks.json": ""])
        let missing = await #expect(throws: AuthConfigurationError.self) { try await buildApplication(reader: none) }
        #expect(missing?.description.contains("AUTH_JWKS_URL") == true)

        let allowed = TestApp.reader(
            database: database,
            extra: [
                "auth.jwks.json": "", "auth.development.signer": true, "auth.development.external.database": true,
                "auth.development.key.file": .init(.string(keyFile), isSecret: false),
            ]
        )
        let app = try await buildApplication(reader: allowed)
        let token = try await developmentToken(
            reader: allowed,
            subject: "demo-lead",
            role: "team_lead",
            district: "08337",
            lifetime: 60
        )
        try await app.test(.router) { client in
            #expect(try await client.send(.get, "/me", token: token).status == .ok)
            let jwks = try await client.send(.get, "/.well-known/jwks.json", token: nil)
            #expect(jwks.status == .ok)
            #expect((jwks.json["keys"] as? [[String: Any]])?.first?["alg"] as? String == "ES256")
        }
    }
}

/// A JWKS document a test server publishes and the test changes.
final class Published: Sendable {
    private let storage: Mutex<Data>

    init(_ value: Data) { storage = Mutex(value) }

    var value: Data {
        get { storage.withLock { $0 } }
        set { storage.withLock { $0 = newValue } }
    }
}
