import EventStore
import Foundation
import JWTKit
import Synchronization

/// Checks bearer tokens: a compact JWS signed RS256 or ES256 by a key of the key set, for our
/// issuer and audience, inside its validity window, an access token (not an ID or refresh
/// token), for an allowed client where that is configured, whose `sub` is a name the directory
/// can hold. jwt-kit reads the token, verifies its signature and decodes its claims; the header
/// is checked before (algorithm, key id, type, no critical extensions) and the claims after,
/// against the server's clock.
struct TokenVerifier: Sendable {
    /// What a verified token says.
    struct Claims: Sendable, Equatable {
        /// `sub`: the staff member's sign-in subject.
        var subject: String
        /// The roles at the configured claim path.
        var roles: [String]
        /// The district at the configured claim path, if any.
        var district: String?
    }

    /// The keys.
    let keys: KeySet
    /// The expected `iss`.
    let issuer: String
    /// The audience that must be in `aud`.
    let audience: String
    /// Where the roles are, e.g. `["realm_access", "roles"]`.
    let rolesClaim: [String]
    /// Where the district is, e.g. `["district"]`.
    let districtClaim: [String]
    /// The accepted `typ` headers, lowercased (`application/` prefixes are dropped first).
    var acceptedTypes: Set<String> = ["jwt", "at+jwt"]
    /// The `typ` claim of an access token where the provider sets one, lowercased (Keycloak:
    /// `bearer`; its ID, refresh and logout tokens say otherwise); `nil`: not checked.
    var accessTokenType: String? = "bearer"
    /// The clients (`azp`) whose tokens are accepted; empty: any.
    var authorizedParties: Set<String> = []
    /// Clock skew tolerated on `exp` and `nbf`.
    var leeway: TimeInterval = 30
    /// Tokens verified before, with what they say, until they expire.
    let verified = VerifiedTokens()

    /// The claims of `token` if it is valid at `now`.
    ///
    /// - Throws: A 401 ``Problem`` saying what is wrong.
    func verify(_ token: String, now: Date) async throws -> Claims {
        if let known = verified.claims(of: token, at: now, leeway: leeway) { return known }
        guard let header = try? DefaultJWTParser().parse(Array(token.utf8), as: AccessToken.self).header else {
            throw Problem.unauthorized("The token is not a signed JWT.")
        }
        guard let algorithm = header.alg, ["RS256", "ES256"].contains(algorithm) else {
            throw Problem.unauthorized("The token's algorithm is not accepted; only RS256 and ES256 are.")
        }
        guard header.fields["crit"] == nil else { throw Problem.unauthorized("The token has critical header extensions.") }
        if header.fields["typ"] != nil {
            var type = header.typ?.lowercased() ?? ""
            if type.hasPrefix("application/") { type.removeFirst("application/".count) }
            guard acceptedTypes.contains(type) else {
                throw Problem.unauthorized("The token's type is not an access token's (typ \(type)).")
            }
        }
        guard let keyID = header.kid else { throw Problem.unauthorized("The token names no key (kid).") }
        guard let key = await keys.key(for: keyID) else {
            throw Problem.unauthorized("The token is signed with an unknown key.")
        }
        guard key.algorithm == algorithm, let claims = try? await key.verifier.verify(token, as: AccessToken.self) else {
            throw Problem.unauthorized("The token's signature is not valid.")
        }
        let verifiedClaims = try check(claims, now: now)
        verified.remember(
            token,
            verifiedClaims,
            expiry: claims.exp?.value.timeIntervalSince1970 ?? 0,
            notBefore: claims.nbf?.value.timeIntervalSince1970,
            now: now
        )
        return verifiedClaims
    }

    /// What the signed `claims` say, if they hold at `now` for this server.
    private func check(_ claims: AccessToken, now: Date) throws -> Claims {
        guard let expiry = claims.exp else { throw Problem.unauthorized("The token has no expiry (exp).") }
        guard now < expiry.value.addingTimeInterval(leeway) else { throw Problem.unauthorized("The token has expired.") }
        if let notBefore = claims.nbf, now.addingTimeInterval(leeway) < notBefore.value {
            throw Problem.unauthorized("The token is not valid yet (nbf).")
        }
        guard claims.iss?.value == issuer else { throw Problem.unauthorized("The token is from another issuer.") }
        guard (try? claims.aud?.verifyIntendedAudience(includes: audience)) != nil else {
            throw Problem.unauthorized("The token is for another audience.")
        }
        if let accessTokenType, let type = claims.typ, type.lowercased() != accessTokenType {
            throw Problem.unauthorized("The token's typ claim is not an access token's (\(accessTokenType)).")
        }
        if !authorizedParties.isEmpty, !authorizedParties.contains(claims.azp ?? "") {
            throw Problem.unauthorized("The token was issued to a client this server does not accept (azp).")
        }
        guard let subject = claims.sub?.value, !subject.isEmpty else {
            throw Problem.unauthorized("The token names no subject (sub).")
        }
        guard subject.utf8.count <= 255, !subject.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
        else { throw Problem.unauthorized("The token's subject (sub) is not a name of at most 255 printable characters.") }
        let roles = claims.value(at: rolesClaim)
        return Claims(
            subject: subject,
            roles: roles?.strings ?? [],
            district: districtClaim.isEmpty ? nil : claims.value(at: districtClaim)?.string
        )
    }
}

