import Casework
import CommandHandling
import EventStore
import Foundation
import PostgresNIO
import Projections
import WegweiserAPI

extension APIHandler {
    // MARK: Listing and reading items

    /// A page of the case's items of `kind`, opened and shaped as `T`, with the case's version
    /// (read before the items, so a change based on it never skips one shown); the read is
    /// logged.
    func items<T: Decodable>(
        _ kind: CaseItems.Kind,
        caseID: String,
        cursor: String?,
        limit: Int32?,
        as type: T.Type
    ) async throws -> (items: [T], next: String?, version: Int64) {
        let (row, principal) = try await visibleCase(caseID, for: .read)
        let page = try Input.page(cursor: cursor, limit: limit)
        let after = page.after?.number ?? 0
        let found = try await caseItems.list(caseID: row.record.id, kind: kind, after: after, limit: page.limit + 1)
        let (items, next) = Input.paged(found, limit: page.limit) { PageCursor(number: $0.position) }
        try await accessLog.record(
            principal,
            persons: ["client:\(row.record.clientID.apiString)"],
            district: row.record.districtID
        )
        let opened = try await openingSealedParts(items.map(\.body))
        return (try opened.map { try $0.lowercasingUUIDs.decoded(as: type) }, next, row.version)
    }

    /// The item `itemID` of `kind` of the case `record`, opened and shaped as `T`. Callers log
    /// the read.
    func item<T: Decodable>(_ kind: CaseItems.Kind, of record: CaseFile.Record, itemID: UUID, as type: T.Type) async throws -> T {
        guard let item = try await caseItems.find(caseID: record.id, kind: kind, itemID: itemID) else {
            throw Problem.notFound("No \(kind.rawValue) \(itemID.apiString) in this case.")
        }
        return try await openingSealedParts([item.body])[0].lowercasingUUIDs.decoded(as: type)
    }

    /// The item `itemID` (a path parameter at `pointer`) of `kind` of case `caseID`, if the
    /// caller may read the case, with the case's version; the read is logged.
    func singleItem<T: Decodable>(
        _ kind: CaseItems.Kind,
        caseID: String,
        itemID: String,
        at pointer: String,
        as type: T.Type
    ) async throws -> (item: T, version: Int64) {
        let (row, principal) = try await visibleCase(caseID, for: .read)
        let id = try Input.uuid(itemID, at: pointer)
        let found = try await item(kind, of: row.record, itemID: id, as: type)
        try await accessLog.record(
            principal,
            persons: [Self.subject(ofClient: row.record.clientID)],
            district: row.record.districtID
        )
        return (found, row.version)
    }

    /// Runs `command` on case `caseID` to create the item `itemID` of `kind` (`nil`: the id of
    /// the first event, for items without their own id), honouring `Idempotency-Key`, and
    /// answers the item with the case's version.
    func createItem<T: Decodable>(
        _ kind: CaseItems.Kind,
        caseID: String,
        itemID: UUID?,
        ifMatch: String?,
        idempotency: IdempotencyKey?,
        command: CaseFile.Command,
        as type: T.Type
    ) async throws -> (item: T, version: Int64) {
        if idempotency != nil {
            _ = try await visibleCase(caseID)  // out of scope answers 404 before a key is looked up
        }
        /// The answer to a retry: the item the first request made, as it is now.
        func replay(_ previous: String) async throws -> (item: T, version: Int64) {
            let (current, principal) = try await visibleCase(caseID)
            let id = try Input.uuid(previous, at: "#/header/Idempotency-Key")
            try await accessLog.record(
                principal,
                persons: [Self.subject(ofClient: current.record.clientID)],
                district: current.record.districtID
            )
            return (try await item(kind, of: current.record, itemID: id, as: type), current.version)
        }
        return try await idempotent(idempotency, replay: replay) {
            let (record, version, outcome) = try await changeCase(caseID, ifMatch: ifMatch, command: command) {
                [logger] outcome, connection in
                let id = itemID ?? outcome.stored.first?.id
                try await idempotency?.record(resourceID: id?.uuidString ?? "", on: connection, logger: logger)
            }
            return (try Self.madeItem(kind, by: outcome, in: record, as: type), version)
        }
    }

