public import Foundation

/// A person who works with Wegweiser: a case worker, team lead, coordinator, auditor, Jobcenter
/// clerk or administrator, and the identity-provider subject they sign in as.
public enum StaffMember: Decider {
    /// What is recorded of a staff member; also the payload of ``Event/appointed(_:)``.
    public struct Profile: Codable, Sendable, Equatable {
        /// Their id.
        public var id: UUID
        /// The district they work in.
        public var districtID: String
        /// The organisation that employs them.
        public var organisationID: UUID
        /// Their team, if any.
        public var teamID: UUID?
        /// Their name.
        public var name: String
        /// What they do in Wegweiser.
        public var role: StaffRole
        /// Full-time equivalent, more than 0 and at most 1 (e.g. 0.75).
        public var fullTimeEquivalent: Double
        /// The first day they work.
        public var activeFrom: CalendarDate
        /// The last day they work, if known.
        public var activeUntil: CalendarDate?
        /// The `sub` of their tokens at the identity provider.
        public var subject: String

        /// A profile with the given values.
        public init(
            id: UUID,
            districtID: String,
            organisationID: UUID,
            teamID: UUID?,
            name: String,
            role: StaffRole,
            fullTimeEquivalent: Double,
            activeFrom: CalendarDate,
            activeUntil: CalendarDate?,
            subject: String
        ) {
            self.id = id
            self.districtID = districtID
            self.organisationID = organisationID
            self.teamID = teamID
            self.name = name
            self.role = role
            self.fullTimeEquivalent = fullTimeEquivalent
            self.activeFrom = activeFrom
            self.activeUntil = activeUntil
            self.subject = subject
        }
    }

    /// A staff member as folded from their events.
    public struct Record: Codable, Sendable, Equatable {
        /// What is recorded of them.
        public var profile: Profile
        /// `false` once a deactivation is recorded: the record takes no more changes. The
        /// deactivation set `activeUntil` to the last working day; until that day has passed
        /// they still work.
        public var active: Bool

        /// Whether they may work on `day`: within their active dates (a deactivation ends them
        /// after the last working day, not on it).
        public func isActive(on day: CalendarDate) -> Bool {
            profile.activeFrom <= day && profile.activeUntil.map { day <= $0 } != false
        }
    }

    /// The staff member, or `nil` before they are appointed.
    public typealias State = Record?

    /// The fields a change may set; `nil` keeps a value, `.some(nil)` clears an optional one.
    public struct Changes: Sendable, Equatable {
        /// A new organisation.
        public var organisationID: UUID?
        /// A new team, or none.
        public var teamID: UUID??
        /// A new name.
        public var name: String?
        /// A new role.
        public var role: StaffRole?
        /// A new full-time equivalent.
        public var fullTimeEquivalent: Double?
        /// A new first day.
        public var activeFrom: CalendarDate?
        /// A new last day, or none.
        public var activeUntil: CalendarDate??
        /// A new identity-provider subject.
        public var subject: String?

        /// Changes to the given fields.
        public init(
            organisationID: UUID? = nil,
            teamID: UUID?? = nil,
            name: String? = nil,
            role: StaffRole? = nil,
            fullTimeEquivalent: Double? = nil,
            activeFrom: CalendarDate? = nil,
            activeUntil: CalendarDate?? = nil,
            subject: String? = nil
        ) {
            self.organisationID = organisationID
            self.teamID = teamID
            self.name = name
            self.role = role
            self.fullTimeEquivalent = fullTimeEquivalent
            self.activeFrom = activeFrom
            self.activeUntil = activeUntil
            self.subject = subject
        }
    }

    /// What may be asked of a staff member's record.
    public enum Command: Sendable, Equatable {
        /// Records a new staff member.
        case appoint(Profile)
        /// Changes what is given.
        case change(Changes)
        /// Ends their work after `lastDay`; the record stays.
        case deactivate(lastDay: CalendarDate)
    }

    /// What happened to a staff member's record.
    public enum Event: Sendable, Equatable {
        /// Stored as `staff_member.appointed`.
        case appointed(Profile)
        /// Stored as `staff_member.changed`: the whole new profile.
        case changed(Profile)
        /// Stored as `staff_member.deactivated`.
        case deactivated(Deactivated)
    }

