import Foundation
import Testing

@testable import Casework

@Suite("Case: opening, counselling period, plan, consultations, observations, consents, closure")
struct CaseFileTests {
    let caseID = UUID()
    let clientID = UUID()
    let worker = UUID()
    let day = CalendarDate("2026-03-02")!
    let now = Date(timeIntervalSince1970: 1_780_000_000)

    var opened: CaseFile.Event {
        .opened(
            .init(
                id: caseID,
                clientID: clientID,
                districtID: "08337",
                assigneeID: worker,
                opening: .directIntake,
                openedOn: day,
                personal: nil
            )
        )
    }
    var started: CaseFile.Event { .followUpHousingStarted(.init(on: day)) }
    var closed: CaseFile.Event { .closed(.init(reason: .movedAway, closedOn: day, personal: nil)) }

    func goal(_ id: UUID = UUID()) -> CaseFile.Event {
        .goalAgreed(
            .init(
                goal: .init(id: id, area: .work, status: .agreed, steps: [], dueOn: nil, reviewOn: nil, statusChangedOn: day),
                personal: .init(text: "Ausbildung als Koch", steps: [])
            )
        )
    }

    // MARK: Opening

    @Test("a hand-over carries its note, previous social worker and documents; a direct intake carries none")
    func opening() {
        let handover = CaseFile.Opening(
            caseID: caseID,
            clientID: clientID,
            districtID: "08337",
            assigneeID: worker,
            kind: .handover,
            openedOn: day,
            handoverNote: " Familie mit zwei Kindern ",
            previousSocialWorker: "Frau Maier (GU Waldshut)",
            documents: ["Aufenthaltsgestattung", " "]
        )
        given(CaseFile.self).when(.open(handover))
            .then([
                .opened(
                    .init(
                        id: caseID,
                        clientID: clientID,
                        districtID: "08337",
                        assigneeID: worker,
                        opening: .handover,
                        openedOn: day,
                        personal: .init(
                            note: "Familie mit zwei Kindern",
                            previousSocialWorker: "Frau Maier (GU Waldshut)",
                            documents: ["Aufenthaltsgestattung"]
                        )
                    )
                )
            ])
        var intake = handover
        intake.kind = .directIntake
        given(CaseFile.self).when(.open(intake))
            .thenRejects(.invalid(field: "handover", reason: "only a hand-over carries a hand-over note and documents"))
        given(CaseFile.self, opened).when(.open(handover)).thenRejects(.alreadyOpen)
        given(CaseFile.self).when(.assign(assigneeID: worker, on: day)).thenRejects(.notFound)
    }

    @Test("reassigning records the new case worker; assigning the same one records nothing")
    func assign() {
        let other = UUID()
        given(CaseFile.self, opened).when(.assign(assigneeID: other, on: day)).then([.assigned(.init(assigneeID: other, on: day))]
        )
        given(CaseFile.self, opened).when(.assign(assigneeID: worker, on: day)).then([])
    }

    @Test(
        "a transfer hands the open case to a worker of another organisation with its note and documents; never to its holder, never when closed, never before the opening"
    )
    func transfer() throws {
        let receiver = UUID()
        let (giving, receiving) = (UUID(), UUID())
        let transferID = UUID()
        let handOver = CaseFile.Transfer(
            id: transferID,
            toAssigneeID: receiver,
            fromOrganisationID: giving,
            toOrganisationID: receiving,
            on: day.adding(days: 10),
            note: " Familie zieht in die AU Rheinfelden ",
            documents: ["Zuweisungsbescheid", ""]
        )
        let transferred = CaseFile.Event.transferred(
            .init(
                id: transferID,
                fromAssigneeID: worker,
                toAssigneeID: receiver,
                fromOrganisationID: giving,
                toOrganisationID: receiving,
                on: day.adding(days: 10),
                personal: .init(
                    note: "Familie zieht in die AU Rheinfelden",
                    previousSocialWorker: nil,
                    documents: ["Zuweisungsbescheid"]
                )
            )
        )
        given(CaseFile.self, opened).when(.transfer(handOver)).then([transferred])
        #expect(try #require(CaseFile.fold([opened, transferred])).assigneeID == receiver)

        var toHolder = handOver
        toHolder.toAssigneeID = worker
        given(CaseFile.self, opened).when(.transfer(toHolder))
            .thenRejects(.invalid(field: "to_assignee_id", reason: "holds the case already"))
        given(CaseFile.self, opened, closed).when(.transfer(handOver)).thenRejects(.closed)
        var early = handOver
        early.on = day.adding(days: -1)
        given(CaseFile.self, opened).when(.transfer(early))
            .thenRejects(.invalid(field: "transferred_on", reason: "must not be before the case was opened (\(day))"))
    }

    // MARK: Counselling period

    @Test("follow-up housing starts a three-year period, once, for the target groups that live in it")
    func periodStarts() throws {
        given(CaseFile.self, opened).when(.startFollowUpHousing(on: day, targetGroup: .refugeeFollowUpHousing)).then([started])
        given(CaseFile.self, opened, started).when(
            .startFollowUpHousing(on: CalendarDate("2026-03-03")!, targetGroup: .refugeeFollowUpHousing)
        )
        .thenRejects(.periodAlreadyStarted)
        let record = try #require(CaseFile.fold([opened, started]))
        #expect(record.periodEnd == CalendarDate("2029-03-01"))
        given(CaseFile.self, opened).when(.startFollowUpHousing(on: day, targetGroup: .displacedFromUkraine)).then([started])
        for group in [TargetGroup.euLabourMigrant, .thirdCountryLabourMigrant] {
            given(CaseFile.self, opened).when(.startFollowUpHousing(on: day, targetGroup: group))
                .thenRejects(
                    .invalid(
                        field: "started_on",
                        reason: "has no meaning for the target group \(group.rawValue): it never lives in follow-up housing, "
                            + "so its cases have no counselling period"
                    )
                )
        }
    }

