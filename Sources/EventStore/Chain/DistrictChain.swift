public import Foundation
public import Logging
public import PostgresNIO

/// One event of a district's hash chain, with everything its hash covers, as the auditors'
/// feed hands it out: an auditor recomputes `hash` from `previousHash` and the event's fields
/// (see ``StoredEvent``) without any other district's events.
public struct ChainedEvent: Sendable, Equatable {
    /// Its position in the district's chain: 1, 2, 3, ...
    public var districtPosition: Int64
    /// Its position in the whole log's chain.
    public var logPosition: Int64
    /// The hash of the district's event before it (hexadecimal; 64 zeros for the first).
    public var previousHash: String
    /// Its hash (hexadecimal).
    public var hash: String
    /// The event's global position.
    public var globalPosition: Int64
    /// Its stream.
    public var streamID: String
    /// Its version in the stream.
    public var streamVersion: Int64
    /// Its id.
    public var eventID: UUID
    /// Its stored type.
    public var type: String
    /// The schema version of its payload.
    public var schemaVersion: Int32
    /// The payload exactly as stored (PostgreSQL's `jsonb` text): personal parts sealed.
    public var payload: String
    /// The metadata exactly as stored.
    public var metadata: String
    /// When it was recorded, in microseconds since 1970.
    public var recordedAtMicroseconds: Int64
}

/// The district chains (`district_chain`): each district's events in log order, hashed as the
/// whole log is, so that the district's auditors can verify their district alone.
public struct DistrictChain: Sendable {
    /// The database.
    public let client: PostgresClient
    let logger: Logger

    /// The chains in `client`'s database.
    public init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    /// Up to `limit` events of `tenant`'s chain after `position`, in chain order.
    public func events(tenant: String, after position: Int64, limit: Int) async throws -> [ChainedEvent] {
        guard position < Int64.max else { return [] }
        return try await events(tenant: tenant, from: max(position, 0) + 1, through: Int64.max, limit: limit)
    }

    private func events(tenant: String, from first: Int64, through last: Int64, limit: Int) async throws -> [ChainedEvent] {
        let rows = try await client.guardedQuery(
            """
            SELECT d.district_position, d.log_position, encode(d.previous_hash, 'hex'), encode(d.hash, 'hex'),
                   \(unescaped: StoredEvent.columns)
            FROM district_chain d JOIN event_chain c ON c.log_position = d.log_position
                 JOIN events e ON e.global_position = c.global_position
            WHERE d.tenant = \(tenant) AND d.district_position BETWEEN \(first) AND \(last)
            ORDER BY d.district_position LIMIT \(limit)
            """,
            logger: logger
        )
        var events: [ChainedEvent] = []
        let columns = (Int64, Int64, String, String, Int64, String, Int64, UUID, String, Int32, String, String, Int64).self
        for try await row in rows.decode(columns) {
            events.append(
                ChainedEvent(
                    districtPosition: row.0,
                    logPosition: row.1,
                    previousHash: row.2,
                    hash: row.3,
                    globalPosition: row.4,
                    streamID: row.5,
                    streamVersion: row.6,
                    eventID: row.7,
                    type: row.8,
                    schemaVersion: row.9,
                    payload: row.10,
                    metadata: row.11,
                    recordedAtMicroseconds: row.12
                )
            )
        }
        return events
    }

    /// The last sealed link of `tenant`'s chain (position 0 and 64 zeros before the first).
    public func head(tenant: String) async throws -> ChainHead {
        let rows = try await client.guardedQuery(
            """
            SELECT district_position, encode(hash, 'hex') FROM district_chain
            WHERE tenant = \(tenant) ORDER BY district_position DESC LIMIT 1
            """,
            logger: logger
        )
        for try await (position, hash) in rows.decode((Int64, String).self) { return ChainHead(position: position, hash: hash) }
        return ChainHead(position: 0, hash: ChainHash.genesis.hex)
    }

    /// The last sealed link of the whole log's chain (position 0 and 64 zeros before the first).
    public func logHead() async throws -> ChainHead {
        let rows = try await client.guardedQuery(
            "SELECT log_position, encode(hash, 'hex') FROM event_chain ORDER BY log_position DESC LIMIT 1",
            logger: logger
        )
        for try await (position, hash) in rows.decode((Int64, String).self) { return ChainHead(position: position, hash: hash) }
        return ChainHead(position: 0, hash: ChainHash.genesis.hex)
    }

    /// Recomputes `tenant`'s chain from position `first` through `last` (as far as it is
    /// sealed): each link's previous hash must be the hash of the link before, and each hash
    /// the hash of the stored event. Positions count as in the district chain.
    public func verify(
        tenant: String,
        from first: Int64,
        through last: Int64,
        batchSize: Int = 5_000
    ) async throws
        -> ChainVerification
    {
        var result = ChainVerification(head: nil, verifiedCount: 0, broken: nil)
        var expected = max(first, 1)
        var previous: String?
        while expected <= last {
            let batch = try await events(tenant: tenant, from: expected, through: last, limit: batchSize)
            for event in batch {
                func broken(_ reason: String) -> ChainVerification {
                    var broken = result
                    broken.broken = BrokenLink(
                        position: event.districtPosition,
                        globalPosition: event.globalPosition,
                        reason: reason
                    )
                    return broken
                }
                guard event.districtPosition == expected else {
                    var gap = result
                    gap.broken = BrokenLink(position: expected, globalPosition: nil, reason: "link missing")
                    return gap
                }
                if let previous, event.previousHash != previous {
                    return broken("previous hash does not match the link before")
                }
                if event.districtPosition == 1, event.previousHash != ChainHash.genesis.hex {
                    return broken("the first link does not start from 64 zeros")
                }
                guard let before = [UInt8](hex: event.previousHash),
                    ChainHash.next(after: before, event: event.stored).hex == event.hash
                else { return broken("the event's stored bytes do not match its hash") }
                previous = event.hash
                result.verifiedCount += 1
                result.head = ChainHead(position: event.districtPosition, hash: event.hash)
                expected += 1
            }
            if batch.count < batchSize { break }
        }
        return result
    }
}

extension ChainedEvent {
    /// The fields the hash covers.
    var stored: StoredEvent {
        StoredEvent(
            (globalPosition, streamID, streamVersion, eventID, type, schemaVersion, payload, metadata, recordedAtMicroseconds)
        )
    }
}
