public import Foundation

/// Absence cover (Vertretung): a team lead lets a colleague work an absent staff member's
/// caseload for a limited time. The grant ends by itself at `until`, or earlier when revoked.
public enum Substitution: Decider {
    /// A grant as folded from its events.
    public struct Record: Codable, Sendable, Equatable {
        /// The grant as given.
        public var grant: Grant
        /// When it was revoked, if it was.
        public var revokedAt: Date?
        /// Who revoked it.
        public var revokedBy: UUID?

        /// Whether the substitute may work the caseload at `time`.
        public func isActive(at time: Date) -> Bool {
            grant.from <= time && time < grant.until && revokedAt.map { time < $0 } != false
        }
    }

    /// A grant; also the payload of ``Event/granted(_:)``.
    public struct Grant: Codable, Sendable, Equatable {
        /// The grant's id.
        public var id: UUID
        /// The district.
        public var districtID: String
        /// The team of the absent staff member.
        public var teamID: UUID
        /// Whose caseload is covered.
        public var absentID: UUID
        /// Who covers it.
        public var substituteID: UUID
        /// The start of the cover.
        public var from: Date
        /// The end of the cover (exclusive).
        public var until: Date
        /// Why, e.g. `parental leave`.
        public var reason: String
        /// The team lead who granted it.
        public var grantedBy: UUID

        /// A grant with the given values.
        public init(
            id: UUID,
            districtID: String,
            teamID: UUID,
            absentID: UUID,
            substituteID: UUID,
            from: Date,
            until: Date,
            reason: String,
            grantedBy: UUID
        ) {
            self.id = id
            self.districtID = districtID
            self.teamID = teamID
            self.absentID = absentID
            self.substituteID = substituteID
            self.from = from
            self.until = until
            self.reason = reason
            self.grantedBy = grantedBy
        }
    }

    /// The grant, or `nil` before it is given.
    public typealias State = Record?

    /// What may be asked of a grant.
    public enum Command: Sendable, Equatable {
        /// Gives the grant; `now` is the time of asking.
        case grant(Grant, now: Date)
        /// Ends the grant at `now`.
        case revoke(by: UUID, now: Date)
    }

    /// What happened to a grant.
    public enum Event: Sendable, Equatable {
        /// Stored as `substitution.granted`.
        case granted(Grant)
        /// Stored as `substitution.revoked`.
        case revoked(Revoked)
    }

    /// The payload of ``Event/revoked(_:)``.
    public struct Revoked: Codable, Sendable, Equatable {
        /// Who revoked it.
        public var revokedBy: UUID
        /// When.
        public var revokedAt: Date
    }

    /// Why a grant command was refused.
    public enum Rejection: Error, Equatable, Sendable {
        /// The grant was given before.
        case alreadyGranted
        /// There is no such grant.
        case notFound
        /// The grant was revoked before.
        case alreadyRevoked
        /// The grant has ended by itself.
        case alreadyEnded
        /// A value breaks a rule; `field` is its snake_case name.
        case invalid(field: String, reason: String)
    }

    /// The longest a single grant may run: a year. Longer absences need a new grant, so that
    /// access is looked at again.
    public static let maximumDuration: TimeInterval = 366 * 24 * 3600

    /// The earliest start of a grant: 2000-01-01.
    static let earliest = Date(timeIntervalSince1970: 946_684_800)

    /// Not given yet.
    public static let initialState: State = nil

    /// The events that answer `command`.
    public static func decide(_ command: Command, _ state: State) throws(Rejection) -> [Event] {
        switch (command, state) {
        case (.grant(var grant, let now), nil):
            guard grant.substituteID != grant.absentID else {
                throw .invalid(field: "substitute_id", reason: "must be someone other than the absent staff member")
            }
            guard grant.from < grant.until else { throw .invalid(field: "until", reason: "must be after from") }
            // Cover that has ended may still be recorded (a sick leave noticed afterwards): it
            // documents who worked the caseload and gives no access now. A grant starts within a
            // year, and none reaches back before the programme's years.
            guard grant.from <= now.addingTimeInterval(maximumDuration) else {
                throw .invalid(field: "from", reason: "must be within a year from now")
            }
            guard grant.from >= Self.earliest else { throw .invalid(field: "from", reason: "must not be before 2000-01-01") }
            guard grant.until.timeIntervalSince(grant.from) <= maximumDuration else {
                throw .invalid(field: "until", reason: "a grant runs at most 366 days")
            }
            guard let reason = grant.reason.trimmedNonEmpty(maximumLength: 500) else {
                throw .invalid(field: "reason", reason: "must be 1 to 500 characters")
            }
            grant.reason = reason
            return [.granted(grant)]
        case (.grant, .some):
            throw .alreadyGranted
        case (.revoke, nil):
            throw .notFound
        case (.revoke(let by, let now), .some(let record)):
            if record.revokedAt != nil { throw .alreadyRevoked }
            if now >= record.grant.until { throw .alreadyEnded }
            return [.revoked(Revoked(revokedBy: by, revokedAt: now))]
        }
    }

    /// The state after `event`.
    public static func evolve(_ state: State, _ event: Event) -> State {
        switch (event, state) {
        case (.granted(let grant), _):
            return Record(grant: grant)
        case (.revoked(let revoked), var record?):
            record.revokedAt = revoked.revokedAt
            record.revokedBy = revoked.revokedBy
            return record
        case (.revoked, nil):
            return nil
        }
    }
}

extension Substitution.Event: DomainEvent {
    /// The stable stored type name.
    public var typeName: String {
        switch self {
        case .granted: "substitution.granted"
        case .revoked: "substitution.revoked"
        }
    }

    /// The payload as JSON.
    public func payload() throws -> Data {
        switch self {
        case .granted(let payload): try EventCoding.encode(payload)
        case .revoked(let payload): try EventCoding.encode(payload)
        }
    }

    /// The event stored as `typeName` with `payload`.
    public init(typeName: String, payload: Data) throws {
        switch typeName {
        case "substitution.granted": self = .granted(try EventCoding.decode(payload))
        case "substitution.revoked": self = .revoked(try EventCoding.decode(payload))
        default: throw UnknownEventType(typeName: typeName)
        }
    }
}
