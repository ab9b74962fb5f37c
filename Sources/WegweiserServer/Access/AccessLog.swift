import Casework
import EventStore
import Foundation
import Logging
import PostgresNIO
import ServiceLifecycle
import Synchronization

/// The access log: every answer that holds personal data, append-only (the database refuses
/// updates and deletes). Handlers that answer personal data call
/// ``record(_:persons:district:)`` before they answer; if the entry cannot be written, the
/// data is not returned.
///
/// Entries are written by ``Writer``, a service that commits the entries of all requests
/// waiting at that moment in one statement (group commit): a request waits for its own entry
/// to be durable, but many requests share one round trip and one WAL flush, so logging does not
/// make a read of personal data many times dearer than one without.
struct AccessLog: Sendable {
    /// What one entry says.
    struct Record: Sendable {
        /// The district the data belongs to, whose auditors see the entry.
        var district: String
        /// Who was answered the data.
        var staffMemberID: UUID
        /// Their sign-in subject.
        var subject: String
        /// Their role.
        var role: String
        /// Their organisation.
        var organisationID: UUID
        /// Whose data, e.g. `client:<id>` or `staff_member:<id>`.
        var person: String
        /// The operation: method and path.
        var resource: String
        /// Why.
        var purpose: String
        /// The server's own id of the request.
        var requestID: String?
        /// The caller's `X-Request-ID`, if they sent one.
        var correlationID: String?
    }

    /// One entry as stored.
    struct Entry: Sendable {
        /// Its place in the log.
        var position: Int64
        /// When the data was answered.
        var accessedAt: Date
        /// What it says.
        var record: Record
    }

    /// The pool, for reading.
    let client: PostgresClient
    /// Writes the entries.
    let writer: Writer
    let logger: Logger

    /// An access log over `client`; its ``writer`` must run as a service.
    init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.writer = Writer(client: client, logger: logger)
        self.logger = logger
    }

    /// Records that `principal` was answered the data of `persons` of `district` (the district
    /// the data belongs to, whose auditors see the entry) by the request being handled.
    ///
    /// - Throws: When the entry could not be committed; the data must then not be answered.
    func record(_ principal: Principal, persons: [String], district: String) async throws {
        guard !persons.isEmpty else { return }
        try await writer.write(Self.records(principal, persons: persons, district: district))
    }

    /// Records the same as ``record(_:persons:district:)`` in the transaction of `connection`,
    /// for the answer to a write: the entry commits with the write or not at all, and costs no
    /// commit of its own.
    func record(_ principal: Principal, persons: [String], district: String, on connection: PostgresConnection) async throws {
        guard !persons.isEmpty else { return }
        try await connection.query(Writer.insert(Self.records(principal, persons: persons, district: district)), logger: logger)
    }

    /// The rows that say `principal` was answered the data of `persons` of `district` by the
    /// request being handled.
    private static func records(_ principal: Principal, persons: [String], district: String) -> [Record] {
        let request = RequestID.current
        let purpose = AccessPolicy.purpose(of: principal.role)
        return Set(persons).sorted().map { person in
            Record(
                district: district,
                staffMemberID: principal.staffID,
                subject: principal.subject,
                role: principal.role.rawValue,
                organisationID: principal.organisationID,
                person: person,
                resource: request?.operation ?? "internal",
                purpose: purpose,
                requestID: request?.id,
                correlationID: request?.correlationID
            )
        }
    }

    /// Records that `principal` was answered personal data of `staffMembers` (their record, or
    /// a substitution grant about their absence), each under their district; one's own data is
    /// not logged.
    func record(_ principal: Principal, staffMembers: [(id: UUID, district: String)]) async throws {
        let others = staffMembers.filter { $0.id != principal.staffID }
        for (district, members) in Dictionary(grouping: others, by: \.district) {
            try await record(principal, persons: members.map { "staff_member:\($0.id.apiString)" }, district: district)
        }
    }

    /// Up to `limit` entries of `districtID` after `position`, oldest first, optionally only
    /// about `person` or by `staffMemberID`.
    func entries(
        districtID: String,
        person: String?,
        staffMemberID: UUID?,
        after position: Int64,
        limit: Int
    ) async throws -> [Entry] {
        let rows = try await client.guardedQuery(
            """
            SELECT position, accessed_at, district_id, staff_member_id, subject, role, organisation_id, person, resource, purpose,
                   request_id, correlation_id
            FROM access_log
            WHERE district_id = \(districtID) AND position > \(position)
              AND (\(person)::text IS NULL OR person = \(person))
              AND (\(staffMemberID)::uuid IS NULL OR staff_member_id = \(staffMemberID))
            ORDER BY position
            LIMIT \(limit)
            """,
            logger: logger
        )
        var entries: [Entry] = []
        for try await row in rows.decode(
            (Int64, Date, String, UUID, String, String, UUID, String, String, String, String?, String?).self
        ) {
            let record = Record(
                district: row.2,
                staffMemberID: row.3,
                subject: row.4,
                role: row.5,
                organisationID: row.6,
                person: row.7,
                resource: row.8,
                purpose: row.9,
                requestID: row.10,
                correlationID: row.11
            )
            entries.append(Entry(position: row.0, accessedAt: row.1, record: record))
        }
        return entries
    }
}