    /// The payload of ``Event/deactivated(_:)``.
    public struct Deactivated: Codable, Sendable, Equatable {
        /// Their last working day.
        public var activeUntil: CalendarDate
    }

    /// Not appointed yet.
    public static let initialState: State = nil

    /// The events that answer `command`.
    public static func decide(_ command: Command, _ state: State) throws(DirectoryRejection) -> [Event] {
        switch (command, state) {
        case (.appoint(let profile), nil):
            return [.appointed(try validated(profile))]
        case (.appoint, .some):
            throw .alreadyExists
        case (_, nil):
            throw .notFound
        case (_, .some(let staff)) where !staff.active:
            throw .deactivated
        case (.change(let changes), .some(let staff)):
            var profile = staff.profile
            profile.organisationID = changes.organisationID ?? profile.organisationID
            profile.teamID = changes.teamID ?? profile.teamID
            profile.name = changes.name ?? profile.name
            profile.role = changes.role ?? profile.role
            profile.fullTimeEquivalent = changes.fullTimeEquivalent ?? profile.fullTimeEquivalent
            profile.activeFrom = changes.activeFrom ?? profile.activeFrom
            profile.activeUntil = changes.activeUntil ?? profile.activeUntil
            profile.subject = changes.subject ?? profile.subject
            profile = try validated(profile)
            return profile == staff.profile ? [] : [.changed(profile)]
        case (.deactivate(let lastDay), .some(let staff)):
            guard lastDay >= staff.profile.activeFrom else {
                throw .invalid(field: "active_until", reason: "must not be before active_from")
            }
            return [.deactivated(Deactivated(activeUntil: min(lastDay, staff.profile.activeUntil ?? lastDay)))]
        }
    }

    /// The state after `event`.
    public static func evolve(_ state: State, _ event: Event) -> State {
        switch (event, state) {
        case (.appointed(let profile), _):
            return Record(profile: profile, active: true)
        case (.changed(let profile), var staff?):
            staff.profile = profile
            return staff
        case (.deactivated(let deactivated), var staff?):
            staff.profile.activeUntil = deactivated.activeUntil
            staff.active = false
            return staff
        case (_, nil):
            return nil
        }
    }

    /// The years a record's validity dates lie in: no one worked here before 2000, and a date
    /// beyond 2099 is a typing error.
    public static let validityYears = 2000...2099

    private static func validated(_ profile: Profile) throws(DirectoryRejection) -> Profile {
        var profile = profile
        profile.name = try validName(profile.name)
        guard let subject = profile.subject.trimmedNonEmpty(maximumLength: 255) else {
            throw .invalid(field: "subject", reason: "must be the identity provider's subject, 1 to 255 characters")
        }
        profile.subject = subject
        guard profile.fullTimeEquivalent > 0, profile.fullTimeEquivalent <= 1 else {
            throw .invalid(field: "full_time_equivalent", reason: "must be more than 0 and at most 1")
        }
        for (field, date) in [("active_from", profile.activeFrom), ("active_until", profile.activeUntil)] {
            guard let date, !Self.validityYears.contains(date.year) else { continue }
            throw .invalid(field: field, reason: "must be a day of the years 2000 to 2099")
        }
        if let until = profile.activeUntil, until < profile.activeFrom {
            throw .invalid(field: "active_until", reason: "must not be before active_from")
        }
        return profile
    }
}

extension StaffMember.Event: DomainEvent {
    /// The stable stored type name.
    public var typeName: String {
        switch self {
        case .appointed: "staff_member.appointed"
        case .changed: "staff_member.changed"
        case .deactivated: "staff_member.deactivated"
        }
    }

    /// The payload as JSON.
    public func payload() throws -> Data {
        switch self {
        case .appointed(let payload): try EventCoding.encode(payload)
        case .changed(let payload): try EventCoding.encode(payload)
        case .deactivated(let payload): try EventCoding.encode(payload)
        }
    }

    /// The event stored as `typeName` with `payload`.
    public init(typeName: String, payload: Data) throws {
        switch typeName {
        case "staff_member.appointed": self = .appointed(try EventCoding.decode(payload))
        case "staff_member.changed": self = .changed(try EventCoding.decode(payload))
        case "staff_member.deactivated": self = .deactivated(try EventCoding.decode(payload))
        default: throw UnknownEventType(typeName: typeName)
        }
    }
}
