import Crypto
import CryptoExtras
import Foundation
import JWTKit

/// A public key that verifies token signatures, bound to the one algorithm it verifies.
/// Only RS256 (RSA, at least 2048 bits) and ES256 (P-256) exist here, so no token can choose a
/// weaker algorithm, `none` or an HMAC keyed with a public key; jwt-kit checks each signature
/// with a verifier that holds this key alone.
enum VerificationKey: Sendable {
    /// RSASSA-PKCS1-v1_5 with SHA-256.
    case rs256(_RSA.Signing.PublicKey)
    /// ECDSA on P-256 with SHA-256.
    case es256(P256.Signing.PublicKey)

    /// The JWS `alg` this key verifies.
    var algorithm: String {
        switch self {
        case .rs256: "RS256"
        case .es256: "ES256"
        }
    }

    /// jwt-kit's verifier of this key's tokens: a key collection that holds this key alone, for
    /// this one algorithm, so that no other key or algorithm is ever tried.
    func verifier() async throws -> JWTKeyCollection {
        let keys = JWTKeyCollection()
        switch self {
        case .rs256(let key):
            await keys.add(rsa: try JWTKit.Insecure.RSA.PublicKey(backing: key), digestAlgorithm: .sha256)
        case .es256(let key):
            await keys.add(ecdsa: try ES256PublicKey(backing: key))
        }
        return keys
    }

    /// The key as a JWK member of a JWKS.
    func jwk(keyID: String) throws -> [String: String] {
        switch self {
        case .rs256(let key):
            let primitives = try key.getKeyPrimitives()
            return [
                "kty": "RSA", "kid": keyID, "use": "sig", "alg": "RS256",
                "n": Base64URL.encode(primitives.modulus), "e": Base64URL.encode(primitives.publicExponent),
            ]
        case .es256(let key):
            let raw = key.rawRepresentation
            return [
                "kty": "EC", "kid": keyID, "use": "sig", "alg": "ES256", "crv": "P-256",
                "x": Base64URL.encode(raw.prefix(32)), "y": Base64URL.encode(raw.suffix(32)),
            ]
        }
    }
}

/// Reads a JSON Web Key Set (RFC 7517).
enum JSONWebKeySet {
    /// The signing keys of `data` by key id. Keys without a `kid`, not for signatures, of other
    /// types or curves, or for other algorithms are left out.
    static func keys(from data: Data) throws -> [String: VerificationKey] {
        guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any],
            let members = object["keys"] as? [[String: Any]]
        else { throw JWKSError(description: "not a JWKS: expected an object with a `keys` array") }
        var keys: [String: VerificationKey] = [:]
        for member in members {
            guard let kid = member["kid"] as? String, (member["use"] as? String).map({ $0 == "sig" }) != false else {
                continue
            }
            let alg = member["alg"] as? String
            switch member["kty"] as? String {
            case "RSA" where alg == nil || alg == "RS256":
                guard let n = (member["n"] as? String).flatMap(Base64URL.decode),
                    let e = (member["e"] as? String).flatMap(Base64URL.decode),
                    let key = try? _RSA.Signing.PublicKey(n: n, e: e)
                else { continue }
                keys[kid] = .rs256(key)
            case "EC" where (alg == nil || alg == "ES256") && member["crv"] as? String == "P-256":
                guard let x = (member["x"] as? String).flatMap(Base64URL.decode),
                    let y = (member["y"] as? String).flatMap(Base64URL.decode),
                    x.count == 32, y.count == 32,
                    let key = try? P256.Signing.PublicKey(rawRepresentation: x + y)
                else { continue }
                keys[kid] = .es256(key)
            default:
                continue
            }
        }
        return keys
    }

    /// The JWKS document of `keys`.
    static func document(_ keys: [String: VerificationKey]) throws -> Data {
        let members = try keys.sorted { $0.key < $1.key }.map { try $0.value.jwk(keyID: $0.key) }
        return try JSONSerialization.data(withJSONObject: ["keys": members], options: [.sortedKeys])
    }
}

/// Why a JWKS cannot be used.
struct JWKSError: Error, CustomStringConvertible {
    /// What is wrong.
    let description: String
}

/// Base64url without padding (RFC 7515 §2).
enum Base64URL {
    /// The encoding of `data`.
    static func encode(_ data: some DataProtocol) -> String {
        Data(data).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// The bytes of `text`, or `nil` if it is not base64url.
    static func decode(_ text: String) -> Data? {
        guard text.utf8.allSatisfy({ $0 != UInt8(ascii: "=") && $0 != UInt8(ascii: "+") && $0 != UInt8(ascii: "/") }) else {
            return nil
        }
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.utf8.count % 4) % 4)
        return Data(base64Encoded: base64)
    }
}
