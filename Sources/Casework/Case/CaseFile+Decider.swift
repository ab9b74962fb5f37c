import Foundation

extension CaseFile: Decider {
    /// The case, or `nil` before it is opened.
    public typealias State = Record?

    /// Not opened yet.
    public static let initialState: State = nil

    /// The events that answer `command`.
    public static func decide(_ command: Command, _ state: State) throws(Rejection) -> [Event] {
        guard let record = state else {
            guard case .open(let opening) = command else { throw .notFound }
            return [.opened(try opened(opening))]
        }
        try checkDates(command, record)
        switch command {
        case .open:
            throw .alreadyOpen
        case .withdrawConsent(let consentID, let at):
            // A withdrawal is the client's right, also after closure; sent again, it records nothing.
            guard let consent = record.consents.first(where: { $0.id == consentID }) else { throw .unknownConsent }
            guard consent.withdrawnAt == nil else { return [] }
            return [.consentWithdrawn(ConsentWithdrawn(consentID: consentID, withdrawnAt: max(at, consent.givenAt)))]
        case .acknowledgeHandoff(let handoffID, let organisationID, let at):
            // Receipt is the Jobcenter's to confirm, also after closure.
            return try acknowledge(handoffID: handoffID, by: organisationID, at: at, record)
        case .close(let reason, _, let on) where record.closure.map({ $0.reason == reason && $0.closedOn == on }) == true:
            return []  // the same closure again records nothing
        case .reopen(let reason, let on):
            guard record.isClosed else { throw .notClosed }
            return [.reopened(Reopened(on: on, personal: Text(text: try required(reason, field: "reason"))))]
        default:
            guard !record.isClosed else { throw .closed }
            return try decideOnOpenCase(command, record)
        }
    }

