import Configuration
import Foundation
import Logging
import Projections

/// How tokens are checked.
///
/// Configuration keys (environment variable in brackets):
/// - `auth.jwks.url` (`AUTH_JWKS_URL`), `auth.jwks.file` (`AUTH_JWKS_FILE`) or `auth.jwks.json`
///   (`AUTH_JWKS_JSON`, the document itself, fixed): the identity provider's keys, e.g.
///   Keycloak's `…/realms/NAME/protocol/openid-connect/certs`.
/// - `auth.issuer` (`AUTH_ISSUER`) and `auth.audience` (`AUTH_AUDIENCE`): required with a JWKS.
/// - `auth.claims.roles` (default `realm_access.roles`) and `auth.claims.district` (default
///   `district`; empty for none): dotted claim paths.
/// - `auth.jwks.refetch.seconds` (default 30): the least time between two fetches caused by
///   unknown key ids.
/// - `auth.token.types` (default `JWT,at+jwt`): the accepted values of a token's `typ` header,
///   comma-separated; tokens without one are accepted, ID and refresh tokens never.
/// - `auth.token.type.claim` (default `Bearer`; empty: not checked): the `typ` claim of an access
///   token where the provider sets one (Keycloak does; its ID and refresh tokens say `ID`,
///   `Refresh`).
/// - `auth.authorized.parties` (default empty: any): the clients (`azp`) whose tokens are
///   accepted, comma-separated, e.g. the district's front end's client id.
/// - `auth.development.signer` (default false): sign and accept local development tokens
///   (`wegweiser token`) instead of a JWKS. Refused with an external database unless
///   `auth.development.external.database` is also true.
/// - `auth.development.key.file` (default `development-signing-key.pem` next to the embedded
///   cluster's folder): the development signer's key.
struct AuthSettings: Sendable {
    /// Where the keys come from.
    var source: KeySet.Source
    /// The expected issuer.
    var issuer: String
    /// The expected audience.
    var audience: String
    /// The roles claim path.
    var rolesClaim: [String]
    /// The district claim path; empty for none.
    var districtClaim: [String]
    /// The least time between refetches.
    var refetchInterval: Duration
    /// The accepted `typ` headers, lowercased.
    var tokenTypes: Set<String>
    /// The `typ` claim of access tokens, lowercased; `nil`: not checked.
    var tokenTypeClaim: String?
    /// The accepted `azp`; empty: any.
    var authorizedParties: Set<String>
    /// The development signer, if switched on.
    var developmentSigner: DevelopmentSigner?