/// The claims of an access token, as jwt-kit decodes them: the registered ones typed, and every
/// claim as JSON for the configured paths of roles and district. Their checks need the server's
/// clock and settings, so ``TokenVerifier`` makes them after the signature is verified.
struct AccessToken: JWTPayload {
    /// `exp`.
    var exp: ExpirationClaim?
    /// `nbf`.
    var nbf: NotBeforeClaim?
    /// `iss`.
    var iss: IssuerClaim?
    /// `aud`: one audience or several.
    var aud: AudienceClaim?
    /// `sub`.
    var sub: SubjectClaim?
    /// `typ` (Keycloak's token kind: `Bearer`, `ID`, `Refresh`, …).
    var typ: String?
    /// `azp`: the client the token was issued to.
    var azp: String?
    /// Every claim.
    var all: JSONValue

    private enum CodingKeys: String, CodingKey {
        case exp, nbf, iss, aud, sub, typ, azp
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        exp = try container.decodeIfPresent(ExpirationClaim.self, forKey: .exp)
        nbf = try container.decodeIfPresent(NotBeforeClaim.self, forKey: .nbf)
        iss = try container.decodeIfPresent(IssuerClaim.self, forKey: .iss)
        aud = try container.decodeIfPresent(AudienceClaim.self, forKey: .aud)
        sub = try container.decodeIfPresent(SubjectClaim.self, forKey: .sub)
        typ = try container.decodeIfPresent(String.self, forKey: .typ)
        azp = try container.decodeIfPresent(String.self, forKey: .azp)
        all = try JSONValue(from: decoder)
    }

    func encode(to encoder: any Encoder) throws {
        try all.encode(to: encoder)
    }

    /// Nothing: the claims are checked against the server's clock and settings once the
    /// signature is verified (``TokenVerifier``).
    func verify(using algorithm: some JWTAlgorithm) async throws {}

    /// The claim at `path` (`["realm_access", "roles"]`).
    func value(at path: [String]) -> JSONValue? {
        path.reduce(all as JSONValue?) { node, key in node?[key] }
    }
}

extension JSONValue {
    /// The strings of an array, or the one string.
    fileprivate var strings: [String] {
        switch self {
        case .array(let elements): elements.compactMap(\.string)
        case .string(let text): [text]
        default: []
        }
    }
}

/// Tokens whose signature and claims were checked, so that a token is verified once per
/// lifetime rather than on every request; each is still checked against the clock (`exp`,
/// `nbf`) every time. Bounded: at most ``capacity`` tokens of at most ``largestToken`` bytes.
/// A token signed with a key the provider has since withdrawn stays accepted until it expires,
/// as it would in any resource server that validates tokens offline.
final class VerifiedTokens: Sendable {
    private struct Known {
        var claims: TokenVerifier.Claims
        var expiry: TimeInterval
        var notBefore: TimeInterval?
    }

    /// The most tokens remembered.
    static let capacity = 2_048
    /// The largest token remembered, in bytes.
    static let largestToken = 4_096

    private let tokens = Mutex<[String: Known]>([:])

    /// What `token` says if it was verified before and is valid at `now`.
    func claims(of token: String, at now: Date, leeway: TimeInterval) -> TokenVerifier.Claims? {
        let time = now.timeIntervalSince1970
        return tokens.withLock { tokens in
            guard let known = tokens[token] else { return nil }
            guard time < known.expiry + leeway else {
                tokens.removeValue(forKey: token)
                return nil
            }
            if let notBefore = known.notBefore, time + leeway < notBefore { return nil }
            return known.claims
        }
    }

    /// Remembers that `token`, valid until `expiry`, says `claims`; at capacity, first forgets
    /// the tokens expired at `now`.
    func remember(_ token: String, _ claims: TokenVerifier.Claims, expiry: TimeInterval, notBefore: TimeInterval?, now: Date) {
        guard token.utf8.count <= Self.largestToken else { return }
        let time = now.timeIntervalSince1970
        tokens.withLock { tokens in
            if tokens.count >= Self.capacity { tokens = tokens.filter { $0.value.expiry > time } }
            if tokens.count >= Self.capacity { tokens.removeAll() }
            tokens[token] = Known(claims: claims, expiry: expiry, notBefore: notBefore)
        }
    }
}
