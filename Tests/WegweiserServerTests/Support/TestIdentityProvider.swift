import Crypto
import CryptoExtras
import Foundation
import Synchronization

@testable import WegweiserServer

/// A stand-in for the district's identity provider: an RS256 and an ES256 key, published as a
/// JWKS file, and tokens signed with them, valid or broken in every way a test needs.
final class TestIdentityProvider: Sendable {
    static let issuer = "https://login.example.org/realms/wegweiser"
    static let audience = "wegweiser-api"

    /// Generating an RSA key takes a while; the tests share one.
    static let shared = TestIdentityProvider()

    let rsa: _RSA.Signing.PrivateKey
    let ec = P256.Signing.PrivateKey()
    /// The JWKS document the server is configured with (`auth.jwks.json`).
    let jwks: String

    init() {
        // A test helper; 2048-bit key generation does not fail.
        rsa = try! _RSA.Signing.PrivateKey(keySize: .bits2048)
        let document = try! JSONWebKeySet.document(["rsa-1": .rs256(rsa.publicKey), "ec-1": .es256(ec.publicKey)])
        jwks = String(decoding: document, as: UTF8.self)
    }

    /// Standard claims for `subject` with `role` in `district`, valid for an hour from `now` and
    /// since ten minutes before it (a test's clock is set when its application is built; on a
    /// slow machine a token may be made a minute later).
    func claims(subject: String, role: String, district: String = "08337", now: Date = Date()) -> [String: Any] {
        [
            "iss": Self.issuer, "aud": [Self.audience, "account"], "sub": subject,
            "iat": Int(now.timeIntervalSince1970), "nbf": Int(now.timeIntervalSince1970) - 600,
            "exp": Int(now.timeIntervalSince1970) + 3600,
            "realm_access": ["roles": [role, "offline_access"]], "district": district,
        ]
    }

    /// A token over `claims` with the `typ` header `type`, signed with the RSA key (RS256) or
    /// the EC key (ES256) under `kid`.
    func token(_ claims: [String: Any], algorithm: String = "RS256", kid: String? = nil, type: String = "JWT") throws -> String {
        switch algorithm {
        case "ES256":
            return try CompactJWS.sign(claims: claims, keyID: kid ?? "ec-1", algorithm: "ES256", type: type) {
                try ec.signature(for: $0).rawRepresentation
            }
        default:
            return try CompactJWS.sign(claims: claims, keyID: kid ?? "rsa-1", algorithm: "RS256", type: type) {
                try rsa.signature(for: $0, padding: .insecurePKCS1v1_5).rawRepresentation
            }
        }
    }

    /// A token for a demo staff member.
    func token(for person: DemoData.Person, now: Date = Date()) throws -> String {
        try token(claims(subject: person.subject, role: person.role.rawValue, district: person.district, now: now))
    }
}

/// A clock the tests move.
final class TestClock: Sendable {
    private let current = Mutex(Date())

    /// The time now.
    var now: Date { current.withLock { $0 } }

    /// Moves the clock on by `interval`.
    func advance(by interval: TimeInterval) {
        current.withLock { $0 = $0.addingTimeInterval(interval) }
    }
}

/// Writes compact JWS tokens (RFC 7515) by hand, so that tests can make every kind of broken one.
enum CompactJWS {
    /// `header.payload.signature` for `claims` with the `typ` header `type`, signed by `sign`
    /// over `header.payload`.
    static func sign(
        claims: [String: Any],
        keyID: String,
        algorithm: String,
        type: String = "JWT",
        sign: (Data) throws -> Data
    ) throws -> String {
        let header = try JSONSerialization.data(
            withJSONObject: ["alg": algorithm, "typ": type, "kid": keyID],
            options: [.sortedKeys]
        )
        let payload = try JSONSerialization.data(withJSONObject: claims, options: [.sortedKeys])
        let signingInput = Base64URL.encode(header) + "." + Base64URL.encode(payload)
        return signingInput + "." + Base64URL.encode(try sign(Data(signingInput.utf8)))
    }
}