    /// Reads the settings.
    ///
    /// - Parameter localDirectory: The embedded cluster's folder, or `nil` with an external database.
    /// - Throws: ``AuthConfigurationError`` saying what to set.
    init(reader: ConfigReader, localDirectory: String?) throws {
        rolesClaim = Self.path(reader.string(forKey: "auth.claims.roles", default: "realm_access.roles"))
        districtClaim = Self.path(reader.string(forKey: "auth.claims.district", default: "district"))
        refetchInterval = .seconds(reader.int(forKey: "auth.jwks.refetch.seconds", default: 30))
        tokenTypes = Set(
            reader.string(forKey: "auth.token.types", default: "JWT,at+jwt").split(separator: ",").map {
                $0.trimmingCharacters(in: .whitespaces).lowercased()
            }
        )
        let typeClaim = reader.string(forKey: "auth.token.type.claim", default: "Bearer").trimmingCharacters(in: .whitespaces)
        tokenTypeClaim = typeClaim.isEmpty ? nil : typeClaim.lowercased()
        authorizedParties = Set(
            reader.string(forKey: "auth.authorized.parties", default: "").split(separator: ",").map {
                $0.trimmingCharacters(in: .whitespaces)
            }.filter { !$0.isEmpty }
        )
        let url = reader.string(forKey: "auth.jwks.url").flatMap { $0.isEmpty ? nil : URL(string: $0) }
        if let url, url.scheme != "https", !["127.0.0.1", "localhost", "::1"].contains(url.host ?? "") {
            throw AuthConfigurationError(
                "AUTH_JWKS_URL must be https (plain http only on this machine): keys fetched in the clear can be swapped"
            )
        }
        let file = reader.string(forKey: "auth.jwks.file").flatMap { $0.isEmpty ? nil : $0 }
        let inline = reader.string(forKey: "auth.jwks.json").flatMap { $0.isEmpty ? nil : $0 }
        let development = reader.bool(forKey: "auth.development.signer", default: false)

        let sources = [url != nil, file != nil, inline != nil].filter { $0 }.count
        if sources > 0 {
            guard sources == 1, !development else {
                throw AuthConfigurationError(
                    "set one of auth.jwks.url, auth.jwks.file and auth.jwks.json, or auth.development.signer, not several"
                )
            }
            guard let issuer = reader.string(forKey: "auth.issuer"), !issuer.isEmpty,
                let audience = reader.string(forKey: "auth.audience"), !audience.isEmpty
            else { throw AuthConfigurationError("with a JWKS, set AUTH_ISSUER and AUTH_AUDIENCE to what the tokens carry") }
            if let url {
                source = .url(url)
            } else if let file {
                source = .file(file)
            } else {
                let keys = try JSONWebKeySet.keys(from: Data((inline ?? "").utf8))
                guard !keys.isEmpty else {
                    throw AuthConfigurationError("auth.jwks.json holds no RS256 or ES256 signing key with a kid")
                }
                source = .fixed(keys)
            }
            (self.issuer, self.audience, developmentSigner) = (issuer, audience, nil)
            return
        }
        guard development else {
            throw AuthConfigurationError(
                "no way to check tokens: set AUTH_JWKS_URL (or AUTH_JWKS_FILE) with AUTH_ISSUER and AUTH_AUDIENCE for your "
                    + "identity provider, or for local development run `wegweiser demo` (or set AUTH_DEVELOPMENT_SIGNER=true)"
            )
        }
        if localDirectory == nil, !reader.bool(forKey: "auth.development.external.database", default: false) {
            throw AuthConfigurationError(
                "the development signer lets anyone with shell access mint tokens; it is refused with an external database "
                    + "unless AUTH_DEVELOPMENT_EXTERNAL_DATABASE=true says that this is really wanted"
            )
        }
        let signer = try DevelopmentSigner.loadOrCreate(
            file: Self.developmentKeyFile(reader: reader, localDirectory: localDirectory)
        )
        source = .fixed(signer.verificationKeys)
        (issuer, audience, developmentSigner) = (DevelopmentSigner.issuer, DevelopmentSigner.audience, signer)
    }

    /// Where the development signer's key is.
    static func developmentKeyFile(reader: ConfigReader, localDirectory: String?) -> String {
        if let file = reader.string(forKey: "auth.development.key.file"), !file.isEmpty { return file }
        let base = URL(fileURLWithPath: localDirectory ?? DatabaseSettings.defaultLocalDirectory).standardizedFileURL
        return base.deletingLastPathComponent().appendingPathComponent("development-signing-key.pem").path
    }

    /// `a.b.c` as `["a", "b", "c"]`.
    static func path(_ dotted: String) -> [String] {
        dotted.split(separator: ".").map(String.init)
    }

    /// The authenticator these settings describe, with its keys loaded (a JWKS URL that does
    /// not answer yet is tried again on the first token); fetches of the keys are counted in
    /// `metrics`.
    func authenticator(
        directory: Directory,
        signIns: SignIns,
        metrics: ServerMetrics? = nil,
        logger: Logger
    ) async throws -> Authenticator {
        let keys = KeySet(source: source, minimumRefetchInterval: refetchInterval, metrics: metrics, logger: logger)
        switch source {
        case .file: try await keys.load()
        case .url:
            do { try await keys.load() } catch {
                logger.warning(
                    "the JWKS URL does not answer yet; trying again on the first token",
                    metadata: ["error": "\(error)"]
                )
            }
        case .fixed: break
        }
        let verifier = TokenVerifier(
            keys: keys,
            issuer: issuer,
            audience: audience,
            rolesClaim: rolesClaim,
            districtClaim: districtClaim,
            acceptedTypes: tokenTypes,
            accessTokenType: tokenTypeClaim,
            authorizedParties: authorizedParties
        )
        return Authenticator(verifier: verifier, directory: directory, signIns: signIns)
    }
}

/// Why the authentication settings cannot be used.
public struct AuthConfigurationError: Error, CustomStringConvertible {
    /// What to set.
    public let description: String

    init(_ description: String) { self.description = description }
}
