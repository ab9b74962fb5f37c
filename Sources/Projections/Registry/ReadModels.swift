public import EventStore

/// Every projection, registered once: the inline ones, which run in the transaction that appends
/// their events, and the asynchronous ones, which follow the log from their subscriptions.
public struct ReadModels: Sendable {
    /// Run in the append transaction: what a writer or the next request must read at once.
    public let inline: [any Projection]
    /// Run from a subscription each, checkpointed with their effects.
    public let asynchronous: [any Projection]

    /// A registry of `inline` and `asynchronous` projections.
    public init(inline: [any Projection], asynchronous: [any Projection] = []) {
        self.inline = inline
        self.asynchronous = asynchronous
    }

    /// Wegweiser's read models.
    public static let standard = ReadModels(
        inline: [
            DirectoryProjection(), ClientsProjection(), ClientSearchProjection(), CasesProjection(), CaseItemsProjection(),
            HouseholdsProjection(), KeyFiguresProjection(), PublishedReportsProjection(),
        ],
        asynchronous: []
    )

    /// All projections, inline first.
    public var all: [any Projection] { inline + asynchronous }

    /// The projection called `name`, or `nil`.
    public func named(_ name: String) -> (any Projection)? {
        all.first { $0.name == name }
    }

    /// Runs every inline projection over the `events` it handles, in `context`'s transaction.
    public func applyInline(_ events: [RecordedEvent], in context: ProjectionContext) async throws {
        for projection in inline {
            let handled = events.filter { projection.handles($0.type) }
            if !handled.isEmpty { try await projection.apply(handled, in: context) }
        }
    }
}
