public import Casework
public import EventStore
public import Foundation
public import Projections

/// Erasure with four eyes, for the API and `wegweiser erase` alike: a request, then a
/// confirmation by someone else that destroys the person's key and removes their sealed parts
/// from the read models in the transaction that records it.
public struct ErasureCommands: Sendable {
    /// The write path of the directory, where requests live.
    public let directory: DirectoryCommands

    /// Erasures through `directory`'s write path.
    public init(directory: DirectoryCommands) {
        self.directory = directory
    }

    /// Records `request`.
    public func request(_ request: Erasure.Request, metadata: EventMetadata) async throws -> CommandHandler.Outcome<Erasure.State>
    {
        try await directory.handle(
            Erasure.self,
            kind: .erasure,
            id: request.id.uuidString,
            districtID: request.districtID,
            command: .request(request),
            metadata: metadata
        )
    }

    /// Confirms the request `id` of `districtID` as `actor` at `time`, and erases the person.
    public func confirm(
        _ id: UUID,
        districtID: String,
        by actor: String,
        at time: Date,
        metadata: EventMetadata
    ) async throws -> CommandHandler.Outcome<Erasure.State> {
        let keys = directory.handler.keys
        let logger = directory.handler.logger
        return try await directory.handle(
            Erasure.self,
            kind: .erasure,
            id: id.uuidString,
            districtID: districtID,
            command: .confirm(by: actor, at: time),
            metadata: metadata
        ) { outcome, connection in
            guard !outcome.decided.isEmpty, let record = outcome.state else { return }
            let subject = ClientCommands.subject(of: record.request.clientID)
            try await keys.erase(subject: subject, on: connection)
            try await PersonalParts.remove(subject: subject, clientID: record.request.clientID, on: connection, logger: logger)
        }
    }
}
