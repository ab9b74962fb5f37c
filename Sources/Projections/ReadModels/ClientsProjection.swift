import Casework
public import EventStore
public import Foundation

/// Keeps the `clients` table of the ``Casebook``: each client's latest profile as its event
/// stored it, the personal part still sealed, and who registered them. Inline: every read of a client and every
/// access decision about them starts here.
public struct ClientsProjection: Projection {
    /// `clients`.
    public let name = "clients"
    /// The one table.
    public let tables = ["clients"]

    /// The projection.
    public init() {}

    /// `client.*` events.
    public func handles(_ eventType: String) -> Bool {
        eventType.hasPrefix("client.")
    }

    /// Stores each client's profile as of their latest event.
    public func apply(_ events: [RecordedEvent], in context: ProjectionContext) async throws {
        for (_, stream) in events.groupedByStream() {
            guard let latest = try context.projected(stream, as: Client.Event.self).last else { continue }
            var registeredBy: UUID?
            if let registration = stream.first(where: { $0.type == "client.registered" }) {
                guard let actor = registration.metadata.actor, actor.hasPrefix("staff_member:"),
                    let staffID = UUID(uuidString: String(actor.dropFirst("staff_member:".count)))
                else { throw ProjectionError.unreadable(registration.id, "a registration names the staff member who made it") }
                registeredBy = staffID
            }
            switch latest.event {
            case .registered(let profile), .changed(let profile):
                try await Casebook.saveClient(
                    id: profile.id,
                    districtID: profile.districtID,
                    registeredBy: registeredBy,
                    sealedIn: latest.recorded.id,
                    version: latest.recorded.streamVersion,
                    profile: latest.recorded.payload,
                    in: context
                )
            }
        }
    }
}

/// Why a projection cannot apply an event.
public enum ProjectionError: Error, CustomStringConvertible {
    /// The event lacks what the projection needs.
    case unreadable(UUID, String)

    /// What went wrong.
    public var description: String {
        switch self {
        case .unreadable(let id, let reason): "event \(id.uuidString.lowercased()) cannot be projected: \(reason)"
        }
    }
}
