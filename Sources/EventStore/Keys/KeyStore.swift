import Crypto
public import Foundation
public import Logging
public import PostgresNIO

/// Encrypts parts of payloads under one data key per subject (a person), and erases a subject
/// by destroying its key (crypto-shredding): the events stay and the hash chain still verifies,
/// because it covers the ciphertext, but the subject's encrypted parts cannot be read anywhere.
///
/// Data keys are AES-256 keys, stored in `subject_keys` wrapped (AES-GCM) by the ``MasterKey``.
/// Values are sealed with AES-GCM; the event id and the subject are bound as associated data,
/// so a sealed value cannot be moved to another event or subject. Keys are not cached, so an
/// erasure takes effect at once in every process.
public struct KeyStore: Sendable {
    /// The database holding the wrapped keys.
    public let client: PostgresClient
    let master: MasterKey
    let logger: Logger

    /// A key store over `client`, wrapping keys with `master`.
    public init(client: PostgresClient, master: MasterKey, logger: Logger) {
        self.client = client
        self.master = master
        self.logger = logger
    }

    /// Encrypts `plaintext` for `subject` in the event `eventID`; creates the subject's key on
    /// first use.
    ///
    /// - Throws: ``KeyStoreError/erased(subject:)`` if the subject was erased.
    public func seal(_ plaintext: Data, subject: String, eventID: UUID) async throws -> SealedValue {
        try Self.seal(plaintext, subject: subject, eventID: eventID, key: try await dataKey(for: subject))
    }

    static func seal(_ plaintext: Data, subject: String, eventID: UUID, key: SymmetricKey) throws -> SealedValue {
        let box = try AES.GCM.seal(plaintext, using: key, authenticating: associatedData(subject: subject, eventID: eventID))
        guard let combined = box.combined else { throw KeyStoreError.invalidMasterKey("AES-GCM produced no combined form") }
        return SealedValue(subject: subject, sealed: combined.base64EncodedString())
    }

    /// Decrypts values sealed in the event `eventID`.
    ///
    /// - Throws: ``KeyStoreError/erased(subject:)`` once the subject was erased,
    ///   ``KeyStoreError/tampered(subject:)`` if the value or its binding was changed.
    public func open(_ value: SealedValue, eventID: UUID) async throws -> Data {
        guard let key = try await existingKeys(for: [value.subject])[value.subject] else {
            throw KeyStoreError.erased(subject: value.subject)
        }
        return try Self.open(value, eventID: eventID, key: key)
    }

    /// Decrypts many values with one database round trip; a value whose subject was erased
    /// comes back as `nil`.
    public func open(_ values: [(value: SealedValue, eventID: UUID)]) async throws -> [Data?] {
        let keys = try await existingKeys(for: Set(values.map(\.value.subject)))
        return try values.map { value, eventID in
            try keys[value.subject].map { try Self.open(value, eventID: eventID, key: $0) }
        }
    }

    /// Re-wraps every subject's data key from `old` to `new` in one transaction over `client`
    /// (nothing else changes: events, sealed values and erasures stay as they are); keys
    /// wrapped by `new` already are left. Returns how many were re-wrapped.
    ///
    /// - Throws: ``KeyStoreError/invalidMasterKey(_:)`` if a key was wrapped by neither, and
    ///   nothing is changed.
    public static func rewrap(
        client: PostgresClient,
        from old: MasterKey,
        to new: MasterKey,
        logger: Logger
    ) async throws -> Int {
        try await client.withGuardedTransaction(logger: logger) { connection in
            // No key is made meanwhile by a node that still runs with the old master key.
            try await connection.query("LOCK TABLE subject_keys IN SHARE ROW EXCLUSIVE MODE", logger: logger)
            let rows = try await GuardedRows(
                try await connection.query(
                    """
                    SELECT subject_id, wrapped_key, master_key_id FROM subject_keys
                    WHERE wrapped_key IS NOT NULL ORDER BY subject_id FOR UPDATE
                    """,
                    logger: logger
                )
            )
            var rewrapped = 0
            for try await (subject, wrapped, keyID) in rows.decode((String, Data, String).self) where keyID != new.id {
                let raw: Data
                do {
                    raw = try AES.GCM.open(
                        AES.GCM.SealedBox(combined: wrapped),
                        using: old.key,
                        authenticating: Data(subject.utf8)
                    )
                } catch {
                    throw KeyStoreError.invalidMasterKey("the key of subject \(subject) was not wrapped by the old master key")
                }
                guard let combined = try AES.GCM.seal(raw, using: new.key, authenticating: Data(subject.utf8)).combined else {
                    throw KeyStoreError.invalidMasterKey("AES-GCM produced no combined form")
                }
                try await connection.query(
                    "UPDATE subject_keys SET wrapped_key = \(combined), master_key_id = \(new.id) WHERE subject_id = \(subject)",
                    logger: logger
                )
                rewrapped += 1
            }
            return rewrapped
        }
    }

    /// The keys of the search index, derived from the same master key.
    public var searchKeys: SearchKeys { SearchKeys(master: master) }

    /// A key ring that fetches each subject's key once, on `connection` (inside whatever
    /// transaction it has open), and seals and opens with it.
    public func ring(on connection: PostgresConnection) -> KeyRing {
        KeyRing(store: self, connection: connection)
    }

    /// Destroys the subject's key. Idempotent; erasing a subject that never had a key records
    /// the erasure so no key is made for it later.
    public func erase(subject: String) async throws {
        try await client.withGuardedConnection { try await erase(subject: subject, on: $0) }
    }