    @Test("extensions need a started period and a reason code (with a text for other), and add at most one year in total")
    func extensions() throws {
        let sevenMonths = CaseFile.Event.periodExtended(
            .init(months: 7, on: day, reason: .ongoingTraining, personal: .init(text: "Ausbildung läuft"))
        )
        given(CaseFile.self, opened).when(.extendPeriod(months: 6, reason: .ongoingCourse, text: nil, on: day))
            .thenRejects(.periodNotStarted)
        given(CaseFile.self, opened, started).when(
            .extendPeriod(months: 7, reason: .ongoingTraining, text: " Ausbildung läuft ", on: day)
        )
        .then([sevenMonths])
        given(CaseFile.self, opened, started).when(.extendPeriod(months: 3, reason: .health, text: nil, on: day))
            .then([.periodExtended(.init(months: 3, on: day, reason: .health, personal: nil))])
        given(CaseFile.self, opened, started).when(.extendPeriod(months: 6, reason: .other, text: "  ", on: day))
            .thenRejects(.invalid(field: "text", reason: "must not be empty"))
        given(CaseFile.self, opened, started, sevenMonths)
            .when(.extendPeriod(months: 6, reason: .ongoingTraining, text: nil, on: day))
            .thenRejects(.extensionLimitExceeded(remainingMonths: 5))
        given(CaseFile.self, opened, started).when(.extendPeriod(months: 13, reason: .health, text: nil, on: day))
            .thenRejects(.extensionLimitExceeded(remainingMonths: 12))
        let record = try #require(CaseFile.fold([opened, started, sevenMonths]))
        #expect(record.periodEnd == CalendarDate("2029-10-01"))
    }

    @Test("the case warns within 90 days of the period's end")
    func periodWarning() throws {
        let record = try #require(CaseFile.fold([opened, started]))
        let end = try #require(record.periodEnd)
        #expect(!record.periodWarning(on: end.adding(days: -91)))
        #expect(record.periodWarning(on: end.adding(days: -90)))
        #expect(record.periodWarning(on: end.adding(days: 10)))
        #expect(try #require(CaseFile.fold([opened])).periodWarning(on: day) == false)
    }

    // MARK: Assessment and plan

    @Test("an assessment's notes must belong to areas with needs")
    func assessment() {
        let assessment = CaseFile.Assessment(heldOn: day, needs: [.language, .work], priorities: [.language])
        given(CaseFile.self, opened)
            .when(
                .recordAssessment(
                    assessment,
                    resources: "spricht Englisch",
                    needNotes: [.init(area: .work, note: "sucht Arbeit")]
                )
            )
            .then([
                .assessmentRecorded(
                    .init(
                        assessment: assessment,
                        personal: .init(resources: "spricht Englisch", needs: [.init(area: .work, note: "sucht Arbeit")])
                    )
                )
            ])
        given(CaseFile.self, opened)
            .when(.recordAssessment(assessment, resources: nil, needNotes: [.init(area: .health, note: "x")]))
            .thenRejects(.invalid(field: "needs", reason: "a note names an area without a need"))
    }

    @Test("a goal is agreed with its steps; each step needs a text")
    func agreeGoal() {
        let id = UUID()
        let step = CaseFile.Step(owner: .client, dueOn: day.adding(months: 1))
        let agreement = CaseFile.GoalAgreement(
            goalID: id,
            area: .language,
            text: "B1 erreichen",
            steps: [(step, "Integrationskurs anmelden")],
            dueOn: day.adding(months: 12),
            reviewOn: day.adding(months: 3),
            agreedOn: day
        )
        given(CaseFile.self, opened).when(.agreeGoal(agreement))
            .then([
                .goalAgreed(
                    .init(
                        goal: .init(
                            id: id,
                            area: .language,
                            status: .agreed,
                            steps: [step],
                            dueOn: day.adding(months: 12),
                            reviewOn: day.adding(months: 3),
                            statusChangedOn: day,
                            agreedOn: day
                        ),
                        personal: .init(text: "B1 erreichen", steps: ["Integrationskurs anmelden"])
                    )
                )
            ])
        var blankStep = agreement
        blankStep.steps = [(step, "")]
        given(CaseFile.self, opened).when(.agreeGoal(blankStep)).thenRejects(
            .invalid(field: "steps/0/text", reason: "must not be empty")
        )
        given(CaseFile.self, opened, goal(id)).when(.agreeGoal(agreement)).thenRejects(.duplicateID)
    }

