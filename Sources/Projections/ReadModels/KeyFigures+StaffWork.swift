public import Casework
import EventStore
public import Foundation
import PostgresNIO

extension KeyFigures {
    /// What one staff member did in a period, from the facts attributed to them.
    public struct StaffWork: Sendable, Equatable {
        /// The staff member (`nil` for the totals).
        public var staffID: UUID?
        /// Their organisation and team as the log last said.
        public var organisationID: UUID?
        /// Their team.
        public var teamID: UUID?
        /// Their full-time equivalent as the log last said.
        public var fullTimeEquivalent: Double
        /// Cases they recorded facts for.
        public var cases: Int
        /// People they recorded facts for.
        public var people: Int
        /// Consultations.
        public var consultations: Int
        /// Minutes of consultations.
        public var minutes: Int
    }

    /// Per staff member of `districtID` (of one organisation or team at the time, if given), the
    /// facts attributed to them with an effective day from `from` to `to`, as recorded now; and
    /// the totals (people and cases counted once, however many held them).
    public func staffWork(
        districtID: String,
        scope: Scope,
        from: CalendarDate,
        to: CalendarDate
    ) async throws -> (staff: [StaffWork], total: StaffWork) {
        let (column, holder) = Self.scopeColumn(scope)
        return try await client.withGuardedConnection { connection in
            var values: [String: any PostgresEncodable & Sendable] = [
                "district": districtID, "from": from.description, "to": to.description,
            ]
            values["holder"] = holder
            let sql = Statements(connection: connection, logger: logger, values: values)
            let rows = try await sql.query(
                """
                SELECT f.staff_id, s.organisation_id, s.team_id, coalesce(s.full_time_equivalent, 0)::float8,
                       count(DISTINCT f.case_id)::int8, count(DISTINCT f.client_id)::int8,
                       (count(*) FILTER (WHERE f.kind = 'consultation'))::int8,
                       (coalesce(sum(f.amount) FILTER (WHERE f.kind = 'consultation'), 0))::int8
                FROM report_facts f LEFT JOIN report_staff s USING (staff_id)
                WHERE f.district_id = :district AND f.superseded_at IS NULL AND f.kind <> 'case_assigned'
                  AND f.effective_on BETWEEN :from::date AND :to::date
                  AND \(holder == nil ? "TRUE" : "f.\(column) = :holder")
                GROUP BY GROUPING SETS ((f.staff_id, s.organisation_id, s.team_id, s.full_time_equivalent), ())
                ORDER BY 1 NULLS LAST
                """
            )
            var work: [StaffWork] = []
            var total = StaffWork(
                staffID: nil,
                organisationID: nil,
                teamID: nil,
                fullTimeEquivalent: 0,
                cases: 0,
                people: 0,
                consultations: 0,
                minutes: 0
            )
            for try await (staff, organisation, team, fte, cases, people, consultations, minutes) in rows.decode(
                (UUID?, UUID?, UUID?, Double?, Int64, Int64, Int64, Int64).self
            ) {
                let row = StaffWork(
                    staffID: staff,
                    organisationID: organisation,
                    teamID: team,
                    fullTimeEquivalent: fte ?? 0,
                    cases: Int(cases),
                    people: Int(people),
                    consultations: Int(consultations),
                    minutes: Int(minutes)
                )
                if staff == nil {
                    total = row
                    total.fullTimeEquivalent = work.reduce(0) { $0 + $1.fullTimeEquivalent }
                } else {
                    work.append(row)
                }
            }
            return (work, total)
        }
    }
}
