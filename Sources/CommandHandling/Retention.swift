public import Casework
import EventStore
public import Foundation
import PostgresNIO

/// The retention rule: a person's data is erased a number of years after their last case was
/// closed (none open), by the same two events as any erasure — requested by
/// `system:retention`, confirmed by `system:retention-rule` — so the log says why it went.
public struct Retention: Sendable {
    /// The erasures.
    public let erasures: ErasureCommands
    /// How many years after the last closure a person's data goes.
    public let years: Int

    /// The rule over `erasures`, with the period `years`.
    public init(erasures: ErasureCommands, years: Int) {
        self.erasures = erasures
        self.years = years
    }

    /// A person whose data is due.
    public struct Due: Sendable, Equatable {
        /// The client.
        public var clientID: UUID
        /// Their district.
        public var districtID: String
        /// The day their last case was closed.
        public var lastClosedOn: String
    }

    /// The clients not yet erased whose cases are all closed, the last before `today` minus
    /// the period; at most `limit`, the longest closed first.
    public func due(today: CalendarDate, limit: Int = 10_000) async throws -> [Due] {
        let cutoff = today.adding(months: -12 * years).description
        let rows = try await erasures.directory.handler.store.client.guardedQuery(
            """
            SELECT c.client_id, c.district_id, max(c.state -> 'closure' ->> 'closed_on') AS last_closed
            FROM cases c
            WHERE NOT EXISTS (
                SELECT 1 FROM subject_keys k WHERE k.subject_id = 'client:' || c.client_id::text AND k.wrapped_key IS NULL
            )
            GROUP BY c.client_id, c.district_id
            HAVING bool_and(c.closed) AND max(c.state -> 'closure' ->> 'closed_on') < \(cutoff)
            ORDER BY last_closed, c.client_id
            LIMIT \(limit)
            """,
            logger: erasures.directory.handler.logger
        )
        var due: [Due] = []
        for try await (clientID, districtID, closed) in rows.decode((UUID, String, String).self) {
            due.append(Due(clientID: clientID, districtID: districtID, lastClosedOn: closed))
        }
        return due
    }

    /// Erases each of `due` at `time` (a request and its confirmation each); answers how many.
    public func erase(_ due: [Due], at time: Date) async throws -> Int {
        let rule = "system:retention-rule"
        for person in due {
            let request = Erasure.Request(
                id: UUID(),
                districtID: person.districtID,
                clientID: person.clientID,
                reason: "retention: \(years) years after the last case was closed (\(person.lastClosedOn))",
                requestedBy: "system:retention",
                requestedAt: time
            )
            _ = try await erasures.request(request, metadata: EventMetadata(actor: "system:retention"))
            _ = try await erasures.confirm(
                request.id,
                districtID: person.districtID,
                by: rule,
                at: time,
                metadata: EventMetadata(actor: rule)
            )
        }
        return due.count
    }
}