    @Test("a goal moves agreed → in progress → an end; ending other than achieved needs a reason; an ended goal stays")
    func goalStatus() {
        let id = UUID()
        given(CaseFile.self, opened, goal(id)).when(.changeGoalStatus(goalID: id, status: .inProgress, reason: nil, on: day))
            .then([.goalStatusChanged(.init(goalID: id, status: .inProgress, on: day, personal: nil))])
        given(CaseFile.self, opened, goal(id)).when(.changeGoalStatus(goalID: id, status: .dropped, reason: nil, on: day))
            .thenRejects(.invalid(field: "reason", reason: "must not be empty"))
        given(CaseFile.self, opened, goal(id)).when(.changeGoalStatus(goalID: id, status: .dropped, reason: "verzogen", on: day))
            .then([.goalStatusChanged(.init(goalID: id, status: .dropped, on: day, personal: .init(text: "verzogen")))])
        given(CaseFile.self, opened, goal(id)).when(.changeGoalStatus(goalID: id, status: .achieved, reason: nil, on: day))
            .then([.goalStatusChanged(.init(goalID: id, status: .achieved, on: day, personal: nil))])
        let achieved = CaseFile.Event.goalStatusChanged(.init(goalID: id, status: .achieved, on: day, personal: nil))
        given(CaseFile.self, opened, goal(id), achieved).when(
            .changeGoalStatus(goalID: id, status: .inProgress, reason: nil, on: day)
        )
        .thenRejects(.goalEnded)
        let inProgress = CaseFile.Event.goalStatusChanged(.init(goalID: id, status: .inProgress, on: day, personal: nil))
        given(CaseFile.self, opened, goal(id), inProgress).when(
            .changeGoalStatus(goalID: id, status: .agreed, reason: nil, on: day)
        )
        .thenRejects(.invalid(field: "status", reason: "a goal cannot go back to agreed"))
        given(CaseFile.self, opened).when(.changeGoalStatus(goalID: id, status: .inProgress, reason: nil, on: day))
            .thenRejects(.unknownGoal)
    }

    @Test("a goal that has not ended is revised as a whole, keeping its status and recording the day of the revision")
    func reviseGoal() {
        let id = UUID()
        let revision = CaseFile.GoalAgreement(
            goalID: id,
            area: .education,
            text: "Ausbildung zum Koch beginnen",
            steps: [(CaseFile.Step(owner: .partner, dueOn: day.adding(months: 2)), "Kammer berät zur Anerkennung")],
            dueOn: day.adding(months: 18),
            reviewOn: nil,
            agreedOn: day.adding(months: 1)
        )
        given(CaseFile.self, opened, goal(id)).when(.reviseGoal(revision))
            .then([
                .goalRevised(
                    .init(
                        goal: .init(
                            id: id,
                            area: .education,
                            status: .agreed,
                            steps: [.init(owner: .partner, dueOn: day.adding(months: 2))],
                            dueOn: day.adding(months: 18),
                            reviewOn: nil,
                            statusChangedOn: day,
                            agreedOn: day.adding(months: 1)
                        ),
                        personal: .init(text: "Ausbildung zum Koch beginnen", steps: ["Kammer berät zur Anerkennung"])
                    )
                )
            ])
        let dropped = CaseFile.Event.goalStatusChanged(
            .init(goalID: id, status: .dropped, on: day, personal: .init(text: "verzogen"))
        )
        given(CaseFile.self, opened, goal(id), dropped).when(.reviseGoal(revision)).thenRejects(.goalEnded)
        given(CaseFile.self, opened, goal(id), closed).when(.reviseGoal(revision)).thenRejects(.closed)
        given(CaseFile.self, opened).when(.reviseGoal(revision)).thenRejects(.unknownGoal)
    }

    @Test("a goal cannot change after the case is closed")
    func goalAfterClosure() {
        let id = UUID()
        given(CaseFile.self, opened, goal(id), closed).when(
            .changeGoalStatus(goalID: id, status: .inProgress, reason: nil, on: day)
        )
        .thenRejects(.closed)
        given(CaseFile.self, opened, closed).when(
            .agreeGoal(.init(goalID: id, area: .work, text: "x", steps: [], dueOn: nil, reviewOn: nil, agreedOn: day))
        )
        .thenRejects(.closed)
    }

    @Test("a plan is reviewed and agreed to only once it has a goal")
    func planReviewAndAgreement() {
        given(CaseFile.self, opened).when(.reviewPlan(on: day, summary: "gut")).thenRejects(.planEmpty)
        given(CaseFile.self, opened, goal()).when(.reviewPlan(on: day, summary: "Fortschritt beim Deutschkurs"))
            .then([.planReviewed(.init(on: day, personal: .init(text: "Fortschritt beim Deutschkurs")))])
        given(CaseFile.self, opened).when(.recordPlanAgreement(on: day, form: .written)).thenRejects(.planEmpty)
        given(CaseFile.self, opened, goal()).when(.recordPlanAgreement(on: day, form: .written))
            .then([.planAgreed(.init(agreedOn: day, form: .written))])
    }

    @Test("a change sent again records nothing: plan agreement, period start, closure, withdrawal, assignment")
    func sentAgain() {
        let agreed = CaseFile.Event.planAgreed(.init(agreedOn: day, form: .written))
        given(CaseFile.self, opened, goal(), agreed).when(.recordPlanAgreement(on: day, form: .written)).then([])
        given(CaseFile.self, opened, goal(), agreed).when(.recordPlanAgreement(on: day, form: .oral))
            .then([.planAgreed(.init(agreedOn: day, form: .oral))])
        given(CaseFile.self, opened, started).when(.startFollowUpHousing(on: day, targetGroup: .refugeeFollowUpHousing)).then([])
        given(CaseFile.self, opened, closed).when(.close(reason: .movedAway, text: nil, on: day)).then([])
        given(CaseFile.self, opened).when(.assign(assigneeID: worker, on: day)).then([])
    }

