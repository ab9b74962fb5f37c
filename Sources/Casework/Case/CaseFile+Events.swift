public import Foundation

extension CaseFile {
    /// What happened in a case. Free text is in each payload's `personal` part.
    public enum Event: Sendable, Equatable {
        /// Stored as `case.opened`.
        case opened(Opened)
        /// Stored as `case.assigned`.
        case assigned(Assigned)
        /// Stored as `case.transferred`: handed to another team or organisation.
        case transferred(Transferred)
        /// Stored as `case.follow_up_housing_started`.
        case followUpHousingStarted(Dated)
        /// Stored as `case.period_extended`.
        case periodExtended(PeriodExtended)
        /// Stored as `case.assessment_recorded`.
        case assessmentRecorded(AssessmentRecorded)
        /// Stored as `case.goal_agreed`.
        case goalAgreed(GoalAgreed)
        /// Stored as `case.goal_revised`: the whole revised goal.
        case goalRevised(GoalAgreed)
        /// Stored as `case.goal_status_changed`.
        case goalStatusChanged(GoalStatusChanged)
        /// Stored as `case.plan_reviewed`.
        case planReviewed(PlanReviewed)
        /// Stored as `case.plan_agreed`.
        case planAgreed(PlanAgreement)
        /// Stored as `case.consultation_logged`.
        case consultationLogged(ConsultationLogged)
        /// Stored as `case.referral_outcome_recorded`.
        case referralOutcomeRecorded(ReferralOutcomeRecorded)
        /// Stored as `case.observation_recorded`.
        case observationRecorded(Observation)
        /// Stored as `case.consent_given`.
        case consentGiven(Consent)
        /// Stored as `case.consent_withdrawn`.
        case consentWithdrawn(ConsentWithdrawn)
        /// Stored as `case.handed_off`: labour-market data handed to the Jobcenter.
        case handedOff(HandedOff)
        /// Stored as `case.handoff_acknowledged`: the Jobcenter confirmed receipt.
        case handoffAcknowledged(HandoffAcknowledged)
        /// Stored as `case.closed`.
        case closed(Closed)
        /// Stored as `case.reopened`.
        case reopened(Reopened)
        /// Stored as `case.corrected`: a fact recorded earlier, corrected.
        case corrected(Corrected)
    }

    /// Which fact a correction corrects.
    public enum CorrectedFact: String, Codable, Sendable {
        /// The start of the counselling period.
        case periodStart = "period_start"
        /// The day a consultation was held.
        case consultationHeldOn = "consultation_held_on"
        /// The day a goal was agreed.
        case goalAgreedOn = "goal_agreed_on"
        /// An observation's value and day.
        case observation
        /// An observation, withdrawn as wrongly recorded.
        case observationWithdrawn = "observation_withdrawn"
    }

    /// The payload of ``Event/corrected(_:)``: the fact before and after.
    public struct Corrected: Codable, Sendable, Equatable {
        /// The correction's id.
        public var id: UUID
        /// Which fact.
        public var fact: CorrectedFact
        /// The consultation, goal or observation (none for the period start).
        public var itemID: UUID?
        /// The corrected day (none for a withdrawal).
        public var day: CalendarDate?
        /// The corrected observation value.
        public var value: ObservationValue?
        /// The day recorded before.
        public var previousDay: CalendarDate?
        /// The observation value recorded before.
        public var previousValue: ObservationValue?
        /// Why.
        public var personal: Text?
    }

    /// Free text of one event: encrypted under the client's key, `nil` once erased.
    public struct Text: Codable, Sendable, Equatable {
        /// The text.
        public var text: String
    }

    /// The payload of ``Event/opened(_:)``.
    public struct Opened: Codable, Sendable, Equatable {
        /// The case's id.
        public var id: UUID
        /// The client.
        public var clientID: UUID
        /// The district.
        public var districtID: String
        /// The case worker.
        public var assigneeID: UUID
        /// How it began.
        public var opening: CaseOpening
        /// The day.
        public var openedOn: CalendarDate
        /// The hand-over's free text.
        public var personal: Handover?
    }

    /// The personal part of a hand-over.
    public struct Handover: Codable, Sendable, Equatable {
        /// The hand-over note.
        public var note: String?
        /// The previous social worker.
        public var previousSocialWorker: String?
        /// The documents that travel with the person.
        public var documents: [String]
    }

    /// The payload of ``Event/assigned(_:)``.
    public struct Assigned: Codable, Sendable, Equatable {
        /// The new case worker.
        public var assigneeID: UUID
        /// The day.
        public var on: CalendarDate
    }

