import Casework
import Foundation
import WegweiserAPI

// The domain's form of the request bodies that add to a case: one mapping each, used by the
// HTTP handlers and by `wegweiser import` alike. Each throws a 4xx ``Problem`` whose pointers
// point into the body.

extension CaseFile.Opening {
    /// The opening a `POST /cases` body asks for, of case `caseID` in `districtID`, assigned to
    /// `assigneeID` (the caller decides who that may be).
    init(_ body: Components.Schemas.CaseInput, caseID: UUID, districtID: String, assigneeID: UUID) throws {
        self.init(
            caseID: caseID,
            clientID: try Input.uuid(body.clientId, at: "/client_id"),
            districtID: districtID,
            assigneeID: assigneeID,
            kind: CaseOpening(rawValue: body.opening.rawValue) ?? .directIntake,
            openedOn: try Input.date(body.openedOn, at: "/opened_on"),
            handoverNote: body.handoverNote,
            previousSocialWorker: body.previousSocialWorker,
            documents: body.documents ?? []
        )
    }
}

extension CaseFile.ConsultationLog {
    /// The consultation a request body logs, as `id`; its referrals get new ids.
    init(_ body: Components.Schemas.ConsultationInput, id: UUID) throws {
        self.init(
            consultationID: id,
            heldOn: try Input.date(body.heldOn, at: "/held_on"),
            durationMinutes: Int(body.durationMinutes),
            place: ConsultationPlace(rawValue: body.place.rawValue) ?? .other,
            language: body.language,
            interpreter: body.interpreter ?? false,
            topics: try Input.areas(body.topics ?? [], at: "/topics"),
            referrals: (body.referrals ?? []).map {
                .init(id: UUID(), target: ReferralTarget(rawValue: $0.target.rawValue) ?? .other)
            },
            note: body.note
        )
    }
}

extension Observation {
    /// The observation a request body records, as `id`.
    init(_ body: Components.Schemas.ObservationInput, id: UUID) throws {
        self.init(
            id: id,
            field: ObservationField(rawValue: body.field.rawValue) ?? .germanLevel,
            value: try ObservationValue(body.value, at: "/value"),
            observedOn: try Input.date(body.observedOn, at: "/observed_on")
        )
    }
}

extension ObservationValue {
    /// The value sent at `pointer`: a code only with status `value`, and there required.
    init(_ value: Components.Schemas.ObservationValue, at pointer: String) throws {
        if value.status != .value, value.code != nil {
            throw Problem.unprocessable(
                "A declined, not asked or unknown value has no code.",
                errors: [.init(pointer: "\(pointer)/code", detail: "only with status value")]
            )
        }
        switch value.status {
        case .value:
            guard let code = value.code else {
                throw Problem.unprocessable(
                    "A value needs its code.",
                    errors: [.init(pointer: "\(pointer)/code", detail: "missing")]
                )
            }
            self = .value(code)
        case .declined: self = .declined
        case .notAsked: self = .notAsked
        case .unknown: self = .unknown
        }
    }
}

extension CaseFile.Consent {
    /// The consent a request body records, as `id`, naming `recipientOrganisationID` (the caller
    /// checks that it is an organisation of the case's district).
    init(_ body: Components.Schemas.ConsentInput, id: UUID, recipientOrganisationID: UUID?) {
        self.init(
            id: id,
            purpose: ConsentPurpose(rawValue: body.purpose.rawValue) ?? .dataCollection,
            categories: body.categories.map(\.rawValue),
            recipient: body.recipient,
            givenAt: body.givenAt,
            form: ConsentForm(rawValue: body.form.rawValue) ?? .written,
            validUntil: body.validUntil,
            withdrawnAt: nil,
            recipientOrganisationID: recipientOrganisationID
        )
    }
}

extension CaseFile.Command {
    /// The assessment a request body records.
    init(_ body: Components.Schemas.AssessmentInput) throws {
        let assessment = CaseFile.Assessment(
            heldOn: try Input.date(body.heldOn, at: "/held_on"),
            needs: try Input.areas(body.needs, at: "/needs"),
            priorities: try Input.areas(body.priorities, at: "/priorities")
        )
        let notes = try (body.needNotes ?? []).enumerated().map { index, note in
            CaseFile.NeedNote(area: try Input.area(note.area, at: "/need_notes/\(index)/area"), note: note.note)
        }
        self = .recordAssessment(assessment, resources: body.resources, needNotes: notes)
    }

    /// The change of goal `goalID`'s status a request body asks for.
    init(_ body: Components.Schemas.GoalStatusInput, goalID: UUID) throws {
        self = .changeGoalStatus(
            goalID: goalID,
            status: GoalStatus(rawValue: body.status.rawValue) ?? .agreed,
            reason: body.reason,
            on: try Input.date(body.changedOn, at: "/changed_on")
        )
    }

    /// The plan agreement a request body records.
    init(_ body: Components.Schemas.PlanAgreement) throws {
        self = .recordPlanAgreement(
            on: try Input.date(body.agreedOn, at: "/agreed_on"),
            form: ConsentForm(rawValue: body.form.rawValue) ?? .written
        )
    }

    /// The start of the counselling period a request body records, for a client of `targetGroup`.
    init(_ body: Components.Schemas.PeriodStartInput, targetGroup: TargetGroup) throws {
        self = .startFollowUpHousing(on: try Input.date(body.startedOn, at: "/started_on"), targetGroup: targetGroup)
    }

    /// The closure a request body asks for.
    init(_ body: Components.Schemas.ClosureInput) throws {
        self = .close(
            reason: ClosureReason(rawValue: body.reason.rawValue),
            text: body.text,
            on: try Input.date(body.closedOn, at: "/closed_on")
        )
    }
}
