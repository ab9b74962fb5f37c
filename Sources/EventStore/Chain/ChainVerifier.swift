import Foundation
public import Logging
public import PostgresNIO

/// What ``ChainVerifier/verify(batchSize:)`` found.
public struct ChainVerification: Sendable, Equatable {
    /// The last intact link; `nil` if nothing is sealed or the first link is broken.
    public var head: ChainHead?
    /// How many links were checked and found intact.
    public var verifiedCount: Int64
    /// The first broken link, if any.
    public var broken: BrokenLink?

    /// Whether the whole chain is intact.
    public var isIntact: Bool { broken == nil }
}

/// A link of a chain (the whole log's, or a district's): its position and hash.
public struct ChainHead: Sendable, Equatable {
    /// The link's position in its chain's gapless order (1, 2, 3, ...; 0 before the first).
    public var position: Int64
    /// The link's SHA-256, hexadecimal.
    public var hash: String
}

/// The first place where the chain does not hold.
public struct BrokenLink: Sendable, Equatable {
    /// The position of the broken link in its chain.
    public var position: Int64
    /// The global position of the event it seals (if the link names one).
    public var globalPosition: Int64?
    /// What does not match.
    public var reason: String
}

/// Recomputes the hash chain from the stored events and names the first broken link.
public struct ChainVerifier: Sendable {
    /// The log to verify.
    public let client: PostgresClient
    let logger: Logger

    /// A verifier over `client`.
    public init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    /// Walks the whole chain in log order.
    public func verify(batchSize: Int = 5000) async throws -> ChainVerification {
        var result = ChainVerification(head: nil, verifiedCount: 0, broken: nil)
        var previous = ChainHash.genesis
        var expectedPosition: Int64 = 1
        while true {
            let rows = try await client.guardedQuery(
                """
                SELECT c.log_position, c.global_position, encode(c.previous_hash, 'hex'), encode(c.hash, 'hex'),
                       e.global_position IS NOT NULL, \(unescaped: StoredEvent.columns)
                FROM event_chain c LEFT JOIN events e ON e.global_position = c.global_position
                WHERE c.log_position >= \(expectedPosition)
                ORDER BY c.log_position
                LIMIT \(batchSize)
                """,
                logger: logger
            )
            var count = 0
            for try await row in rows.decode(
                (Int64, Int64, String, String, Bool, Int64?, String?, Int64?, UUID?, String?, Int32?, String?, String?, Int64?)
                    .self
            ) {
                count += 1
                let (logPosition, globalPosition, previousHash, hash, eventExists) = (row.0, row.1, row.2, row.3, row.4)
                func broken(_ reason: String) -> ChainVerification {
                    var broken = result
                    broken.broken = BrokenLink(position: logPosition, globalPosition: globalPosition, reason: reason)
                    return broken
                }
                guard logPosition == expectedPosition else {
                    var gap = result
                    gap.broken = BrokenLink(position: expectedPosition, globalPosition: nil, reason: "link missing")
                    return gap
                }
                guard eventExists, let stored = Self.storedEvent(row) else { return broken("the sealed event is missing") }
                guard previousHash == previous.hex else { return broken("previous hash does not match the link before") }
                let recomputed = ChainHash.next(after: previous, event: stored)
                guard recomputed.hex == hash else { return broken("the event's stored bytes do not match its hash") }
                previous = recomputed
                result.verifiedCount += 1
                result.head = ChainHead(position: logPosition, hash: hash)
                expectedPosition += 1
            }
            if count < batchSize { return result }
        }
    }

    private static func storedEvent(
        _ row: (Int64, Int64, String, String, Bool, Int64?, String?, Int64?, UUID?, String?, Int32?, String?, String?, Int64?)
    ) -> StoredEvent? {
        guard let position = row.5, let stream = row.6, let version = row.7, let id = row.8, let type = row.9,
            let schemaVersion = row.10, let payload = row.11, let metadata = row.12, let recordedAt = row.13
        else { return nil }
        return StoredEvent((position, stream, version, id, type, schemaVersion, payload, metadata, recordedAt))
    }
}