    /// The payload of ``Event/transferred(_:)``.
    public struct Transferred: Codable, Sendable, Equatable {
        /// The hand-over's id.
        public var id: UUID
        /// The case worker who held the case.
        public var fromAssigneeID: UUID
        /// The case worker who holds it now.
        public var toAssigneeID: UUID
        /// The organisation that held it (as the giving worker's was on the day).
        public var fromOrganisationID: UUID?
        /// The organisation that holds it now.
        public var toOrganisationID: UUID?
        /// The day.
        public var on: CalendarDate
        /// The note and the documents handed over.
        public var personal: Handover?
    }

    /// A payload that is only a day.
    public struct Dated: Codable, Sendable, Equatable {
        /// The day.
        public var on: CalendarDate
    }

    /// The payload of ``Event/periodExtended(_:)``.
    public struct PeriodExtended: Codable, Sendable, Equatable {
        /// By how many months.
        public var months: Int
        /// The day of the decision.
        public var on: CalendarDate
        /// Why, by code (`nil` in events stored before reasons were codes: their reason is the text).
        public var reason: ExtensionReason? = nil
        /// The reason in words: required for `other`, else optional.
        public var personal: Text?
    }

    /// The payload of ``Event/assessmentRecorded(_:)``.
    public struct AssessmentRecorded: Codable, Sendable, Equatable {
        /// The assessment.
        public var assessment: Assessment
        /// Its free text.
        public var personal: AssessmentNotes?
    }

    /// The personal part of an assessment.
    public struct AssessmentNotes: Codable, Sendable, Equatable {
        /// The client's resources.
        public var resources: String?
        /// A note per area of need.
        public var needs: [NeedNote]
    }

    /// A note on the need in one area.
    public struct NeedNote: Codable, Sendable, Equatable {
        /// The area.
        public var area: LifeArea
        /// The note.
        public var note: String

        /// A note on a need.
        public init(area: LifeArea, note: String) {
            self.area = area
            self.note = note
        }
    }

    /// The payload of ``Event/goalAgreed(_:)`` and ``Event/goalRevised(_:)``.
    public struct GoalAgreed: Codable, Sendable, Equatable {
        /// The goal.
        public var goal: Goal
        /// Its texts.
        public var personal: GoalTexts?
    }

    /// The personal part of a goal: its text and its steps' texts, in step order.
    public struct GoalTexts: Codable, Sendable, Equatable {
        /// What is to be reached.
        public var text: String
        /// The steps' texts.
        public var steps: [String]
    }

    /// The payload of ``Event/goalStatusChanged(_:)``.
    public struct GoalStatusChanged: Codable, Sendable, Equatable {
        /// The goal.
        public var goalID: UUID
        /// The new status.
        public var status: GoalStatus
        /// The day.
        public var on: CalendarDate
        /// The reason, where it ends.
        public var personal: Text?
    }

    /// The payload of ``Event/planReviewed(_:)``.
    public struct PlanReviewed: Codable, Sendable, Equatable {
        /// The day.
        public var on: CalendarDate
        /// The summary.
        public var personal: Text?
    }

    /// The payload of ``Event/consultationLogged(_:)``.
    public struct ConsultationLogged: Codable, Sendable, Equatable {
        /// The consultation's id.
        public var id: UUID
        /// The day.
        public var heldOn: CalendarDate
        /// Minutes.
        public var durationMinutes: Int
        /// Where.
        public var place: ConsultationPlace
        /// The language spoken.
        public var language: String?
        /// Whether an interpreter took part.
        public var interpreter: Bool
        /// Topics.
        public var topics: [LifeArea]
        /// Referrals.
        public var referrals: [Referral]
        /// The note.
        public var personal: Text?
    }

    /// The payload of ``Event/referralOutcomeRecorded(_:)``.
    public struct ReferralOutcomeRecorded: Codable, Sendable, Equatable {
        /// The referral.
        public var referralID: UUID
        /// The day.
        public var on: CalendarDate
        /// What came of it, by code (`nil` in events stored before outcomes were codes: their
        /// outcome is the text).
        public var outcome: ReferralOutcome? = nil
        /// What came of it, in words: required for `other`, else optional.
        public var personal: Text?
    }

    /// The payload of ``Event/consentWithdrawn(_:)``.
    public struct ConsentWithdrawn: Codable, Sendable, Equatable {
        /// The consent.
        public var consentID: UUID
        /// From when.
        public var withdrawnAt: Date
    }

    /// The payload of ``Event/closed(_:)``.
    public struct Closed: Codable, Sendable, Equatable {
        /// The catalogue reason.
        public var reason: ClosureReason
        /// The day.
        public var closedOn: CalendarDate
        /// The text (required for `other`).
        public var personal: Text?
    }

    /// The payload of ``Event/reopened(_:)``.
    public struct Reopened: Codable, Sendable, Equatable {
        /// The day.
        public var on: CalendarDate
        /// Why.
        public var personal: Text?
    }
}