    // MARK: Corrections

    @Test(
        "a correction names the fact before and after and needs a reason; the state holds the corrected fact; a correction that changes nothing, of an unknown item or of a closed case is refused"
    )
    func corrections() throws {
        let consultationID = UUID()
        let goalID = UUID()
        let observationID = UUID()
        let later = day.adding(days: 5)
        let logged = CaseFile.Event.consultationLogged(
            .init(
                id: consultationID,
                heldOn: day,
                durationMinutes: 30,
                place: .office,
                language: nil,
                interpreter: false,
                topics: [],
                referrals: [],
                personal: nil
            )
        )
        let observed = CaseFile.Event.observationRecorded(
            .init(id: observationID, field: .germanLevel, value: .value("a1"), observedOn: day)
        )
        let history = [opened, started, logged, goal(goalID), observed]
        let id = UUID()
        func when(_ correction: CaseFile.Correction, reason: String? = "Tippfehler") -> When<CaseFile> {
            Given<CaseFile>(events: history).when(.correct(id: id, correction, reason: reason))
        }
        let reason = CaseFile.Text(text: "Tippfehler")

        let periodStart = CaseFile.Event.corrected(
            .init(id: id, fact: .periodStart, day: later, previousDay: day, personal: reason)
        )
        when(.periodStart(later)).then([periodStart])
        #expect(try #require(CaseFile.fold(history + [periodStart])).periodStart == later)
        when(.periodStart(day)).thenRejects(.invalid(field: "day", reason: "is the day recorded already"))
        given(CaseFile.self, opened).when(.correct(id: id, .periodStart(later), reason: "x")).thenRejects(.periodNotStarted)

        let heldOn = CaseFile.Event.corrected(
            .init(id: id, fact: .consultationHeldOn, itemID: consultationID, day: later, previousDay: day, personal: reason)
        )
        when(.consultationHeldOn(consultationID: consultationID, later)).then([heldOn])
        #expect(try #require(CaseFile.fold(history + [heldOn])).consultationDay(consultationID) == later)
        when(.consultationHeldOn(consultationID: UUID(), later)).thenRejects(.unknownItem)
        when(.consultationHeldOn(consultationID: consultationID, day.adding(days: -1)))
            .thenRejects(.invalid(field: "day", reason: "must not be before the case was opened (\(day))"))

        let agreedOn = CaseFile.Event.corrected(
            .init(id: id, fact: .goalAgreedOn, itemID: goalID, day: later, previousDay: nil, personal: reason)
        )
        when(.goalAgreedOn(goalID: goalID, later)).then([agreedOn])
        let achieved = CaseFile.Event.goalStatusChanged(
            .init(goalID: goalID, status: .achieved, on: day.adding(days: 2), personal: nil)
        )
        Given<CaseFile>(events: history + [achieved]).when(.correct(id: id, .goalAgreedOn(goalID: goalID, later), reason: "x"))
            .thenRejects(
                .invalid(field: "day", reason: "must not be after the goal's last status change (\(day.adding(days: 2)))")
            )
        #expect(try #require(CaseFile.fold(history + [agreedOn])).goals.first?.agreedOn == later)

        let value = CaseFile.Event.corrected(
            .init(
                id: id,
                fact: .observation,
                itemID: observationID,
                day: day,
                value: .value("a2"),
                previousDay: day,
                previousValue: .value("a1"),
                personal: reason
            )
        )
        when(.observation(observationID: observationID, value: .value("a2"), observedOn: day)).then([value])
        #expect(try #require(CaseFile.fold(history + [value])).current(.germanLevel)?.value == .value("a2"))
        when(.observation(observationID: observationID, value: .value("a1"), observedOn: day))
            .thenRejects(.invalid(field: "value", reason: "is the value and day recorded already"))
        when(.observation(observationID: observationID, value: .value("fluent"), observedOn: day))
            .thenRejects(.invalid(field: "value", reason: "fluent is not a code of german_level"))

        let withdrawn = CaseFile.Event.corrected(
            .init(
                id: id,
                fact: .observationWithdrawn,
                itemID: observationID,
                previousDay: day,
                previousValue: .value("a1"),
                personal: reason
            )
        )
        when(.observationWithdrawn(observationID: observationID)).then([withdrawn])
        #expect(try #require(CaseFile.fold(history + [withdrawn])).current(.germanLevel) == nil)

        when(.observationWithdrawn(observationID: observationID), reason: " ")
            .thenRejects(.invalid(field: "reason", reason: "must not be empty"))
        Given<CaseFile>(events: history + [closed]).when(.correct(id: id, .periodStart(later), reason: "x")).thenRejects(.closed)
        #expect(try CaseFile.Event(typeName: value.typeName, payload: value.payload()) == value)
    }

    // MARK: Consultations

