public import Foundation

extension CaseFile {
    /// What may be asked of a case. Time and new ids come in the command.
    public enum Command: Sendable, Equatable {
        /// Opens the case.
        case open(Opening)
        /// Assigns it to another case worker.
        case assign(assigneeID: UUID, on: CalendarDate)
        /// Hands the open case over to a case worker of another team or organisation of the
        /// district, with a note and the documents that travel with it.
        case transfer(Transfer)
        /// Records the start of follow-up housing, which starts the counselling period, for a
        /// client of `targetGroup` (now: only those who live in follow-up housing have one).
        case startFollowUpHousing(on: CalendarDate, targetGroup: TargetGroup)
        /// Extends the period by `months` for `reason`.
        case extendPeriod(months: Int, reason: ExtensionReason, text: String?, on: CalendarDate)
        /// Records an assessment interview.
        case recordAssessment(Assessment, resources: String?, needNotes: [NeedNote])
        /// Agrees a goal of the integration plan.
        case agreeGoal(GoalAgreement)
        /// Revises a goal that has not ended: its area, text, steps and dates (`agreedOn` is the
        /// day of the revision); its status stays.
        case reviseGoal(GoalAgreement)
        /// Moves a goal on; a goal that ends (other than achieved) needs a reason.
        case changeGoalStatus(goalID: UUID, status: GoalStatus, reason: String?, on: CalendarDate)
        /// Records a review of the plan.
        case reviewPlan(on: CalendarDate, summary: String)
        /// Records the client's agreement to the plan.
        case recordPlanAgreement(on: CalendarDate, form: ConsentForm)
        /// Logs a consultation.
        case logConsultation(ConsultationLog)
        /// Records what came of a referral.
        case recordReferralOutcome(referralID: UUID, outcome: ReferralOutcome, text: String?, on: CalendarDate)
        /// Records an observation of soft data.
        case recordObservation(Observation)
        /// Records a consent.
        case giveConsent(Consent)
        /// Withdraws a consent from `at` on.
        case withdrawConsent(consentID: UUID, at: Date)
        /// Hands labour-market data to the Jobcenter under a consent.
        case handOff(Handoff)
        /// The Jobcenter `organisationID` acknowledges receipt of a hand-off.
        case acknowledgeHandoff(handoffID: UUID, organisationID: UUID, at: Date)
        /// Closes the case with exactly one catalogue reason (`nil`: none given); `other` needs a text.
        case close(reason: ClosureReason?, text: String?, on: CalendarDate)
        /// Reopens a closed case.
        case reopen(reason: String, on: CalendarDate)
        /// Corrects a fact recorded earlier, for `reason`; the original stays in the log.
        case correct(id: UUID, Correction, reason: String?)
    }

    /// What a correction changes: a day or an observation that was recorded wrongly.
    public enum Correction: Sendable, Equatable {
        /// The start of follow-up housing (and with it the counselling period) was another day.
        case periodStart(CalendarDate)
        /// The consultation was held on another day.
        case consultationHeldOn(consultationID: UUID, CalendarDate)
        /// The goal was agreed on another day.
        case goalAgreedOn(goalID: UUID, CalendarDate)
        /// The observation holds another value, or for another day.
        case observation(observationID: UUID, value: ObservationValue, observedOn: CalendarDate)
        /// The observation should never have been recorded.
        case observationWithdrawn(observationID: UUID)
    }

    /// How a case is opened.
    public struct Opening: Sendable, Equatable {
        /// The case's id.
        public var caseID: UUID
        /// The client.
        public var clientID: UUID
        /// The district.
        public var districtID: String
        /// The case worker.
        public var assigneeID: UUID
        /// Hand-over or direct intake.
        public var kind: CaseOpening
        /// The day.
        public var openedOn: CalendarDate
        /// The hand-over note (personal).
        public var handoverNote: String?
        /// The previous social worker in preliminary accommodation (personal).
        public var previousSocialWorker: String?
        /// The documents that travel with the person (personal).
        public var documents: [String]

        /// An opening.
        public init(
            caseID: UUID,
            clientID: UUID,
            districtID: String,
            assigneeID: UUID,
            kind: CaseOpening,
            openedOn: CalendarDate,
            handoverNote: String? = nil,
            previousSocialWorker: String? = nil,
            documents: [String] = []
        ) {
            self.caseID = caseID
            self.clientID = clientID
            self.districtID = districtID
            self.assigneeID = assigneeID
            self.kind = kind
            self.openedOn = openedOn
            self.handoverNote = handoverNote
            self.previousSocialWorker = previousSocialWorker
            self.documents = documents
        }
    }

    /// A hand-over of an open case to a case worker of another team or organisation.
    public struct Transfer: Sendable, Equatable {
        /// The hand-over's id.
        public var id: UUID
        /// The receiving case worker.
        public var toAssigneeID: UUID
        /// The giving assignee's organisation, as it is on the day.
        public var fromOrganisationID: UUID?
        /// The receiving case worker's organisation.
        public var toOrganisationID: UUID?
        /// The day of the hand-over.
        public var on: CalendarDate
        /// The hand-over note (personal).
        public var note: String?
        /// The documents handed over with the file (personal).
        public var documents: [String]

