public import Foundation

/// The version a stream must be at for an append to go through.
public enum ExpectedVersion: Sendable, Equatable {
    /// The stream must not exist yet.
    case noStream
    /// The stream's last event must have this version.
    case exactly(Int64)
    /// Append whatever the stream's version (no concurrency check).
    case any

    /// The value `append_events` takes: `nil` for any, 0 for no stream.
    var databaseValue: Int64? {
        switch self {
        case .noStream: 0
        case .exactly(let version): version
        case .any: nil
        }
    }
}

/// Who caused an event and in answer to what; stored beside the payload, never inside it.
public struct EventMetadata: Codable, Sendable, Equatable {
    /// The acting staff member or system component.
    public var actor: String?
    /// The actor's role when acting.
    public var role: String?
    /// The actor's organisation.
    public var organisation: String?
    /// Groups every event caused by one request or process.
    public var correlationID: String?
    /// The event or command that caused this event.
    public var causationID: String?
    /// The HTTP request that caused this event.
    public var requestID: String?
    /// Where the fact came from when not from a request or the server itself, e.g.
    /// `import:jobkraftwerk` for data imported from an older system.
    public var source: String?

    /// Metadata with the given values.
    public init(
        actor: String? = nil,
        role: String? = nil,
        organisation: String? = nil,
        correlationID: String? = nil,
        causationID: String? = nil,
        requestID: String? = nil,
        source: String? = nil
    ) {
        self.actor = actor
        self.role = role
        self.organisation = organisation
        self.correlationID = correlationID
        self.causationID = causationID
        self.requestID = requestID
        self.source = source
    }

    /// The metadata of the JSON object stored in `events.metadata` (its string members; others
    /// are ignored).
    init(json: JSONValue) {
        func member(_ key: CodingKeys) -> String? {
            if case .string(let value) = json[key.rawValue] { return value }
            return nil
        }
        self.init(
            actor: member(.actor),
            role: member(.role),
            organisation: member(.organisation),
            correlationID: member(.correlationID),
            causationID: member(.causationID),
            requestID: member(.requestID),
            source: member(.source)
        )
    }

    /// The metadata as the JSON object stored in `events.metadata`: the members that are set.
    var json: JSONValue {
        let members: [(CodingKeys, String?)] = [
            (.actor, actor), (.role, role), (.organisation, organisation), (.correlationID, correlationID),
            (.causationID, causationID), (.requestID, requestID), (.source, source),
        ]
        return .object(
            Dictionary(uniqueKeysWithValues: members.compactMap { key, value in value.map { (key.rawValue, .string($0)) } })
        )
    }

    enum CodingKeys: String, CodingKey {
        case actor, role, organisation
        case correlationID = "correlation_id"
        case causationID = "causation_id"
        case requestID = "request_id"
        case source
    }
}

/// An event to append: its id (chosen by the caller, so a retry is recognised), its stored
/// type name and schema version, and its JSON payload.
public struct NewEvent: Sendable, Equatable {
    /// The event's id; appending the same id again with the same content is a no-op.
    public var id: UUID
    /// The stable stored type name, e.g. `case.opened`.
    public var type: String
    /// The payload's schema version (1 for a new type).
    public var schemaVersion: Int
    /// The payload: a JSON object.
    public var payload: JSONValue
    /// Who and what caused it.
    public var metadata: EventMetadata

    /// An event to append.
    public init(id: UUID, type: String, schemaVersion: Int = 1, payload: JSONValue, metadata: EventMetadata = EventMetadata()) {
        self.id = id
        self.type = type
        self.schemaVersion = schemaVersion
        self.payload = payload
        self.metadata = metadata
    }
}

