public import Foundation

/// A household: people who live and are counselled together, typically a family, with each
/// member's role. Membership has a history: people join and leave on a day, and a person
/// belongs to at most one household at a time (the one-at-a-time rule spans households, so
/// the read model's unique index keeps it; the rules here keep it within one household).
public enum Household: Decider {
    /// A household as formed, with every membership it ever had.
    public struct Record: Codable, Sendable, Equatable {
        /// Its id.
        public var id: UUID
        /// The district.
        public var districtID: String
        /// The day it was formed (recorded).
        public var formedOn: CalendarDate
        /// Every membership, current and past, in the order they began.
        public var members: [Member]

        /// The members now (not left).
        public var current: [Member] { members.filter { $0.leftOn == nil } }

        /// The current membership of `clientID`, if any.
        public func membership(of clientID: UUID) -> Member? {
            members.last { $0.clientID == clientID && $0.leftOn == nil }
        }
    }

    /// One person's membership.
    public struct Member: Codable, Sendable, Equatable {
        /// The person.
        public var clientID: UUID
        /// Their role in the household.
        public var role: HouseholdRole
        /// Since when.
        public var joinedOn: CalendarDate
        /// Until when (the day they left), once they left.
        public var leftOn: CalendarDate? = nil

        /// A membership from `joinedOn`.
        public init(clientID: UUID, role: HouseholdRole, joinedOn: CalendarDate, leftOn: CalendarDate? = nil) {
            self.clientID = clientID
            self.role = role
            self.joinedOn = joinedOn
            self.leftOn = leftOn
        }
    }

    /// The household, or `nil` before it is formed.
    public typealias State = Record?

    /// Not formed yet.
    public static let initialState: State = nil

    /// What may be asked of a household.
    public enum Command: Sendable, Equatable {
        /// Forms it with its first members, on `on`.
        case form(id: UUID, districtID: String, members: [Member], on: CalendarDate)
        /// Adds a person, or changes the role of a member (the same role again records nothing).
        case join(clientID: UUID, role: HouseholdRole, on: CalendarDate)
        /// A member leaves on `on` (someone who is no member: nothing).
        case leave(clientID: UUID, on: CalendarDate)
    }

    /// What happened to a household.
    public enum Event: Sendable, Equatable {
        /// Stored as `household.formed`.
        case formed(Formed)
        /// Stored as `household.member_joined`.
        case memberJoined(MemberChange)
        /// Stored as `household.member_role_changed`.
        case memberRoleChanged(MemberChange)
        /// Stored as `household.member_left`.
        case memberLeft(MemberLeft)
    }

    /// The payload of ``Event/formed(_:)``.
    public struct Formed: Codable, Sendable, Equatable {
        /// Its id.
        public var id: UUID
        /// The district.
        public var districtID: String
        /// The day.
        public var on: CalendarDate
        /// The first members.
        public var members: [Member]
    }

    /// The payload of ``Event/memberJoined(_:)`` and ``Event/memberRoleChanged(_:)``.
    public struct MemberChange: Codable, Sendable, Equatable {
        /// The person.
        public var clientID: UUID
        /// Their role.
        public var role: HouseholdRole
        /// From when.
        public var on: CalendarDate
    }

    /// The payload of ``Event/memberLeft(_:)``.
    public struct MemberLeft: Codable, Sendable, Equatable {
        /// The person.
        public var clientID: UUID
        /// The day they left.
        public var on: CalendarDate
    }

    /// Why a command was refused.
    public enum Rejection: Error, Equatable, Sendable {
        /// The household exists already.
        case alreadyFormed
        /// There is no such household.
        case notFound
        /// A value breaks a rule; `field` is its snake_case name.
        case invalid(field: String, reason: String)
    }

    /// The earliest day a membership can be dated: older dates are typing errors.
    public static let earliestDay = CalendarDate(year: 2000, month: 1, day: 1)!

    /// Refuses a day of `command` after `today` (one day's tolerance) or before 2000. The
    /// clock is the caller's.
    public static func plausible(_ command: Command, today: CalendarDate) throws(Rejection) {
        let day: CalendarDate
        switch command {
        case .form(_, _, _, let on), .join(_, _, let on), .leave(_, let on): day = on
        }
        let field = if case .leave = command { "left_on" } else { "joined_on" }
        guard day <= today.adding(days: 1) else { throw .invalid(field: field, reason: "must not be after today (\(today))") }
        guard day >= earliestDay else { throw .invalid(field: field, reason: "must not be before \(earliestDay)") }
    }

