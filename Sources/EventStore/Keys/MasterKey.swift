public import Crypto
import Foundation

/// The key that wraps every subject's data key. Kept outside the database: a file or an
/// environment variable holding 32 random bytes in base64.
public struct MasterKey: Sendable {
    /// A short fingerprint stored beside each wrapped key, to tell which master key wrapped it.
    public let id: String
    let key: SymmetricKey

    /// The key of 32 bytes given in base64.
    ///
    /// - Throws: ``KeyStoreError/invalidMasterKey(_:)`` for anything else.
    public init(base64: String) throws {
        guard let data = Data(base64Encoded: base64.trimmingCharacters(in: .whitespacesAndNewlines)), data.count == 32 else {
            throw KeyStoreError.invalidMasterKey("a master key is 32 bytes in base64 (e.g. `openssl rand -base64 32`)")
        }
        self.init(key: SymmetricKey(data: data))
    }

    init(key: SymmetricKey) {
        self.key = key
        self.id = key.withUnsafeBytes {
            Array(SHA256.hash(data: Array($0)).prefix(8)).map { String(format: "%02x", $0) }.joined()
        }
    }

    /// A key for `purpose` derived from this one (HKDF-SHA256), for the server's own MACs and
    /// signatures: as secret as the master key, and never the same for two purposes.
    public func derivedKey(purpose: String) -> SymmetricKey {
        HKDF<SHA256>.deriveKey(inputKeyMaterial: key, info: Data("wegweiser/v1 \(purpose)".utf8), outputByteCount: 32)
    }

    /// A new random key (for tests and the embedded default).
    public static func random() -> MasterKey {
        MasterKey(key: SymmetricKey(size: .bits256))
    }

    /// The key in `file`; if the file does not exist, a new key written there (mode 600).
    public static func loadOrCreate(file: String) throws -> MasterKey {
        if let text = try? String(contentsOfFile: file, encoding: .utf8) {
            return try MasterKey(base64: text)
        }
        let key = random()
        let text = key.key.withUnsafeBytes { Data($0).base64EncodedString() } + "\n"
        try FileManager.default.createDirectory(
            atPath: URL(fileURLWithPath: file).deletingLastPathComponent().path,
            withIntermediateDirectories: true
        )
        guard FileManager.default.createFile(atPath: file, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600])
        else {
            throw KeyStoreError.invalidMasterKey("cannot write the master key file \(file)")
        }
        return key
    }
}
