public import Casework
public import EventStore
import Foundation
public import Logging
public import PostgresNIO
public import Projections

/// The one write path: loads an object's stored state, decides, seals the personal parts of
/// the new events, appends them with the expected version and runs the inline projections, all
/// in one transaction on one connection.
///
/// The per-aggregate handlers (``CaseCommands``, ``ClientCommands``, ``DirectoryCommands``)
/// say where each kind of object keeps its state and whose key seals its events.
public struct CommandHandler: Sendable {
    /// What a handled command did.
    public struct Outcome<State: Sendable>: Sendable {
        /// The object after the command.
        public var state: State
        /// Its version: the `ETag`.
        public var version: Int64
        /// The events decided, personal parts in the clear, for the answer; empty if the
        /// command changed nothing.
        public var decided: [any DomainEvent]
        /// The same events as stored (personal parts sealed), with their ids.
        public var stored: [RecordedEvent]
    }

    /// What the caller records in the write's transaction once the events are decided (an
    /// idempotency key, the access log of the answer); it commits or fails with them.
    public typealias Bookkeeping<State: Sendable> = @Sendable (Outcome<State>, PostgresConnection) async throws -> Void

    /// The log.
    public let store: EventStore
    /// The per-person keys.
    public let keys: KeyStore
    /// The projections that run in the append transaction.
    public let readModels: ReadModels
    let logger: Logger

    /// A handler that appends to `store` and runs the inline projections of `readModels`.
    public init(store: EventStore, keys: KeyStore, readModels: ReadModels = .standard, logger: Logger) {
        self.store = store
        self.keys = keys
        self.readModels = readModels
        self.logger = logger
    }

    /// Runs `command` on `stream`.
    ///
    /// - Parameters:
    ///   - expected: What the caller expects of the current version (`If-Match`), or `nil` to
    ///     take the current one.
    ///   - personalSubject: Whose key seals each event's `personal` part.
    ///   - load: The object's stored state and version, locked for the transaction; `nil`
    ///     before it exists. Opens sealed parts with the key ring only where a rule needs them.
    ///   - alsoRecord: The caller's bookkeeping that must commit with the events (an
    ///     idempotency key, the access log of the answer).
    /// - Throws: ``CommandFailure``, the decider's rejection, or a database error.
    public func handle<D: Decider>(
        _ decider: D.Type,
        stream: StreamName,
        command: D.Command,
        expecting expected: IfMatch? = nil,
        metadata: EventMetadata,
        personalSubject: String? = nil,
        load: @escaping @Sendable (PostgresConnection, KeyRing) async throws -> (state: D.State, version: Int64)?,
        alsoRecord: @escaping Bookkeeping<D.State> = { _, _ in }
    ) async throws -> Outcome<D.State> {
        // A deadlock between two writes (their read models lock the same rows in another
        // order) rolls one back whole; it is run again, from the load, a few times.
        var runs = 0
        while true {
            runs += 1
            do {
                return try await run(
                    decider,
                    stream: stream,
                    command: command,
                    expecting: expected,
                    metadata: metadata,
                    personalSubject: personalSubject,
                    load: load,
                    alsoRecord: alsoRecord
                )
            } catch let error as PSQLError where Self.mayRunAgain(error) {
                guard runs < 3 else { throw CommandFailure.concurrentChange }
                logger.notice("write rolled back by the database, run again", metadata: ["stream": "\(stream.id)"])
            }
        }
    }

    /// Whether `error` is a deadlock or serialization failure: nothing was written, the write
    /// may run again.
    private static func mayRunAgain(_ error: any Error) -> Bool {
        guard let error = error as? PSQLError else { return false }
        return ["40P01", "40001"].contains(error.serverInfo?[.sqlState] ?? "")
    }