    /// The events that answer `command`.
    public static func decide(_ command: Command, _ state: State) throws(Rejection) -> [Event] {
        guard let record = state else {
            guard case .form(let id, let districtID, let members, let on) = command else { throw .notFound }
            guard !members.isEmpty else { throw .invalid(field: "members", reason: "a household has at least one member") }
            guard Set(members.map(\.clientID)).count == members.count else {
                throw .invalid(field: "members", reason: "names a person twice")
            }
            let dated = members.map { Member(clientID: $0.clientID, role: $0.role, joinedOn: on) }
            return [.formed(Formed(id: id, districtID: districtID, on: on, members: dated))]
        }
        switch command {
        case .form:
            throw .alreadyFormed
        case .join(let clientID, let role, let on):
            guard let member = record.membership(of: clientID) else {
                let earliest =
                    ([record.formedOn] + record.members.filter { $0.clientID == clientID }.compactMap(\.leftOn)).max()
                    ?? record.formedOn
                guard on >= earliest else {
                    throw .invalid(
                        field: "joined_on",
                        reason:
                            "must not be before the household was formed or the person's earlier membership ended (\(earliest))"
                    )
                }
                return [.memberJoined(MemberChange(clientID: clientID, role: role, on: on))]
            }
            guard member.role != role else { return [] }
            guard on >= member.joinedOn else {
                throw .invalid(field: "joined_on", reason: "must not be before the member joined (\(member.joinedOn))")
            }
            return [.memberRoleChanged(MemberChange(clientID: clientID, role: role, on: on))]
        case .leave(let clientID, let on):
            guard let member = record.membership(of: clientID) else { return [] }
            guard on >= member.joinedOn else {
                throw .invalid(field: "left_on", reason: "must not be before the member joined (\(member.joinedOn))")
            }
            return [.memberLeft(MemberLeft(clientID: clientID, on: on))]
        }
    }

    /// The state after `event`.
    public static func evolve(_ state: State, _ event: Event) -> State {
        if case .formed(let formed) = event {
            return Record(id: formed.id, districtID: formed.districtID, formedOn: formed.on, members: formed.members)
        }
        guard var record = state else { return nil }
        switch event {
        case .formed:
            break
        case .memberJoined(let joined):
            record.members.append(Member(clientID: joined.clientID, role: joined.role, joinedOn: joined.on))
        case .memberRoleChanged(let changed):
            if let index = record.members.lastIndex(where: { $0.clientID == changed.clientID && $0.leftOn == nil }) {
                record.members[index].role = changed.role
            }
        case .memberLeft(let left):
            if let index = record.members.lastIndex(where: { $0.clientID == left.clientID && $0.leftOn == nil }) {
                record.members[index].leftOn = left.on
            }
        }
        return record
    }
}

extension Household.Event: DomainEvent {
    /// The stable stored type name.
    public var typeName: String {
        switch self {
        case .formed: "household.formed"
        case .memberJoined: "household.member_joined"
        case .memberRoleChanged: "household.member_role_changed"
        case .memberLeft: "household.member_left"
        }
    }

    /// The payload as JSON.
    public func payload() throws -> Data {
        switch self {
        case .formed(let payload): try EventCoding.encode(payload)
        case .memberJoined(let payload), .memberRoleChanged(let payload): try EventCoding.encode(payload)
        case .memberLeft(let payload): try EventCoding.encode(payload)
        }
    }

    /// The event stored as `typeName` with `payload`.
    public init(typeName: String, payload: Data) throws {
        switch typeName {
        case "household.formed": self = .formed(try EventCoding.decode(payload))
        case "household.member_joined": self = .memberJoined(try EventCoding.decode(payload))
        case "household.member_role_changed": self = .memberRoleChanged(try EventCoding.decode(payload))
        case "household.member_left": self = .memberLeft(try EventCoding.decode(payload))
        default: throw UnknownEventType(typeName: typeName)
        }
    }
}

/// A person's role in their household.
public enum HouseholdRole: String, TabulatedCodeList {
    case headOfHousehold = "head_of_household", spouseOrPartner = "spouse_or_partner", child, parent, sibling
    case otherRelative = "other_relative", other

    /// The list's stable name.
    public static let listName = "household_role"
    /// The labels.
    public static let labels: [Self: (german: String, english: String)] = [
        .headOfHousehold: ("Haushaltsvorstand", "head of household"),
        .spouseOrPartner: ("Ehe- oder Lebenspartner*in", "spouse or partner"), .child: ("Kind", "child"),
        .parent: ("Elternteil", "parent"), .sibling: ("Geschwister", "sibling"),
        .otherRelative: ("andere*r Verwandte*r", "other relative"), .other: ("sonstige Person", "other"),
    ]
}