extension AccessLog {
    /// Commits the entries of every request waiting at the moment in one statement, then
    /// lets those requests go on; meanwhile the next batch gathers. A request whose batch
    /// fails gets the error. Runs until graceful shutdown, and writes what is waiting then
    /// before it ends.
    final class Writer: Service, Sendable {
        private struct Waiting {
            var id: Int
            var rows: [Record]
            var continuation: CheckedContinuation<Void, any Error>
        }

        private struct State {
            var waiting: [Waiting] = []
            var running = true
            var lastID = 0
        }

        /// The most rows one statement writes; a larger backlog goes in several.
        static let batchRows = 2_000

        private let client: PostgresClient
        private let logger: Logger
        private let state = Mutex(State())
        private let wake: AsyncStream<Void>
        private let bell: AsyncStream<Void>.Continuation

        init(client: PostgresClient, logger: Logger) {
            self.client = client
            self.logger = logger
            (wake, bell) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        }

        /// Returns once `rows` are committed.
        ///
        /// - Throws: When they could not be, when the writer has stopped, or when the task is
        ///   cancelled before its batch was taken (the entries may still be written then).
        func write(_ rows: [Record]) async throws {
            let id = state.withLock { state in
                state.lastID += 1
                return state.lastID
            }
            try await withTaskCancellationHandler {
                try await withCheckedThrowingContinuation { continuation in
                    let refusal: (any Error)? = state.withLock { state in
                        guard state.running else { return Problem.overloaded("The server is shutting down.") }
                        guard !Task.isCancelled else { return CancellationError() }
                        state.waiting.append(Waiting(id: id, rows: rows, continuation: continuation))
                        return nil
                    }
                    if let refusal { continuation.resume(throwing: refusal) } else { bell.yield() }
                }
            } onCancel: {
                let waiting = state.withLock { state -> Waiting? in
                    guard let index = state.waiting.firstIndex(where: { $0.id == id }) else { return nil }
                    return state.waiting.remove(at: index)
                }
                waiting?.continuation.resume(throwing: CancellationError())
            }
        }

        func run() async throws {
            await withGracefulShutdownHandler {
                for await _ in wake {
                    await flush()
                }
            } onGracefulShutdown: {
                self.bell.finish()
            }
            let rest = state.withLock { state in
                state.running = false
                return state.waiting
            }
            if !rest.isEmpty { await flush() }
        }

        /// Writes everything waiting now, in batches of at most ``batchRows`` rows.
        private func flush() async {
            while true {
                let batch = state.withLock { state -> [Waiting] in
                    var taken: [Waiting] = []
                    var rows = 0
                    while let next = state.waiting.first, taken.isEmpty || rows + next.rows.count <= Self.batchRows {
                        rows += next.rows.count
                        taken.append(state.waiting.removeFirst())
                    }
                    return taken
                }
                guard !batch.isEmpty else { return }
                do {
                    try await insert(batch.flatMap(\.rows))
                    for waiting in batch { waiting.continuation.resume() }
                } catch {
                    logger.error("access log write failed", metadata: ["error": "\(String(reflecting: error))"])
                    for waiting in batch { waiting.continuation.resume(throwing: error) }
                }
            }
        }

        private func insert(_ rows: [Record]) async throws {
            try await client.guardedQuery(Self.insert(rows), logger: logger)
        }

        /// The statement that appends `rows`.
        static func insert(_ rows: [Record]) -> PostgresQuery {
            """
            INSERT INTO access_log (district_id, staff_member_id, subject, role, organisation_id, person, resource, purpose,
                                    request_id, correlation_id)
            SELECT d, s, sub, r, o, p, res, pur, nullif(req, ''), nullif(cor, '')
            FROM unnest(\(rows.map(\.district))::text[], \(rows.map(\.staffMemberID))::uuid[],
                        \(rows.map(\.subject))::text[], \(rows.map(\.role))::text[],
                        \(rows.map(\.organisationID))::uuid[], \(rows.map(\.person))::text[],
                        \(rows.map(\.resource))::text[], \(rows.map(\.purpose))::text[],
                        \(rows.map { $0.requestID ?? "" })::text[], \(rows.map { $0.correlationID ?? "" })::text[])
                 AS entry(d, s, sub, r, o, p, res, pur, req, cor)
            """
        }
    }
}
