import Casework
import EventStore
import Foundation
import PostgresNIO
import Projections

extension APIHandler {
    /// Runs `command` on the object `id` of `kind`: reads and folds its stream, checks
    /// `If-Match`, decides, appends the events with the expected version and stores the new
    /// state in the directory, all in one transaction.
    ///
    /// - Returns: The object after the command and its version (unchanged if the command
    ///   changed nothing).
    /// - Throws: 404 if `ifMatch` is given for an object that does not exist, 412 if it does not
    ///   match, the rejection as 404/409/422, 409 if someone else changed the object meanwhile.
    func execute<D: Decider, Record: Encodable & Sendable>(
        _ decider: D.Type,
        kind: Directory.Kind,
        id: String,
        districtID: String,
        command: D.Command,
        ifMatch: String? = nil,
        metadata: EventMetadata? = nil
    ) async throws -> (record: Record, version: Int64) where D.State == Record?, D.Rejection: ProblemConvertible {
        let stream = StreamName(id: "\(kind.rawValue)-\(id)", category: kind.rawValue, tenant: districtID)
        let expected = try ifMatch.map(Self.version(ifMatch:))
        let metadata = metadata ?? .currentRequest()
        do {
            return try await database.withTransaction(logger: logger) { connection in
                let recorded = try await eventStore.read(stream: stream.id, on: connection)
                let version = recorded.last?.streamVersion ?? 0
                if let expected, expected != version {
                    throw version == 0
                        ? Problem.notFound("No such \(kind.rawValue).") : Problem.preconditionFailed(current: version)
                }
                let state = D.fold(try recorded.map { try D.Event(typeName: $0.type, payload: Data($0.payload.jsonText().utf8)) })
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
                let newEvents = try events.map { event in
                    NewEvent(
                        id: UUID(),
                        type: event.typeName,
                        schemaVersion: event.schemaVersion,
                        payload: try JSONValue(jsonText: String(decoding: try event.payload(), as: UTF8.self)),
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
                try await directory.save(
                    kind,
                    id: id,
                    districtID: districtID,
                    version: appended.streamVersion,
                    state: newState,
                    on: connection
                )
                return (newState, appended.streamVersion)
            }
        } catch let error as PostgresTransactionError {
            throw Self.problem(for: error.closureError ?? error.commitError ?? error.beginError ?? error, kind: kind)
        }
    }

    /// What a failed write answers.
    private static func problem(for error: any Error, kind: Directory.Kind) -> any Error {
        switch error {
        case let problem as Problem:
            return problem
        case EventStoreError.wrongExpectedVersion:
            return Problem.conflict("The \(kind.rawValue) was changed at the same moment by someone else; read it again.")
        case let error as PSQLError where error.serverInfo?[.sqlState] == "23505":
            return Problem.conflict("Another active staff member already signs in with this subject.")
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
            correlationID: RequestID.current,
            requestID: RequestID.current
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
