public import Foundation

/// A key-figure report sent out (to the grant authority, the council): the figures as sent,
/// what they answered (scope, period, cut-off, recording time, definition) and a hash over
/// both, so that anyone can fetch them later and check that the log still gives the same.
public enum Publication: Decider {
    /// A published report.
    public struct Record: Codable, Sendable, Equatable {
        /// Its id.
        public var id: UUID
        /// The district.
        public var districtID: String
        /// Whose figures: `district`, `organisation`, `team` or `staff_member`.
        public var scopeKind: String
        /// The organisation, team or staff member (none for the district).
        public var scopeID: UUID?
        /// The recording time the figures reproduce (a whole second).
        public var knownAt: Date
        /// Counts below this were withheld (0: none).
        public var suppressedBelow: Int
        /// To whom it went.
        public var recipient: String
        /// The day it was sent.
        public var publishedOn: CalendarDate
        /// The figures as sent (they carry the definition, the period and the cut-off).
        public var figures: KeyFigureReport
        /// SHA-256 (hex) over the canonical form of the figures and what they answer.
        public var figuresHash: String

        /// A published report.
        public init(
            id: UUID,
            districtID: String,
            scopeKind: String,
            scopeID: UUID?,
            knownAt: Date,
            suppressedBelow: Int,
            recipient: String,
            publishedOn: CalendarDate,
            figures: KeyFigureReport,
            figuresHash: String
        ) {
            self.id = id
            self.districtID = districtID
            self.scopeKind = scopeKind
            self.scopeID = scopeID
            self.knownAt = knownAt
            self.suppressedBelow = suppressedBelow
            self.recipient = recipient
            self.publishedOn = publishedOn
            self.figures = figures
            self.figuresHash = figuresHash
        }
    }

    /// The state: the report once published.
    public typealias State = Record?

    /// What a coordinator asks.
    public enum Command: Sendable, Equatable {
        /// Record `record` as published.
        case publish(Record)
    }

    /// What happened.
    public enum Event: Sendable, Equatable {
        /// Stored as `report.published`.
        case published(Record)
    }

    /// Why a publication is refused.
    public enum Rejection: Error, Equatable, Sendable {
        /// It was published already.
        case alreadyPublished
        /// A value breaks a rule; `field` is its snake_case name.
        case invalid(field: String, reason: String)
    }

    /// Nothing published yet.
    public static let initialState: State = nil

    /// Publishes once; the recipient is named.
    public static func decide(_ command: Command, _ state: State) throws(Rejection) -> [Event] {
        switch (command, state) {
        case (.publish, .some): throw .alreadyPublished
        case (.publish(let record), nil):
            let recipient = record.recipient.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !recipient.isEmpty else { throw .invalid(field: "recipient", reason: "names who received the figures") }
            return [.published(record)]
        }
    }

    /// The record.
    public static func evolve(_ state: State, _ event: Event) -> State {
        switch event {
        case .published(let record): record
        }
    }
}

extension Publication.Event: DomainEvent {
    /// The stable stored type name.
    public var typeName: String {
        switch self {
        case .published: "report.published"
        }
    }

    /// The payload as JSON.
    public func payload() throws -> Data {
        switch self {
        case .published(let record): try EventCoding.encode(record)
        }
    }

    /// The event stored as `typeName` with `payload`.
    public init(typeName: String, payload: Data) throws {
        switch typeName {
        case "report.published": self = .published(try EventCoding.decode(payload))
        default: throw UnknownEventType(typeName: typeName)
        }
    }
}
