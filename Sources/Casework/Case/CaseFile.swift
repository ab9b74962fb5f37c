public import Foundation

/// A client's case: opened by hand-over or direct intake, assigned to a case worker, with the
/// counselling period, assessment, integration plan, consultations, observations, consents and
/// closure. The whole history is its event stream.
///
/// Free text (notes, reasons, goal texts) travels in each event's `personal` part, which the
/// server encrypts under the client's key; after the client is erased it reads as `nil`.
public enum CaseFile {
    /// The length of the counselling period before extensions.
    public static let periodMonths = 36
    /// The most all extensions together may add.
    public static let maximumExtensionMonths = 12
    /// How many days before the period ends the case warns.
    public static let warningDays = 90

    /// A case as folded from its events.
    public struct Record: Codable, Sendable, Equatable {
        /// The case's id.
        public var id: UUID
        /// The client.
        public var clientID: UUID
        /// The district.
        public var districtID: String
        /// The case worker it is assigned to.
        public var assigneeID: UUID
        /// How it began.
        public var opening: CaseOpening
        /// The day it began.
        public var openedOn: CalendarDate
        /// The start of follow-up housing, which starts the counselling period.
        public var periodStart: CalendarDate?
        /// The extensions of the period, in months.
        public var extensionMonths: [Int] = []
        /// The latest assessment interview.
        public var assessment: Assessment?
        /// The goals of the integration plan, in the order they were agreed.
        public var goals: [Goal] = []
        /// When the plan was last reviewed.
        public var lastReviewOn: CalendarDate?
        /// When and how the client agreed to the plan.
        public var planAgreement: PlanAgreement?
        /// How many consultations were logged.
        public var consultationCount = 0
        /// The day each consultation was held, by id in lower case (a JSON object, so the
        /// stored state does not depend on a dictionary's order; `nil` in states stored before
        /// it was kept, until `wegweiser rebuild cases`).
        public var consultationDays: [String: CalendarDate]? = nil

        /// The day the consultation `id` was held, if the case knows it.
        public func consultationDay(_ id: UUID) -> CalendarDate? {
            consultationDays?[id.uuidString.lowercased()]
        }
        /// Referrals by id, with whether their outcome is recorded.
        public var referrals = ReferralLedger()
        /// Every observation, in the order recorded.
        public var observations: [Observation] = []
        /// Every consent, in the order given.
        public var consents: [Consent] = []
        /// The hand-offs to the Jobcenter, in the order made (`nil` in states stored before
        /// hand-offs existed: none).
        public var handoffs: [HandoffReceipt]? = nil
        /// The closure, while the case is closed.
        public var closure: Closure?
        /// The latest day any of its facts happened on (`nil` in states stored before it was kept).
        public var lastFactOn: CalendarDate?

        /// Whether the case is closed.
        public var isClosed: Bool { closure != nil }

        /// The last day of the counselling period, once it has started.
        public var periodEnd: CalendarDate? {
            periodStart.map { $0.adding(months: CaseFile.periodMonths + extensionMonths.reduce(0, +)).adding(days: -1) }
        }

        /// Whether the period ends within ``CaseFile/warningDays`` days after `day` (or has ended).
        public func periodWarning(on day: CalendarDate) -> Bool {
            guard let end = periodEnd else { return false }
            return day.days(until: end) <= CaseFile.warningDays
        }

        /// The current value of `field`: the latest observation by day (the later recorded on a
        /// tie), or `nil` if none was ever recorded.
        public func current(_ field: ObservationField) -> Observation? {
            observations.enumerated().filter { $0.element.field == field }
                .max { ($0.element.observedOn, $0.offset) < ($1.element.observedOn, $1.offset) }?.element
        }

        /// The consents in force at `time` for `purpose`.
        public func consents(for purpose: ConsentPurpose, at time: Date) -> [Consent] {
            consents.filter { $0.purpose == purpose && $0.isValid(at: time) }
        }
    }

    /// An assessment interview (Sondierung / Clearing).
    public struct Assessment: Codable, Sendable, Equatable {
        /// The day it was held.
        public var heldOn: CalendarDate
        /// The areas with needs.
        public var needs: [LifeArea]
        /// The agreed priorities.
        public var priorities: [LifeArea]

        /// An assessment.
        public init(heldOn: CalendarDate, needs: [LifeArea], priorities: [LifeArea]) {
            self.heldOn = heldOn
            self.needs = needs
            self.priorities = priorities
        }
    }

    /// A goal of the integration plan.
    public struct Goal: Codable, Sendable, Equatable {
        /// Its id.
        public var id: UUID
        /// Its area.
        public var area: LifeArea
        /// Where it stands.
        public var status: GoalStatus
        /// The agreed steps: who does them and by when.
        public var steps: [Step]
        /// When it should be reached.
        public var dueOn: CalendarDate?
        /// When it is to be looked at again.
        public var reviewOn: CalendarDate?
        /// The day of its last status change.
        public var statusChangedOn: CalendarDate
        /// The day it was agreed, or last revised (`nil` in events stored before it was kept).
        public var agreedOn: CalendarDate? = nil
    }

