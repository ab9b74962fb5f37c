/// What the log holds for one key-figure report, counted by stored code before any definition
/// groups it: the read model counts, a ``ReportDefinition`` decides what the counts mean.
public struct KeyFigureCounts: Sendable, Equatable {
    /// Facts of one kind in the period with the same codes.
    public struct Facts: Sendable, Equatable {
        /// The kind of fact (``FactKind``).
        public var kind: FactKind
        /// The code the facts are counted by (opening, reason, life area, place, target, field).
        public var key: String
        /// A second code: a goal's new status, a referral's outcome; empty where none.
        public var value: String
        /// How many.
        public var count: Int
        /// Their minutes (consultations) or months (extensions) together.
        public var amount: Int

        /// A group of facts.
        public init(kind: FactKind, key: String, value: String = "", count: Int, amount: Int = 0) {
            self.kind = kind
            self.key = key
            self.value = value
            self.count = count
            self.amount = amount
        }
    }

    /// People whose latest answer for one field is the same.
    public struct Answers: Sendable, Equatable {
        /// The observation field's code.
        public var field: String
        /// The answer, or which kind of no answer.
        public var answer: ObservationValue
        /// How many people.
        public var count: Int

        /// A group of people.
        public init(field: String, answer: ObservationValue, count: Int) {
            self.field = field
            self.answer = answer
            self.count = count
        }
    }

    /// People with the same base data.
    public struct Profiles: Sendable, Equatable {
        /// The target group's code, `nil` if the person's base data is not known.
        public var targetGroup: String?
        /// The gender's code, `nil` if never recorded.
        public var gender: String?
        /// The year of birth, `nil` if never recorded.
        public var yearOfBirth: Int?
        /// The first citizenship named, `nil` if none.
        public var citizenship: String?
        /// The citizenship status's code, `nil` if never recorded.
        public var citizenshipStatus: String?
        /// How many people.
        public var count: Int

        /// A group of people.
        public init(
            targetGroup: String?,
            gender: String?,
            yearOfBirth: Int?,
            citizenship: String?,
            citizenshipStatus: String?,
            count: Int
        ) {
            self.targetGroup = targetGroup
            self.gender = gender
            self.yearOfBirth = yearOfBirth
            self.citizenship = citizenship
            self.citizenshipStatus = citizenshipStatus
            self.count = count
        }
    }

    /// The facts whose effective day lies in the period.
    public var facts: [Facts]
    /// People with at least one consultation in the period.
    public var peopleCounselled: Int
    /// People with an open case on the cut-off day: the people the breakdowns count.
    public var peopleInCounselling: Int
    /// For those people, their latest answer per field on the cut-off day.
    public var answers: [Answers]
    /// For those people, their base data.
    public var profiles: [Profiles]

    /// Counts.
    public init(facts: [Facts], peopleCounselled: Int, peopleInCounselling: Int, answers: [Answers], profiles: [Profiles]) {
        self.facts = facts
        self.peopleCounselled = peopleCounselled
        self.peopleInCounselling = peopleInCounselling
        self.answers = answers
        self.profiles = profiles
    }
}

/// The kinds of fact the key-figure read model keeps, by stable stored name.
public enum FactKind: String, Sendable, CaseIterable {
    /// A case opened; key: how it began.
    case caseOpened = "case_opened"
    /// A case assigned or transferred; key: `assigned` or `transferred`.
    case caseAssigned = "case_assigned"
    /// A case closed; key: the reason.
    case caseClosed = "case_closed"
    /// A case reopened.
    case caseReopened = "case_reopened"
    /// The counselling period started (follow-up housing).
    case periodStarted = "period_started"
    /// The period extended; key: the reason; amount: months.
    case periodExtended = "period_extended"
    /// An assessment interview.
    case assessment
    /// The integration plan agreed.
    case planAgreed = "plan_agreed"
    /// The plan reviewed.
    case planReviewed = "plan_reviewed"
    /// A goal agreed; key: the life area.
    case goalAgreed = "goal_agreed"
    /// A goal's status changed; key: the life area; value: the new status.
    case goalStatus = "goal_status"
    /// A consultation; key: the place; amount: minutes.
    case consultation
    /// A referral made in a consultation; key: the target.
    case referral
    /// A referral's outcome; key: the target; value: the outcome.
    case referralOutcome = "referral_outcome"
    /// An observation; key: the field.
    case observation
}