    /// The item of `kind` that the first event `outcome` decided makes, shaped as `T`, its
    /// personal part as decided: what a write that makes an item answers.
    static func madeItem<T: Decodable>(
        _ kind: CaseItems.Kind,
        by outcome: CommandHandler.Outcome<CaseFile.State>,
        in record: CaseFile.Record,
        as type: T.Type
    ) throws -> T {
        guard let event = outcome.decided.first as? CaseFile.Event, let stored = outcome.stored.first,
            let made = try CaseItemsProjection.newItem(
                event,
                eventID: stored.id,
                caseID: record.id,
                personal: try JSONValue(jsonText: String(decoding: event.payload(), as: UTF8.self))["personal"] ?? .null,
                metadata: stored.metadata
            ),
            made.kind == kind
        else { throw Problem.internalError() }
        return try made.body.lowercasingUUIDs.decoded(as: type)
    }

    // MARK: Assessments

    func listAssessments(_ input: Operations.ListAssessments.Input) async throws -> Operations.ListAssessments.Output {
        let (items, next, version) = try await items(
            .assessment,
            caseID: input.path.caseId,
            cursor: input.query.cursor,
            limit: input.query.limit,
            as: Components.Schemas.Assessment.self
        )
        return .ok(.init(headers: .init(eTag: Self.etag(version)), body: .json(.init(items: items, nextCursor: next))))
    }

    func createAssessment(_ input: Operations.CreateAssessment.Input) async throws -> Operations.CreateAssessment.Output {
        guard case .json(let body) = input.body else { throw Problem.badRequest("Expected a JSON body.") }
        let command = try CaseFile.Command(body)
        let (item, version) = try await createItem(
            .assessment,
            caseID: input.path.caseId,
            itemID: nil,
            ifMatch: input.headers.ifMatch,
            idempotency: try idempotencyKey(
                input.headers.idempotencyKey,
                operation: "createAssessment",
                target: input.path.caseId,
                body: body
            ),
            command: command,
            as: Components.Schemas.Assessment.self
        )
        return .created(
            .init(
                headers: .init(
                    eTag: Self.etag(version),
                    location: "/cases/\(input.path.caseId.lowercased())/assessments/\(item.id)"
                ),
                body: .json(item)
            )
        )
    }

    // MARK: Goals and the plan

    func listGoals(_ input: Operations.ListGoals.Input) async throws -> Operations.ListGoals.Output {
        let (items, next, version) = try await items(
            .goal,
            caseID: input.path.caseId,
            cursor: input.query.cursor,
            limit: input.query.limit,
            as: Components.Schemas.Goal.self
        )
        return .ok(.init(headers: .init(eTag: Self.etag(version)), body: .json(.init(items: items, nextCursor: next))))
    }

    func createGoal(_ input: Operations.CreateGoal.Input) async throws -> Operations.CreateGoal.Output {
        guard case .json(let body) = input.body else { throw Problem.badRequest("Expected a JSON body.") }
        let id = UUID()
        let (item, version) = try await createItem(
            .goal,
            caseID: input.path.caseId,
            itemID: id,
            ifMatch: input.headers.ifMatch,
            idempotency: try idempotencyKey(
                input.headers.idempotencyKey,
                operation: "createGoal",
                target: input.path.caseId,
                body: body
            ),
            command: .agreeGoal(try CaseFile.GoalAgreement(body, goalID: id)),
            as: Components.Schemas.Goal.self
        )
        return .created(
            .init(
                headers: .init(eTag: Self.etag(version), location: "/cases/\(input.path.caseId.lowercased())/goals/\(item.id)"),
                body: .json(item)
            )
        )
    }

