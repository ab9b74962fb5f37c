public import Casework
import EventStore
public import Foundation
public import Logging
public import PostgresNIO

/// Counts the facts of ``KeyFiguresProjection`` for one scope, period, cut-off and recording
/// time, in one read-only snapshot: the counts a ``ReportDefinition`` turns into a
/// ``KeyFigureReport``. A fact counts if it was recorded by `knownAt` and not superseded by
/// then; the breakdowns count the people with an open case on the cut-off day, each with the
/// latest answer per field observed by then.
public struct KeyFigures: Sendable {
    /// Whose figures: a district, or one organisation, team or staff member in it (as the
    /// holder of the case when the fact was recorded; on the cut-off day for the breakdowns).
    public enum Scope: Sendable, Equatable {
        /// The whole district.
        case district
        /// One organisation.
        case organisation(UUID)
        /// One team.
        case team(UUID)
        /// One staff member's caseload.
        case staffMember(UUID)
    }

    /// What a report asks.
    public struct Question: Sendable, Equatable {
        /// The district; `nil` for every district (the operator's view of a state-wide
        /// installation).
        public var districtID: String?
        /// Whose figures.
        public var scope: Scope
        /// The first day of the period.
        public var from: CalendarDate
        /// The last day of the period.
        public var to: CalendarDate
        /// The cut-off day of the breakdowns.
        public var asOf: CalendarDate
        /// The recording time to reproduce; `nil` for everything recorded so far.
        public var knownAt: Date?

        /// The period a report covers unless it names one: from `from`, else 1 January of the
        /// cut-off's year, to `to`, else the cut-off day.
        public static func period(
            asOf: CalendarDate,
            from: CalendarDate?,
            to: CalendarDate?
        ) -> (from: CalendarDate, to: CalendarDate) {
            (from ?? CalendarDate(year: asOf.year, month: 1, day: 1) ?? asOf, to ?? asOf)
        }

        /// A question.
        public init(districtID: String?, scope: Scope, from: CalendarDate, to: CalendarDate, asOf: CalendarDate, knownAt: Date?) {
            self.districtID = districtID
            self.scope = scope
            self.from = from
            self.to = to
            self.asOf = asOf
            self.knownAt = knownAt
        }
    }

    /// What the log answers.
    public struct Answer: Sendable {
        /// The counts.
        public var counts: KeyFigureCounts
        /// The recording time the counts reproduce, a whole second (facts recorded before its
        /// end count): the one asked, or the latest second no transaction still running can
        /// record a fact in.
        public var knownAt: Date
        /// Facts recorded after `knownAt` (or corrections made after it) that concern the
        /// period or the cut-off: asking again with a later `known_at` would count them.
        public var laterFacts: Int
    }

    /// The pool.
    public let client: PostgresClient
    let logger: Logger

    /// Key figures over `client`.
    public init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    /// Counts for `question`, in one snapshot (writing only a temporary table of the people in
    /// counselling, emptied at commit).
    public func count(_ question: Question) async throws -> Answer {
        try await client.withGuardedConnection { connection in
            // The horizon before the snapshot: whoever was still writing then is older than
            // it, whoever committed before is in the snapshot.
            let horizon = try await horizon(on: connection)
            try await connection.query("BEGIN ISOLATION LEVEL REPEATABLE READ", logger: logger)
            do {
                let answer = try await count(question, horizon: horizon, on: connection)
                try await connection.query("COMMIT", logger: logger)
                return answer
            } catch {
                _ = try? await connection.query("ROLLBACK", logger: logger)
                throw error
            }
        }
    }

