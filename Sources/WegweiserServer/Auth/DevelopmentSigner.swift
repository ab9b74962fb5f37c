import Casework
public import Configuration
import Crypto
public import Foundation

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
    /// with the roles and the district at the given claim paths.
    func token(
        subject: String,
        role: String,
        district: String,
        rolesClaim: [String],
        districtClaim: [String],
        now: Date = Date(),
        lifetime: TimeInterval = 8 * 3600
    ) throws -> String {
        var claims: [String: Any] = [
            "iss": Self.issuer, "aud": Self.audience, "sub": subject,
            "iat": Int(now.timeIntervalSince1970), "nbf": Int(now.timeIntervalSince1970),
            "exp": Int(now.addingTimeInterval(lifetime).timeIntervalSince1970),
        ]
        Self.set([role], at: rolesClaim, in: &claims)
        if !districtClaim.isEmpty { Self.set(district, at: districtClaim, in: &claims) }
        return try CompactJWS.sign(claims: claims, keyID: keyID, algorithm: "ES256") { message in
            try key.signature(for: message).rawRepresentation
        }
    }

    private static func set(_ value: Any, at path: [String], in object: inout [String: Any]) {
        guard let first = path.first else { return }
        if path.count == 1 {
            object[first] = value
        } else {
            var inner = object[first] as? [String: Any] ?? [:]
            set(value, at: Array(path.dropFirst()), in: &inner)
            object[first] = inner
        }
    }
}

/// Writes compact JWS tokens (RFC 7515).
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
) throws -> String {
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
    return try signer.token(
        subject: subject,
        role: role,
        district: district,
        rolesClaim: AuthSettings.path(reader.string(forKey: "auth.claims.roles", default: "realm_access.roles")),
        districtClaim: AuthSettings.path(reader.string(forKey: "auth.claims.district", default: "district")),
        lifetime: lifetime
    )
}
