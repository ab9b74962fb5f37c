public import Casework
public import EventStore
public import Foundation
public import PostgresNIO
import Projections

/// Writes to cases: the state comes from the case's row in the casebook, locked; personal parts
/// are sealed under the client's key.
public struct CaseCommands: Sendable {
    /// The write path.
    public let handler: CommandHandler
    private let casebook: Casebook

    /// Case writes through `handler`.
    public init(handler: CommandHandler) {
        self.handler = handler
        self.casebook = Casebook(client: handler.store.client, logger: handler.logger)
    }

    /// The stream of case `id` in `districtID`.
    public static func stream(of id: UUID, districtID: String) -> StreamName {
        StreamName(id: "case-\(id.uuidString)", category: "case", tenant: districtID)
    }

    /// Runs `command` on case `id` of `clientID` in `districtID` on `today` (the caller's
    /// calendar day: a day the command states must not lie after it, see
    /// ``CaseFile/plausible(_:today:)``); see
    /// ``CommandHandler/handle(_:stream:command:expecting:metadata:personalSubject:load:alsoRecord:)``.
    public func handle(
        _ command: CaseFile.Command,
        case id: UUID,
        clientID: UUID,
        districtID: String,
        today: CalendarDate,
        expecting expected: IfMatch? = nil,
        metadata: EventMetadata,
        alsoRecord: @escaping CommandHandler.Bookkeeping<CaseFile.State> = { _, _ in }
    ) async throws -> CommandHandler.Outcome<CaseFile.State> {
        try CaseFile.plausible(command, today: today)
        return try await handler.handle(
            CaseFile.self,
            stream: Self.stream(of: id, districtID: districtID),
            command: command,
            expecting: expected,
            metadata: metadata,
            personalSubject: ClientCommands.subject(of: clientID),
            load: { [casebook] connection, _ in try await casebook.lockedCase(id, on: connection) },
            alsoRecord: alsoRecord
        )
    }
}
