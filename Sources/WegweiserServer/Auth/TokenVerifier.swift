import Foundation
import Synchronization

/// Checks bearer tokens: a compact JWS signed RS256 or ES256 by a key of the key set, for our
/// issuer and audience, inside its validity window, an access token (not an ID or refresh
/// token), whose `sub` is a name the directory can hold.
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
    /// Clock skew tolerated on `exp` and `nbf`.
    var leeway: TimeInterval = 30
    /// Tokens verified before, with what they say, until they expire.
    let verified = VerifiedTokens()
    /// The `typ` claim of an access token where the provider sets one (Keycloak: `Bearer`;
    /// its ID, refresh and logout tokens say otherwise).
    static let accessTokenTypeClaim = "bearer"

    /// The claims of `token` if it is valid at `now`.
    ///
    /// - Throws: A 401 ``Problem`` saying what is wrong.
    func verify(_ token: String, now: Date) async throws -> Claims {
        if let known = verified.claims(of: token, at: now, leeway: leeway) { return known }
        let parts = token.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 3, let headerData = Base64URL.decode(parts[0]), let payloadData = Base64URL.decode(parts[1]),
            let signature = Base64URL.decode(parts[2]),
            let header = try? JSONSerialization.jsonObject(with: headerData) as? [String: Any],
            let claims = try? JSONSerialization.jsonObject(with: payloadData) as? [String: Any]
        else { throw Problem.unauthorized("The token is not a signed JWT.") }

        guard let algorithm = header["alg"] as? String, ["RS256", "ES256"].contains(algorithm) else {
            throw Problem.unauthorized("The token's algorithm is not accepted; only RS256 and ES256 are.")
        }
        guard header["crit"] == nil else { throw Problem.unauthorized("The token has critical header extensions.") }
        if let type = header["typ"] {
            var type = (type as? String)?.lowercased() ?? ""
            if type.hasPrefix("application/") { type.removeFirst("application/".count) }
            guard acceptedTypes.contains(type) else {
                throw Problem.unauthorized("The token's type is not an access token's (typ \(type)).")
            }
        }
        guard let keyID = header["kid"] as? String else { throw Problem.unauthorized("The token names no key (kid).") }
        guard let key = await keys.key(for: keyID) else {
            throw Problem.unauthorized("The token is signed with an unknown key.")
        }
        guard key.algorithm == algorithm,
            key.isValidSignature(signature, for: Data((parts[0] + "." + parts[1]).utf8))
        else { throw Problem.unauthorized("The token's signature is not valid.") }

        guard let expiry = Self.time(claims["exp"]) else { throw Problem.unauthorized("The token has no expiry (exp).") }
        guard now.timeIntervalSince1970 < expiry + leeway else { throw Problem.unauthorized("The token has expired.") }
        if claims["nbf"] != nil {
            guard let notBefore = Self.time(claims["nbf"]) else { throw Problem.unauthorized("The token's nbf is not a time.") }
            guard now.timeIntervalSince1970 + leeway >= notBefore else {
                throw Problem.unauthorized("The token is not valid yet (nbf).")
            }
        }
        guard claims["iss"] as? String == issuer else { throw Problem.unauthorized("The token is from another issuer.") }
        let audiences = (claims["aud"] as? [String]) ?? [claims["aud"] as? String].compactMap { $0 }
        guard audiences.contains(audience) else { throw Problem.unauthorized("The token is for another audience.") }
        if let type = claims["typ"], (type as? String)?.lowercased() != Self.accessTokenTypeClaim {
            throw Problem.unauthorized("The token's typ claim is not an access token's (Bearer).")
        }
        guard let subject = claims["sub"] as? String, !subject.isEmpty else {
            throw Problem.unauthorized("The token names no subject (sub).")
        }
        guard subject.utf8.count <= 255, !subject.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
        else { throw Problem.unauthorized("The token's subject (sub) is not a name of at most 255 printable characters.") }
        let roles = Self.value(at: rolesClaim, in: claims)
        let verifiedClaims = Claims(
            subject: subject,
            roles: (roles as? [String]) ?? [roles as? String].compactMap { $0 },
            district: districtClaim.isEmpty ? nil : Self.value(at: districtClaim, in: claims) as? String
        )
        verified.remember(token, verifiedClaims, expiry: expiry, notBefore: Self.time(claims["nbf"]), now: now)
        return verifiedClaims
    }

    private static func time(_ value: Any?) -> TimeInterval? {
        // JSON booleans bridge to NSNumber too; a time is a number only.
        guard let number = value as? NSNumber, !(value is Bool) else { return nil }
        return number.doubleValue
    }

    private static func value(at path: [String], in object: [String: Any]) -> Any? {
        var current: Any? = object
        for key in path { current = (current as? [String: Any])?[key] }
        return current
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