    /// One run of ``handle(_:stream:command:expecting:metadata:personalSubject:load:alsoRecord:)``.
    private func run<D: Decider>(
        _ decider: D.Type,
        stream: StreamName,
        command: D.Command,
        expecting expected: IfMatch?,
        metadata: EventMetadata,
        personalSubject: String?,
        load: @escaping @Sendable (PostgresConnection, KeyRing) async throws -> (state: D.State, version: Int64)?,
        alsoRecord: @escaping Bookkeeping<D.State>
    ) async throws -> Outcome<D.State> {
        do {
            let outcome = try await store.client.withGuardedTransaction(logger: logger) { connection in
                let ring = keys.ring(on: connection)
                let loaded = try await load(connection, ring)
                let version = loaded?.version ?? 0
                if let expected, !expected.holds(at: version) {
                    throw version == 0 ? CommandFailure.notFound : CommandFailure.preconditionFailed(current: version)
                }
                let state = loaded?.state ?? D.initialState
                let events = try D.decide(command, state)
                guard !events.isEmpty else {
                    let outcome = Outcome(state: state, version: version, decided: [], stored: [])
                    try await alsoRecord(outcome, connection)
                    return outcome
                }
                var appended: [NewEvent] = []
                for event in events {
                    let id = UUID()
                    var payload = try JSONValue(jsonText: String(decoding: try event.payload(), as: UTF8.self))
                    if let personalSubject, let personal = payload["personal"], personal != .null {
                        let sealed = try await ring.seal(Data(personal.jsonText().utf8), subject: personalSubject, eventID: id)
                        payload["personal"] = .object(["subject": .string(sealed.subject), "sealed": .string(sealed.sealed)])
                    }
                    appended.append(
                        NewEvent(
                            id: id,
                            type: event.typeName,
                            schemaVersion: event.schemaVersion,
                            payload: payload,
                            metadata: metadata
                        )
                    )
                }
                let result = try await store.append(
                    to: stream,
                    expecting: version == 0 ? .noStream : .exactly(version),
                    events: appended,
                    on: connection
                )
                let recordedAt = result.recordedAt ?? Date()
                let stored = zip(appended, result.positions).enumerated().map { offset, pair in
                    RecordedEvent(
                        appended: pair.0,
                        to: stream,
                        version: version + 1 + Int64(offset),
                        position: pair.1,
                        recordedAt: recordedAt
                    )
                }
                let context = ProjectionContext(
                    connection: connection,
                    logger: logger,
                    keys: keys,
                    known: [stream.id: KnownState(state: state, version: version)]
                )
                try await readModels.applyInline(stored, in: context)
                let outcome = Outcome(
                    state: events.reduce(state, D.evolve),
                    version: result.streamVersion,
                    decided: events,
                    stored: stored
                )
                try await alsoRecord(outcome, connection)
                return outcome
            }
            // Committed: the sequencer of this process seals it now instead of at its next poll
            // (the append rang before the commit, when the events were not yet visible).
            if !outcome.stored.isEmpty { store.appended.ring() }
            return outcome
        } catch {
            throw Self.mayRunAgain(error) ? error : CommandFailure.of(error)
        }
    }
}

/// Why a write did not happen, beside the decider's own rejections.
public enum CommandFailure: Error, Equatable {
    /// A version was expected of an object that does not exist.
    case notFound
    /// The object is at another version than expected.
    case preconditionFailed(current: Int64)
    /// Someone else changed the object at the same moment.
    case concurrentChange
    /// The subject whose key seals the events was erased: nothing new is recorded about them.
    case erased
    /// A unique constraint of a read model refused the write (its name).
    case duplicate(constraint: String)

    /// The failure `error` stands for, or `error` itself.
    static func of(_ error: any Error) -> any Error {
        switch error {
        case EventStoreError.wrongExpectedVersion: CommandFailure.concurrentChange
        case KeyStoreError.erased: CommandFailure.erased
        case let error as PSQLError where error.serverInfo?[.sqlState] == "23505":
            CommandFailure.duplicate(constraint: error.serverInfo?[.constraintName] ?? "")
        default: error
        }
    }
}
