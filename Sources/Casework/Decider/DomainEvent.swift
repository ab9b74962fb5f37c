public import Foundation
import Synchronization

/// An event with a stable stored form: a type name such as `team.formed`, a schema version and
/// a JSON payload with snake_case keys. Never the synthesized `Codable` of an enum.
public protocol DomainEvent: Sendable, Equatable {
    /// The stable stored type name.
    var typeName: String { get }
    /// The schema version of the payload this build writes.
    var schemaVersion: Int { get }
    /// The payload as JSON.
    func payload() throws -> Data
    /// The event stored as `typeName` with `payload` (already upcast to the current version).
    init(typeName: String, payload: Data) throws
}

extension DomainEvent {
    /// Version 1: payloads that never changed shape.
    public var schemaVersion: Int { 1 }
}

/// Why a stored event cannot be read back.
public struct UnknownEventType: Error, Equatable, CustomStringConvertible {
    /// The stored type name.
    public var typeName: String

    /// What went wrong.
    public var description: String { "unknown event type \(typeName)" }
}

/// The JSON form of event payloads: snake_case keys, RFC 3339 times, sorted keys.
public enum EventCoding {
    /// The JSON of `payload`.
    public static func encode(_ payload: some Encodable) throws -> Data {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = .sortedKeys
        return try encoder.encode(payload)
    }

    /// The payload of type `Payload` in `data`.
    public static func decode<Payload: Decodable>(_ data: Data, as type: Payload.Type = Payload.self) throws -> Payload {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .custom { path in SnakeCaseKey(path.last?.stringValue ?? "") }
        decoder.dateDecodingStrategy = .iso8601
        return try decoder.decode(Payload.self, from: data)
    }
}

/// A snake_case key read back as the Swift property name: `district_id` → `districtID`
/// (Foundation's `convertFromSnakeCase` would give `districtId`).
private struct SnakeCaseKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }

    init(_ snakeCase: String) {
        if let known = Self.known.withLock({ $0[snakeCase] }) {
            stringValue = known
            return
        }
        let words = snakeCase.split(separator: "_")
        let rest = words.dropFirst().map { $0 == "id" ? "ID" : $0.prefix(1).uppercased() + $0.dropFirst() }
        stringValue = (words.first.map(String.init) ?? "") + rest.joined()
        // The payloads' keys are few: each is converted once. (Bounded all the same.)
        Self.known.withLock { known in
            if known.count < 4096 { known[snakeCase] = stringValue }
        }
    }

    init?(stringValue: String) { self.init(stringValue) }
    init?(intValue: Int) { nil }

    /// The keys converted so far.
    private static let known = Mutex<[String: String]>([:])
}
