import Crypto
public import Foundation

/// Keyed search tokens: what a search index stores instead of names. Each district has its own
/// search key, derived from the ``MasterKey`` (HKDF-SHA256, so it is kept exactly like the
/// master key and never stored); a token is the HMAC-SHA256 of a search term under it. Neither
/// the database nor a backup reveals the terms, and tokens of one district say nothing in
/// another. A new master key means new tokens: rebuild the index (`wegweiser rebuild
/// client_search`).
public struct SearchKeys: Sendable {
    private let master: MasterKey

    /// The search keys derived from `master`.
    public init(master: MasterKey) {
        self.master = master
    }

    /// The token of `term` (a kind prefix and a normalised value, e.g. `"p:662"`) in
    /// `districtID`: 22 characters of base64url (128 bits).
    public func token(_ term: String, district districtID: String) -> String {
        let key = HKDF<SHA256>.deriveKey(
            inputKeyMaterial: master.key,
            salt: Data("wegweiser/search/v1".utf8),
            info: Data(districtID.utf8),
            outputByteCount: 32
        )
        let mac = HMAC<SHA256>.authenticationCode(for: Data(term.utf8), using: key)
        return Data(mac.prefix(16)).base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }
}