/// An event as the log holds it, after upcasting to the current schema version of its type.
public struct RecordedEvent: Sendable, Equatable {
    /// The event's position among all events (unique, increasing, but not the reading order).
    public var globalPosition: Int64
    /// The stream it belongs to.
    public var streamID: String
    /// Its number within the stream: 1, 2, 3, ...
    public var streamVersion: Int64
    /// The event's id.
    public var id: UUID
    /// The stable stored type name.
    public var type: String
    /// The payload's schema version (after upcasting).
    public var schemaVersion: Int
    /// The payload (after upcasting).
    public var payload: JSONValue
    /// Who and what caused it.
    public var metadata: EventMetadata
    /// When it was committed to the log.
    public var recordedAt: Date
    /// Where a reader of the whole log is after this event.
    public var checkpoint: Checkpoint
}

extension RecordedEvent {
    /// `event` as appended to `stream` at `version` and `position` by the transaction still
    /// open, recorded at `recordedAt` (as the database stamped it: the transaction's start):
    /// what inline projections see. Its checkpoint is not known before the commit.
    public init(appended event: NewEvent, to stream: StreamName, version: Int64, position: Int64, recordedAt: Date) {
        self.init(
            globalPosition: position,
            streamID: stream.id,
            streamVersion: version,
            id: event.id,
            type: event.type,
            schemaVersion: event.schemaVersion,
            payload: event.payload,
            metadata: event.metadata,
            recordedAt: recordedAt,
            checkpoint: Checkpoint(transactionID: 0, position: position)
        )
    }
}

/// What an append did.
public struct AppendResult: Sendable, Equatable {
    /// The stream's version after the append.
    public var streamVersion: Int64
    /// The global positions of the appended events, in order.
    public var positions: [Int64]
    /// When the database recorded them (`nil` for a retry that wrote nothing).
    public var recordedAt: Date?
    /// Whether the events were already in the log from an earlier attempt (nothing was written).
    public var wasDuplicate: Bool
}

/// A place in the log, in reading order: everything up to and including it has been read.
/// Opaque to callers: store ``token`` and give it back.
public struct Checkpoint: Sendable, Hashable, Comparable, Codable {
    /// The writing transaction of the last event read.
    let transactionID: UInt64
    /// The global position of the last event read.
    let position: Int64

    /// The start of the log.
    public static let start = Checkpoint(transactionID: 0, position: 0)

    init(transactionID: UInt64, position: Int64) {
        self.transactionID = transactionID
        self.position = position
    }

    /// A string to store and give back.
    public var token: String { "\(transactionID).\(position)" }

    /// The checkpoint a ``token`` stands for, or `nil` if it is not one.
    public init?(token: String) {
        let parts = token.split(separator: ".")
        guard parts.count == 2, let transactionID = UInt64(parts[0]), let position = Int64(parts[1]) else { return nil }
        self.init(transactionID: transactionID, position: position)
    }

    /// Reading order: by writing transaction, then by global position.
    public static func < (lhs: Checkpoint, rhs: Checkpoint) -> Bool {
        (lhs.transactionID, lhs.position) < (rhs.transactionID, rhs.position)
    }
}

/// Why an append or read failed.
public enum EventStoreError: Error, Equatable, CustomStringConvertible {
    /// The stream was not at the expected version; nothing was written.
    case wrongExpectedVersion(stream: String, expected: ExpectedVersion, actual: Int64)
    /// An event id was appended before with other content.
    case eventIDReused(stream: String)
    /// The stream exists with another tenant or category.
    case streamBelongsElsewhere(stream: String)
    /// An append without events.
    case noEvents
    /// A stored payload that is not valid JSON, or an upcaster that failed.
    case unreadableEvent(position: Int64, reason: String)

    /// What went wrong.
    public var description: String {
        switch self {
        case .wrongExpectedVersion(let stream, let expected, let actual):
            "stream \(stream) is at version \(actual), expected \(expected)"
        case .eventIDReused(let stream):
            "an event id was appended to \(stream) before with other content"
        case .streamBelongsElsewhere(let stream):
            "stream \(stream) belongs to another tenant or category"
        case .noEvents:
            "an append needs at least one event"
        case .unreadableEvent(let position, let reason):
            "event at global position \(position) cannot be read: \(reason)"
        }
    }
}