    func replaceGoal(_ input: Operations.ReplaceGoal.Input) async throws -> Operations.ReplaceGoal.Output {
        guard case .json(let body) = input.body else { throw Problem.badRequest("Expected a JSON body.") }
        let goalID = try Input.uuid(input.path.goalId, at: "#/path/goal_id")
        let command = CaseFile.Command.reviseGoal(try CaseFile.GoalAgreement(body, goalID: goalID))
        let (record, version, _) = try await changeCase(input.path.caseId, ifMatch: input.headers.ifMatch, command: command)
        let goal = try await item(.goal, of: record, itemID: goalID, as: Components.Schemas.Goal.self)
        return .ok(.init(headers: .init(eTag: Self.etag(version)), body: .json(goal)))
    }

    func replaceGoalStatus(_ input: Operations.ReplaceGoalStatus.Input) async throws -> Operations.ReplaceGoalStatus.Output {
        guard case .json(let body) = input.body else { throw Problem.badRequest("Expected a JSON body.") }
        let goalID = try Input.uuid(input.path.goalId, at: "#/path/goal_id")
        let command = try CaseFile.Command(body, goalID: goalID)
        let (record, version, _) = try await changeCase(input.path.caseId, ifMatch: input.headers.ifMatch, command: command)
        let goal = try await item(.goal, of: record, itemID: goalID, as: Components.Schemas.Goal.self)
        return .ok(.init(headers: .init(eTag: Self.etag(version)), body: .json(goal)))
    }

    func listPlanReviews(_ input: Operations.ListPlanReviews.Input) async throws -> Operations.ListPlanReviews.Output {
        let (items, next, version) = try await items(
            .planReview,
            caseID: input.path.caseId,
            cursor: input.query.cursor,
            limit: input.query.limit,
            as: Components.Schemas.PlanReview.self
        )
        return .ok(.init(headers: .init(eTag: Self.etag(version)), body: .json(.init(items: items, nextCursor: next))))
    }

    func createPlanReview(_ input: Operations.CreatePlanReview.Input) async throws -> Operations.CreatePlanReview.Output {
        guard case .json(let body) = input.body else { throw Problem.badRequest("Expected a JSON body.") }
        let (item, version) = try await createItem(
            .planReview,
            caseID: input.path.caseId,
            itemID: nil,
            ifMatch: input.headers.ifMatch,
            idempotency: try idempotencyKey(
                input.headers.idempotencyKey,
                operation: "createPlanReview",
                target: input.path.caseId,
                body: body
            ),
            command: .reviewPlan(on: try Input.date(body.reviewedOn, at: "/reviewed_on"), summary: body.summary),
            as: Components.Schemas.PlanReview.self
        )
        return .created(
            .init(
                headers: .init(
                    eTag: Self.etag(version),
                    location: "/cases/\(input.path.caseId.lowercased())/plan-reviews/\(item.id)"
                ),
                body: .json(item)
            )
        )
    }

    func replacePlanAgreement(
        _ input: Operations.ReplacePlanAgreement.Input
    ) async throws -> Operations.ReplacePlanAgreement.Output {
        guard case .json(let body) = input.body else { throw Problem.badRequest("Expected a JSON body.") }
        let command = try CaseFile.Command(body)
        let (record, version, _) = try await changeCase(input.path.caseId, ifMatch: input.headers.ifMatch, command: command)
        let agreement = try await item(
            .planAgreement,
            of: record,
            itemID: record.id,
            as: Components.Schemas.PlanAgreement.self
        )
        return .ok(.init(headers: .init(eTag: Self.etag(version)), body: .json(agreement)))
    }

    // MARK: Consultations

    func listConsultations(_ input: Operations.ListConsultations.Input) async throws -> Operations.ListConsultations.Output {
        let (items, next, version) = try await items(
            .consultation,
            caseID: input.path.caseId,
            cursor: input.query.cursor,
            limit: input.query.limit,
            as: Components.Schemas.Consultation.self
        )
        return .ok(.init(headers: .init(eTag: Self.etag(version)), body: .json(.init(items: items, nextCursor: next))))
    }

