public import Casework
public import EventStore
import PostgresNIO
public import Projections

/// Writes to the organisation structure (districts, organisations, teams, staff members,
/// substitution grants): the state comes from the object's directory row, locked.
public struct DirectoryCommands: Sendable {
    /// The write path.
    public let handler: CommandHandler
    private let directory: Directory

    /// Directory writes through `handler`.
    public init(handler: CommandHandler) {
        self.handler = handler
        self.directory = Directory(client: handler.store.client, logger: handler.logger)
    }

    /// Runs `command` on the object `id` of `kind` in `districtID`; see
    /// ``CommandHandler/handle(_:stream:command:expecting:metadata:personalSubject:load:alsoRecord:)``.
    public func handle<D: Decider, Record: Codable & Sendable>(
        _ decider: D.Type,
        kind: Directory.Kind,
        id: String,
        districtID: String,
        command: D.Command,
        expecting expected: IfMatch? = nil,
        metadata: EventMetadata,
        alsoRecord: @escaping CommandHandler.Bookkeeping<D.State> = { _, _ in }
    ) async throws -> CommandHandler.Outcome<D.State> where D.State == Record? {
        try await handler.handle(
            decider,
            stream: StreamName(id: "\(kind.rawValue)-\(id)", category: kind.rawValue, tenant: districtID),
            command: command,
            expecting: expected,
            metadata: metadata,
            load: { [directory] connection, _ in
                try await directory.locked(kind, id: id, as: Record.self, on: connection).map { ($0.state, $0.version) }
            },
            alsoRecord: alsoRecord
        )
    }
}
