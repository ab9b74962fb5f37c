import ArgumentParser
import Configuration
import EventStore
import Foundation
import Projections
import WegweiserServer

/// `wegweiser rotate-master-key`: wraps every person's data key with a new master key.
struct RotateMasterKey: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rotate-master-key",
        abstract: "Re-wrap every person's data key with a new master key (every node stopped).",
        discussion: """
            Reads the current key as the server does (KEYS_MASTER_FILE or KEYS_MASTER) and the new one \
            from --new-key-file (32 random bytes in base64, e.g. `openssl rand -base64 32`). In one \
            transaction it re-wraps each person's data key (events and sealed values stay as they are) \
            and forgets the idempotency records (their request hashes derive from the master key); then \
            it rebuilds the search index, whose tokens derive from it too. Run it as the schema's owner \
            with every node stopped, then start the nodes with the new key. Running it again with the \
            same keys changes nothing.
            """
    )

    @Option(help: "A file holding the new master key (32 bytes in base64).") var newKeyFile: String
    @OptionGroup var flags: ConfigurationFlags

    func run() async throws {
        let reader = try await ConfigReader.wegweiser(arguments: flags.settings)
        let logger = makeLogger(label: "wegweiser.rotate-master-key", reader: reader)
        guard
            !(reader.string(forKey: "keys.master", isSecret: true) ?? "").isEmpty
                || !(reader.string(forKey: "keys.master.file") ?? "").isEmpty
        else {
            throw ValidationError(
                "Give the current key with KEYS_MASTER_FILE (or KEYS_MASTER): the server must start with the new one, "
                    + "so rotating the embedded default's own key file is not supported."
            )
        }
        let old = try MasterKeySettings.masterKey(reader: reader, localDirectory: nil)
        guard let text = try? String(contentsOfFile: newKeyFile, encoding: .utf8) else {
            throw ValidationError("Cannot read --new-key-file \(newKeyFile).")
        }
        let new = try MasterKey(base64: text)
        let derivedCheckpointKey =
            (reader.string(forKey: "keys.checkpoint", isSecret: true) ?? "").isEmpty
            && (reader.string(forKey: "keys.checkpoint.file") ?? "").isEmpty
        try await withDatabase(reader: reader, logger: logger) { client in
            guard try await Migrator.bundled().status(on: client, logger: logger).isCurrent else {
                print("The database schema is not current; run `wegweiser migrate` first.")
                throw ExitCode(1)
            }
            guard let search = ReadModels.standard.named("client_search") else { throw ExitCode(1) }
            let owns = try await client.guardedQuery(
                "SELECT coalesce(bool_and(pg_has_role(tableowner, 'USAGE')), false) FROM pg_tables WHERE tablename = ANY(\(search.tables))",
                logger: logger
            )
            for try await (mayReplace, ) in owns.decode((Bool,).self) where !mayReplace {
                print("Run it as the schema's owner: the search index is rebuilt with the new key.")
                throw ExitCode(1)
            }
            let rewrapped: Int
            do {
                rewrapped = try await KeyStore.rewrap(client: client, from: old, to: new, logger: logger)
            } catch let error as KeyStoreError {
                print("Nothing changed: \(error). Is KEYS_MASTER_FILE the key the server runs with now?")
                throw ExitCode(1)
            }
            try await client.guardedQuery("DELETE FROM idempotency_keys", logger: logger)
            print("Re-wrapped \(rewrapped) data key(s) with the new master key \(new.id); idempotency records forgotten.")
            _ = try await Rebuild(
                store: EventStore(client: client, logger: logger),
                projections: [search],
                keys: KeyStore(client: client, master: new, logger: logger),
                logger: logger
            ).run()
            print("The search index is rebuilt with the new key. Start every node with the new key now.")
            if derivedCheckpointKey {
                print(
                    "Note: the checkpoint signing key derives from the master key, so it changes too: give the "
                        + "auditors the new public key (GET /.well-known/wegweiser-checkpoint-key) and keep the old one for "
                        + "the checkpoints signed before (or set KEYS_CHECKPOINT_FILE to keep one key)."
                )
            }
        }
    }
}