    func createConsultation(_ input: Operations.CreateConsultation.Input) async throws -> Operations.CreateConsultation.Output {
        guard case .json(let body) = input.body else { throw Problem.badRequest("Expected a JSON body.") }
        let id = UUID()
        let log = try CaseFile.ConsultationLog(body, id: id)
        let (item, version) = try await createItem(
            .consultation,
            caseID: input.path.caseId,
            itemID: id,
            ifMatch: input.headers.ifMatch,
            idempotency: try idempotencyKey(
                input.headers.idempotencyKey,
                operation: "createConsultation",
                target: input.path.caseId,
                body: body
            ),
            command: .logConsultation(log),
            as: Components.Schemas.Consultation.self
        )
        return .created(
            .init(
                headers: .init(
                    eTag: Self.etag(version),
                    location: "/cases/\(input.path.caseId.lowercased())/consultations/\(item.id)"
                ),
                body: .json(item)
            )
        )
    }

    func replaceReferralOutcome(
        _ input: Operations.ReplaceReferralOutcome.Input
    ) async throws -> Operations.ReplaceReferralOutcome.Output {
        guard case .json(let body) = input.body else { throw Problem.badRequest("Expected a JSON body.") }
        let referralID = try Input.uuid(input.path.referralId, at: "#/path/referral_id")
        let command = CaseFile.Command.recordReferralOutcome(
            referralID: referralID,
            outcome: ReferralOutcome(rawValue: body.outcome.rawValue) ?? .other,
            text: body.text,
            on: try Input.date(body.recordedOn, at: "/recorded_on")
        )
        let (record, version, _) = try await changeCase(input.path.caseId, ifMatch: input.headers.ifMatch, command: command)
        guard let consultation = try await caseItems.consultation(caseID: record.id, referralID: referralID) else {
            throw Problem.internalError()
        }
        let shaped = try await item(
            .consultation,
            of: record,
            itemID: consultation.id,
            as: Components.Schemas.Consultation.self
        )
        return .ok(.init(headers: .init(eTag: Self.etag(version)), body: .json(shaped)))
    }

    // MARK: Observations

    func listObservations(_ input: Operations.ListObservations.Input) async throws -> Operations.ListObservations.Output {
        let (items, next, version) = try await items(
            .observation,
            caseID: input.path.caseId,
            cursor: input.query.cursor,
            limit: input.query.limit,
            as: Components.Schemas.Observation.self
        )
        return .ok(.init(headers: .init(eTag: Self.etag(version)), body: .json(.init(items: items, nextCursor: next))))
    }

    func createObservation(_ input: Operations.CreateObservation.Input) async throws -> Operations.CreateObservation.Output {
        guard case .json(let body) = input.body else { throw Problem.badRequest("Expected a JSON body.") }
        let observation = try Observation(body, id: UUID())
        let (item, version) = try await createItem(
            .observation,
            caseID: input.path.caseId,
            itemID: observation.id,
            ifMatch: input.headers.ifMatch,
            idempotency: try idempotencyKey(
                input.headers.idempotencyKey,
                operation: "createObservation",
                target: input.path.caseId,
                body: body
            ),
            command: .recordObservation(observation),
            as: Components.Schemas.Observation.self
        )
        return .created(
            .init(
                headers: .init(
                    eTag: Self.etag(version),
                    location: "/cases/\(input.path.caseId.lowercased())/observations/\(item.id)"
                ),
                body: .json(item)
            )
        )
    }

    // MARK: Consents

    func listConsents(_ input: Operations.ListConsents.Input) async throws -> Operations.ListConsents.Output {
        let (items, next, version) = try await items(
            .consent,
            caseID: input.path.caseId,
            cursor: input.query.cursor,
            limit: input.query.limit,
            as: Components.Schemas.Consent.self
        )
        return .ok(.init(headers: .init(eTag: Self.etag(version)), body: .json(.init(items: items, nextCursor: next))))
    }

