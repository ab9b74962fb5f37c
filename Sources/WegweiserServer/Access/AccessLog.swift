import Casework
import Foundation
import Logging
import PostgresNIO

/// The access log: every read of personal data, append-only (the database refuses updates and
/// deletes). Handlers that return personal data call ``record(_:persons:resource:)`` before
/// they answer; if the entry cannot be written, the data is not returned.
struct AccessLog: Sendable {
    /// One entry.
    struct Entry: Sendable {
        /// Its place in the log.
        var position: Int64
        /// When the data was read.
        var accessedAt: Date
        /// Who read it.
        var staffMemberID: UUID
        /// Their role.
        var role: String
        /// Their organisation.
        var organisationID: UUID
        /// Whose data, e.g. `staff_member:<id>`.
        var person: String
        /// Method and path.
        var resource: String
        /// Why.
        var purpose: String
        /// The request.
        var requestID: String?
    }

    /// The pool.
    let client: PostgresClient
    let logger: Logger

    /// Records that `principal` read the data of `persons` of `district` (the district the
    /// data belongs to, whose auditors see the entry) through `resource`.
    func record(_ principal: Principal, persons: [String], district: String, resource: String) async throws {
        guard !persons.isEmpty else { return }
        try await client.query(
            """
            INSERT INTO access_log (district_id, staff_member_id, subject, role, organisation_id, person, resource, purpose, request_id)
            SELECT \(district), \(principal.staffID), \(principal.subject), \(principal.role.rawValue),
                   \(principal.organisationID), person, \(resource), \(AccessPolicy.purpose(of: principal.role)), \(RequestID.current)
            FROM unnest(\(persons)::text[]) AS person
            """,
            logger: logger
        )
    }

    /// Records that `principal` read personal data of `staffMembers` (their record, or a
    /// substitution grant about their absence), each under their district; reading one's own
    /// data is not logged.
    func record(_ principal: Principal, staffMembers: [(id: UUID, district: String)], resource: String) async throws {
        let others = staffMembers.filter { $0.id != principal.staffID }
        for (district, members) in Dictionary(grouping: others, by: \.district) {
            let persons = Set(members.map { "staff_member:\($0.id.apiString)" }).sorted()
            try await record(principal, persons: persons, district: district, resource: resource)
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
        let rows = try await client.query(
            """
            SELECT position, accessed_at, staff_member_id, role, organisation_id, person, resource, purpose, request_id
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
        for try await row in rows.decode((Int64, Date, UUID, String, UUID, String, String, String, String?).self) {
            entries.append(
                Entry(
                    position: row.0,
                    accessedAt: row.1,
                    staffMemberID: row.2,
                    role: row.3,
                    organisationID: row.4,
                    person: row.5,
                    resource: row.6,
                    purpose: row.7,
                    requestID: row.8
                )
            )
        }
        return entries
    }
}