    private func count(_ question: Question, horizon: Date, on connection: PostgresConnection) async throws -> Answer {
        // Recording times are answered to the whole second, so `known_at` T means "recorded
        // before T + 1 s" (`end`); the end never lies after the horizon.
        let end = min(question.knownAt.map { Self.wholeSecond($0).addingTimeInterval(1) } ?? horizon, horizon)
        let knownAt = end.addingTimeInterval(-1)
        let (column, holder) = Self.scopeColumn(question.scope)
        var values: [String: any PostgresEncodable & Sendable] = [
            "end": end, "from": question.from.description,
            "to": question.to.description, "as_of": question.asOf.description,
        ]
        values["holder"] = holder
        if let district = question.districtID {
            values["districts"] = [district]
        } else {
            values["districts"] = try await districts(on: connection)
        }
        // A fact's place in the months of the period (their totals) or at its edges (the days').
        let (fullFrom, fullTo) = Self.wholeMonths(from: question.from, to: question.to)
        values["full_from"] = fullFrom.description
        values["full_to"] = fullTo.description
        let sql = Statements(connection: connection, logger: logger, values: values)
        // Built only from constant fragments. Every index leads with the district: each of
        // the districts is a range of it.
        func district(_ table: String) -> String { "\(table).district_id = ANY(:districts)" }
        func inScope(_ table: String) -> String { holder == nil ? "TRUE" : "\(table).\(column) = :holder" }
        // The facts visible at `known_at`: recorded by then, not superseded by then.
        let visible = """
            SELECT * FROM report_facts f
            WHERE \(district("f")) AND f.recorded_at < :end AND (f.superseded_at IS NULL OR f.superseded_at >= :end)
            """
        // The period's facts: the running totals of its whole months and of the days at its
        // edges (three index ranges), less what was recorded after `known_at`, plus what was superseded after it.
        let flow = "f.effective_on BETWEEN :from::date AND :to::date AND f.kind NOT IN ('observation', 'case_assigned')"
        var facts: [KeyFigureCounts.Facts] = []
        let flows = try await sql.query(
            """
            SELECT kind, coalesce(key, ''), coalesce(value, ''), sum(facts)::int8, sum(amount)::int8 FROM (
                SELECT f.kind, f.key, f.value, f.facts, f.amount FROM report_fact_totals f
                WHERE \(district("f")) AND f.month AND f.effective_on >= :full_from::date AND f.effective_on < :full_to::date
                  AND \(inScope("f"))
                UNION ALL
                SELECT f.kind, f.key, f.value, f.facts, f.amount FROM report_fact_totals f
                WHERE \(district("f")) AND NOT f.month AND f.effective_on >= :from::date AND f.effective_on < :full_from::date
                  AND f.effective_on <= :to::date AND \(inScope("f"))
                UNION ALL
                SELECT f.kind, f.key, f.value, f.facts, f.amount FROM report_fact_totals f
                WHERE \(district("f")) AND NOT f.month AND f.effective_on >= greatest(:full_to::date, :from::date)
                  AND f.effective_on <= :to::date AND \(inScope("f"))
                UNION ALL
                SELECT f.kind, f.key, f.value, -1, -coalesce(f.amount, 0) FROM report_facts f
                WHERE \(district("f")) AND f.recorded_at >= :end AND f.superseded_at IS NULL AND \(flow) AND \(inScope("f"))
                UNION ALL
                SELECT f.kind, f.key, f.value, 1, coalesce(f.amount, 0) FROM report_facts f
                WHERE \(district("f")) AND f.superseded_at >= :end AND f.recorded_at < :end AND \(flow) AND \(inScope("f"))
            ) t
            GROUP BY 1, 2, 3 HAVING sum(facts) <> 0
            """
        )
        for try await (kind, key, value, count, amount) in flows.decode((String, String, String, Int64, Int64).self) {
            guard let kind = FactKind(rawValue: kind) else { continue }
            facts.append(.init(kind: kind, key: key, value: value, count: Int(count), amount: Int(amount)))
        }
        // One probe per person (an index on person, kind and day), not a distinct count over
        // every consultation.
        let counselled = try await sql.number(
            """
            SELECT count(*)::int8 FROM (SELECT DISTINCT client_id FROM report_people p WHERE \(district("p"))) p
            WHERE EXISTS (
                SELECT 1 FROM report_facts f
                WHERE f.client_id = p.client_id AND f.kind = 'consultation' AND f.effective_on BETWEEN :from::date AND :to::date
                  AND \(district("f")) AND f.recorded_at < :end AND (f.superseded_at IS NULL OR f.superseded_at >= :end)
                  AND \(inScope("f"))
            )
            """
        )

        // The people with an open case on the cut-off day whose case the scope held that day.
        try await sql.query(
            "CREATE TEMPORARY TABLE IF NOT EXISTS report_in_counselling (client_id uuid PRIMARY KEY) ON COMMIT DELETE ROWS"
        )
        try await sql.query(
            """
            INSERT INTO report_in_counselling
            SELECT DISTINCT s.client_id FROM (
                SELECT DISTINCT ON (case_id) case_id, client_id, kind FROM (\(visible)) f
                WHERE kind IN ('case_opened', 'case_closed', 'case_reopened') AND effective_on <= :as_of::date
                ORDER BY case_id, effective_on DESC, position DESC, ordinal DESC
            ) s JOIN (
                SELECT DISTINCT ON (case_id) case_id, staff_id, team_id, organisation_id FROM (\(visible)) f
                WHERE kind IN ('case_opened', 'case_assigned') AND effective_on <= :as_of::date
                ORDER BY case_id, effective_on DESC, position DESC, ordinal DESC
            ) h USING (case_id)
            WHERE s.kind <> 'case_closed' AND \(inScope("h"))
            """
        )
        let inCounselling = try await sql.number("SELECT count(*)::int8 FROM report_in_counselling")
        var answers: [KeyFigureCounts.Answers] = []
        let latest = try await sql.query(
            """
            SELECT key, answer, coalesce(value, ''), count(*)::int8 FROM (
                SELECT DISTINCT ON (f.client_id, f.key) f.key, f.answer, f.value FROM (\(visible)) f
                JOIN report_in_counselling p USING (client_id)
                WHERE f.kind = 'observation' AND f.effective_on <= :as_of::date
                ORDER BY f.client_id, f.key, f.effective_on DESC, f.position DESC, f.ordinal DESC
            ) latest
            GROUP BY 1, 2, 3
            """
        )
        for try await (field, answer, code, count) in latest.decode((String, String, String, Int64).self) {
            let value: ObservationValue =
                switch answer {
                case "declined": .declined
                case "not_asked": .notAsked
                case "unknown": .unknown
                default: .value(code)
                }
            answers.append(.init(field: field, answer: value, count: Int(count)))
        }
        var profiles: [KeyFigureCounts.Profiles] = []
        let versions = try await sql.query(
            """
            SELECT v.target_group, v.gender, v.year_of_birth, v.citizenship, v.citizenship_status, count(*)::int8
            FROM report_in_counselling p LEFT JOIN LATERAL (
                SELECT * FROM report_people v WHERE v.client_id = p.client_id AND v.recorded_at < :end
                ORDER BY v.position DESC LIMIT 1
            ) v ON TRUE
            GROUP BY 1, 2, 3, 4, 5
            """
        )
        // A person whose base data the log does not know (yet) counts as never recorded.
        for try await (group, gender, year, citizenship, status, count) in versions.decode(
            (String?, String?, Int32?, String?, String?, Int64).self
        ) {
            profiles.append(
                .init(
                    targetGroup: group,
                    gender: gender,
                    yearOfBirth: year.map(Int.init),
                    citizenship: citizenship,
                    citizenshipStatus: status,
                    count: Int(count)
                )
            )
        }
        // Recorded after, or recorded before and superseded after: two index ranges.
        let later = try await sql.number(
            """
            SELECT (SELECT count(*) FROM report_facts f
                    WHERE \(district("f")) AND f.recorded_at >= :end
                      AND f.effective_on <= greatest(:to::date, :as_of::date) AND \(inScope("f")))
                 + (SELECT count(*) FROM report_facts f
                    WHERE \(district("f")) AND f.superseded_at >= :end AND f.recorded_at < :end
                      AND f.effective_on <= greatest(:to::date, :as_of::date) AND \(inScope("f")))
            """
        )
        return Answer(
            counts: KeyFigureCounts(
                facts: facts,
                peopleCounselled: counselled,
                peopleInCounselling: inCounselling,
                answers: answers,
                profiles: profiles
            ),
            knownAt: knownAt,
            laterFacts: later
        )
    }

