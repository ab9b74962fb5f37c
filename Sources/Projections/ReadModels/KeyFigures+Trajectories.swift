public import Casework
import EventStore
public import Foundation
import PostgresNIO

extension KeyFigures {
    /// What the log answers for a course.
    public struct Course: Sendable {
        /// The people whose counselling started in the period.
        public var cohort: Int
        /// Per point: months after the start, the people who reached it by the cut-off day,
        /// their latest answers then.
        public var points: [(months: Int, people: Int, answers: [KeyFigureCounts.Answers])]
        /// The recording time reproduced (a whole second).
        public var knownAt: Date
    }

    /// The course of `field` for the people of `districtID` whose first case opened from
    /// `from` to `to` (held in `scope` when it opened), read at ``Trajectory/months`` after that
    /// day up to `asOf`, from their observations across all their cases, as known at `knownAt`.
    public func course(
        districtID: String,
        scope: Scope,
        field: ObservationField,
        from: CalendarDate,
        to: CalendarDate,
        asOf: CalendarDate,
        knownAt: Date?
    ) async throws -> Course {
        try await client.withGuardedConnection { connection in
            try await connection.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", logger: logger)
            do {
                let horizon = try await horizon(on: connection)
                let end = min(knownAt.map { Self.wholeSecond($0).addingTimeInterval(1) } ?? horizon, horizon)
                let (column, holder) = Self.scopeColumn(scope)
                var values: [String: any PostgresEncodable & Sendable] = [
                    "district": districtID, "end": end, "from": from.description, "to": to.description,
                    "as_of": asOf.description, "field": field.rawValue, "months": Trajectory.months.map(Int32.init),
                ]
                values["holder"] = holder
                let sql = Statements(connection: connection, logger: logger, values: values)
                let visible = "recorded_at < :end AND (superseded_at IS NULL OR superseded_at >= :end)"
                // Each person's first opening (the start), kept if it lies in the period and in scope.
                let starts = """
                    SELECT DISTINCT ON (client_id) client_id, effective_on AS started, \(column) AS holder
                    FROM report_facts
                    WHERE district_id = :district AND kind = 'case_opened' AND \(visible)
                    ORDER BY client_id, effective_on, position
                    """
                let cohortFilter =
                    "s.started BETWEEN :from::date AND :to::date" + (holder == nil ? "" : " AND s.holder = :holder")
                let cohort = try await sql.number("SELECT count(*)::int8 FROM (\(starts)) s WHERE \(cohortFilter)")
                var reached: [Int: Int] = [:]
                var answers: [Int: [KeyFigureCounts.Answers]] = [:]
                let rows = try await sql.query(
                    """
                    SELECT p.months, coalesce(o.answer, ''), coalesce(o.value, ''), count(*)::int8
                    FROM (\(starts)) s
                    CROSS JOIN unnest(:months::int[]) AS p(months)
                    LEFT JOIN LATERAL (
                        SELECT f.answer, f.value FROM report_facts f
                        WHERE f.client_id = s.client_id AND f.kind = 'observation' AND f.key = :field
                          AND f.effective_on <= (s.started + make_interval(months => p.months))::date
                          AND f.recorded_at < :end AND (f.superseded_at IS NULL OR f.superseded_at >= :end)
                        ORDER BY f.effective_on DESC, f.position DESC, f.ordinal DESC
                        LIMIT 1
                    ) o ON TRUE
                    WHERE \(cohortFilter) AND (s.started + make_interval(months => p.months))::date <= :as_of::date
                    GROUP BY 1, 2, 3
                    """
                )
                for try await (months, answer, code, count) in rows.decode((Int32, String, String, Int64).self) {
                    let months = Int(months)
                    reached[months, default: 0] += Int(count)
                    let value: ObservationValue? =
                        switch answer {
                        case "": nil
                        case "declined": .declined
                        case "not_asked": .notAsked
                        case "unknown": .unknown
                        default: .value(code)
                        }
                    if let value {
                        answers[months, default: []].append(.init(field: field.rawValue, answer: value, count: Int(count)))
                    }
                }
                try await connection.query("COMMIT", logger: logger)
                return Course(
                    cohort: cohort,
                    points: Trajectory.months.map { ($0, reached[$0] ?? 0, answers[$0] ?? []) },
                    knownAt: end.addingTimeInterval(-1)
                )
            } catch {
                _ = try? await connection.query("ROLLBACK", logger: logger)
                throw error
            }
        }
    }
}