    /// ``erase(subject:)`` on `connection`, inside whatever transaction it has open: the key is
    /// gone when that commits.
    public func erase(subject: String, on connection: PostgresConnection) async throws {
        try await connection.query(
            """
            INSERT INTO subject_keys (subject_id, wrapped_key, master_key_id, erased_at)
            VALUES (\(subject), NULL, \(master.id), now())
            ON CONFLICT (subject_id) DO UPDATE SET wrapped_key = NULL, erased_at = coalesce(subject_keys.erased_at, now())
            """,
            logger: logger
        )
        logger.notice("subject key erased", metadata: ["subject": "\(subject)"])
    }

    static func open(_ value: SealedValue, eventID: UUID, key: SymmetricKey) throws -> Data {
        do {
            guard let combined = Data(base64Encoded: value.sealed) else { throw KeyStoreError.tampered(subject: value.subject) }
            return try AES.GCM.open(
                AES.GCM.SealedBox(combined: combined),
                using: key,
                authenticating: associatedData(subject: value.subject, eventID: eventID)
            )
        } catch {
            throw KeyStoreError.tampered(subject: value.subject)
        }
    }

    static func associatedData(subject: String, eventID: UUID) -> Data {
        Data("wegweiser/v1\n\(eventID.uuidString.lowercased())\n\(subject)".utf8)
    }

    /// The subject's data key, made and stored on first use.
    private func dataKey(for subject: String) async throws -> SymmetricKey {
        try await client.withGuardedConnection { try await dataKey(for: subject, on: $0) }
    }

    /// The subject's data key, made and stored on first use, on `connection`: one round trip
    /// when the key exists, two when it is made.
    func dataKey(for subject: String, on connection: PostgresConnection) async throws -> SymmetricKey {
        let rows = try await connection.query(
            "SELECT wrapped_key FROM subject_keys WHERE subject_id = \(subject)",
            logger: logger
        )
        for try await (wrapped, ) in rows.decode((Data?,).self) {
            guard let wrapped else { throw KeyStoreError.erased(subject: subject) }
            return try unwrap(wrapped, subject: subject)
        }
        let fresh = SymmetricKey(size: .bits256)
        let wrapped = try AES.GCM.seal(fresh.withUnsafeBytes { Data($0) }, using: master.key, authenticating: Data(subject.utf8))
        guard let combined = wrapped.combined else { throw KeyStoreError.invalidMasterKey("AES-GCM produced no combined form") }
        let made = try await connection.query(
            """
            INSERT INTO subject_keys (subject_id, wrapped_key, master_key_id) VALUES (\(subject), \(combined), \(master.id))
            ON CONFLICT (subject_id) DO UPDATE SET subject_id = excluded.subject_id
            RETURNING wrapped_key
            """,
            logger: logger
        )
        for try await (wrapped, ) in made.decode((Data?,).self) {
            guard let wrapped else { throw KeyStoreError.erased(subject: subject) }
            return try unwrap(wrapped, subject: subject)
        }
        throw KeyStoreError.erased(subject: subject)
    }

    /// The unwrapped keys of those `subjects` that have one (erased subjects have none).
    private func existingKeys(for subjects: Set<String>) async throws -> [String: SymmetricKey] {
        guard !subjects.isEmpty else { return [:] }
        let rows = try await client.guardedQuery(
            "SELECT subject_id, wrapped_key FROM subject_keys WHERE subject_id = ANY(\(Array(subjects))) AND wrapped_key IS NOT NULL",
            logger: logger
        )
        var keys: [String: SymmetricKey] = [:]
        for try await (subject, wrapped) in rows.decode((String, Data).self) {
            keys[subject] = try unwrap(wrapped, subject: subject)
        }
        return keys
    }

    /// The data key `wrapped` of `subject`, unwrapped with the master key.
    private func unwrap(_ wrapped: Data, subject: String) throws -> SymmetricKey {
        do {
            let raw = try AES.GCM.open(
                AES.GCM.SealedBox(combined: wrapped),
                using: master.key,
                authenticating: Data(subject.utf8)
            )
            return SymmetricKey(data: raw)
        } catch {
            throw KeyStoreError.invalidMasterKey("the key of subject \(subject) was not wrapped by this master key")
        }
    }
}

/// A value encrypted under a subject's key, as it sits inside an event payload.
public struct SealedValue: Codable, Sendable, Equatable {
    /// Whose key encrypts it.
    public var subject: String
    /// Nonce, ciphertext and tag (AES-GCM combined form), base64.
    public var sealed: String

    /// A sealed value.
    public init(subject: String, sealed: String) {
        self.subject = subject
        self.sealed = sealed
    }
}

/// Why a value could not be sealed or opened.
public enum KeyStoreError: Error, Equatable, CustomStringConvertible {
    /// The subject was erased: its data cannot be read, and no new data is sealed for it.
    case erased(subject: String)
    /// The value, its event or its subject was changed after sealing.
    case tampered(subject: String)
    /// The master key is missing, malformed or not the one the keys were wrapped with.
    case invalidMasterKey(String)

    /// What went wrong.
    public var description: String {
        switch self {
        case .erased(let subject): "the data of subject \(subject) was erased"
        case .tampered(let subject): "a sealed value of subject \(subject) does not authenticate"
        case .invalidMasterKey(let reason): "master key: \(reason)"
        }
    }
}