    private static func decideOnOpenCase(_ command: Command, _ record: Record) throws(Rejection) -> [Event] {
        switch command {
        case .open, .withdrawConsent, .reopen, .acknowledgeHandoff:
            throw .alreadyOpen  // answered in decide(_:_:)
        case .handOff(let handoff):
            return try handOff(handoff, record)
        case .assign(let assigneeID, let on):
            return assigneeID == record.assigneeID ? [] : [.assigned(Assigned(assigneeID: assigneeID, on: on))]
        case .transfer(let transfer):
            guard transfer.toAssigneeID != record.assigneeID else {
                throw .invalid(field: "to_assignee_id", reason: "holds the case already")
            }
            let handover = Handover(
                note: transfer.note.flatMap(optionalText),
                previousSocialWorker: nil,
                documents: transfer.documents.compactMap(optionalText)
            )
            return [
                .transferred(
                    Transferred(
                        id: transfer.id,
                        fromAssigneeID: record.assigneeID,
                        toAssigneeID: transfer.toAssigneeID,
                        fromOrganisationID: transfer.fromOrganisationID,
                        toOrganisationID: transfer.toOrganisationID,
                        on: transfer.on,
                        personal: handover
                    )
                )
            ]
        case .startFollowUpHousing(let on, let targetGroup):
            guard targetGroup.livesInFollowUpHousing else {
                throw .invalid(
                    field: "started_on",
                    reason: "has no meaning for the target group \(targetGroup.rawValue): it never lives in follow-up housing, "
                        + "so its cases have no counselling period"
                )
            }
            guard record.periodStart != on else { return [] }
            guard record.periodStart == nil else { throw .periodAlreadyStarted }
            return [.followUpHousingStarted(Dated(on: on))]
        case .extendPeriod(let months, let reason, let text, let on):
            guard record.periodStart != nil else { throw .periodNotStarted }
            guard months >= 1 else { throw .invalid(field: "months", reason: "must be at least 1") }
            let remaining = maximumExtensionMonths - record.extensionMonths.reduce(0, +)
            guard months <= remaining else { throw .extensionLimitExceeded(remainingMonths: remaining) }
            let personal =
                try reason == .other ? Text(text: required(text, field: "text")) : text.flatMap(optionalText).map(Text.init)
            return [.periodExtended(PeriodExtended(months: months, on: on, reason: reason, personal: personal))]
        case .recordAssessment(let assessment, let resources, let needNotes):
            guard Set(needNotes.map(\.area)).isSubset(of: Set(assessment.needs)) else {
                throw .invalid(field: "needs", reason: "a note names an area without a need")
            }
            let notes = AssessmentNotes(resources: resources.flatMap(optionalText), needs: needNotes)
            return [.assessmentRecorded(AssessmentRecorded(assessment: assessment, personal: notes))]
        case .agreeGoal(let agreement):
            guard !record.goals.contains(where: { $0.id == agreement.goalID }) else { throw .duplicateID }
            return [.goalAgreed(try goalAgreed(agreement, status: .agreed, statusChangedOn: agreement.agreedOn))]
        case .reviseGoal(let revision):
            guard let goal = record.goals.first(where: { $0.id == revision.goalID }) else { throw .unknownGoal }
            guard !goal.status.isFinal else { throw .goalEnded }
            return [.goalRevised(try goalAgreed(revision, status: goal.status, statusChangedOn: goal.statusChangedOn))]
        case .changeGoalStatus(let goalID, let status, let reason, let on):
            guard let goal = record.goals.first(where: { $0.id == goalID }) else { throw .unknownGoal }
            guard !goal.status.isFinal else { throw .goalEnded }
            guard status != goal.status else { return [] }
            guard status != .agreed else { throw .invalid(field: "status", reason: "a goal cannot go back to agreed") }
            let needsReason = status.isFinal && status != .achieved
            let text =
                try needsReason ? Text(text: required(reason, field: "reason")) : reason.flatMap(optionalText).map(Text.init)
            return [.goalStatusChanged(GoalStatusChanged(goalID: goalID, status: status, on: on, personal: text))]
        case .reviewPlan(let on, let summary):
            guard !record.goals.isEmpty else { throw .planEmpty }
            return [.planReviewed(PlanReviewed(on: on, personal: Text(text: try required(summary, field: "summary"))))]
        case .recordPlanAgreement(let on, let form):
            guard !record.goals.isEmpty else { throw .planEmpty }
            guard record.planAgreement != PlanAgreement(agreedOn: on, form: form) else { return [] }
            return [.planAgreed(PlanAgreement(agreedOn: on, form: form))]
        case .logConsultation(let log):
            guard (1...1440).contains(log.durationMinutes) else {
                throw .invalid(field: "duration_minutes", reason: "must be 1 to 1440")
            }
            let ids = log.referrals.map(\.id)
            guard Set(ids).count == ids.count, ids.allSatisfy({ record.referrals[$0] == nil }) else { throw .duplicateID }
            return [
                .consultationLogged(
                    ConsultationLogged(
                        id: log.consultationID,
                        heldOn: log.heldOn,
                        durationMinutes: log.durationMinutes,
                        place: log.place,
                        language: log.language.flatMap(optionalText),
                        interpreter: log.interpreter,
                        topics: log.topics,
                        referrals: log.referrals,
                        personal: log.note.flatMap(optionalText).map(Text.init)
                    )
                )
            ]
        case .recordReferralOutcome(let referralID, let outcome, let text, let on):
            guard record.referrals[referralID] == false else { throw .unknownReferral }
            let personal =
                try outcome == .other ? Text(text: required(text, field: "text")) : text.flatMap(optionalText).map(Text.init)
            return [
                .referralOutcomeRecorded(
                    ReferralOutcomeRecorded(referralID: referralID, on: on, outcome: outcome, personal: personal)
                )
            ]
        case .recordObservation(let observation):
            guard !record.observations.contains(where: { $0.id == observation.id }) else { throw .duplicateID }
            if case .value(let code) = observation.value, !observation.field.codes.contains(code) {
                throw .invalid(field: "value", reason: "\(code) is not a code of \(observation.field.rawValue)")
            }
            return [.observationRecorded(observation)]
        case .giveConsent(var consent):
            guard !record.consents.contains(where: { $0.id == consent.id }) else { throw .duplicateID }
            guard consent.withdrawnAt == nil else {
                throw .invalid(field: "withdrawn_at", reason: "a new consent is not withdrawn")
            }
            if let until = consent.validUntil, until <= consent.givenAt {
                throw .invalid(field: "valid_until", reason: "must be after given_at")
            }
            consent.recipient = consent.recipient.flatMap(optionalText)
            if consent.purpose != .dataCollection, consent.recipient == nil {
                throw .invalid(field: "recipient", reason: "a hand-off or sharing consent names its recipient")
            }
            guard !consent.categories.isEmpty else { throw .invalid(field: "categories", reason: "name at least one category") }
            for (index, category) in consent.categories.enumerated() where ConsentCategory(rawValue: category) == nil {
                throw .invalid(field: "categories/\(index)", reason: "\(category) is not a code of consent_category")
            }
            return [.consentGiven(consent)]
        case .close(let reason, let text, let on):
            guard let reason else { throw .closureReasonRequired }
            let personal =
                try reason == .other ? Text(text: required(text, field: "text")) : text.flatMap(optionalText).map(Text.init)
            return [.closed(Closed(reason: reason, closedOn: on, personal: personal))]
        case .correct(let id, let correction, let reason):
            let text = Text(text: try required(reason, field: "reason"))
            return [.corrected(try corrected(id, correction, reason: text, record))]
        }
    }

