public import Crypto
public import Foundation
public import Logging
public import PostgresNIO

/// The server's Ed25519 key for checkpoints: it signs, auditors verify with the public key
/// (published at a well-known URL and in the README of an installation).
public struct CheckpointSigner: Sendable {
    let key: Curve25519.Signing.PrivateKey

    /// The signer with the 32-byte private key `raw`.
    ///
    /// - Throws: If `raw` is not a key.
    public init(rawPrivateKey raw: Data) throws {
        key = try Curve25519.Signing.PrivateKey(rawRepresentation: raw)
    }

    /// A signer whose key is derived from the master key (HKDF-SHA256, its own label), for
    /// installations that configure no checkpoint key of their own: stable across restarts,
    /// and as secret as the master key.
    public init(derivedFrom master: MasterKey) throws {
        let seed = master.derivedKey(purpose: "checkpoint signing key")
        key = try Curve25519.Signing.PrivateKey(rawRepresentation: seed.withUnsafeBytes { Data($0) })
    }

    /// The public key, 32 bytes.
    public var publicKey: Data { key.publicKey.rawRepresentation }

    /// The key's id: the first 16 hexadecimal digits of the SHA-256 of the public key.
    public var keyID: String { String(Array(SHA256.hash(data: publicKey)).hex.prefix(16)) }

    /// The Ed25519 signature of `statement`'s UTF-8 bytes.
    func sign(_ statement: String) throws -> Data {
        try key.signature(for: Data(statement.utf8))
    }
}

/// A signed checkpoint: a district's chain head and the whole log's, at a time.
public struct SignedCheckpoint: Sendable, Equatable {
    /// Its id.
    public var id: Int64
    /// The district.
    public var tenant: String
    /// The district chain's head.
    public var district: ChainHead
    /// The whole log's chain head.
    public var log: ChainHead
    /// When it was taken.
    public var takenAt: Date
    /// Why: `scheduled` or `requested`.
    public var reason: String
    /// The staff member who asked for it.
    public var requestedBy: UUID?
    /// The signing key's id.
    public var keyID: String
    /// The exact text signed.
    public var statement: String
    /// The Ed25519 signature of the statement's UTF-8 bytes.
    public var signature: Data

    /// The text a checkpoint signs: one `name=value` per line after a version line.
    static func statement(tenant: String, district: ChainHead, log: ChainHead, takenAt: Date, keyID: String) -> String {
        [
            "wegweiser-checkpoint/v1",
            "district=\(tenant)",
            "district_position=\(district.position)",
            "district_hash=\(district.hash)",
            "log_position=\(log.position)",
            "log_hash=\(log.hash)",
            "taken_at=\(takenAt.formatted(.iso8601))",
            "key_id=\(keyID)",
        ].joined(separator: "\n")
    }
}

/// Takes, keeps and lists signed checkpoints (`chain_checkpoints`).
public struct Checkpoints: Sendable {
    /// The chains they sign.
    public let chains: DistrictChain
    /// The key.
    public let signer: CheckpointSigner
    let logger: Logger

    /// Checkpoints of `chains` signed by `signer`.
    public init(chains: DistrictChain, signer: CheckpointSigner, logger: Logger) {
        self.chains = chains
        self.signer = signer
        self.logger = logger
    }

    /// Signs and keeps the current heads of `tenant`'s chain and the log's.
    public func take(tenant: String, at time: Date, reason: String, requestedBy: UUID? = nil) async throws -> SignedCheckpoint {
        let district = try await chains.head(tenant: tenant)
        let log = try await chains.logHead()
        // Whole seconds, as the statement writes them.
        let takenAt = Date(timeIntervalSince1970: time.timeIntervalSince1970.rounded(.down))
        let statement = SignedCheckpoint.statement(
            tenant: tenant,
            district: district,
            log: log,
            takenAt: takenAt,
            keyID: signer.keyID
        )
        let signature = try signer.sign(statement)
        let rows = try await chains.client.guardedQuery(
            """
            INSERT INTO chain_checkpoints
                (tenant, district_position, log_position, taken_at, reason, requested_by, key_id, statement, signature)
            VALUES (\(tenant), \(district.position), \(log.position), \(takenAt), \(reason), \(requestedBy), \(signer.keyID),
                    \(statement), \(signature))
            RETURNING id
            """,
            logger: logger
        )
        var id: Int64 = 0
        for try await (made, ) in rows.decode((Int64,).self) { id = made }
        return SignedCheckpoint(
            id: id,
            tenant: tenant,
            district: district,
            log: log,
            takenAt: takenAt,
            reason: reason,
            requestedBy: requestedBy,
            keyID: signer.keyID,
            statement: statement,
            signature: signature
        )
    }

    /// Up to `limit` checkpoints of `tenant`, newest first, before the checkpoint `before`.
    public func list(tenant: String, before: Int64?, limit: Int) async throws -> [SignedCheckpoint] {
        let rows = try await chains.client.guardedQuery(
            """
            SELECT id, tenant, district_position, log_position, taken_at, reason, requested_by, key_id, statement, signature
            FROM chain_checkpoints
            WHERE tenant = \(tenant) AND id < \(before ?? Int64.max)
            ORDER BY id DESC LIMIT \(limit)
            """,
            logger: logger
        )
        var found: [SignedCheckpoint] = []
        let columns = (Int64, String, Int64, Int64, Date, String, UUID?, String, String, Data).self
        for try await row in rows.decode(columns) {
            let fields = Self.fields(of: row.8)
            found.append(
                SignedCheckpoint(
                    id: row.0,
                    tenant: row.1,
                    district: ChainHead(position: row.2, hash: fields["district_hash"] ?? ""),
                    log: ChainHead(position: row.3, hash: fields["log_hash"] ?? ""),
                    takenAt: row.4,
                    reason: row.5,
                    requestedBy: row.6,
                    keyID: row.7,
                    statement: row.8,
                    signature: row.9
                )
            )
        }
        return found
    }

    /// The districts whose chain moved on since their last checkpoint.
    public func districtsDue() async throws -> [String] {
        let rows = try await chains.client.guardedQuery(
            """
            SELECT t.tenant FROM (SELECT DISTINCT tenant FROM streams) t
            WHERE (SELECT coalesce(max(district_position), 0) FROM district_chain d WHERE d.tenant = t.tenant)
                > coalesce((SELECT district_position FROM chain_checkpoints k WHERE k.tenant = t.tenant ORDER BY id DESC LIMIT 1), 0)
            """,
            logger: logger
        )
        var due: [String] = []
        for try await (tenant, ) in rows.decode((String,).self) { due.append(tenant) }
        return due
    }

    /// The `name=value` lines of a statement.
    static func fields(of statement: String) -> [String: String] {
        var fields: [String: String] = [:]
        for line in statement.split(separator: "\n") {
            guard let equals = line.firstIndex(of: "=") else { continue }
            fields[String(line[..<equals])] = String(line[line.index(after: equals)...])
        }
        return fields
    }
}