    @Test("a consultation lasts 1 to 1440 minutes; a referral's outcome is recorded once, later")
    func consultations() {
        let referral = CaseFile.Referral(id: UUID(), target: .jobcenter)
        let log = CaseFile.ConsultationLog(
            consultationID: UUID(),
            heldOn: day,
            durationMinutes: 45,
            place: .homeVisit,
            language: "Arabisch",
            interpreter: true,
            topics: [.work, .housing],
            referrals: [referral],
            note: "Bewerbung besprochen"
        )
        let logged = CaseFile.Event.consultationLogged(
            .init(
                id: log.consultationID,
                heldOn: day,
                durationMinutes: 45,
                place: .homeVisit,
                language: "Arabisch",
                interpreter: true,
                topics: [.work, .housing],
                referrals: [referral],
                personal: .init(text: "Bewerbung besprochen")
            )
        )
        given(CaseFile.self, opened).when(.logConsultation(log)).then([logged])
        var endless = log
        endless.durationMinutes = 0
        given(CaseFile.self, opened).when(.logConsultation(endless))
            .thenRejects(.invalid(field: "duration_minutes", reason: "must be 1 to 1440"))
        given(CaseFile.self, opened, logged).when(.logConsultation(log)).thenRejects(.duplicateID)

        let outcome = CaseFile.Event.referralOutcomeRecorded(
            .init(referralID: referral.id, on: day, outcome: .appointmentMade, personal: .init(text: "Termin am 5."))
        )
        given(CaseFile.self, opened, logged).when(
            .recordReferralOutcome(referralID: referral.id, outcome: .appointmentMade, text: "Termin am 5.", on: day)
        )
        .then([outcome])
        given(CaseFile.self, opened, logged).when(
            .recordReferralOutcome(referralID: referral.id, outcome: .other, text: " ", on: day)
        )
        .thenRejects(.invalid(field: "text", reason: "must not be empty"))
        given(CaseFile.self, opened, logged, outcome).when(
            .recordReferralOutcome(referralID: referral.id, outcome: .attended, text: nil, on: day)
        )
        .thenRejects(.unknownReferral)
        given(CaseFile.self, opened, closed).when(.logConsultation(log)).thenRejects(.closed)
    }

    // MARK: Observations