    func createConsent(_ input: Operations.CreateConsent.Input) async throws -> Operations.CreateConsent.Output {
        guard case .json(let body) = input.body else { throw Problem.badRequest("Expected a JSON body.") }
        let purpose = ConsentPurpose(rawValue: body.purpose.rawValue) ?? .dataCollection
        var recipientOrganisationID: UUID?
        if let named = body.recipientOrganisationId {
            // The recipient is an organisation of the case's district; of a hand-off consent, its Jobcenter.
            let (row, _) = try await visibleCase(input.path.caseId)
            recipientOrganisationID = try await referenced(
                .organisation,
                id: try Input.uuid(named, at: "/recipient_organisation_id").uuidString,
                as: Organisation.Record.self,
                districtID: row.record.districtID,
                at: "/recipient_organisation_id"
            ) { $0.active && (purpose != .jobcenterHandoff || $0.kind == .jobcenter) }.state.id
        }
        let consent = CaseFile.Consent(body, id: UUID(), recipientOrganisationID: recipientOrganisationID)
        let (item, version) = try await createItem(
            .consent,
            caseID: input.path.caseId,
            itemID: consent.id,
            ifMatch: input.headers.ifMatch,
            idempotency: try idempotencyKey(
                input.headers.idempotencyKey,
                operation: "createConsent",
                target: input.path.caseId,
                body: body
            ),
            command: .giveConsent(consent),
            as: Components.Schemas.Consent.self
        )
        return .created(
            .init(
                headers: .init(
                    eTag: Self.etag(version),
                    location: "/cases/\(input.path.caseId.lowercased())/consents/\(item.id)"
                ),
                body: .json(item)
            )
        )
    }

    func withdrawConsent(_ input: Operations.WithdrawConsent.Input) async throws -> Operations.WithdrawConsent.Output {
        let consentID = try Input.uuid(input.path.consentId, at: "#/path/consent_id")
        var at = now()
        if case .json(let body) = input.body, let withdrawnAt = body.withdrawnAt { at = withdrawnAt }
        // A withdrawal is the client's right also after closure: whoever may still read the
        // case records it.
        let (record, version, _) = try await changeCase(
            input.path.caseId,
            ifMatch: input.headers.ifMatch,
            command: .withdrawConsent(consentID: consentID, at: at),
            requiring: .read
        )
        let consent = try await item(.consent, of: record, itemID: consentID, as: Components.Schemas.Consent.self)
        return .ok(.init(headers: .init(eTag: Self.etag(version)), body: .json(consent)))
    }
}

extension CaseFile.GoalAgreement {
    /// The goal a request body describes.
    init(_ body: Components.Schemas.GoalInput, goalID: UUID) throws {
        let steps = try (body.steps ?? []).enumerated().map { index, step in
            (
                step: CaseFile.Step(
                    owner: StepOwner(rawValue: step.owner.rawValue) ?? .client,
                    dueOn: try step.dueOn.map { try Input.date($0, at: "/steps/\(index)/due_on") }
                ),
                text: step.text
            )
        }
        self.init(
            goalID: goalID,
            area: try Input.area(body.area, at: "/area"),
            text: body.text,
            steps: steps,
            dueOn: try body.dueOn.map { try Input.date($0, at: "/due_on") },
            reviewOn: try body.reviewOn.map { try Input.date($0, at: "/review_on") },
            agreedOn: try Input.date(body.agreedOn, at: "/agreed_on")
        )
    }
}

