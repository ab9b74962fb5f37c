import Crypto
public import Foundation
import PostgresNIO
import Synchronization

/// The data keys one write has fetched, each once, on the connection of its transaction: a
/// write seals every personal part of its events (and opens what its rules need) with one key
/// lookup per subject. Lives as long as the write; never shared between requests, so an erasure
/// takes effect at the next one.
public final class KeyRing: Sendable {
    private let store: KeyStore
    private let connection: PostgresConnection
    private let keys = Mutex<[String: SymmetricKey]>([:])

    init(store: KeyStore, connection: PostgresConnection) {
        self.store = store
        self.connection = connection
    }

    /// Encrypts `plaintext` for `subject` in the event `eventID`; makes the subject's key on
    /// first use.
    ///
    /// - Throws: ``KeyStoreError/erased(subject:)`` if the subject was erased.
    public func seal(_ plaintext: Data, subject: String, eventID: UUID) async throws -> SealedValue {
        try KeyStore.seal(plaintext, subject: subject, eventID: eventID, key: try await key(for: subject))
    }

    /// Decrypts a value sealed in the event `eventID`.
    ///
    /// - Throws: ``KeyStoreError/erased(subject:)`` once the subject was erased,
    ///   ``KeyStoreError/tampered(subject:)`` if the value or its binding was changed.
    public func open(_ value: SealedValue, eventID: UUID) async throws -> Data {
        try KeyStore.open(value, eventID: eventID, key: try await key(for: value.subject))
    }

    private func key(for subject: String) async throws -> SymmetricKey {
        if let key = keys.withLock({ $0[subject] }) { return key }
        let key = try await store.dataKey(for: subject, on: connection)
        keys.withLock { $0[subject] = key }
        return key
    }
}
