public import Foundation

/// A team of case workers, e.g. a regional team, with a lead.
public enum Team: Decider {
    /// A formed team.
    public struct Record: Codable, Sendable, Equatable {
        /// Its id.
        public var id: UUID
        /// The district it works in.
        public var districtID: String
        /// The organisation it belongs to.
        public var organisationID: UUID
        /// Its name, e.g. `Team Süd`.
        public var name: String
        /// The staff member who leads it, if any.
        public var leadID: UUID?
        /// Whether it still works.
        public var active: Bool
    }

    /// The team, or `nil` before it is formed.
    public typealias State = Record?

    /// What may be asked of a team.
    public enum Command: Sendable, Equatable {
        /// Forms it.
        case form(id: UUID, districtID: String, organisationID: UUID, name: String, leadID: UUID?)
        /// Changes what is given: a new name; a new lead, or `.some(nil)` for none.
        case change(name: String?, leadID: UUID??)
        /// Dissolves it; its records stay.
        case deactivate
    }

    /// What happened to a team.
    public enum Event: Sendable, Equatable {
        /// Stored as `team.formed`.
        case formed(Formed)
        /// Stored as `team.changed`: the new values.
        case changed(Changed)
        /// Stored as `team.deactivated`.
        case deactivated
    }

    /// The payload of ``Event/formed(_:)``.
    public struct Formed: Codable, Sendable, Equatable {
        /// Its id.
        public var id: UUID
        /// Its district.
        public var districtID: String
        /// Its organisation.
        public var organisationID: UUID
        /// Its name.
        public var name: String
        /// Its lead.
        public var leadID: UUID?
    }

    /// The payload of ``Event/changed(_:)``.
    public struct Changed: Codable, Sendable, Equatable {
        /// The name.
        public var name: String
        /// The lead.
        public var leadID: UUID?
    }

    /// Not formed yet.
    public static let initialState: State = nil

    /// The events that answer `command`.
    public static func decide(_ command: Command, _ state: State) throws(DirectoryRejection) -> [Event] {
        switch (command, state) {
        case (.form(let id, let districtID, let organisationID, let name, let leadID), nil):
            let formed = Formed(
                id: id,
                districtID: districtID,
                organisationID: organisationID,
                name: try validName(name),
                leadID: leadID
            )
            return [.formed(formed)]
        case (.form, .some):
            throw .alreadyExists
        case (_, nil):
            throw .notFound
        case (_, .some(let team)) where !team.active:
            throw .deactivated
        case (.change(let name, let leadID), .some(let team)):
            var changed = Changed(name: team.name, leadID: leadID ?? team.leadID)
            if let name { changed.name = try validName(name) }
            return changed == Changed(name: team.name, leadID: team.leadID) ? [] : [.changed(changed)]
        case (.deactivate, .some):
            return [.deactivated]
        }
    }

    /// The state after `event`.
    public static func evolve(_ state: State, _ event: Event) -> State {
        switch (event, state) {
        case (.formed(let formed), _):
            return Record(
                id: formed.id,
                districtID: formed.districtID,
                organisationID: formed.organisationID,
                name: formed.name,
                leadID: formed.leadID,
                active: true
            )
        case (.changed(let changed), var team?):
            team.name = changed.name
            team.leadID = changed.leadID
            return team
        case (.deactivated, var team?):
            team.active = false
            return team
        case (_, nil):
            return nil
        }
    }
}

extension Team.Event: DomainEvent {
    /// The stable stored type name.
    public var typeName: String {
        switch self {
        case .formed: "team.formed"
        case .changed: "team.changed"
        case .deactivated: "team.deactivated"
        }
    }

    /// The payload as JSON.
    public func payload() throws -> Data {
        switch self {
        case .formed(let payload): try EventCoding.encode(payload)
        case .changed(let payload): try EventCoding.encode(payload)
        case .deactivated: Data("{}".utf8)
        }
    }

    /// The event stored as `typeName` with `payload`.
    public init(typeName: String, payload: Data) throws {
        switch typeName {
        case "team.formed": self = .formed(try EventCoding.decode(payload))
        case "team.changed": self = .changed(try EventCoding.decode(payload))
        case "team.deactivated": self = .deactivated
        default: throw UnknownEventType(typeName: typeName)
        }
    }
}
