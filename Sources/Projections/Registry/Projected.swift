public import Casework
import Dispatch
public import EventStore
import Foundation
import Synchronization

/// An event of the log in its domain form, for a projection: its `personal` part is left out of
/// the typed event (a projection never sees plaintext) and kept apart as stored, sealed.
public struct Projected<Event: DomainEvent>: Sendable {
    /// The event, without its personal part.
    public var event: Event
    /// The event as the log holds it: id, stream, version, metadata, recording time.
    public var recorded: RecordedEvent
    /// The sealed personal part bound to its event (`{"subject", "sealed", "event_id"}`), or
    /// `nil` if the event has none.
    public var sealed: JSONValue?

    /// The typed form of `recorded`.
    ///
    /// - Throws: If the stored type is not one of `Event`'s or the payload does not fit it.
    public init(_ recorded: RecordedEvent) throws {
        var payload = recorded.payload
        var sealed: JSONValue?
        if var personal = payload["personal"], personal["sealed"] != nil {
            personal["event_id"] = .string(recorded.id.uuidString)
            sealed = personal
        }
        payload["personal"] = nil
        self.event = try Event(typeName: recorded.type, payload: Data(payload.jsonText().utf8))
        self.recorded = recorded
        self.sealed = sealed
    }
}

/// The typed forms of one batch's events, decoded once for every projection that reads them
/// (cases and case items read the same `case.*` events).
final class DecodedEvents: Sendable {
    private let decoded = Mutex<[ObjectIdentifier: [UUID: any Sendable]]>([:])

    /// `events` in their domain form `Event`, decoding those not decoded before. The decoding
    /// holds the lock: a projection that asks for the same events meanwhile waits for them
    /// instead of decoding them too.
    func projected<Event: DomainEvent>(_ events: [RecordedEvent], as type: Event.Type) throws -> [Projected<Event>] {
        try decoded.withLock { decoded in
            var known = decoded[ObjectIdentifier(type), default: [:]]
            let missing = events.filter { !(known[$0.id] is Projected<Event>) }
            for projected in try Self.decode(missing, as: type) { known[projected.recorded.id] = projected }
            decoded[ObjectIdentifier(type)] = known
            return events.compactMap { known[$0.id] as? Projected<Event> }
        }
    }

    /// `events` decoded, a large batch (a rebuild's) on every core.
    private static func decode<Event: DomainEvent>(_ events: [RecordedEvent], as type: Event.Type) throws -> [Projected<Event>] {
        let chunk = 256
        guard events.count > chunk else { return try events.map(Projected<Event>.init) }
        let chunks = (events.count + chunk - 1) / chunk
        let results = Mutex<[Int: Result<[Projected<Event>], any Error>]>([:])
        DispatchQueue.concurrentPerform(iterations: chunks) { index in
            let slice = events[(index * chunk)..<min((index + 1) * chunk, events.count)]
            let result = Result { try slice.map(Projected<Event>.init) }
            results.withLock { $0[index] = result }
        }
        return try results.withLock { results in
            try (0..<chunks).flatMap { try results[$0]?.get() ?? [] }
        }
    }
}
