import Casework
import EventStore
import Foundation
import PostgresNIO
import Projections

extension APIHandler {
    /// An event as stored: its id and its payload with the personal part sealed.
    struct StoredEvent: Sendable {
        /// The event's id.
        var id: UUID
        /// The payload as appended.
        var payload: JSONValue
    }

    /// Runs `command` on the directory object `id` of `kind`, stores its new state in the
    /// directory and makes remembered sign-ins forgotten; see ``execute(_:stream:command:ifMatch:metadata:personalSubject:save:)``.
    func execute<D: Decider, Record: Codable & Sendable>(
        _ decider: D.Type,
        kind: Directory.Kind,
        id: String,
        districtID: String,
        command: D.Command,
        ifMatch: String? = nil,
        metadata: EventMetadata? = nil
    ) async throws -> (record: Record, version: Int64) where D.State == Record?, D.Rejection: ProblemConvertible {
        let result: (record: Record, version: Int64) = try await execute(
            decider,
            stream: StreamName(id: "\(kind.rawValue)-\(id)", category: kind.rawValue, tenant: districtID),
            command: command,
            ifMatch: ifMatch,
            metadata: metadata,
            current: { connection in try await directory.locked(kind, id: id, as: Record.self, on: connection) }
        ) { record, version, _, connection in
            try await directory.save(kind, id: id, districtID: districtID, version: version, state: record, on: connection)
        }
        // Committed: this instance forgets remembered sign-ins at once (others on NOTIFY).
        signIns.invalidate()
        return result
    }

    /// Runs `command` on `stream`: loads the object's stored state and version with `current`
    /// (its read-model row, locked, so a write costs the same however long the history), checks
    /// `If-Match`, decides, appends the events with the expected version and lets `save` write
    /// read models, all in one transaction. With a `personalSubject`, each event's `personal`
    /// part is sealed under that subject's key before it is stored.
    ///
    /// - Returns: The object after the command and its version (unchanged if the command
    ///   changed nothing).
    /// - Throws: 404 if `ifMatch` is given for an object that does not exist, 412 if it does not
    ///   match, the rejection as 404/409/422, 409 if someone else changed the object meanwhile.
    func execute<D: Decider, Record: Sendable>(
        _ decider: D.Type,
        stream: StreamName,
        command: D.Command,
        ifMatch: String? = nil,
        metadata: EventMetadata? = nil,
        personalSubject: String? = nil,
        current: @escaping (PostgresConnection) async throws -> (state: Record, version: Int64)?,
        save: @escaping (Record, Int64, [(event: D.Event, stored: StoredEvent)], PostgresConnection) async throws -> Void
    ) async throws -> (record: Record, version: Int64) where D.State == Record?, D.Rejection: ProblemConvertible {
        let expected = try ifMatch.map(Self.version(ifMatch:))
        let metadata = metadata ?? .currentRequest()
        do {
            return try await database.withTransaction(logger: logger) { connection in
                let loaded = try await current(connection)
                let version = loaded?.version ?? 0
                if let expected, expected != version {
                    throw version == 0
                        ? Problem.notFound("No such \(stream.category).") : Problem.preconditionFailed(current: version)
                }
                let state: D.State = loaded?.state
                let events: [D.Event]
                do throws(D.Rejection) {
                    events = try D.decide(command, state)
                } catch {
                    throw error.problem
                }
                guard !events.isEmpty else {
                    guard let state else { throw Problem.internalError() }
                    return (state, version)
                }
                var stored: [StoredEvent] = []
                for event in events {
                    let id = UUID()
                    var payload = try JSONValue(jsonText: String(decoding: try event.payload(), as: UTF8.self))
                    if let personalSubject, let personal = payload["personal"], personal != .null {
                        let sealed = try await keys.seal(Data(personal.jsonText().utf8), subject: personalSubject, eventID: id)
                        payload["personal"] = .object(["subject": .string(sealed.subject), "sealed": .string(sealed.sealed)])
                    }
                    stored.append(StoredEvent(id: id, payload: payload))
                }
                let newEvents = zip(events, stored).map { event, stored in
                    NewEvent(
                        id: stored.id,
                        type: event.typeName,
                        schemaVersion: event.schemaVersion,
                        payload: stored.payload,
                        metadata: metadata
                    )
                }
                let appended = try await eventStore.append(
                    to: stream,
                    expecting: version == 0 ? .noStream : .exactly(version),
                    events: newEvents,
                    on: connection
                )
                guard let newState = events.reduce(state, D.evolve) else { throw Problem.internalError() }
                try await save(newState, appended.streamVersion, Array(zip(events, stored)), connection)
                return (newState, appended.streamVersion)
            }
        } catch let error as PostgresTransactionError {
            throw Self.problem(for: error.closureError ?? error.commitError ?? error.beginError ?? error, kind: stream.category)
        }
    }

