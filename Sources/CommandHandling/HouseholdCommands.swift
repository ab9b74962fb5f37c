public import Casework
public import EventStore
public import Foundation
import PostgresNIO
public import Projections

/// Writes to households: the state comes from the household's row, locked. Households hold no
/// personal text (members are client ids with a role), so nothing is sealed.
public struct HouseholdCommands: Sendable {
    /// The write path.
    public let handler: CommandHandler
    private let households: Households

    /// Household writes through `handler`.
    public init(handler: CommandHandler) {
        self.handler = handler
        self.households = Households(client: handler.store.client, logger: handler.logger)
    }

    /// Runs `command` on household `id` in `districtID` on `today` (for the plausibility of its
    /// day); see ``CommandHandler/handle(_:stream:command:expecting:metadata:personalSubject:load:alsoRecord:)``.
    public func handle(
        _ command: Household.Command,
        household id: UUID,
        districtID: String,
        today: CalendarDate,
        expecting expected: IfMatch? = nil,
        metadata: EventMetadata,
        alsoRecord: @escaping CommandHandler.Bookkeeping<Household.State> = { _, _ in }
    ) async throws -> CommandHandler.Outcome<Household.State> {
        try Household.plausible(command, today: today)
        return try await handler.handle(
            Household.self,
            stream: StreamName(id: "household-\(id.uuidString)", category: "household", tenant: districtID),
            command: command,
            expecting: expected,
            metadata: metadata,
            load: { [households] connection, _ in
                try await households.locked(id, on: connection).map { ($0.record, $0.version) }
            },
            alsoRecord: alsoRecord
        )
    }
}
