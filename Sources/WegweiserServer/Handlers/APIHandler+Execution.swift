import Casework
import CommandHandling
import EventStore
import Foundation
import Projections

extension APIHandler {
    /// Runs `command` on the directory object `id` of `kind` through the write path, and makes
    /// remembered sign-ins forgotten.
    ///
    /// - Returns: The object after the command and its version (unchanged if the command
    ///   changed nothing).
    /// - Throws: 404 if `ifMatch` is given for an object that does not exist, 412 if it does not
    ///   match, the rejection as 404/409/422, 409 if someone else changed the object meanwhile.
    func execute<D: Decider, Record: Codable & Sendable>(
        _ decider: D.Type,
        kind: Directory.Kind,
        id: String,
        districtID: String,
        command: D.Command,
        ifMatch: String? = nil,
        metadata: EventMetadata? = nil
    ) async throws -> (record: Record, version: Int64) where D.State == Record?, D.Rejection: ProblemConvertible {
        let outcome = try await writing(kind.rawValue) {
            try await directoryCommands.handle(
                decider,
                kind: kind,
                id: id,
                districtID: districtID,
                command: command,
                expecting: try ifMatch.map(Self.condition(ifMatch:)),
                metadata: metadata ?? .currentRequest()
            )
        }
        // Committed: this instance forgets remembered sign-ins at once (others on NOTIFY).
        signIns.invalidate()
        guard let record = outcome.state else { throw Problem.internalError() }
        return (record, outcome.version)
    }

    /// What a create of `resourceID` records with its events: the `Idempotency-Key` that made
    /// it, and that the answer showed `principal` the data of client `clientID`.
    func creation<State>(
        of resourceID: UUID,
        idempotency: IdempotencyKey?,
        answering principal: Principal,
        aboutClient clientID: UUID
    ) -> CommandHandler.Bookkeeping<State> {
        { [logger, accessLog] _, connection in
            try await idempotency?.record(resourceID: resourceID.uuidString, on: connection, logger: logger)
            try await accessLog.record(
                principal,
                persons: [Self.subject(ofClient: clientID)],
                district: principal.districtID,
                on: connection
            )
        }
    }

    /// Runs a write of an object of `kind`, counts its outcome and answers its failures as
    /// problems.
    func writing<Result>(_ kind: String, _ write: () async throws -> Result) async throws -> Result {
        do {
            let result = try await write()
            metrics.write(kind: kind, outcome: "committed")
            return result
        } catch let failure as CommandFailure {
            switch failure {
            case .concurrentChange: metrics.write(kind: kind, outcome: "conflict")
            case .preconditionFailed: metrics.write(kind: kind, outcome: "precondition_failed")
            default: metrics.write(kind: kind, outcome: "refused")
            }
            throw Self.problem(for: failure, kind: kind)
        } catch let rejection as any ProblemConvertible {
            metrics.write(kind: kind, outcome: "refused")
            throw rejection.problem
        }
    }

    /// What a failed write answers.
    private static func problem(for failure: CommandFailure, kind: String) -> any Error {
        let name = kind.replacingOccurrences(of: "_", with: " ")
        switch failure {
        case .notFound: return Problem.notFound("No such \(name).")
        case .preconditionFailed(let current): return Problem.preconditionFailed(current: current)
        case .concurrentChange:
            return Problem.conflict("The \(name) was changed at the same moment by someone else; read it again.")
        case .erased: return Problem.conflict("The client's personal data was erased; nothing new is recorded about them.")
        case .duplicate(let constraint):
            switch constraint {
            case "idempotency_keys_pkey": return IdempotencyRace()
            case "directory_staff_by_subject":
                return Problem.conflict("Another active staff member already signs in with this subject.")
            case "cases_one_open_per_client": return Problem.conflict("The client has an open case already.")
            case "household_members_one_at_a_time":
                return Problem.conflict("A person belongs to another household now; they leave it first.")
            default: return Problem.conflict("The \(name) was changed at the same moment by someone else; read it again.")
            }
        }
    }

    /// The condition of an `If-Match` value (RFC 9110, § 13.1.1): `*`, or a list of entity
    /// tags, of which the strong ones this server sent (`"3"`) name versions; weak tags
    /// (`W/"3"`) and tags of other servers never match.
    ///
    /// - Throws: 400 if the value is not `*` or a list of entity tags.
    static func condition(ifMatch: String) throws -> IfMatch {
        let value = ifMatch.trimmingCharacters(in: .whitespaces)
        if value == "*" { return .exists }
        var versions: [Int64] = []
        // Empty list elements are ignored, as RFC 9110 (§ 5.6.1.2) asks of recipients.
        let members = value.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        for var tag in members.isEmpty ? [""] : members {
            let weak = tag.hasPrefix("W/")
            if weak { tag.removeFirst(2) }
            let opaque = tag.dropFirst().dropLast()
            guard tag.count >= 2, tag.first == "\"", tag.last == "\"",
                opaque.allSatisfy({ character in
                    character != "\"" && character.asciiValue.map { (0x21..<0x7F).contains($0) } == true
                })
            else {
                throw Problem.badRequest(
                    "If-Match must be `*` or a list of entity tags, e.g. \"3\".",
                    errors: [.init(pointer: "#/header/If-Match", detail: "not `*` or a list of entity tags")]
                )
            }
            if !weak, let version = Int64(opaque) { versions.append(version) }
        }
        return .oneOf(versions)
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
