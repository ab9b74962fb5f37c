import Crypto
import Foundation

/// The stored form of one event as the hash chain covers it, and the hash function.
///
/// `hash(n) = SHA-256(hash(n - 1) || canonical(event n))`, with `hash(0)` 32 zero bytes, where
/// `canonical` is the concatenation of these fields, each as a 4-byte big-endian length
/// followed by its UTF-8 bytes: global position, stream id, stream version, event id
/// (lower-case), event type, schema version, payload (PostgreSQL's `jsonb` text), metadata
/// (likewise), and recorded-at in microseconds since 1970 (all numbers in decimal). An auditor
/// can recompute it from the `events` table alone.
struct StoredEvent: Sendable {
    var globalPosition: Int64
    var streamID: String
    var streamVersion: Int64
    var eventID: UUID
    var type: String
    var schemaVersion: Int32
    var payload: String
    var metadata: String
    var recordedAtMicroseconds: Int64

    /// Selects the columns of a stored event from `events e`, in the order of the tuple
    /// ``Row``. A constant.
    static let columns = """
        e.global_position, e.stream_id, e.stream_version, e.event_id, e.event_type, e.schema_version,
        e.payload::text, e.metadata::text, (extract(epoch FROM e.recorded_at) * 1000000)::bigint
        """

    typealias Row = (Int64, String, Int64, UUID, String, Int32, String, String, Int64)

    init(_ row: Row) {
        (globalPosition, streamID, streamVersion, eventID, type, schemaVersion, payload, metadata, recordedAtMicroseconds) = row
    }

    var canonicalBytes: [UInt8] {
        var bytes: [UInt8] = []
        for field in [
            String(globalPosition), streamID, String(streamVersion), eventID.uuidString.lowercased(), type,
            String(schemaVersion), payload, metadata, String(recordedAtMicroseconds),
        ] {
            let utf8 = Array(field.utf8)
            withUnsafeBytes(of: UInt32(utf8.count).bigEndian) { bytes.append(contentsOf: $0) }
            bytes.append(contentsOf: utf8)
        }
        return bytes
    }
}

enum ChainHash {
    /// The hash before the first event.
    static let genesis = [UInt8](repeating: 0, count: 32)

    static func next(after previous: [UInt8], event: StoredEvent) -> [UInt8] {
        var hasher = SHA256()
        hasher.update(data: previous)
        hasher.update(data: event.canonicalBytes)
        return Array(hasher.finalize())
    }
}

extension Array where Element == UInt8 {
    /// Lower-case hexadecimal.
    var hex: String { map { String(format: "%02x", $0) }.joined() }

    /// The bytes of a hexadecimal string.
    init?(hex: String) {
        guard hex.utf8.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            guard let byte = UInt8(hex[index..<next], radix: 16) else { return nil }
            bytes.append(byte)
            index = next
        }
        self = bytes
    }
}