    /// The end of the recording times a report can reproduce forever: the last whole second
    /// before every transaction still running (which may yet record facts with an earlier
    /// recording time, its start) and before now.
    func horizon(on connection: PostgresConnection) async throws -> Date {
        let rows = try await connection.query(
            """
            SELECT date_trunc('second', least(now(), (SELECT min(xact_start) FROM pg_stat_activity
                                                      WHERE datname = current_database() AND pid <> pg_backend_pid()
                                                        AND xact_start IS NOT NULL)))
            """,
            logger: logger
        )
        var horizon = Self.wholeSecond(Date())
        for try await (time, ) in rows.decode((Date,).self) { horizon = time }
        return horizon
    }

    /// Every district that has facts, one index descent each.
    func districts(on connection: PostgresConnection) async throws -> [String] {
        let rows = try await connection.query(
            """
            WITH RECURSIVE d AS (
                (SELECT district_id FROM report_facts ORDER BY district_id LIMIT 1)
                UNION ALL
                SELECT (SELECT f.district_id FROM report_facts f WHERE f.district_id > d.district_id ORDER BY f.district_id LIMIT 1)
                FROM d WHERE d.district_id IS NOT NULL
            )
            SELECT district_id FROM d WHERE district_id IS NOT NULL
            """,
            logger: logger
        )
        var districts: [String] = []
        for try await (district, ) in rows.decode((String,).self) { districts.append(district) }
        return districts
    }