extension Input {
    /// The life area `code` (the contract lists exactly the codes of `life_area`, as a test
    /// checks).
    ///
    /// - Throws: 422 pointing at `pointer` for a code that is not a life area.
    static func area(_ code: Components.Schemas.LifeArea, at pointer: String) throws -> LifeArea {
        guard let area = LifeArea(rawValue: code.rawValue) else {
            throw Problem.unprocessable(
                "\(code.rawValue) is not a code of life_area.",
                errors: [.init(pointer: pointer, detail: "not a code of life_area")]
            )
        }
        return area
    }

    /// The life areas of the wire form.
    static func areas(_ codes: Components.Schemas.LifeAreas, at pointer: String) throws -> [LifeArea] {
        try codes.enumerated().map { index, code in try area(code, at: "\(pointer)/\(index)") }
    }
}

extension APIHandler {
    // MARK: Single items

    func getAssessment(_ input: Operations.GetAssessment.Input) async throws -> Operations.GetAssessment.Output {
        let (item, version) = try await singleItem(
            .assessment,
            caseID: input.path.caseId,
            itemID: input.path.assessmentId,
            at: "#/path/assessment_id",
            as: Components.Schemas.Assessment.self
        )
        return .ok(.init(headers: .init(eTag: Self.etag(version)), body: .json(item)))
    }

    func getGoal(_ input: Operations.GetGoal.Input) async throws -> Operations.GetGoal.Output {
        let (item, version) = try await singleItem(
            .goal,
            caseID: input.path.caseId,
            itemID: input.path.goalId,
            at: "#/path/goal_id",
            as: Components.Schemas.Goal.self
        )
        return .ok(.init(headers: .init(eTag: Self.etag(version)), body: .json(item)))
    }

    func getPlanReview(_ input: Operations.GetPlanReview.Input) async throws -> Operations.GetPlanReview.Output {
        let (item, version) = try await singleItem(
            .planReview,
            caseID: input.path.caseId,
            itemID: input.path.planReviewId,
            at: "#/path/plan_review_id",
            as: Components.Schemas.PlanReview.self
        )
        return .ok(.init(headers: .init(eTag: Self.etag(version)), body: .json(item)))
    }

    func getConsultation(_ input: Operations.GetConsultation.Input) async throws -> Operations.GetConsultation.Output {
        let (item, version) = try await singleItem(
            .consultation,
            caseID: input.path.caseId,
            itemID: input.path.consultationId,
            at: "#/path/consultation_id",
            as: Components.Schemas.Consultation.self
        )
        return .ok(.init(headers: .init(eTag: Self.etag(version)), body: .json(item)))
    }

    func getObservation(_ input: Operations.GetObservation.Input) async throws -> Operations.GetObservation.Output {
        let (item, version) = try await singleItem(
            .observation,
            caseID: input.path.caseId,
            itemID: input.path.observationId,
            at: "#/path/observation_id",
            as: Components.Schemas.Observation.self
        )
        return .ok(.init(headers: .init(eTag: Self.etag(version)), body: .json(item)))
    }

    func getConsent(_ input: Operations.GetConsent.Input) async throws -> Operations.GetConsent.Output {
        let (item, version) = try await singleItem(
            .consent,
            caseID: input.path.caseId,
            itemID: input.path.consentId,
            at: "#/path/consent_id",
            as: Components.Schemas.Consent.self
        )
        return .ok(.init(headers: .init(eTag: Self.etag(version)), body: .json(item)))
    }

    func getPlanAgreement(_ input: Operations.GetPlanAgreement.Input) async throws -> Operations.GetPlanAgreement.Output {
        let (row, principal) = try await visibleCase(input.path.caseId, for: .read)
        try await accessLog.record(
            principal,
            persons: [Self.subject(ofClient: row.record.clientID)],
            district: row.record.districtID
        )
        // Stored under the case's id, as the PUT answers it; 404 before the client agreed.
        let agreement = try await item(
            .planAgreement,
            of: row.record,
            itemID: row.record.id,
            as: Components.Schemas.PlanAgreement.self
        )
        return .ok(.init(headers: .init(eTag: Self.etag(row.version)), body: .json(agreement)))
    }
}
