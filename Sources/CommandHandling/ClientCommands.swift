public import Casework
public import EventStore
public import Foundation
public import PostgresNIO
import Projections

/// Writes to clients: the state is the client's stored profile with its personal part opened
/// (the rule that a change must change something compares it); personal parts are sealed
/// under the client's own key.
public struct ClientCommands: Sendable {
    /// The write path.
    public let handler: CommandHandler
    private let casebook: Casebook

    /// Client writes through `handler`.
    public init(handler: CommandHandler) {
        self.handler = handler
        self.casebook = Casebook(client: handler.store.client, logger: handler.logger)
    }

    /// The key subject of a client: their data key encrypts all their personal data.
    public static func subject(of id: UUID) -> String { "client:\(id.uuidString.lowercased())" }

    /// Runs `command` on client `id` in `districtID`; see
    /// ``CommandHandler/handle(_:stream:command:expecting:metadata:personalSubject:load:alsoRecord:)``.
    public func handle(
        _ command: Client.Command,
        client id: UUID,
        districtID: String,
        expecting expected: IfMatch? = nil,
        metadata: EventMetadata,
        alsoRecord: @escaping CommandHandler.Bookkeeping<Client.State> = { _, _ in }
    ) async throws -> CommandHandler.Outcome<Client.State> {
        try await handler.handle(
            Client.self,
            stream: StreamName(id: "client-\(id.uuidString)", category: "client", tenant: districtID),
            command: command,
            expecting: expected,
            metadata: metadata,
            personalSubject: Self.subject(of: id),
            load: { [casebook] connection, ring in
                guard let row = try await casebook.lockedClient(id, on: connection) else { return nil }
                var stored = row.profile
                let sealed = stored["personal"]
                stored["personal"] = nil
                var profile: Client.Profile = try EventCoding.decode(Data(stored.jsonText().utf8))
                if case .string(let subject)? = sealed?["subject"], case .string(let value)? = sealed?["sealed"] {
                    let plaintext = try await ring.open(SealedValue(subject: subject, sealed: value), eventID: row.sealedIn)
                    profile.personal = try EventCoding.decode(plaintext)
                }
                return (profile, row.version)
            },
            alsoRecord: alsoRecord
        )
    }
}