        /// A hand-over.
        public init(
            id: UUID,
            toAssigneeID: UUID,
            fromOrganisationID: UUID?,
            toOrganisationID: UUID?,
            on: CalendarDate,
            note: String?,
            documents: [String]
        ) {
            self.id = id
            self.toAssigneeID = toAssigneeID
            self.fromOrganisationID = fromOrganisationID
            self.toOrganisationID = toOrganisationID
            self.on = on
            self.note = note
            self.documents = documents
        }
    }

    /// A goal to agree.
    public struct GoalAgreement: Sendable, Equatable {
        /// The goal's id.
        public var goalID: UUID
        /// Its area.
        public var area: LifeArea
        /// What is to be reached (personal).
        public var text: String
        /// The steps, each with its text (personal).
        public var steps: [(step: Step, text: String)]
        /// When it should be reached.
        public var dueOn: CalendarDate?
        /// When to look at it again.
        public var reviewOn: CalendarDate?
        /// The day it is agreed.
        public var agreedOn: CalendarDate

        /// A goal agreement.
        public init(
            goalID: UUID,
            area: LifeArea,
            text: String,
            steps: [(step: Step, text: String)],
            dueOn: CalendarDate?,
            reviewOn: CalendarDate?,
            agreedOn: CalendarDate
        ) {
            self.goalID = goalID
            self.area = area
            self.text = text
            self.steps = steps
            self.dueOn = dueOn
            self.reviewOn = reviewOn
            self.agreedOn = agreedOn
        }

        /// Equal when every field is.
        public static func == (lhs: GoalAgreement, rhs: GoalAgreement) -> Bool {
            lhs.goalID == rhs.goalID && lhs.area == rhs.area && lhs.text == rhs.text && lhs.dueOn == rhs.dueOn
                && lhs.reviewOn == rhs.reviewOn && lhs.agreedOn == rhs.agreedOn
                && lhs.steps.map(\.step) == rhs.steps.map(\.step) && lhs.steps.map(\.text) == rhs.steps.map(\.text)
        }
    }

    /// A consultation to log.
    public struct ConsultationLog: Sendable, Equatable {
        /// The consultation's id.
        public var consultationID: UUID
        /// The day.
        public var heldOn: CalendarDate
        /// How long, in minutes (1–1440).
        public var durationMinutes: Int
        /// Where.
        public var place: ConsultationPlace
        /// The language spoken.
        public var language: String?
        /// Whether an interpreter took part.
        public var interpreter: Bool
        /// The topics by area.
        public var topics: [LifeArea]
        /// Referrals made, each with a new id.
        public var referrals: [Referral]
        /// The note (personal).
        public var note: String?

        /// A consultation.
        public init(
            consultationID: UUID,
            heldOn: CalendarDate,
            durationMinutes: Int,
            place: ConsultationPlace,
            language: String?,
            interpreter: Bool,
            topics: [LifeArea],
            referrals: [Referral],
            note: String?
        ) {
            self.consultationID = consultationID
            self.heldOn = heldOn
            self.durationMinutes = durationMinutes
            self.place = place
            self.language = language
            self.interpreter = interpreter
            self.topics = topics
            self.referrals = referrals
            self.note = note
        }
    }

    /// A referral to a partner.
    public struct Referral: Codable, Sendable, Equatable {
        /// Its id, for recording the outcome later.
        public var id: UUID
        /// To whom.
        public var target: ReferralTarget

        /// A referral.
        public init(id: UUID, target: ReferralTarget) {
            self.id = id
            self.target = target
        }
    }

    /// Why a command on a case was refused.
    public enum Rejection: Error, Equatable, Sendable {
        /// The case exists already.
        case alreadyOpen
        /// There is no such case.
        case notFound
        /// The case is closed: nothing but consent withdrawals and reopening.
        case closed
        /// The case is open (for reopening).
        case notClosed
        /// The counselling period has started already.
        case periodAlreadyStarted
        /// The counselling period has not started yet.
        case periodNotStarted
        /// Extensions may add at most a year in total; `remainingMonths` are left.
        case extensionLimitExceeded(remainingMonths: Int)
        /// There is no such goal.
        case unknownGoal
        /// The goal has ended and cannot change.
        case goalEnded
        /// The plan has no goal yet.
        case planEmpty
        /// There is no such referral, or its outcome is recorded.
        case unknownReferral
        /// There is no such consent.
        case unknownConsent
        /// The consent rules refuse the hand-off, for the reason named.
        case handoffRefused(HandoffRefusal)
        /// There is no such hand-off to the asking Jobcenter.
        case unknownHandoff
        /// A closure needs exactly one reason from the catalogue.
        case closureReasonRequired
        /// An id is used already.
        case duplicateID
        /// A correction names no item of its kind in this case.
        case unknownItem
        /// A value breaks a rule; `field` is its snake_case name.
        case invalid(field: String, reason: String)
    }
}
