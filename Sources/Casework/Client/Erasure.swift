public import Foundation

/// Erasure of a person's data (GDPR Art. 17) with four eyes: one person requests it with a
/// reason, another confirms it. Confirming is the erasure: the server destroys the person's key
/// in the same transaction, so the confirmation event and the erasure commit together. The
/// events stay in the log (the chain still verifies); what was sealed under the key is gone.
///
/// Who asks is an actor as events name it: `staff_member:<id>` through the API, `operator:<name>`
/// from `wegweiser erase`. The reason is stored in the clear and must not hold personal data.
public enum Erasure: Decider {
    /// How long a reason may be.
    public static let reasonLimit = 1_000

    /// A request as folded from its events.
    public struct Record: Codable, Sendable, Equatable {
        /// The request as made.
        public var request: Request
        /// Who confirmed it (and so erased the person).
        public var confirmedBy: String?
        /// When.
        public var confirmedAt: Date?

        /// Whether the person was erased.
        public var isConfirmed: Bool { confirmedAt != nil }
    }

    /// A request; also the payload of ``Event/requested(_:)``.
    public struct Request: Codable, Sendable, Equatable {
        /// The request's id.
        public var id: UUID
        /// The district.
        public var districtID: String
        /// Whose data: the client.
        public var clientID: UUID
        /// Why (Art. 17 ground, retention period ended, ...): no personal data.
        public var reason: String
        /// Who asked.
        public var requestedBy: String
        /// When.
        public var requestedAt: Date

        /// A request.
        public init(id: UUID, districtID: String, clientID: UUID, reason: String, requestedBy: String, requestedAt: Date) {
            self.id = id
            self.districtID = districtID
            self.clientID = clientID
            self.reason = reason
            self.requestedBy = requestedBy
            self.requestedAt = requestedAt
        }
    }

    /// The request, or `nil` before it is made.
    public typealias State = Record?

    /// What may be asked of an erasure request.
    public enum Command: Sendable, Equatable {
        /// Requests the erasure.
        case request(Request)
        /// Confirms it, by someone other than the requester.
        case confirm(by: String, at: Date)
    }

    /// What happened to an erasure request.
    public enum Event: Sendable, Equatable {
        /// Stored as `erasure.requested`.
        case requested(Request)
        /// Stored as `erasure.confirmed`: the person's key was destroyed with it.
        case confirmed(Confirmed)
    }

    /// The payload of ``Event/confirmed(_:)``.
    public struct Confirmed: Codable, Sendable, Equatable {
        /// Who confirmed.
        public var confirmedBy: String
        /// When.
        public var confirmedAt: Date
    }

    /// Why an erasure command was refused.
    public enum Rejection: Error, Equatable, Sendable {
        /// The request exists already.
        case alreadyRequested
        /// There is no such request.
        case notFound
        /// It was confirmed before.
        case alreadyConfirmed
        /// The requester cannot confirm their own request.
        case sameActor
        /// A value breaks a rule; `field` is its snake_case name.
        case invalid(field: String, reason: String)
    }

    /// Not requested yet.
    public static let initialState: State = nil

    /// The events that answer `command`.
    public static func decide(_ command: Command, _ state: State) throws(Rejection) -> [Event] {
        switch (command, state) {
        case (.request(var request), nil):
            guard let reason = request.reason.trimmedNonEmpty(maximumLength: reasonLimit) else {
                throw .invalid(field: "reason", reason: "must be 1 to \(reasonLimit) characters")
            }
            request.reason = reason
            return [.requested(request)]
        case (.request, .some):
            throw .alreadyRequested
        case (.confirm, nil):
            throw .notFound
        case (.confirm(let by, let at), .some(let record)):
            guard !record.isConfirmed else { throw .alreadyConfirmed }
            guard by != record.request.requestedBy else { throw .sameActor }
            return [.confirmed(Confirmed(confirmedBy: by, confirmedAt: at))]
        }
    }

    /// The state after `event`.
    public static func evolve(_ state: State, _ event: Event) -> State {
        switch (event, state) {
        case (.requested(let request), _):
            return Record(request: request)
        case (.confirmed(let confirmed), var record?):
            record.confirmedBy = confirmed.confirmedBy
            record.confirmedAt = confirmed.confirmedAt
            return record
        case (.confirmed, nil):
            return nil
        }
    }
}

extension Erasure.Event: DomainEvent {
    /// The stable stored type name.
    public var typeName: String {
        switch self {
        case .requested: "erasure.requested"
        case .confirmed: "erasure.confirmed"
        }
    }

    /// The payload as JSON.
    public func payload() throws -> Data {
        switch self {
        case .requested(let payload): try EventCoding.encode(payload)
        case .confirmed(let payload): try EventCoding.encode(payload)
        }
    }

    /// The event stored as `typeName` with `payload`.
    public init(typeName: String, payload: Data) throws {
        switch typeName {
        case "erasure.requested": self = .requested(try EventCoding.decode(payload))
        case "erasure.confirmed": self = .confirmed(try EventCoding.decode(payload))
        default: throw UnknownEventType(typeName: typeName)
        }
    }
}
