public import Casework
import EventStore
public import Foundation
public import Logging
public import PostgresNIO

/// Caseload figures, counted from the open cases of the ``Casebook`` (the `cases` table the
/// cases projection keeps): what a team lead or a coordination office reads, without names.
public struct Caseloads: Sendable {
    /// The figures of one caseload.
    public struct Figures: Sendable, Equatable {
        /// Open cases.
        public var openCases = 0
        /// Open cases opened at least the given number of weeks ago whose plan is not agreed.
        public var withoutAgreedPlan = 0
        /// Goals of open cases that have not ended and are due for review.
        public var goalsDueForReview = 0
        /// Open cases whose counselling period ends within 90 days.
        public var periodsEnding = 0
        /// Open cases whose assignee is covered by a grant in force.
        public var covered = 0
        /// Open cases with an agreed plan.
        public var plansAgreed = 0
        /// Goals of open cases by life area and status.
        public var goals: [GoalCount] = []
    }

    /// How many goals are in one area and status.
    public struct GoalCount: Sendable, Equatable {
        /// The life area.
        public var area: String
        /// The status.
        public var status: String
        /// How many.
        public var count: Int
    }

    /// The pool.
    public let client: PostgresClient
    let logger: Logger

    /// Caseloads over `client`.
    public init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    /// The figures of the open cases of `districtID` assigned to `assignees` on `today`; cases
    /// of `covered` assignees count as covered; a plan is due `planWeeks` weeks after intake.
    public func figures(
        districtID: String,
        assignees: [UUID],
        covered: [UUID],
        today: CalendarDate,
        planWeeks: Int
    ) async throws -> Figures {
        let day = today.description
        var figures = Figures()
        let counts = try await client.guardedQuery(
            """
            SELECT count(*)::int,
                   (count(*) FILTER (WHERE plan_agreed_on IS NULL AND opened_on <= \(day)::date - \(planWeeks * 7)::int))::int,
                   (count(*) FILTER (WHERE period_end BETWEEN \(day)::date AND \(day)::date + \(CaseFile.warningDays)::int))::int,
                   (count(*) FILTER (WHERE assignee_id = ANY(\(covered))))::int,
                   (count(*) FILTER (WHERE plan_agreed_on IS NOT NULL))::int
            FROM cases WHERE district_id = \(districtID) AND assignee_id = ANY(\(assignees)) AND NOT closed
            """,
            logger: logger
        )
        for try await (open, withoutPlan, ending, covered, agreed) in counts.decode((Int, Int, Int, Int, Int).self) {
            (figures.openCases, figures.withoutAgreedPlan, figures.periodsEnding, figures.covered, figures.plansAgreed) =
                (open, withoutPlan, ending, covered, agreed)
        }
        let goals = try await client.guardedQuery(
            """
            SELECT goal ->> 'area', goal ->> 'status', count(*)::int,
                   (count(*) FILTER (WHERE goal ->> 'status' IN ('agreed', 'in_progress')
                                     AND (goal ->> 'review_on')::date <= \(day)::date))::int
            FROM cases, jsonb_array_elements(state -> 'goals') AS goal
            WHERE district_id = \(districtID) AND assignee_id = ANY(\(assignees)) AND NOT closed
            GROUP BY 1, 2 ORDER BY 1, 2
            """,
            logger: logger
        )
        for try await (area, status, count, due) in goals.decode((String, String, Int, Int).self) {
            figures.goals.append(GoalCount(area: area, status: status, count: count))
            figures.goalsDueForReview += due
        }
        return figures
    }
}
