public import Casework
import EventStore
public import Foundation
import PostgresNIO

extension KeyFigures {
    /// How complete and current one group's soft data is.
    public struct Completeness: Sendable {
        /// The team (`nil` for staff without a team).
        public var teamID: UUID?
        /// The staff member (`nil` for the team's row).
        public var staffID: UUID?
        /// People with an open case held by the group today.
        public var people: Int
        /// Open cases opened more than the planning weeks ago without an agreed plan.
        public var casesWithoutPlan: Int
        /// Per observation field: people with no observation at all, people with only
        /// declined / not asked / unknown, people whose latest observation is older than 12
        /// months.
        public var fields: [(field: ObservationField, neverRecorded: Int, onlyNoAnswer: Int, stale: Int)]
    }

    /// Per team and per staff member of `districtID` (of `teamID` only, if given), the
    /// completeness of the soft data of the people whose open case they hold on `today`, as
    /// recorded now; a plan is missing from a case opened more than `planWeeks` weeks ago.
    public func completeness(
        districtID: String,
        teamID: UUID?,
        today: CalendarDate,
        planWeeks: Int
    ) async throws -> [Completeness] {
        try await client.withGuardedConnection { connection in
            var values: [String: any PostgresEncodable & Sendable] = [
                "district": districtID, "today": today.description, "stale": today.adding(months: -12).description,
                "plan_due": today.adding(days: -7 * planWeeks).description, "fields": ObservationField.allCases.map(\.rawValue),
            ]
            values["team"] = teamID
            let sql = Statements(connection: connection, logger: logger, values: values)
            let rows = try await sql.query(
                """
                WITH visible AS (
                    SELECT * FROM report_facts
                    WHERE district_id = :district AND superseded_at IS NULL AND effective_on <= :today::date
                ), open_cases AS (
                    SELECT s.case_id, s.client_id, h.staff_id, h.team_id FROM (
                        SELECT DISTINCT ON (case_id) case_id, client_id, kind FROM visible
                        WHERE kind IN ('case_opened', 'case_closed', 'case_reopened')
                        ORDER BY case_id, effective_on DESC, position DESC, ordinal DESC
                    ) s JOIN (
                        SELECT DISTINCT ON (case_id) case_id, staff_id, team_id FROM visible
                        WHERE kind IN ('case_opened', 'case_assigned')
                        ORDER BY case_id, effective_on DESC, position DESC, ordinal DESC
                    ) h USING (case_id)
                    WHERE s.kind <> 'case_closed' AND \(teamID == nil ? "TRUE" : "h.team_id = :team")
                ), people AS (
                    SELECT DISTINCT ON (client_id) client_id, staff_id, team_id FROM open_cases ORDER BY client_id, case_id
                ), answers AS (
                    SELECT client_id, key, bool_or(answer = 'value') AS answered, max(effective_on) AS latest
                    FROM visible WHERE kind = 'observation' GROUP BY client_id, key
                ), unplanned AS (
                    SELECT c.staff_id, c.team_id, count(*) AS cases FROM open_cases c
                    JOIN visible o ON o.case_id = c.case_id AND o.kind = 'case_opened' AND o.effective_on < :plan_due::date
                    WHERE NOT EXISTS (SELECT 1 FROM visible p WHERE p.case_id = c.case_id AND p.kind = 'plan_agreed')
                    GROUP BY c.team_id, c.staff_id
                )
                SELECT p.team_id, p.staff_id, f.field, count(*)::int8,
                       (count(*) FILTER (WHERE a.client_id IS NULL))::int8,
                       (count(*) FILTER (WHERE a.client_id IS NOT NULL AND NOT a.answered))::int8,
                       (count(*) FILTER (WHERE a.latest < :stale::date))::int8,
                       coalesce(max(u.cases), 0)::int8
                FROM people p CROSS JOIN unnest(:fields::text[]) AS f(field)
                LEFT JOIN answers a ON a.client_id = p.client_id AND a.key = f.field
                LEFT JOIN unplanned u ON u.team_id IS NOT DISTINCT FROM p.team_id AND u.staff_id = p.staff_id
                GROUP BY p.team_id, p.staff_id, f.field
                ORDER BY 1 NULLS LAST, 2, 3
                """
            )
            var staff: [Completeness] = []
            for try await (team, member, field, people, never, onlyNoAnswer, stale, unplanned) in rows.decode(
                (UUID?, UUID?, String, Int64, Int64, Int64, Int64, Int64).self
            ) {
                guard let field = ObservationField(rawValue: field) else { continue }
                if staff.last?.teamID != team || staff.last?.staffID != member {
                    staff.append(
                        Completeness(
                            teamID: team,
                            staffID: member,
                            people: Int(people),
                            casesWithoutPlan: Int(unplanned),
                            fields: []
                        )
                    )
                }
                staff[staff.count - 1].fields.append((field, Int(never), Int(onlyNoAnswer), Int(stale)))
            }
            // Each person counts for one staff member: a team's row is the sum of its members'.
            var groups: [Completeness] = []
            for (team, members) in Dictionary(grouping: staff, by: \.teamID).sorted(by: {
                "\($0.key?.uuidString ?? "~")" < "\($1.key?.uuidString ?? "~")"
            }) {
                var sum = Completeness(
                    teamID: team,
                    staffID: nil,
                    people: members.reduce(0) { $0 + $1.people },
                    casesWithoutPlan: members.reduce(0) { $0 + $1.casesWithoutPlan },
                    fields: []
                )
                for field in ObservationField.allCases {
                    let rows = members.compactMap { $0.fields.first { $0.field == field } }
                    sum.fields.append(
                        (
                            field, rows.reduce(0) { $0 + $1.neverRecorded }, rows.reduce(0) { $0 + $1.onlyNoAnswer },
                            rows.reduce(0) { $0 + $1.stale }
                        )
                    )
                }
                groups.append(sum)
                groups += members
            }
            return groups
        }
    }
}
