import EventStore
import Foundation

extension APIHandler {
    /// `values` with every sealed part (`{"subject", "sealed", "event_id"}`) opened, in one
    /// round trip for the keys; a part whose subject was erased is removed.
    func openingSealedParts(_ values: [JSONValue]) async throws -> [JSONValue] {
        var found: [(value: SealedValue, eventID: UUID)] = []
        for value in values { Self.collectSealed(value, into: &found) }
        guard !found.isEmpty else { return values }
        let plaintexts = try await keys.open(found).map { data in
            try data.map { try JSONValue(jsonText: String(decoding: $0, as: UTF8.self)) }
        }
        var next = 0
        return values.map { Self.replacingSealed($0, with: plaintexts, next: &next) }
    }

    private static func sealedPart(_ value: JSONValue) -> (SealedValue, UUID)? {
        guard case .string(let subject)? = value["subject"], case .string(let sealed)? = value["sealed"],
            case .string(let event)? = value["event_id"], let eventID = UUID(uuidString: event)
        else { return nil }
        return (SealedValue(subject: subject, sealed: sealed), eventID)
    }

    private static func collectSealed(_ value: JSONValue, into found: inout [(value: SealedValue, eventID: UUID)]) {
        switch value {
        case .object(let members):
            if let part = sealedPart(value) {
                found.append(part)
            } else {
                for key in members.keys.sorted() { collectSealed(members[key] ?? .null, into: &found) }
            }
        case .array(let elements):
            for element in elements { collectSealed(element, into: &found) }
        default:
            break
        }
    }

    private static func replacingSealed(_ value: JSONValue, with plaintexts: [JSONValue?], next: inout Int) -> JSONValue {
        switch value {
        case .object(var members):
            if sealedPart(value) != nil {
                defer { next += 1 }
                return plaintexts[next] ?? .null
            }
            for key in members.keys.sorted() {
                let replaced = replacingSealed(members[key] ?? .null, with: plaintexts, next: &next)
                members[key] = replaced == .null ? nil : replaced
            }
            return .object(members)
        case .array(let elements):
            return .array(elements.map { replacingSealed($0, with: plaintexts, next: &next) })
        default:
            return value
        }
    }
}

extension JSONValue {
    /// The text of a string value; `nil` for any other.
    var string: String? {
        guard case .string(let text) = self else { return nil }
        return text
    }

    /// The value with every UUID string lowercased, as the API writes ids.
    var lowercasingUUIDs: JSONValue {
        switch self {
        case .string(let text) where text.utf8.count == 36 && UUID(uuidString: text) != nil:
            return .string(text.lowercased())
        case .object(let members):
            return .object(members.mapValues(\.lowercasingUUIDs))
        case .array(let elements):
            return .array(elements.map(\.lowercasingUUIDs))
        default:
            return self
        }
    }

    /// The value decoded as `type` (an API schema whose shape it has).
    func decoded<T: Decodable>(as type: T.Type) throws -> T {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try decoder.decode(type, from: Data(jsonText().utf8))
    }
}