extension CaseFile.Event: DomainEvent {
    /// The stable stored type name.
    public var typeName: String {
        switch self {
        case .opened: "case.opened"
        case .assigned: "case.assigned"
        case .transferred: "case.transferred"
        case .followUpHousingStarted: "case.follow_up_housing_started"
        case .periodExtended: "case.period_extended"
        case .assessmentRecorded: "case.assessment_recorded"
        case .goalAgreed: "case.goal_agreed"
        case .goalRevised: "case.goal_revised"
        case .goalStatusChanged: "case.goal_status_changed"
        case .planReviewed: "case.plan_reviewed"
        case .planAgreed: "case.plan_agreed"
        case .consultationLogged: "case.consultation_logged"
        case .referralOutcomeRecorded: "case.referral_outcome_recorded"
        case .observationRecorded: "case.observation_recorded"
        case .consentGiven: "case.consent_given"
        case .consentWithdrawn: "case.consent_withdrawn"
        case .handedOff: "case.handed_off"
        case .handoffAcknowledged: "case.handoff_acknowledged"
        case .closed: "case.closed"
        case .reopened: "case.reopened"
        case .corrected: "case.corrected"
        }
    }

    /// The payload as JSON.
    public func payload() throws -> Data {
        switch self {
        case .opened(let payload): try EventCoding.encode(payload)
        case .assigned(let payload): try EventCoding.encode(payload)
        case .transferred(let payload): try EventCoding.encode(payload)
        case .followUpHousingStarted(let payload): try EventCoding.encode(payload)
        case .periodExtended(let payload): try EventCoding.encode(payload)
        case .assessmentRecorded(let payload): try EventCoding.encode(payload)
        case .goalAgreed(let payload): try EventCoding.encode(payload)
        case .goalRevised(let payload): try EventCoding.encode(payload)
        case .goalStatusChanged(let payload): try EventCoding.encode(payload)
        case .planReviewed(let payload): try EventCoding.encode(payload)
        case .planAgreed(let payload): try EventCoding.encode(payload)
        case .consultationLogged(let payload): try EventCoding.encode(payload)
        case .referralOutcomeRecorded(let payload): try EventCoding.encode(payload)
        case .observationRecorded(let payload): try EventCoding.encode(payload)
        case .consentGiven(let payload): try EventCoding.encode(payload)
        case .consentWithdrawn(let payload): try EventCoding.encode(payload)
        case .handedOff(let payload): try EventCoding.encode(payload)
        case .handoffAcknowledged(let payload): try EventCoding.encode(payload)
        case .closed(let payload): try EventCoding.encode(payload)
        case .reopened(let payload): try EventCoding.encode(payload)
        case .corrected(let payload): try EventCoding.encode(payload)
        }
    }

    /// The event stored as `typeName` with `payload`.
    public init(typeName: String, payload: Data) throws {
        switch typeName {
        case "case.opened": self = .opened(try EventCoding.decode(payload))
        case "case.assigned": self = .assigned(try EventCoding.decode(payload))
        case "case.transferred": self = .transferred(try EventCoding.decode(payload))
        case "case.follow_up_housing_started": self = .followUpHousingStarted(try EventCoding.decode(payload))
        case "case.period_extended": self = .periodExtended(try EventCoding.decode(payload))
        case "case.assessment_recorded": self = .assessmentRecorded(try EventCoding.decode(payload))
        case "case.goal_agreed": self = .goalAgreed(try EventCoding.decode(payload))
        case "case.goal_revised": self = .goalRevised(try EventCoding.decode(payload))
        case "case.goal_status_changed": self = .goalStatusChanged(try EventCoding.decode(payload))
        case "case.plan_reviewed": self = .planReviewed(try EventCoding.decode(payload))
        case "case.plan_agreed": self = .planAgreed(try EventCoding.decode(payload))
        case "case.consultation_logged": self = .consultationLogged(try EventCoding.decode(payload))
        case "case.referral_outcome_recorded": self = .referralOutcomeRecorded(try EventCoding.decode(payload))
        case "case.observation_recorded": self = .observationRecorded(try EventCoding.decode(payload))
        case "case.consent_given": self = .consentGiven(try EventCoding.decode(payload))
        case "case.consent_withdrawn": self = .consentWithdrawn(try EventCoding.decode(payload))
        case "case.handed_off": self = .handedOff(try EventCoding.decode(payload))
        case "case.handoff_acknowledged": self = .handoffAcknowledged(try EventCoding.decode(payload))
        case "case.closed": self = .closed(try EventCoding.decode(payload))
        case "case.reopened": self = .reopened(try EventCoding.decode(payload))
        case "case.corrected": self = .corrected(try EventCoding.decode(payload))
        default: throw UnknownEventType(typeName: typeName)
        }
    }
}
