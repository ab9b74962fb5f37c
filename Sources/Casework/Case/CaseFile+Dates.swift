public import Foundation

/// The plausibility of a case's dates: what a command states happened on a day must fit the
/// calendar (not in the future, not before the programme) and the case (not before it was
/// opened, counselling not after the period ended, a closure not before its last fact, a
/// reopening not before its closure, an extension not before the period started). Each refusal
/// names the field and the date it conflicts with.
extension CaseFile {
    /// The earliest day a case can have been opened: older dates are typing errors (the
    /// integration management of Baden-Württemberg began in 2017; files taken over from older
    /// tools go back a few years further).
    public static let earliestOpening = CalendarDate(year: 2000, month: 1, day: 1)!
    /// How many days after today a stated day may be (the caller's and the server's calendars
    /// may differ by a time zone).
    public static let futureToleranceDays = 1

    /// Refuses `command` if a day it states lies after `today` (beyond
    /// ``futureToleranceDays``) or, for an opening, before ``earliestOpening``. The clock is
    /// the caller's: `today` comes in, nothing here reads the time.
    public static func plausible(_ command: Command, today: CalendarDate) throws(Rejection) {
        guard let (field, day) = command.statedDay else { return }
        let latest = today.adding(days: futureToleranceDays)
        guard day <= latest else { throw .invalid(field: field, reason: "must not be after today (\(today))") }
        if case .open = command, day < earliestOpening {
            throw .invalid(field: field, reason: "must not be before \(earliestOpening)")
        }
    }

    /// Refuses `command` on the open or closed case `record` if a day it states comes before
    /// what the case already holds.
    static func checkDates(_ command: Command, _ record: Record) throws(Rejection) {
        if case .open = command { return }  // answered as "already open"
        guard let (field, day) = command.statedDay else { return }
        switch command {
        case .giveConsent, .startFollowUpHousing, .correct(_, .periodStart, _):
            // Facts of the person that may be older than the case: follow-up housing (and with
            // it the counselling period) often began before the client first came, and a consent
            // may have been given to the organisation that handed the file over. They are held to
            // the programme's years only.
            guard day >= earliestOpening else { throw .invalid(field: field, reason: "must not be before \(earliestOpening)") }
            return
        default:
            break
        }
        guard day >= record.openedOn else {
            throw .invalid(field: field, reason: "must not be before the case was opened (\(record.openedOn))")
        }
        switch command {
        case .logConsultation, .agreeGoal, .reviseGoal, .recordAssessment, .reviewPlan, .recordPlanAgreement,
            .correct(_, .consultationHeldOn, _), .correct(_, .goalAgreedOn, _):
            // Counselling ends with the period; after it, only an extension (decided before),
            // status changes of goals, observations, consents and the closure are recorded.
            if let end = record.periodEnd, day > end {
                throw .invalid(field: field, reason: "must not be after the counselling period ended (\(end)); extend it first")
            }
        case .extendPeriod:
            if let start = record.periodStart, day < start {
                throw .invalid(field: field, reason: "must not be before the period started (\(start))")
            }
        case .close:
            if let last = record.lastFactOn, day < last, !record.isClosed {
                throw .invalid(field: field, reason: "must not be before the last recorded fact (\(last))")
            }
        case .reopen:
            if let closure = record.closure, day < closure.closedOn {
                throw .invalid(field: field, reason: "must not be before the closure (\(closure.closedOn))")
            }
        default:
            break
        }
    }
}

extension CaseFile.Command {
    /// The day the command says something happened, with the field that states it (as the
    /// API names it).
    var statedDay: (field: String, day: CalendarDate)? {
        switch self {
        case .open(let opening): ("opened_on", opening.openedOn)
        case .assign(_, let on): ("assigned_on", on)
        case .transfer(let transfer): ("transferred_on", transfer.on)
        case .startFollowUpHousing(let on, _): ("started_on", on)
        case .extendPeriod(_, _, _, let on): ("decided_on", on)
        case .recordAssessment(let assessment, _, _): ("held_on", assessment.heldOn)
        case .agreeGoal(let agreement), .reviseGoal(let agreement): ("agreed_on", agreement.agreedOn)
        case .changeGoalStatus(_, _, _, let on): ("changed_on", on)
        case .reviewPlan(let on, _): ("reviewed_on", on)
        case .recordPlanAgreement(let on, _): ("agreed_on", on)
        case .logConsultation(let log): ("held_on", log.heldOn)
        case .recordReferralOutcome(_, _, _, let on): ("recorded_on", on)
        case .recordObservation(let observation): ("observed_on", observation.observedOn)
        case .giveConsent(let consent): ("given_at", CalendarDate(consent.givenAt))
        case .withdrawConsent(_, let at): ("withdrawn_at", CalendarDate(at))
        case .handOff, .acknowledgeHandoff: nil  // the server's time
        case .close(_, _, let on): ("closed_on", on)
        case .reopen(_, let on): ("reopened_on", on)
        case .correct(_, let correction, _):
            switch correction {
            case .periodStart(let day), .consultationHeldOn(_, let day), .goalAgreedOn(_, let day): ("day", day)
            case .observation(_, _, let day): ("day", day)
            case .observationWithdrawn: nil
            }
        }
    }
}

extension CaseFile.Event {
    /// The day of the counselling fact the event records, which a closure must not precede.
    /// Consents are the client's declarations, not facts of the counselling: they are given
    /// and withdrawn at any time, also after closure, and do not count.
    var day: CalendarDate? {
        switch self {
        case .opened(let opened): opened.openedOn
        case .assigned(let assigned): assigned.on
        case .transferred(let transferred): transferred.on
        case .followUpHousingStarted(let started): started.on
        case .periodExtended(let extended): extended.on
        case .assessmentRecorded(let recorded): recorded.assessment.heldOn
        case .goalAgreed(let agreed): agreed.goal.statusChangedOn
        case .goalRevised: nil
        case .goalStatusChanged(let changed): changed.on
        case .planReviewed(let reviewed): reviewed.on
        case .planAgreed(let agreement): agreement.agreedOn
        case .consultationLogged(let logged): logged.heldOn
        case .referralOutcomeRecorded(let recorded): recorded.on
        case .observationRecorded(let observation): observation.observedOn
        case .consentGiven, .consentWithdrawn, .handedOff, .handoffAcknowledged: nil
        case .closed(let closed): closed.closedOn
        case .reopened(let reopened): reopened.on
        case .corrected(let corrected): corrected.fact == .periodStart ? nil : corrected.day
        }
    }
}
