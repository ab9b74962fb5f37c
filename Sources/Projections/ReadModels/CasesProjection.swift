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

    /// Folds each case's events into its stored state.
    public func apply(_ events: [RecordedEvent], in context: ProjectionContext) async throws {
        for stream in events.runsByStream() {
            guard let last = stream.last else { continue }
            var state: CaseFile.State
            if let known = context.known[last.streamID], let knownState = known.state as? CaseFile.State {
                state = knownState
            } else {
                state = try await Casebook.lockedCase(stream: last.streamID, in: context)?.state
            }
            state = try stream.projected(as: CaseFile.Event.self).reduce(state) { CaseFile.evolve($0, $1.event) }
            guard let record = state else { continue }
            let closing = record.isClosed ? stream.last { $0.type == "case.closed" }?.id : nil
            try await Casebook.saveCase(record, version: last.streamVersion, closedIn: closing, in: context)
        }
    }
}
