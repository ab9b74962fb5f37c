public import Foundation

/// A district (Stadt- oder Landkreis): the tenant everything else belongs to, identified by
/// its five-digit official key (Kreisschlüssel, e.g. `08337` for Waldshut).
public enum District: Decider {
    /// A registered district.
    public struct Record: Codable, Sendable, Equatable {
        /// The official key.
        public var id: String
        /// The name, e.g. `Landkreis Waldshut`.
        public var name: String
        /// Whether the district still works with Wegweiser.
        public var active: Bool
    }

    /// The district, or `nil` before it is registered.
    public typealias State = Record?

    /// What may be asked of a district.
    public enum Command: Sendable, Equatable {
        /// Registers the district.
        case register(id: String, name: String)
        /// Changes its name.
        case rename(name: String)
        /// Ends its use of Wegweiser; its records stay.
        case deactivate
    }

    /// What happened to a district.
    public enum Event: Sendable, Equatable {
        /// Stored as `district.registered`.
        case registered(Registered)
        /// Stored as `district.renamed`.
        case renamed(Renamed)
        /// Stored as `district.deactivated`.
        case deactivated
    }

    /// The payload of ``Event/registered(_:)``.
    public struct Registered: Codable, Sendable, Equatable {
        /// The official key.
        public var id: String
        /// The name.
        public var name: String
    }

    /// The payload of ``Event/renamed(_:)``.
    public struct Renamed: Codable, Sendable, Equatable {
        /// The new name.
        public var name: String
    }

    /// Not registered yet.
    public static let initialState: State = nil

    /// The events that answer `command`.
    public static func decide(_ command: Command, _ state: State) throws(DirectoryRejection) -> [Event] {
        switch (command, state) {
        case (.register(let id, let name), nil):
            guard id.utf8.count == 5, id.utf8.allSatisfy({ (0x30...0x39).contains($0) }) else {
                throw .invalid(field: "id", reason: "must be the five-digit official district key, e.g. 08337")
            }
            return [.registered(Registered(id: id, name: try validName(name)))]
        case (.register, .some):
            throw .alreadyExists
        case (_, nil):
            throw .notFound
        case (_, .some(let district)) where !district.active:
            throw .deactivated
        case (.rename(let name), .some(let district)):
            let name = try validName(name)
            return name == district.name ? [] : [.renamed(Renamed(name: name))]
        case (.deactivate, .some):
            return [.deactivated]
        }
    }

    /// The state after `event`.
    public static func evolve(_ state: State, _ event: Event) -> State {
        switch (event, state) {
        case (.registered(let registered), _):
            return Record(id: registered.id, name: registered.name, active: true)
        case (.renamed(let renamed), var district?):
            district.name = renamed.name
            return district
        case (.deactivated, var district?):
            district.active = false
            return district
        case (_, nil):
            return nil
        }
    }
}

extension District.Event: DomainEvent {
    /// The stable stored type name.
    public var typeName: String {
        switch self {
        case .registered: "district.registered"
        case .renamed: "district.renamed"
        case .deactivated: "district.deactivated"
        }
    }

    /// The payload as JSON.
    public func payload() throws -> Data {
        switch self {
        case .registered(let payload): try EventCoding.encode(payload)
        case .renamed(let payload): try EventCoding.encode(payload)
        case .deactivated: Data("{}".utf8)
        }
    }

    /// The event stored as `typeName` with `payload`.
    public init(typeName: String, payload: Data) throws {
        switch typeName {
        case "district.registered": self = .registered(try EventCoding.decode(payload))
        case "district.renamed": self = .renamed(try EventCoding.decode(payload))
        case "district.deactivated": self = .deactivated
        default: throw UnknownEventType(typeName: typeName)
        }
    }
}