    /// The whole months in `from`...`to`: the first day of the first and the day after the
    /// last (the same day when there is none).
    static func wholeMonths(from: CalendarDate, to: CalendarDate) -> (CalendarDate, CalendarDate) {
        let first = from.day == 1 ? from : (CalendarDate(year: from.year, month: from.month, day: 1) ?? from).adding(months: 1)
        let after = to.adding(days: 1)
        let end = after.day == 1 ? after : CalendarDate(year: to.year, month: to.month, day: 1) ?? after
        return (first, max(first, end))
    }

    /// `date` without its fraction of a second.
    static func wholeSecond(_ date: Date) -> Date {
        Date(timeIntervalSince1970: date.timeIntervalSince1970.rounded(.down))
    }

    /// The column of `report_facts` a scope filters on, and its value (`nil` for the district).
    static func scopeColumn(_ scope: Scope) -> (String, UUID?) {
        switch scope {
        case .district: ("staff_id", nil)
        case .organisation(let id): ("organisation_id", id)
        case .team(let id): ("team_id", id)
        case .staffMember(let id): ("staff_id", id)
        }
    }
}

/// Statements with named values (`:district`), each bound as a parameter: the SQL text is
/// built only from constant fragments, the values never enter it.
struct Statements {
    let connection: PostgresConnection
    let logger: Logger
    let values: [String: any PostgresEncodable & Sendable]

    /// Runs `sql`, binding each `:name` it uses.
    @discardableResult
    func query(_ sql: String) async throws -> PostgresRowSequence {
        var text = ""
        var bindings = PostgresBindings()
        var numbers: [String: Int] = [:]
        var rest = Substring(sql)
        while let colon = rest.firstIndex(of: ":") {
            text += rest[..<colon]
            let after = rest.index(after: colon)
            // `::type` is a cast, not a name.
            if after < rest.endIndex, rest[after] == ":" {
                text += "::"
                rest = rest[rest.index(after: after)...]
                continue
            }
            let name = rest[after...].prefix { $0.isLetter || $0 == "_" }
            guard let value = values[String(name)] else {
                text += ":"
                rest = rest[after...]
                continue
            }
            if numbers[String(name)] == nil {
                try bindings.append(value)
                numbers[String(name)] = numbers.count + 1
            }
            text += "$\(numbers[String(name)] ?? 0)"
            rest = rest[name.endIndex...]
        }
        text += rest
        return try await connection.query(PostgresQuery(unsafeSQL: text, binds: bindings), logger: logger)
    }

    /// The one number `sql` answers.
    func number(_ sql: String) async throws -> Int {
        var number = 0
        for try await (value, ) in try await query(sql).decode((Int64,).self) { number = Int(value) }
        return number
    }
}
