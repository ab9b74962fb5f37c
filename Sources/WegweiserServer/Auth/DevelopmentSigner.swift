import Casework
public import Configuration
import Crypto
import EventStore
public import Foundation
import JWTKit

/// The development signer: a local ES256 key that signs tokens for `wegweiser token`, so that a
/// newcomer can call the API without an identity provider. Never for production: it must be
/// switched on explicitly and is refused with an external database unless a second switch
/// says so.
struct DevelopmentSigner: Sendable {
    /// The `iss` of its tokens.
    static let issuer = "urn:wegweiser:development"
    /// The `aud` of its tokens.
    static let audience = "wegweiser"

    /// The signing key.
    let key: P256.Signing.PrivateKey

    /// The key id: derived from the public key, so a new key gets a new id.
    var keyID: String {
        "dev-" + SHA256.hash(data: key.publicKey.rawRepresentation).prefix(8).map { String(format: "%02x", $0) }.joined()
    }

    /// The key that verifies its tokens, by key id.
    var verificationKeys: [String: VerificationKey] { [keyID: .es256(key.publicKey)] }

    /// The signer whose key is in `file` (PEM), creating the key (readable by the owner only)
    /// if the file does not exist.
    static func loadOrCreate(file: String) throws -> DevelopmentSigner {
        if let pem = try? String(contentsOfFile: file, encoding: .utf8) {
            return DevelopmentSigner(key: try P256.Signing.PrivateKey(pemRepresentation: pem))
        }
        let key = P256.Signing.PrivateKey()
        let url = URL(fileURLWithPath: file)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        guard
            FileManager.default.createFile(
                atPath: file,
                contents: Data(key.pemRepresentation.utf8),
                attributes: [.posixPermissions: 0o600]
            )
        else { throw JWKSError(description: "cannot write the development signing key to \(file)") }
        return DevelopmentSigner(key: key)
    }

    /// A token for `subject` acting as `role` in `district`, valid from `now` for `lifetime`,
    /// with the roles and the district at the given claim paths; signed by jwt-kit.
    func token(
        subject: String,
        role: String,
        district: String,
        rolesClaim: [String],
        districtClaim: [String],
        now: Date = Date(),
        lifetime: TimeInterval = 8 * 3600
    ) async throws -> String {
        var claims = JSONValue.object([
            "iss": .string(Self.issuer), "aud": .string(Self.audience), "sub": .string(subject),
            "iat": .integer(Int64(now.timeIntervalSince1970)), "nbf": .integer(Int64(now.timeIntervalSince1970)),
            "exp": .integer(Int64(now.addingTimeInterval(lifetime).timeIntervalSince1970)),
        ])
        claims.set(.array([.string(role)]), at: rolesClaim)
        if !districtClaim.isEmpty { claims.set(.string(district), at: districtClaim) }
        let keys = JWTKeyCollection()
        let kid = JWKIdentifier(string: keyID)
        await keys.add(ecdsa: try ES256PrivateKey(backing: key), kid: kid)
        return try await keys.sign(DevelopmentClaims(claims: claims), kid: kid, header: ["typ": "JWT"])
    }
}

/// The claims of a development token, as jwt-kit signs them.
private struct DevelopmentClaims: JWTPayload {
    /// Every claim.
    var claims: JSONValue

    init(claims: JSONValue) {
        self.claims = claims
    }

    init(from decoder: any Decoder) throws {
        claims = try JSONValue(from: decoder)
    }

    func encode(to encoder: any Encoder) throws {
        try claims.encode(to: encoder)
    }

    /// Nothing: these are made here, not read.
    func verify(using algorithm: some JWTAlgorithm) async throws {}
}

extension JSONValue {
    /// Sets `value` at `path`, making the objects on the way.
    fileprivate mutating func set(_ value: JSONValue, at path: [String]) {
        guard let first = path.first else { return }
        guard case .object(var members) = self else { return }
        if path.count == 1 {
            members[first] = value
        } else {
            var inner = members[first] ?? .object([:])
            if case .object = inner {} else { inner = .object([:]) }
            inner.set(value, at: Array(path.dropFirst()))
            members[first] = inner
        }
        self = .object(members)
    }
}

/// A token from the development signer whose key the server configured by `reader` uses, for
/// `wegweiser token`.
///
/// - Throws: ``AuthConfigurationError`` if there is no key yet (the server makes it on its first
///   start with the development signer) or `role` is no role.
public func developmentToken(
    reader: ConfigReader,
    subject: String,
    role: String,
    district: String,
    lifetime: TimeInterval
) async throws -> String {
    guard StaffRole(rawValue: role) != nil else {
        throw AuthConfigurationError(
            "\(role) is no role; use one of \(StaffRole.allCases.map(\.rawValue).joined(separator: ", "))"
        )
    }
    let file = AuthSettings.developmentKeyFile(
        reader: reader,
        localDirectory: try DatabaseSettings(reader: reader).localDirectory
    )
    guard FileManager.default.fileExists(atPath: file) else {
        throw AuthConfigurationError(
            "no development signing key at \(file). A server started with --postgres-directory DIR keeps it in the "
                + "folder above DIR: pass the same --postgres-directory DIR (or --auth-development-key-file FILE); "
                + "otherwise start `wegweiser demo` once first"
        )
    }
    let signer = try DevelopmentSigner.loadOrCreate(file: file)
    return try await signer.token(
        subject: subject,
        role: role,
        district: district,
        rolesClaim: AuthSettings.path(reader.string(forKey: "auth.claims.roles", default: "realm_access.roles")),
        districtClaim: AuthSettings.path(reader.string(forKey: "auth.claims.district", default: "district")),
        lifetime: lifetime
    )
}
