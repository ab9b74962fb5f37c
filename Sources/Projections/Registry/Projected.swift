public import Casework
public import EventStore
import Foundation

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

extension Sequence<RecordedEvent> {
    /// The events in their domain form `Event`.
    public func projected<Event: DomainEvent>(as type: Event.Type = Event.self) throws -> [Projected<Event>] {
        try map { try Projected<Event>($0) }
    }
}
