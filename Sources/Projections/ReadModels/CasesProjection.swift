import Casework
public import EventStore
import Foundation

/// Keeps the `cases` table of the ``Casebook``: each case's folded state (the state a write
/// decides on), its assignee, whether and since when it is closed, and the dates caseloads and
/// plan status count. Inline: the access policy and every write read it.
public struct CasesProjection: Projection {
    /// `cases`.
    public let name = "cases"
    /// The one table.
    public let tables = ["cases"]

    /// The projection.
    public init() {}

    /// `case.*` events.
    public func handles(_ eventType: String) -> Bool {
        eventType.hasPrefix("case.")
    }

    /// Folds each case's events into its stored state (read in one statement where the writer
    /// does not know it) and stores the states in one statement.
    public func apply(_ events: [RecordedEvent], in context: ProjectionContext) async throws {
        let streams = events.groupedByStream()
        let unknown = streams.compactMap { stream, _ in context.known[stream] == nil ? Self.caseID(stream) : nil }
        let stored = try await Casebook.lockedCases(unknown, in: context)
        var states: [Casebook.CaseState] = []
        for (stream, events) in streams {
            guard let last = events.last else { continue }
            var state: CaseFile.State
            if let known = context.known[stream], let knownState = known.state as? CaseFile.State {
                state = knownState
            } else {
                state = Self.caseID(stream).flatMap { stored[$0]?.state }
            }
            state = try context.projected(events, as: CaseFile.Event.self).reduce(state) { CaseFile.evolve($0, $1.event) }
            guard let record = state else { continue }
            let closing = record.isClosed ? events.last { $0.type == "case.closed" }?.id : nil
            states.append(Casebook.CaseState(record: record, version: last.streamVersion, closedIn: closing))
        }
        try await Casebook.saveCases(states, in: context)
    }

    /// The case whose stream is `stream` (`case-<id>`).
    private static func caseID(_ stream: String) -> UUID? {
        UUID(uuidString: String(stream.dropFirst("case-".count)))
    }
}
