import Casework
public import EventStore

/// Keeps the ``Directory``: the folded state of every district, organisation, team, staff
/// member, substitution grant and erasure request. Inline, because sign-in and the access policy read it.
public struct DirectoryProjection: Projection {
    /// `directory`.
    public let name = "directory"
    /// The one table.
    public let tables = ["directory"]

    /// The projection.
    public init() {}

    /// The events of the six kinds of directory object.
    public func handles(_ eventType: String) -> Bool {
        Self.kind(of: eventType) != nil
    }

    /// Folds each object's events into its stored state.
    public func apply(_ events: [RecordedEvent], in context: ProjectionContext) async throws {
        for (_, stream) in events.groupedByStream() {
            switch Self.kind(of: stream[0].type) {
            case .district: try await fold(District.self, .district, stream, in: context)
            case .organisation: try await fold(Organisation.self, .organisation, stream, in: context)
            case .team: try await fold(Team.self, .team, stream, in: context)
            case .staffMember: try await fold(StaffMember.self, .staffMember, stream, in: context)
            case .substitution: try await fold(Substitution.self, .substitution, stream, in: context)
            case .erasure: try await fold(Erasure.self, .erasure, stream, in: context)
            case nil: continue
            }
        }
    }

    /// The kind whose events are stored as `eventType` (`team.formed` → `team`).
    private static func kind(of eventType: String) -> Directory.Kind? {
        eventType.firstIndex(of: ".").flatMap { Directory.Kind(rawValue: String(eventType[..<$0])) }
    }

    /// Folds `events` of one stream into the object's state, starting from the state the writer
    /// knows or else the stored one, and stores it.
    private func fold<D: Decider, Record: Codable & Sendable & DirectoryRecord>(
        _ decider: D.Type,
        _ kind: Directory.Kind,
        _ events: [RecordedEvent],
        in context: ProjectionContext
    ) async throws where D.State == Record? {
        guard let last = events.last else { return }
        var state: D.State
        if let known = context.known[last.streamID], let knownState = known.state as? D.State {
            state = knownState
        } else {
            state = try await Directory.locked(
                stream: last.streamID,
                as: Record.self,
                on: context.connection,
                logger: context.logger
            )?.state
        }
        state = try context.projected(events, as: D.Event.self).reduce(state) { D.evolve($0, $1.event) }
        guard let record = state else { return }
        try await Directory.save(
            kind,
            id: String(last.streamID.dropFirst(kind.rawValue.count + 1)),
            districtID: record.districtID,
            version: last.streamVersion,
            state: record,
            on: context.connection,
            logger: context.logger
        )
    }
}

/// A directory object's state: it names its district.
protocol DirectoryRecord {
    /// The district it belongs to.
    var districtID: String { get }
}

extension District.Record: DirectoryRecord {
    var districtID: String { id }
}
extension Organisation.Record: DirectoryRecord {}
extension Team.Record: DirectoryRecord {}
extension StaffMember.Record: DirectoryRecord {
    var districtID: String { profile.districtID }
}
extension Substitution.Record: DirectoryRecord {
    var districtID: String { grant.districtID }
}
extension Erasure.Record: DirectoryRecord {
    var districtID: String { request.districtID }
}

extension Sequence<RecordedEvent> {
    /// The events of each stream, in order, the streams in the order they first appear.
    func groupedByStream() -> [(stream: String, events: [RecordedEvent])] {
        var groups: [(stream: String, events: [RecordedEvent])] = []
        var index: [String: Int] = [:]
        for event in self {
            if let position = index[event.streamID] {
                groups[position].events.append(event)
            } else {
                index[event.streamID] = groups.count
                groups.append((event.streamID, [event]))
            }
        }
        return groups
    }
}
