public import Foundation

/// A body that employs staff in a district: the district office, a town, a group of
/// municipalities, a welfare organisation under contract, or the Jobcenter.
public enum Organisation: Decider {
    /// A registered organisation.
    public struct Record: Codable, Sendable, Equatable {
        /// Its id.
        public var id: UUID
        /// The district it works in.
        public var districtID: String
        /// Its name, e.g. `Caritasverband Hochrhein`.
        public var name: String
        /// What kind of body it is.
        public var kind: OrganisationKind
        /// Whether it still works with Wegweiser.
        public var active: Bool
    }

    /// The organisation, or `nil` before it is registered.
    public typealias State = Record?

    /// What may be asked of an organisation.
    public enum Command: Sendable, Equatable {
        /// Registers it.
        case register(id: UUID, districtID: String, name: String, kind: OrganisationKind)
        /// Changes what is given.
        case change(name: String?, kind: OrganisationKind?)
        /// Ends its work with Wegweiser; its records stay.
        case deactivate
    }

    /// What happened to an organisation.
    public enum Event: Sendable, Equatable {
        /// Stored as `organisation.registered`.
        case registered(Registered)
        /// Stored as `organisation.changed`: the new values.
        case changed(Changed)
        /// Stored as `organisation.deactivated`.
        case deactivated
    }

    /// The payload of ``Event/registered(_:)``.
    public struct Registered: Codable, Sendable, Equatable {
        /// Its id.
        public var id: UUID
        /// Its district.
        public var districtID: String
        /// Its name.
        public var name: String
        /// Its kind.
        public var kind: OrganisationKind
    }

    /// The payload of ``Event/changed(_:)``.
    public struct Changed: Codable, Sendable, Equatable {
        /// The name.
        public var name: String
        /// The kind.
        public var kind: OrganisationKind
    }

    /// Not registered yet.
    public static let initialState: State = nil

    /// The events that answer `command`.
    public static func decide(_ command: Command, _ state: State) throws(DirectoryRejection) -> [Event] {
        switch (command, state) {
        case (.register(let id, let districtID, let name, let kind), nil):
            return [.registered(Registered(id: id, districtID: districtID, name: try validName(name), kind: kind))]
        case (.register, .some):
            throw .alreadyExists
        case (_, nil):
            throw .notFound
        case (_, .some(let organisation)) where !organisation.active:
            throw .deactivated
        case (.change(let name, let kind), .some(let organisation)):
            var changed = Changed(name: organisation.name, kind: kind ?? organisation.kind)
            if let name { changed.name = try validName(name) }
            return changed == Changed(name: organisation.name, kind: organisation.kind) ? [] : [.changed(changed)]
        case (.deactivate, .some):
            return [.deactivated]
        }
    }

    /// The state after `event`.
    public static func evolve(_ state: State, _ event: Event) -> State {
        switch (event, state) {
        case (.registered(let registered), _):
            return Record(
                id: registered.id,
                districtID: registered.districtID,
                name: registered.name,
                kind: registered.kind,
                active: true
            )
        case (.changed(let changed), var organisation?):
            organisation.name = changed.name
            organisation.kind = changed.kind
            return organisation
        case (.deactivated, var organisation?):
            organisation.active = false
            return organisation
        case (_, nil):
            return nil
        }
    }
}

extension Organisation.Event: DomainEvent {
    /// The stable stored type name.
    public var typeName: String {
        switch self {
        case .registered: "organisation.registered"
        case .changed: "organisation.changed"
        case .deactivated: "organisation.deactivated"
        }
    }

    /// The payload as JSON.
    public func payload() throws -> Data {
        switch self {
        case .registered(let payload): try EventCoding.encode(payload)
        case .changed(let payload): try EventCoding.encode(payload)
        case .deactivated: Data("{}".utf8)
        }
    }

    /// The event stored as `typeName` with `payload`.
    public init(typeName: String, payload: Data) throws {
        switch typeName {
        case "organisation.registered": self = .registered(try EventCoding.decode(payload))
        case "organisation.changed": self = .changed(try EventCoding.decode(payload))
        case "organisation.deactivated": self = .deactivated
        default: throw UnknownEventType(typeName: typeName)
        }
    }
}
