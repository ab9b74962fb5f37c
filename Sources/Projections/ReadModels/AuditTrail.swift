public import EventStore

/// The audit trail of clients and cases, read from the log itself: each event with who made it,
/// when, in which request, and what it set or changed. Encrypted free text shows only that it
/// was recorded; a client's base data shows old and new values.
public struct AuditTrail: Sendable {
    /// One event of the trail.
    public struct Entry: Sendable {
        /// The event as the log holds it.
        public var event: RecordedEvent
        /// What it set or changed.
        public var changes: [Change]
    }

    /// One field an event set or changed.
    public struct Change: Sendable, Equatable {
        /// The field's name.
        public var field: String
        /// The value before (base data of a client).
        public var old: JSONValue?
        /// The value after.
        public var new: JSONValue?
        /// Encrypted free text was recorded; nothing of it is shown.
        public var sealed: Bool
    }

    /// The log.
    public let store: EventStore

    /// The trail over `store`.
    public init(store: EventStore) {
        self.store = store
    }

    /// Up to `limit` entries of `streams` after the global position `position`, oldest first.
    public func entries(of streams: [String], after position: Int64, limit: Int) async throws -> [Entry] {
        let events = try await store.read(streams: streams, after: position, limit: limit)
        var previous: [String: JSONValue] = [:]
        for stream in Set(events.map(\.streamID)) where stream.hasPrefix("client-") {
            guard let first = events.first(where: { $0.streamID == stream }), first.streamVersion > 1 else { continue }
            previous[stream] = try await store.read(stream: stream, from: first.streamVersion - 1).first?.payload
        }
        return events.map { event in
            let before = previous[event.streamID]
            if event.streamID.hasPrefix("client-") { previous[event.streamID] = event.payload }
            return Entry(event: event, changes: Self.changes(event.payload, before: before))
        }
    }

    /// What `payload` sets, against the payload `before` it in the same stream (for whole
    /// records such as a client's profile), or `nil`.
    static func changes(_ payload: JSONValue, before: JSONValue?) -> [Change] {
        guard case .object(let members) = payload else { return [] }
        var changes: [Change] = []
        for (field, value) in members.sorted(by: { $0.key < $1.key }) {
            if field == "personal" {
                if value["sealed"] != nil { changes.append(Change(field: field, old: nil, new: nil, sealed: true)) }
                continue
            }
            let old = before?[field]
            guard before == nil || old != value else { continue }
            changes.append(Change(field: field, old: old, new: value, sealed: false))
        }
        if let before, case .object(let earlier) = before {
            for field in earlier.keys.sorted() where field != "personal" && members[field] == nil {
                changes.append(Change(field: field, old: earlier[field], new: nil, sealed: false))
            }
        }
        return changes
    }
}
