import Crypto
import EventStore
import Foundation
import Logging
import PostgresNIO

/// An `Idempotency-Key` of a POST: the same key and body answer the same resource without a
/// second write; the same key with another body answers 422. A key is remembered for
/// ``IdempotencyPolicy/lifetime`` (`idempotency.ttl.hours`), then forgotten: a retry after that
/// is a new request.
struct IdempotencyKey: Sendable {
    /// Whose key it is: keys are per caller.
    let staffID: UUID
    /// The key.
    let key: String
    /// The operation it was used for.
    let operation: String
    /// The HMAC-SHA256 of the request (target and JSON body with sorted keys) under the
    /// server's own key: a stored hash cannot confirm a guessed name and birth date.
    let requestHash: String
    /// How long keys are remembered.
    let lifetime: Duration

    /// The key of this request, or `nil` without the header; `target` names the object the
    /// request acts on (e.g. the case of an item), so a key reused on another object is
    /// another request.
    /// The key's form (1–200 visible ASCII characters) is the contract's, checked before.
    init?(_ key: String?, operation: String, target: String = "", body: some Encodable, policy: IdempotencyPolicy) throws {
        guard let key else { return nil }
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        self.staffID = try Principal.required().staffID
        self.key = key
        self.operation = operation
        self.lifetime = policy.lifetime
        let request = Data(target.lowercased().utf8) + Data([0]) + (try encoder.encode(body))
        self.requestHash = Data(HMAC<SHA256>.authenticationCode(for: request, using: policy.hashKey)).map {
            String(format: "%02x", $0)
        }.joined()
    }

    /// Records that this key created `resourceID`, in the transaction that created it.
    func record(resourceID: String, on connection: PostgresConnection, logger: Logger) async throws {
        // A key forgotten but not yet swept away is free again.
        try await connection.query(
            """
            DELETE FROM idempotency_keys
            WHERE staff_member_id = \(staffID) AND key = \(key) AND created_at < now() - make_interval(secs => \(seconds))
            """,
            logger: logger
        )
        try await connection.query(
            """
            INSERT INTO idempotency_keys (staff_member_id, key, operation, request_hash, resource_id)
            VALUES (\(staffID), \(key), \(operation), \(requestHash), \(resourceID))
            """,
            logger: logger
        )
    }

    /// The resource an earlier request with this key created, or `nil` if there was none.
    ///
    /// - Throws: 422 if the key was used for another operation or body.
    func previous(on client: PostgresClient, logger: Logger) async throws -> String? {
        let rows = try await client.guardedQuery(
            """
            SELECT operation, request_hash, resource_id FROM idempotency_keys
            WHERE staff_member_id = \(staffID) AND key = \(key) AND created_at >= now() - make_interval(secs => \(seconds))
            """,
            logger: logger
        )
        for try await (operation, hash, resourceID) in rows.decode((String, String, String).self) {
            guard operation == self.operation, hash == requestHash else {
                throw Problem.unprocessable(
                    "This Idempotency-Key was used before with another request; use a new key for a new request.",
                    errors: [.init(pointer: "#/header/Idempotency-Key", detail: "used before with another request")]
                )
            }
            return resourceID
        }
        return nil
    }
}

/// How `Idempotency-Key`s are kept: how long, and the key their request hashes are made with.
struct IdempotencyPolicy: Sendable {
    /// How long a key is remembered (`idempotency.ttl.hours`, default 24).
    let lifetime: Duration
    /// The HMAC key of request hashes, derived from the master key.
    let hashKey: SymmetricKey

    /// The policy with keys remembered for `lifetime`, hashes keyed from `master`.
    init(lifetime: Duration = .seconds(24 * 3600), master: MasterKey) {
        self.lifetime = lifetime
        self.hashKey = master.derivedKey(purpose: "idempotency request hash")
    }

    /// Forgets the keys older than the lifetime; answers how many.
    func sweep(on client: PostgresClient, logger: Logger) async throws -> Int {
        let rows = try await client.guardedQuery(
            """
            WITH gone AS (
                DELETE FROM idempotency_keys WHERE created_at < now() - make_interval(secs => \(Double(lifetime.components.seconds)))
                RETURNING 1
            )
            SELECT count(*)::int FROM gone
            """,
            logger: logger
        )
        for try await (count, ) in rows.decode((Int,).self) { return count }
        return 0
    }
}

extension IdempotencyKey {
    /// The lifetime in seconds, for SQL.
    fileprivate var seconds: Double { Double(lifetime.components.seconds) }
}

/// Two requests with the same `Idempotency-Key` raced; the loser answers what the winner made.
struct IdempotencyRace: Error {}

extension APIHandler {
    /// The `Idempotency-Key` of this request (see ``IdempotencyKey``), under this server's policy.
    func idempotencyKey(_ key: String?, operation: String, target: String = "", body: some Encodable) throws -> IdempotencyKey? {
        try IdempotencyKey(key, operation: operation, target: target, body: body, policy: idempotency)
    }

    /// Runs `create` once per `Idempotency-Key`: a retry answers `replay` of the resource the
    /// first request made, also when both race (the loser fails on the key or, for a change
    /// of an existing stream, on its version, and then finds the winner's key).
    func idempotent<Output>(
        _ key: IdempotencyKey?,
        replay: (String) async throws -> Output,
        create: () async throws -> Output
    ) async throws -> Output {
        if let key, let previous = try await key.previous(on: database, logger: logger) {
            return try await replay(previous)
        }
        do {
            return try await create()
        } catch let error where error is IdempotencyRace || (error as? Problem)?.status == 409 {
            guard let previous = try await key?.previous(on: database, logger: logger) else { throw error }
            return try await replay(previous)
        }
    }
}
