/// How a cohort's situation developed: the people whose counselling started in a period, and
/// for one measure (an observation field) the distribution of their latest answer at 0, 6, 12,
/// 24 and 36 months after their start, with the kinds of no answer apart. A point counts only
/// the people for whom it has been reached by the cut-off day. What Lörrach's tool could not
/// show: not a snapshot, the course.
public struct Trajectory: Sendable, Equatable, Codable {
    /// One point of the course.
    public struct Point: Sendable, Equatable, Codable {
        /// Months after the start.
        public var months: Int
        /// People for whom the point has been reached; `nil` where withheld.
        public var people: Int?
        /// The distribution, as in a key-figure breakdown.
        public var rows: [KeyFigureReport.Row]
    }

    /// The points the course is read at, in months after the start.
    public static let months = [0, 6, 12, 24, 36]

    /// The definition's version.
    public var definition: String
    /// The observation field.
    public var measure: String
    /// The first day a start may lie on.
    public var cohortFrom: CalendarDate
    /// The last day a start may lie on.
    public var cohortTo: CalendarDate
    /// The cut-off day: points after it are not reached yet.
    public var asOf: CalendarDate
    /// The people in the cohort; `nil` where withheld.
    public var cohort: Int?
    /// The points, in order.
    public var points: [Point]

    /// The course of `measure` for a cohort of `cohort` people: per point, how many reached it
    /// and their latest answers then.
    public init(
        measure: ObservationField,
        cohortFrom: CalendarDate,
        cohortTo: CalendarDate,
        asOf: CalendarDate,
        cohort: Int,
        points: [(months: Int, people: Int, answers: [KeyFigureCounts.Answers])],
        definition: ReportDefinition
    ) {
        self.definition = definition.version
        self.measure = measure.rawValue
        self.cohortFrom = cohortFrom
        self.cohortTo = cohortTo
        self.asOf = asOf
        self.cohort = cohort
        self.points = points.map { point in
            Point(
                months: point.months,
                people: point.people,
                rows: KeyFigureReport.answerRows(measure, point.answers, people: point.people, definition: definition)
            )
        }
    }

    /// The course with every count from 1 to `threshold - 1` withheld.
    public func suppressed(below threshold: Int) -> Trajectory {
        var course = self
        if let cohort, cohort > 0 && cohort < threshold { course.cohort = nil }
        for index in course.points.indices {
            if let people = course.points[index].people, people > 0 && people < threshold { course.points[index].people = nil }
            course.points[index].rows = KeyFigureReport.suppressed(course.points[index].rows, below: threshold)
        }
        return course
    }
}