    private static func goalAgreed(
        _ agreement: GoalAgreement,
        status: GoalStatus,
        statusChangedOn: CalendarDate
    ) throws(Rejection) -> GoalAgreed {
        let goal = Goal(
            id: agreement.goalID,
            area: agreement.area,
            status: status,
            steps: agreement.steps.map(\.step),
            dueOn: agreement.dueOn,
            reviewOn: agreement.reviewOn,
            statusChangedOn: statusChangedOn,
            agreedOn: agreement.agreedOn
        )
        var stepTexts: [String] = []
        for (index, step) in agreement.steps.enumerated() {
            stepTexts.append(try required(step.text, field: "steps/\(index)/text"))
        }
        return GoalAgreed(goal: goal, personal: GoalTexts(text: try required(agreement.text, field: "text"), steps: stepTexts))
    }

    private static func opened(_ opening: Opening) throws(Rejection) -> Opened {
        let handover = Handover(
            note: opening.handoverNote.flatMap(optionalText),
            previousSocialWorker: opening.previousSocialWorker.flatMap(optionalText),
            documents: opening.documents.compactMap(optionalText)
        )
        if opening.kind == .directIntake, handover != Handover(note: nil, previousSocialWorker: nil, documents: []) {
            throw .invalid(field: "handover", reason: "only a hand-over carries a hand-over note and documents")
        }
        return Opened(
            id: opening.caseID,
            clientID: opening.clientID,
            districtID: opening.districtID,
            assigneeID: opening.assigneeID,
            opening: opening.kind,
            openedOn: opening.openedOn,
            personal: opening.kind == .handover ? handover : nil
        )
    }

    /// The state after `event`.
    public static func evolve(_ state: State, _ event: Event) -> State {
        if case .opened(let opened) = event {
            return Record(
                id: opened.id,
                clientID: opened.clientID,
                districtID: opened.districtID,
                assigneeID: opened.assigneeID,
                opening: opened.opening,
                openedOn: opened.openedOn,
                lastFactOn: opened.openedOn
            )
        }
        guard var record = state else { return nil }
        if let day = event.day { record.lastFactOn = max(record.lastFactOn ?? day, day) }
        switch event {
        case .opened: break
        case .assigned(let assigned): record.assigneeID = assigned.assigneeID
        case .transferred(let transferred): record.assigneeID = transferred.toAssigneeID
        case .followUpHousingStarted(let started): record.periodStart = started.on
        case .periodExtended(let extended): record.extensionMonths.append(extended.months)
        case .assessmentRecorded(let recorded): record.assessment = recorded.assessment
        case .goalAgreed(let agreed): record.goals.append(agreed.goal)
        case .goalRevised(let revised):
            if let index = record.goals.firstIndex(where: { $0.id == revised.goal.id }) { record.goals[index] = revised.goal }
        case .goalStatusChanged(let changed):
            if let index = record.goals.firstIndex(where: { $0.id == changed.goalID }) {
                record.goals[index].status = changed.status
                record.goals[index].statusChangedOn = changed.on
            }
        case .planReviewed(let reviewed): record.lastReviewOn = reviewed.on
        case .planAgreed(let agreement): record.planAgreement = agreement
        case .consultationLogged(let logged):
            record.consultationCount += 1
            record.consultationDays = (record.consultationDays ?? [:]).merging([logged.id.uuidString.lowercased(): logged.heldOn])
            { $1 }
            for referral in logged.referrals { record.referrals[referral.id] = false }
        case .referralOutcomeRecorded(let recorded): record.referrals[recorded.referralID] = true
        case .observationRecorded(let observation): record.observations.append(observation)
        case .consentGiven(let consent): record.consents.append(consent)
        case .consentWithdrawn(let withdrawn):
            if let index = record.consents.firstIndex(where: { $0.id == withdrawn.consentID }) {
                record.consents[index].withdrawnAt = withdrawn.withdrawnAt
            }
        case .handedOff(let handedOff):
            let receipt = HandoffReceipt(id: handedOff.id, recipientOrganisationID: handedOff.recipientOrganisationID)
            record.handoffs = (record.handoffs ?? []) + [receipt]
        case .handoffAcknowledged(let acknowledged):
            if let index = record.handoffs?.firstIndex(where: { $0.id == acknowledged.handoffID }) {
                record.handoffs?[index].acknowledgedAt = acknowledged.at
            }
        case .closed(let closed): record.closure = Closure(reason: closed.reason, closedOn: closed.closedOn)
        case .reopened: record.closure = nil
        case .corrected(let corrected): record.apply(corrected)
        }
        return record
    }

    /// `text` trimmed, or a rejection if it is missing, empty or longer than 10,000 characters.
    private static func required(_ text: String?, field: String) throws(Rejection) -> String {
        guard let text = text.flatMap(optionalText) else { throw .invalid(field: field, reason: "must not be empty") }
        guard text.count <= 10_000 else { throw .invalid(field: field, reason: "must be at most 10000 characters") }
        return text
    }

    /// `text` trimmed, or `nil` if nothing is left.
    private static func optionalText(_ text: String) -> String? {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        return trimmed.isEmpty ? nil : trimmed
    }
}