    /// An agreed step of a goal; its text is personal.
    public struct Step: Codable, Sendable, Equatable {
        /// Who does it.
        public var owner: StepOwner
        /// By when.
        public var dueOn: CalendarDate?

        /// A step.
        public init(owner: StepOwner, dueOn: CalendarDate?) {
            self.owner = owner
            self.dueOn = dueOn
        }
    }

    /// The client's agreement to the plan.
    public struct PlanAgreement: Codable, Sendable, Equatable {
        /// The day.
        public var agreedOn: CalendarDate
        /// How.
        public var form: ConsentForm
    }

    /// A consent for one purpose.
    public struct Consent: Codable, Sendable, Equatable {
        /// Its id.
        public var id: UUID
        /// What it covers.
        public var purpose: ConsentPurpose
        /// The data categories it covers: codes of ``ConsentCategory`` (stored as text; consents
        /// recorded before the list may hold other words).
        public var categories: [String]
        /// Who receives the data, for sharing and hand-off, as the signed form names them.
        public var recipient: String?
        /// The organisation of the district that receives the data, for a Jobcenter hand-off:
        /// hand-offs go only to it (`nil` in consents that name their recipient in words only).
        public var recipientOrganisationID: UUID? = nil
        /// When it was given.
        public var givenAt: Date
        /// How.
        public var form: ConsentForm
        /// Until when it holds, if limited.
        public var validUntil: Date?
        /// When it was withdrawn.
        public var withdrawnAt: Date?

        /// A consent.
        public init(
            id: UUID,
            purpose: ConsentPurpose,
            categories: [String],
            recipient: String?,
            givenAt: Date,
            form: ConsentForm,
            validUntil: Date?,
            withdrawnAt: Date?,
            recipientOrganisationID: UUID? = nil
        ) {
            self.id = id
            self.recipientOrganisationID = recipientOrganisationID
            self.purpose = purpose
            self.categories = categories
            self.recipient = recipient
            self.givenAt = givenAt
            self.form = form
            self.validUntil = validUntil
            self.withdrawnAt = withdrawnAt
        }

        /// Whether it covers processing at `time`: given, not expired, not withdrawn.
        public func isValid(at time: Date) -> Bool {
            givenAt <= time && validUntil.map { time < $0 } != false && withdrawnAt.map { time < $0 } != false
        }
    }

    /// How a case was closed.
    public struct Closure: Codable, Sendable, Equatable {
        /// The one catalogue reason.
        public var reason: ClosureReason
        /// The day.
        public var closedOn: CalendarDate
    }
}

extension CaseFile.Record {
    /// The goals that have not ended.
    public var openGoals: [CaseFile.Goal] { goals.filter { !$0.status.isFinal } }

    /// The earliest review date among the goals that have not ended.
    public var nextReviewOn: CalendarDate? { openGoals.compactMap(\.reviewOn).min() }

    /// What is due next in an open case: the earliest goal review or the end of the counselling
    /// period, whichever comes first (`nil` when neither is set, or the case is closed). A
    /// caseload sorted by it shows what needs attention first.
    public var nextDueOn: CalendarDate? {
        isClosed ? nil : [nextReviewOn, periodEnd].compactMap { $0 }.min()
    }
}

/// The referrals of a case by id, with whether their outcome is recorded. Stored as a JSON
/// object keyed by id, so a stored state does not depend on a dictionary's order (a live write
/// and a rebuild store the same); states stored before as a list of ids and flags still read.
public struct ReferralLedger: Codable, Sendable, Equatable {
    private var entries: [UUID: Bool] = [:]

    /// No referrals.
    public init() {}

    /// Whether the outcome of referral `id` is recorded; `nil` for no such referral.
    public subscript(id: UUID) -> Bool? {
        get { entries[id] }
        set { entries[id] = newValue }
    }

    /// Reads the object form, or the list form of states stored before.
    public init(from decoder: any Decoder) throws {
        if let object = try? decoder.singleValueContainer().decode([String: Bool].self) {
            for (key, flag) in object {
                guard let id = UUID(uuidString: key) else {
                    throw DecodingError.dataCorrupted(
                        .init(codingPath: decoder.codingPath, debugDescription: "not a referral id: \(key)")
                    )
                }
                entries[id] = flag
            }
            return
        }
        var list = try decoder.unkeyedContainer()
        while !list.isAtEnd {
            let id = try list.decode(UUID.self)
            entries[id] = try list.decode(Bool.self)
        }
    }

    /// Writes the object form.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(Dictionary(uniqueKeysWithValues: entries.map { ($0.key.uuidString.lowercased(), $0.value) }))
    }
}