    @Test("an observation holds a code of its field, or declined / not asked / unknown, and is counted as such")
    func observations() throws {
        let declined = Observation(id: UUID(), field: .germanLevel, value: .declined, observedOn: day)
        given(CaseFile.self, opened).when(.recordObservation(declined)).then([.observationRecorded(declined)])
        let wrongCode = Observation(id: UUID(), field: .germanLevel, value: .value("private_flat"), observedOn: day)
        given(CaseFile.self, opened).when(.recordObservation(wrongCode))
            .thenRejects(.invalid(field: "value", reason: "private_flat is not a code of german_level"))

        let record = try #require(CaseFile.fold([opened, .observationRecorded(declined)]))
        #expect(record.current(.germanLevel)?.value == .declined, "declined is a value, never empty")
        #expect(record.current(.housing) == nil)

        let a2 = Observation(id: UUID(), field: .germanLevel, value: .value("a2"), observedOn: day.adding(months: 6))
        let older = Observation(id: UUID(), field: .germanLevel, value: .value("a1"), observedOn: day.adding(months: 1))
        let later = try #require(
            CaseFile.fold([opened, .observationRecorded(declined), .observationRecorded(a2), .observationRecorded(older)])
        )
        #expect(later.current(.germanLevel)?.value == .value("a2"), "the latest by day, even if recorded earlier")
        #expect(later.observations.count == 3, "the history stays")
    }

    // MARK: Consents

    @Test(
        "a consent names its purpose, categories from the list and (for hand-off and sharing) its recipient; a withdrawal stops it from then on"
    )
    func consents() throws {
        let consent = CaseFile.Consent(
            id: UUID(),
            purpose: .jobcenterHandoff,
            categories: ["german_level", "vocational_qualification"],
            recipient: "Jobcenter Landkreis Waldshut",
            givenAt: now,
            form: .written,
            validUntil: nil,
            withdrawnAt: nil
        )
        given(CaseFile.self, opened).when(.giveConsent(consent)).then([.consentGiven(consent)])
        var noRecipient = consent
        noRecipient.recipient = nil
        given(CaseFile.self, opened).when(.giveConsent(noRecipient))
            .thenRejects(.invalid(field: "recipient", reason: "a hand-off or sharing consent names its recipient"))
        var unknownCategory = consent
        unknownCategory.categories = ["german_level", "qualifications"]
        given(CaseFile.self, opened).when(.giveConsent(unknownCategory))
            .thenRejects(.invalid(field: "categories/1", reason: "qualifications is not a code of consent_category"))
        var backwards = consent
        backwards.validUntil = now.addingTimeInterval(-1)
        given(CaseFile.self, opened).when(.giveConsent(backwards)).thenRejects(
            .invalid(field: "valid_until", reason: "must be after given_at")
        )

        let withdrawal = now.addingTimeInterval(3600)
        let withdrawn = CaseFile.Event.consentWithdrawn(.init(consentID: consent.id, withdrawnAt: withdrawal))
        given(CaseFile.self, opened, .consentGiven(consent)).when(.withdrawConsent(consentID: consent.id, at: withdrawal)).then([
            withdrawn
        ])
        given(CaseFile.self, opened, .consentGiven(consent), withdrawn).when(
            .withdrawConsent(consentID: consent.id, at: withdrawal.addingTimeInterval(60))
        )
        .then([])
        given(CaseFile.self, opened, .consentGiven(consent), closed).when(.withdrawConsent(consentID: consent.id, at: withdrawal))
            .then([withdrawn])

        let record = try #require(CaseFile.fold([opened, .consentGiven(consent), withdrawn]))
        #expect(record.consents(for: .jobcenterHandoff, at: withdrawal.addingTimeInterval(-1)).count == 1)
        #expect(record.consents(for: .jobcenterHandoff, at: withdrawal).isEmpty)
        #expect(record.consents(for: .dataCollection, at: now).isEmpty)
    }

    // MARK: Jobcenter hand-off

    @Test("a hand-off goes only under a jobcenter_handoff consent in force that names the Jobcenter, with covered categories")
    func handoffs() throws {
        let jobcenter = UUID()
        let consent = CaseFile.Consent(
            id: UUID(),
            purpose: .jobcenterHandoff,
            categories: ["german_level", "occupational_goal"],
            recipient: "Jobcenter Landkreis Waldshut",
            givenAt: now,
            form: .written,
            validUntil: now.addingTimeInterval(86_400 * 365),
            withdrawnAt: nil,
            recipientOrganisationID: jobcenter
        )
        let later = now.addingTimeInterval(3_600)
        let package = CaseFile.LabourMarketProfile(germanLevel: "b1", occupationalGoal: "Pflegefachkraft")
        let handoff = CaseFile.Handoff(
            id: UUID(),
            consentID: consent.id,
            recipientOrganisationID: jobcenter,
            at: later,
            package: package
        )
        let handedOff = CaseFile.Event.handedOff(
            .init(
                id: handoff.id,
                consentID: consent.id,
                recipientOrganisationID: jobcenter,
                categories: [.germanLevel, .occupationalGoal],
                at: later,
                personal: package
            )
        )
        given(CaseFile.self, opened, .consentGiven(consent)).when(.handOff(handoff)).then([handedOff])

        // Each reason of the consent rules, named.
        var unknown = handoff
        unknown.consentID = UUID()
        given(CaseFile.self, opened, .consentGiven(consent)).when(.handOff(unknown)).thenRejects(.handoffRefused(.noSuchConsent))
        var collection = consent
        collection.purpose = .dataCollection
        given(CaseFile.self, opened, .consentGiven(collection)).when(.handOff(handoff))
            .thenRejects(.handoffRefused(.wrongPurpose(.dataCollection)))
        let withdrawn = CaseFile.Event.consentWithdrawn(.init(consentID: consent.id, withdrawnAt: now.addingTimeInterval(60)))
        given(CaseFile.self, opened, .consentGiven(consent), withdrawn).when(.handOff(handoff))
            .thenRejects(.handoffRefused(.withdrawn(now.addingTimeInterval(60))))
        var early = handoff
        early.at = now.addingTimeInterval(-1)
        given(CaseFile.self, opened, .consentGiven(consent)).when(.handOff(early)).thenRejects(.handoffRefused(.notYetGiven(now)))
        var late = handoff
        late.at = now.addingTimeInterval(86_400 * 366)
        given(CaseFile.self, opened, .consentGiven(consent)).when(.handOff(late))
            .thenRejects(.handoffRefused(.expired(now.addingTimeInterval(86_400 * 365))))
        var elsewhere = handoff
        elsewhere.recipientOrganisationID = UUID()
        given(CaseFile.self, opened, .consentGiven(consent)).when(.handOff(elsewhere)).thenRejects(
            .handoffRefused(.otherRecipient)
        )
        var byName = consent
        byName.recipientOrganisationID = nil
        given(CaseFile.self, opened, .consentGiven(byName)).when(.handOff(handoff)).thenRejects(.handoffRefused(.otherRecipient))
        var more = handoff
        more.package.schooling = "secondary"
        given(CaseFile.self, opened, .consentGiven(consent)).when(.handOff(more))
            .thenRejects(.handoffRefused(.categoryNotCovered(.schooling, field: "package/schooling")))
        var badCode = handoff
        badCode.package.germanLevel = "fluent"
        given(CaseFile.self, opened, .consentGiven(consent)).when(.handOff(badCode))
            .thenRejects(.invalid(field: "package/german_level", reason: "fluent is not a code of german_level"))
        var empty = handoff
        empty.package = CaseFile.LabourMarketProfile(occupationalGoal: "   ")
        given(CaseFile.self, opened, .consentGiven(consent)).when(.handOff(empty))
            .thenRejects(.invalid(field: "package", reason: "holds nothing to hand off"))
        given(CaseFile.self, opened, .consentGiven(consent), closed).when(.handOff(handoff)).thenRejects(.closed)

        // Receipt: by the Jobcenter it went to, once, also after closure.
        let acknowledged = CaseFile.Event.handoffAcknowledged(.init(handoffID: handoff.id, at: later.addingTimeInterval(60)))
        given(CaseFile.self, opened, .consentGiven(consent), handedOff, closed)
            .when(.acknowledgeHandoff(handoffID: handoff.id, organisationID: jobcenter, at: later.addingTimeInterval(60)))
            .then([acknowledged])
        given(CaseFile.self, opened, .consentGiven(consent), handedOff, acknowledged)
            .when(.acknowledgeHandoff(handoffID: handoff.id, organisationID: jobcenter, at: later.addingTimeInterval(120)))
            .then([])
        given(CaseFile.self, opened, .consentGiven(consent), handedOff)
            .when(.acknowledgeHandoff(handoffID: handoff.id, organisationID: UUID(), at: later))
            .thenRejects(.unknownHandoff)
    }

    // MARK: Replay

    @Test("a case replays as of a day as known at a time: later records left out, facts after the day left out as corrected then")
    func replay() throws {
        let consultation = UUID()
        let observation = UUID()
        let t1 = now.addingTimeInterval(60)
        let t2 = now.addingTimeInterval(3_600)
        let logged = CaseFile.Event.consultationLogged(
            .init(
                id: consultation,
                heldOn: CalendarDate("2026-03-20")!,
                durationMinutes: 45,
                place: .office,
                interpreter: false,
                topics: [],
                referrals: [],
                personal: nil
            )
        )
        let a2 = CaseFile.Event.observationRecorded(
            Observation(id: observation, field: .germanLevel, value: .value("a2"), observedOn: CalendarDate("2026-03-25")!)
        )
        let moved = CaseFile.Event.corrected(
            .init(
                id: UUID(),
                fact: .consultationHeldOn,
                itemID: consultation,
                day: CalendarDate("2026-04-03")!,
                previousDay: CalendarDate("2026-03-20")!,
                personal: nil
            )
        )
        let b1 = CaseFile.Event.corrected(
            .init(
                id: UUID(),
                fact: .observation,
                itemID: observation,
                day: CalendarDate("2026-03-25")!,
                value: .value("b1"),
                previousDay: CalendarDate("2026-03-25")!,
                previousValue: .value("a2"),
                personal: nil
            )
        )
        let history: [(event: CaseFile.Event, recordedAt: Date)] = [(opened, now), (logged, t1), (a2, t1), (moved, t2), (b1, t2)]
        let endOfMarch = CalendarDate("2026-03-31")!

        let asSent = CaseFile.replay(history, asOf: endOfMarch, knownAt: t1)
        #expect(asSent.state?.consultationCount == 1)
        #expect(asSent.state?.current(.germanLevel)?.value == .value("a2"))
        #expect(asSent.used == [0, 1, 2])

        let asKnownNow = CaseFile.replay(history, asOf: endOfMarch, knownAt: t2)
        #expect(asKnownNow.state?.consultationCount == 0, "the consultation was held in April, as corrected")
        #expect(asKnownNow.state?.current(.germanLevel)?.value == .value("b1"))
        #expect(asKnownNow.used == [0, 2, 4], "the correction of a fact left out is left out too")

        let april = CaseFile.replay(history, asOf: CalendarDate("2026-04-30")!, knownAt: t2)
        #expect(april.state?.consultationCount == 1)
        #expect(april.state?.consultationDay(consultation) == CalendarDate("2026-04-03"))
        #expect(april.used == [0, 1, 2, 3, 4])
        #expect(CaseFile.replay(history, asOf: CalendarDate("2026-03-01")!, knownAt: t2).state == nil, "not opened yet")
    }

    // MARK: Dates

    @Test(
        "dates fit the case: nothing before its opening, no extension before the period, no closure before the last fact, no reopening before the closure"
    )
    func datesFitTheCase() {
        let dayBefore = CalendarDate("2026-03-01")!
        given(CaseFile.self, opened).when(.assign(assigneeID: UUID(), on: dayBefore))
            .thenRejects(.invalid(field: "assigned_on", reason: "must not be before the case was opened (2026-03-02)"))
        given(CaseFile.self, opened, goal()).when(.reviewPlan(on: dayBefore, summary: "gut"))
            .thenRejects(.invalid(field: "reviewed_on", reason: "must not be before the case was opened (2026-03-02)"))

        let april = CalendarDate("2026-04-01")!
        let may = CalendarDate("2026-05-01")!
        given(CaseFile.self, opened, .followUpHousingStarted(.init(on: april)))
            .when(.extendPeriod(months: 6, reason: .ongoingTraining, text: nil, on: CalendarDate("2026-03-15")!))
            .thenRejects(.invalid(field: "decided_on", reason: "must not be before the period started (2026-04-01)"))
        given(CaseFile.self, opened, .assigned(.init(assigneeID: UUID(), on: may)))
            .when(.close(reason: .movedAway, text: nil, on: april))
            .thenRejects(.invalid(field: "closed_on", reason: "must not be before the last recorded fact (2026-05-01)"))
        given(CaseFile.self, opened, .closed(.init(reason: .movedAway, closedOn: may, personal: nil)))
            .when(.reopen(reason: "zurück", on: april))
            .thenRejects(.invalid(field: "reopened_on", reason: "must not be before the closure (2026-05-01)"))
        given(CaseFile.self, opened, .closed(.init(reason: .movedAway, closedOn: may, personal: nil)))
            .when(.reopen(reason: "zurück", on: may))
            .then([.reopened(.init(on: may, personal: .init(text: "zurück")))])

        // Counselling ends with the period: after it, a consultation needs an extension first.
        let periodStarted = CaseFile.Event.followUpHousingStarted(.init(on: CalendarDate("2023-01-01")!))
        let openedEarlier = CaseFile.Event.opened(
            .init(
                id: caseID,
                clientID: clientID,
                districtID: "08337",
                assigneeID: worker,
                opening: .directIntake,
                openedOn: CalendarDate("2023-01-01")!,
                personal: nil
            )
        )
        given(CaseFile.self, openedEarlier, periodStarted, goal()).when(.reviewPlan(on: day, summary: "gut"))
            .thenRejects(
                .invalid(
                    field: "reviewed_on",
                    reason: "must not be after the counselling period ended (2025-12-31); extend it first"
                )
            )
        let extended = CaseFile.Event.periodExtended(.init(months: 6, on: CalendarDate("2025-11-01")!, reason: .ongoingCourse))
        given(CaseFile.self, openedEarlier, periodStarted, goal(), extended).when(.reviewPlan(on: day, summary: "gut"))
            .then([.planReviewed(.init(on: day, personal: .init(text: "gut")))])

        // Follow-up housing may have begun before the client first came; not before the programme.
        let earlier = CalendarDate("2025-06-01")!
        given(CaseFile.self, opened).when(.startFollowUpHousing(on: earlier, targetGroup: .refugeeFollowUpHousing)).then([
            .followUpHousingStarted(.init(on: earlier))
        ])
        given(CaseFile.self, opened).when(
            .startFollowUpHousing(on: CalendarDate("1999-12-31")!, targetGroup: .refugeeFollowUpHousing)
        )
        .thenRejects(.invalid(field: "started_on", reason: "must not be before 2000-01-01"))
    }

    @Test("no stated day lies after today (one day's tolerance), and no case was opened before 2000")
    func notInTheFuture() {
        let today = CalendarDate("2026-11-30")!
        #expect(throws: CaseFile.Rejection.invalid(field: "assigned_on", reason: "must not be after today (2026-11-30)")) {
            try CaseFile.plausible(.assign(assigneeID: worker, on: today.adding(days: 2)), today: today)
        }
        #expect(throws: Never.self) {
            try CaseFile.plausible(.assign(assigneeID: worker, on: today.adding(days: 1)), today: today)
        }
        #expect(throws: CaseFile.Rejection.invalid(field: "closed_on", reason: "must not be after today (2026-11-30)")) {
            try CaseFile.plausible(.close(reason: .movedAway, text: nil, on: CalendarDate("2031-01-01")!), today: today)
        }
        let opening = CaseFile.Opening(
            caseID: caseID,
            clientID: clientID,
            districtID: "08337",
            assigneeID: worker,
            kind: .directIntake,
            openedOn: CalendarDate("1999-12-31")!
        )
        #expect(throws: CaseFile.Rejection.invalid(field: "opened_on", reason: "must not be before 2000-01-01")) {
            try CaseFile.plausible(.open(opening), today: today)
        }
    }

    // MARK: Closure

    @Test("a closure needs exactly one catalogue reason; `other` needs a text; a closed case reopens with a reason")
    func closure() {
        given(CaseFile.self, opened).when(.close(reason: nil, text: nil, on: day)).thenRejects(.closureReasonRequired)
        given(CaseFile.self, opened).when(.close(reason: .movedAway, text: nil, on: day)).then([closed])
        given(CaseFile.self, opened).when(.close(reason: .other, text: " ", on: day))
            .thenRejects(.invalid(field: "text", reason: "must not be empty"))
        given(CaseFile.self, opened).when(.close(reason: .other, text: "Rückkehr ins Herkunftsland", on: day))
            .then([.closed(.init(reason: .other, closedOn: day, personal: .init(text: "Rückkehr ins Herkunftsland")))])
        given(CaseFile.self, opened, closed).when(.close(reason: .other, text: "anders", on: day)).thenRejects(.closed)
        given(CaseFile.self, opened).when(.reopen(reason: "zurückgezogen", on: day)).thenRejects(.notClosed)
        given(CaseFile.self, opened, closed).when(.reopen(reason: "", on: day)).thenRejects(
            .invalid(field: "reason", reason: "must not be empty")
        )
        given(CaseFile.self, opened, closed).when(.reopen(reason: "zurückgezogen", on: day))
            .then([.reopened(.init(on: day, personal: .init(text: "zurückgezogen")))])
    }

    @Test("every case event reads back from its stored form; personal parts may be missing after erasure")
    func storedForm() throws {
        let events: [CaseFile.Event] = [
            opened, started, goal(), closed,
            .observationRecorded(.init(id: UUID(), field: .housing, value: .notAsked, observedOn: day)),
            .consentWithdrawn(.init(consentID: UUID(), withdrawnAt: now)),
        ]
        for event in events {
            #expect(try CaseFile.Event(typeName: event.typeName, payload: event.payload()) == event)
        }
        let erased = try CaseFile.Event(
            typeName: "case.closed",
            payload: Data(#"{"reason":"other","closed_on":"2026-03-02"}"#.utf8)
        )
        #expect(erased == .closed(.init(reason: .other, closedOn: day, personal: nil)))
        let stored = String(
            decoding: try CaseFile.Event.observationRecorded(
                .init(id: caseID, field: .housing, value: .value("private_flat"), observedOn: day)
            ).payload(),
            as: UTF8.self
        )
        #expect(stored.contains(#""value":{"code":"private_flat","status":"value"}"#))
    }

    @Test(
        "referrals are stored as an object keyed by id, whatever the dictionary's order; the list form of older states still reads"
    )
    func referralLedger() throws {
        var ledger = ReferralLedger()
        let (first, second) = (UUID(), UUID())
        ledger[first] = false
        ledger[second] = true
        let stored = String(decoding: try EventCoding.encode(ledger), as: UTF8.self)
        #expect(stored.hasPrefix("{"))
        #expect(try EventCoding.decode(Data(stored.utf8)) as ReferralLedger == ledger)
        let older = #"["\#(first.uuidString)",false,"\#(second.uuidString)",true]"#
        #expect(try EventCoding.decode(Data(older.utf8)) as ReferralLedger == ledger)
    }
}