    /// What a failed write answers.
    private static func problem(for error: any Error, kind: String) -> any Error {
        switch error {
        case let problem as Problem:
            return problem
        case EventStoreError.wrongExpectedVersion:
            let name = kind.replacingOccurrences(of: "_", with: " ")
            return Problem.conflict("The \(name) was changed at the same moment by someone else; read it again.")
        case KeyStoreError.erased:
            return Problem.conflict("The client's personal data was erased; nothing new is recorded about them.")
        case let error as PSQLError where error.serverInfo?[.sqlState] == "23505":
            switch error.serverInfo?[.constraintName] {
            case "idempotency_keys_pkey": return IdempotencyRace()
            case "directory_staff_by_subject":
                return Problem.conflict("Another active staff member already signs in with this subject.")
            case "cases_one_open_per_client": return Problem.conflict("The client has an open case already.")
            default: return Problem.conflict("The \(kind) was changed at the same moment by someone else; read it again.")
            }
        default:
            return error
        }
    }

    /// The version in an `If-Match` value: `"3"` (or `W/"3"`).
    static func version(ifMatch: String) throws -> Int64 {
        var value = ifMatch.trimmingCharacters(in: .whitespaces)
        if value.hasPrefix("W/") { value.removeFirst(2) }
        guard value.count >= 3, value.first == "\"", value.last == "\"", let version = Int64(value.dropFirst().dropLast()) else {
            throw Problem.badRequest(
                "If-Match must be an ETag this server sent, e.g. \"3\".",
                errors: [.init(pointer: "#/header/If-Match", detail: "not an ETag of this server")]
            )
        }
        return version
    }

    /// The `ETag` of `version`.
    static func etag(_ version: Int64) -> String {
        "\"\(version)\""
    }
}

extension EventMetadata {
    /// Who causes events in the request being handled: the principal and the request id.
    static func currentRequest() -> EventMetadata {
        let principal = Principal.current
        return EventMetadata(
            actor: principal.map { "staff_member:\($0.staffID.uuidString.lowercased())" },
            role: principal?.role.rawValue,
            organisation: principal?.organisationID.uuidString.lowercased(),
            correlationID: RequestID.current?.correlationID ?? RequestID.current?.id,
            requestID: RequestID.current?.id
        )
    }
}

/// A domain rejection that has an HTTP answer.
protocol ProblemConvertible: Error {
    /// The answer.
    var problem: Problem { get }
}

extension DirectoryRejection: ProblemConvertible {
    var problem: Problem {
        switch self {
        case .alreadyExists: .conflict("It exists already.")
        case .notFound: .notFound("No such object.")
        case .deactivated: .conflict("It is deactivated and cannot change any more.")
        case .invalid(let field, let reason):
            .unprocessable("\(field) \(reason).", errors: [.init(pointer: "/\(field)", detail: reason)])
        }
    }
}

extension Substitution.Rejection: ProblemConvertible {
    var problem: Problem {
        switch self {
        case .alreadyGranted: .conflict("The grant exists already.")
        case .notFound: .notFound("No such grant.")
        case .alreadyRevoked: .conflict("The grant was revoked before.")
        case .alreadyEnded: .conflict("The grant has ended by itself.")
        case .invalid(let field, let reason):
            .unprocessable("\(field) \(reason).", errors: [.init(pointer: "/\(field)", detail: reason)])
        }
    }
}
