public import Configuration
public import EventStore
import Foundation

/// Where the master key that wraps every person's data key comes from.
///
/// Configuration keys (environment variable / command-line flag in brackets):
/// - `keys.master` (`KEYS_MASTER`, `--keys-master`): the key itself, 32 bytes in base64.
/// - `keys.master.file` (`KEYS_MASTER_FILE`, `--keys-master-file`): a file holding it.
///
/// - `keys.checkpoint` (`KEYS_CHECKPOINT`) or `keys.checkpoint.file` (`KEYS_CHECKPOINT_FILE`):
///   the Ed25519 private key that signs chain checkpoints, 32 bytes in base64; by default one
///   derived from the master key.
///
/// With the embedded PostgreSQL and neither key set, a key is generated once in
/// `master.key` next to the cluster folder. With an external database one of them is required:
/// a generated key there would silently make the data unreadable on the next machine.
public enum MasterKeySettings {
    /// The configured master key.
    ///
    /// - Parameter localDirectory: The embedded cluster's folder, or `nil` with an external database.
    public static func masterKey(reader: ConfigReader, localDirectory: String?) throws -> MasterKey {
        if let base64 = reader.string(forKey: "keys.master", isSecret: true), !base64.isEmpty {
            return try MasterKey(base64: base64)
        }
        if let file = reader.string(forKey: "keys.master.file"), !file.isEmpty {
            guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
                throw KeyStoreError.invalidMasterKey("cannot read keys.master.file \(file)")
            }
            return try MasterKey(base64: text)
        }
        guard let localDirectory else {
            throw KeyStoreError.invalidMasterKey(
                "with an external database, set KEYS_MASTER_FILE (or KEYS_MASTER) to 32 random bytes in base64, "
                    + "e.g. from `openssl rand -base64 32`; keep it apart from the database backups"
            )
        }
        let file = URL(fileURLWithPath: localDirectory).standardizedFileURL.deletingLastPathComponent()
            .appendingPathComponent("master.key").path
        return try MasterKey.loadOrCreate(file: file)
    }

    /// The configured checkpoint signing key, or one derived from `master`.
    public static func checkpointSigner(reader: ConfigReader, master: MasterKey) throws -> CheckpointSigner {
        var base64 = reader.string(forKey: "keys.checkpoint", isSecret: true)
        if base64?.isEmpty != false, let file = reader.string(forKey: "keys.checkpoint.file"), !file.isEmpty {
            guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
                throw ConfigurationError("cannot read keys.checkpoint.file \(file)")
            }
            base64 = text
        }
        guard let base64, !base64.isEmpty else { return try CheckpointSigner(derivedFrom: master) }
        guard let raw = Data(base64Encoded: base64.trimmingCharacters(in: .whitespacesAndNewlines)), raw.count == 32 else {
            throw ConfigurationError("keys.checkpoint is 32 bytes in base64 (e.g. `openssl rand -base64 32`)")
        }
        return try CheckpointSigner(rawPrivateKey: raw)
    }
}
