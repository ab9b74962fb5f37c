import Foundation
import Hummingbird
import HummingbirdTesting
import Synchronization
import TestSupport
import Testing

@testable import WegweiserServer

/// Role × operation × tenant: every operation, called by a staff member of every role and
/// tenant, is allowed, forbidden (403), hidden (404: out of scope, exactly like a missing
/// object) or refused (422: a referenced object outside the caller's district).
///
/// To extend it, add a ``MatrixRow`` per new operation to ``AccessMatrixTests/rows``; the
/// coverage test fails until every operation of the access policy has one.
@Suite("Access matrix: role × operation × tenant", .postgres)
struct AccessMatrixTests {
    @Test("every operation of the access policy has a row in the matrix")
    func coverage() {
        let covered = Set(Self.rows.map(\.operation))
        #expect(Set(AccessPolicy.operations.keys).subtracting(covered).isEmpty)
    }

    @Test("each caller gets exactly the expected answer for each operation")
    func matrix() async throws {
        let app = try await TestApp.make(extra: ["changes.stream.seconds": 1])  // a change stream ends within a second
        try await app.test(.router) { client in
            let context = try await MatrixContext.prepare(client)
            var mismatches: [String] = []
            for row in Self.rows {
                for caller in Caller.allCases {
                    let response = try await row.call(context, caller)
                    let outcome = Outcome(response.status)
                    if outcome != row.expected(caller) {
                        mismatches.append(
                            "\(row.operation) by \(caller): \(response.status.code), expected \(row.expected(caller)) "
                                + String(buffer: response.body).prefix(200)
                        )
                    }
                }
            }
            #expect(mismatches.isEmpty, "\(mismatches.joined(separator: "\n"))")
        }
    }

    static let structureReaders = Set(Caller.allCases).subtracting([.jobcenter])
    static let figureReaders: Set<Caller> = [
        .workerA, .workerB, .workerTuebingen, .teamLead, .coordinator, .auditor, .admin, .adminTuebingen,
    ]
    static let inWaldshut: Set<Caller> = Set(Caller.allCases).subtracting([.workerTuebingen, .adminTuebingen])

    static let rows: [MatrixRow] = [
        MatrixRow("getMe", allowed: Set(Caller.allCases)) { try await $0.call(.get, "/me", as: $1) },

        MatrixRow("listDistricts", allowed: structureReaders) { try await $0.call(.get, "/districts", as: $1) },
        MatrixRow("getDistrict", allowed: structureReaders.intersection(inWaldshut), hidden: [.workerTuebingen, .adminTuebingen])
        {
            try await $0.call(.get, "/districts/08337", as: $1)
        },
        MatrixRow("createDistrict", allowed: [.operator]) { context, caller in
            try await context.call(.post, "/districts", as: caller, body: ["id": context.freshDistrictKey(), "name": "Neu"])
        },
        MatrixRow("replaceDistrict", allowed: [.operator]) {
            try await $0.call(.put, "/districts/08337", as: $1, body: ["name": "Landkreis Waldshut (Demo)"])
        },
        MatrixRow("deactivateDistrict", allowed: [.operator]) { context, caller in
            try await context.call(.delete, "/districts/\(try await context.freshDistrict())", as: caller)
        },

        MatrixRow("listOrganisations", allowed: structureReaders) { try await $0.call(.get, "/organisations", as: $1) },
        MatrixRow(
            "getOrganisation",
            allowed: structureReaders.intersection(inWaldshut),
            hidden: [.workerTuebingen, .adminTuebingen]
        ) { try await $0.call(.get, "/organisations/\($0.organisationA)", as: $1) },
        MatrixRow("createOrganisation", allowed: [.admin, .adminTuebingen, .operator]) {
            try await $0.call(.post, "/organisations", as: $1, body: ["name": "AWO", "kind": "welfare_organisation"])
        },
        MatrixRow("replaceOrganisation", allowed: [.admin, .operator], hidden: [.adminTuebingen]) { context, caller in
            let id = try await context.freshOrganisation()
            return try await context.call(.put, "/organisations/\(id)", as: caller, body: ["name": "AWO 2", "kind": "other"])
        },
        MatrixRow("deactivateOrganisation", allowed: [.admin, .operator], hidden: [.adminTuebingen]) { context, caller in
            try await context.call(.delete, "/organisations/\(try await context.freshOrganisation())", as: caller)
        },

        MatrixRow("listTeams", allowed: structureReaders) { try await $0.call(.get, "/teams", as: $1) },
        MatrixRow("getTeam", allowed: structureReaders.intersection(inWaldshut), hidden: [.workerTuebingen, .adminTuebingen]) {
            try await $0.call(.get, "/teams/\($0.teamNord)", as: $1)
        },
        MatrixRow("createTeam", allowed: [.admin, .operator], refused: [.adminTuebingen]) {
            try await $0.call(.post, "/teams", as: $1, body: ["organisation_id": $0.organisationA, "name": "Team Süd"])
        },
        MatrixRow("replaceTeam", allowed: [.admin, .operator], hidden: [.adminTuebingen]) { context, caller in
            let id = try await context.freshTeam()
            return try await context.call(.put, "/teams/\(id)", as: caller, body: ["name": "Team Ost"])
        },
        MatrixRow("deactivateTeam", allowed: [.admin, .operator], hidden: [.adminTuebingen]) { context, caller in
            try await context.call(.delete, "/teams/\(try await context.freshTeam())", as: caller)
        },

        MatrixRow("listStaffMembers", allowed: Set(Caller.allCases).subtracting([.coordinator, .jobcenter])) {
            try await $0.call(.get, "/staff-members", as: $1)
        },
        MatrixRow(
            "getStaffMember",
            allowed: [.teamLead, .auditor, .admin, .dataProtectionOfficer, .operator],
            hidden: [.workerA, .workerB, .workerTuebingen, .adminTuebingen]
        ) { try await $0.call(.get, "/staff-members/\($0.workerA2)", as: $1) },
        MatrixRow("createStaffMember", allowed: [.admin, .operator], refused: [.adminTuebingen]) { context, caller in
            try await context.call(.post, "/staff-members", as: caller, body: context.staffBody())
        },
        MatrixRow("replaceStaffMember", allowed: [.admin, .operator], hidden: [.adminTuebingen]) { context, caller in
            let id = try await context.freshStaffMember()
            var body = context.staffBody()
            body["full_time_equivalent"] = 0.5
            return try await context.call(.put, "/staff-members/\(id)", as: caller, body: body)
        },
        MatrixRow("deactivateStaffMember", allowed: [.admin, .operator], hidden: [.adminTuebingen]) { context, caller in
            try await context.call(.delete, "/staff-members/\(try await context.freshStaffMember())", as: caller)
        },

        MatrixRow(
            "listSubstitutions",
            allowed: [.workerA, .workerB, .workerTuebingen, .teamLead, .auditor, .dataProtectionOfficer]
        ) { try await $0.call(.get, "/substitutions", as: $1) },
        MatrixRow(
            "getSubstitution",
            allowed: [.workerA, .teamLead, .auditor, .dataProtectionOfficer],
            hidden: [.workerB, .workerTuebingen]
        ) { try await $0.call(.get, "/substitutions/\($0.grant)", as: $1) },
        MatrixRow("createSubstitution", allowed: [.teamLead]) {
            try await $0.call(.post, "/substitutions", as: $1, body: $0.grantBody())
        },
        MatrixRow("revokeSubstitution", allowed: [.teamLead]) { context, caller in
            try await context.call(.delete, "/substitutions/\(try await context.freshGrant())", as: caller)
        },

        MatrixRow("getCasePlanStatus", allowed: [.workerA, .teamLead], hidden: [.workerB, .workerTuebingen]) {
            try await $0.call(.get, "/cases/\($0.caseA)/plan-status", as: $1)
        },
        MatrixRow(
            "listCaseAuditTrail",
            allowed: [.workerA, .teamLead, .auditor, .dataProtectionOfficer],
            hidden: [.workerB, .workerTuebingen]
        ) { try await $0.call(.get, "/cases/\($0.caseA)/audit-trail", as: $1) },
        MatrixRow(
            "listClientAuditTrail",
            allowed: [.workerA, .teamLead, .auditor, .dataProtectionOfficer],
            hidden: [.workerB, .workerTuebingen]
        ) { try await $0.call(.get, "/clients/\($0.clientA)/audit-trail", as: $1) },
        MatrixRow("getCaseload", allowed: [.workerA, .workerB, .workerTuebingen, .teamLead, .coordinator]) {
            try await $0.call(.get, "/caseloads", as: $1)
        },
        MatrixRow("getCaseload", allowed: [.workerA, .teamLead, .coordinator], hidden: [.workerB, .workerTuebingen]) {
            try await $0.call(.get, "/caseloads?level=staff_member&id=\(Caller.workerA.person.id.apiString)", as: $1)
        },
        MatrixRow("getCaseload", allowed: [.teamLead, .coordinator], hidden: [.workerA, .workerB, .workerTuebingen]) {
            try await $0.call(.get, "/caseloads?level=team&id=\($0.teamNord)", as: $1)
        },
        MatrixRow("getCaseload", allowed: [.coordinator], hidden: [.workerA, .workerB, .workerTuebingen, .teamLead]) {
            try await $0.call(.get, "/caseloads?level=district&id=08337", as: $1)
        },

        MatrixRow("getDataQuality", allowed: [.workerA, .workerB, .workerTuebingen, .teamLead, .coordinator]) {
            try await $0.call(.get, "/data-quality", as: $1)
        },

        MatrixRow("getKeyFigures", allowed: figureReaders) { try await $0.call(.get, "/key-figures", as: $1) },
        MatrixRow(
            "getKeyFigures",
            allowed: [.workerA, .teamLead, .coordinator, .auditor, .admin],
            hidden: [.workerB, .workerTuebingen, .adminTuebingen]
        ) {
            try await $0.call(.get, "/key-figures?staff_member_id=\(Caller.workerA.person.id.apiString)", as: $1)
        },
        MatrixRow(
            "getKeyFigures",
            allowed: [.teamLead, .coordinator, .auditor, .admin],
            hidden: [.workerA, .workerB, .workerTuebingen, .adminTuebingen]
        ) {
            try await $0.call(.get, "/key-figures?team_id=\($0.teamNord)", as: $1)
        },
        MatrixRow("listReportDefinitions", allowed: figureReaders) { try await $0.call(.get, "/report-definitions", as: $1) },
        MatrixRow("getTrajectory", allowed: figureReaders) {
            try await $0.call(.get, "/trajectories?measure=german_level&cohort_from=2025-01-01&cohort_to=2026-01-01", as: $1)
        },
        MatrixRow("getStaffSheet", allowed: [.teamLead, .coordinator, .auditor, .admin, .adminTuebingen]) {
            try await $0.call(.get, "/staff-sheets?from=2026-01-01&to=2026-06-30", as: $1)
        },
        MatrixRow("getStaffSheet", allowed: [.teamLead, .coordinator, .auditor, .admin], hidden: [.adminTuebingen]) {
            try await $0.call(.get, "/staff-sheets?from=2026-01-01&to=2026-06-30&team_id=\($0.teamNord)", as: $1)
        },
        MatrixRow("getDataCompleteness", allowed: [.teamLead, .coordinator]) {
            try await $0.call(.get, "/data-completeness", as: $1)
        },
        MatrixRow("publishReport", allowed: [.coordinator]) { context, caller in
            try await context.call(.post, "/published-reports", as: caller, body: ["recipient": "Regierungspräsidium"])
        },
        MatrixRow("listPublishedReports", allowed: [.coordinator, .auditor, .admin, .adminTuebingen]) {
            try await $0.call(.get, "/published-reports", as: $1)
        },
        MatrixRow("getPublishedReport", allowed: [.coordinator, .auditor, .admin], hidden: [.adminTuebingen]) { context, caller in
            let id = try await context.create("/published-reports", ["recipient": "Regierungspräsidium"], as: .coordinator)
            return try await context.call(.get, "/published-reports/\(id)", as: caller)
        },

        MatrixRow("listAccessLog", allowed: [.auditor, .dataProtectionOfficer]) {
            try await $0.call(.get, "/access-log", as: $1)
        },

        MatrixRow("getCodeLists", allowed: Set(Caller.allCases)) { try await $0.call(.get, "/code-lists", as: $1) },
        MatrixRow("createHousehold", allowed: caseworkers) { context, caller in
            let client = try await context.create(
                "/clients",
                MatrixContext.clientBody,
                as: caseworkers.contains(caller) ? caller : .workerA
            )
            return try await context.call(.post, "/households", as: caller, body: MatrixContext.householdBody(client))
        },
        caseRow("getHousehold") { context, caller in
            let id = try await context.freshHousehold()
            return try await context.call(.get, "/households/\(id.household)", as: caller)
        },
        caseRow("replaceHouseholdMember") { context, caller in
            let id = try await context.freshHousehold()
            return try await context.call(
                .put,
                "/households/\(id.household)/members/\(id.client)",
                as: caller,
                body: ["role": "parent", "joined_on": "2026-01-06"]
            )
        },
        caseRow("removeHouseholdMember") { context, caller in
            let id = try await context.freshHousehold()
            return try await context.call(.delete, "/households/\(id.household)/members/\(id.client)", as: caller)
        },
        MatrixRow("createHouseholdTransfer", allowed: [.teamLead, .admin], hidden: [.adminTuebingen]) { context, caller in
            let id = try await context.freshHousehold(withCase: true)
            return try await context.call(.post, "/households/\(id.household)/transfers", as: caller, body: context.transferBody)
        },
        MatrixRow("listClients", allowed: caseworkers) { try await $0.call(.get, "/clients?name=haddad", as: $1) },
        MatrixRow("createClient", allowed: caseworkers) {
            try await $0.call(.post, "/clients", as: $1, body: MatrixContext.clientBody)
        },
        MatrixRow("getClient", allowed: [.workerA, .teamLead], hidden: [.workerB, .workerTuebingen]) {
            try await $0.call(.get, "/clients/\($0.clientA)", as: $1)
        },
        MatrixRow("replaceClient", allowed: [.workerA, .teamLead], hidden: [.workerB, .workerTuebingen]) {
            try await $0.call(.put, "/clients/\($0.clientA)", as: $1, body: MatrixContext.clientBody, headers: [.ifMatch: "*"])
        },
        MatrixRow("listClientConsultations", allowed: [.workerA, .teamLead], hidden: [.workerB, .workerTuebingen]) {
            try await $0.call(.get, "/clients/\($0.clientA)/consultations", as: $1)
        },
        MatrixRow("listCases", allowed: caseworkers) { try await $0.call(.get, "/cases", as: $1) },
        MatrixRow("openCase", allowed: caseworkers) { context, caller in
            let client = try await context.create(
                "/clients",
                MatrixContext.clientBody,
                as: caseworkers.contains(caller) ? caller : .workerA
            )
            return try await context.call(.post, "/cases", as: caller, body: context.caseBody(client: client))
        },
        MatrixRow("getCase", allowed: [.workerA, .teamLead], hidden: [.workerB, .workerTuebingen]) {
            try await $0.call(.get, "/cases/\($0.caseA)", as: $1)
        },
        MatrixRow("replaceCaseAssignment", allowed: [.teamLead]) { context, caller in
            let id = try await context.freshCase()
            return try await context.call(.put, "/cases/\(id)/assignment", as: caller, body: ["assignee_id": context.workerA2])
        },
        MatrixRow("createTransfer", allowed: [.teamLead, .admin], hidden: [.adminTuebingen]) { context, caller in
            let id = try await context.freshCase()
            return try await context.call(.post, "/cases/\(id)/transfers", as: caller, body: context.transferBody)
        },
        caseRow("listCorrections") { try await $0.call(.get, "/cases/\($0.caseA)/corrections", as: $1) },
        caseRow("createCorrection") { context, caller in
            let id = try await context.create(
                "/cases/\(context.caseA)/consultations",
                MatrixContext.consultationBody,
                as: .workerA
            )
            let body: [String: Any] = ["fact": "consultation_held_on", "item_id": id, "day": "2026-01-21", "reason": "Datum"]
            return try await context.call(.post, "/cases/\(context.caseA)/corrections", as: caller, body: body)
        },
        caseRow("getCorrection") { context, caller in
            let consultation = try await context.create(
                "/cases/\(context.caseA)/consultations",
                MatrixContext.consultationBody,
                as: .workerA
            )
            let body: [String: Any] = [
                "fact": "consultation_held_on", "item_id": consultation, "day": "2026-01-21", "reason": "Datum",
            ]
            let id = try await context.create("/cases/\(context.caseA)/corrections", body, as: .workerA)
            return try await context.call(.get, "/cases/\(context.caseA)/corrections/\(id)", as: caller)
        },
        caseRow("listTransfers") { try await $0.call(.get, "/cases/\($0.caseA)/transfers", as: $1) },
        caseRow("getTransfer") { context, caller in
            // A case of worker A2 that the lead hands to worker A.
            let client = try await context.create("/clients", MatrixContext.clientBody, as: .workerA)
            var opening = context.caseBody(client: client)
            opening["assignee_id"] = context.workerA2
            let id = try await context.create("/cases", opening, as: .teamLead)
            let transfer = try await context.create(
                "/cases/\(id)/transfers",
                ["to_assignee_id": context.workerA, "transferred_on": "2026-01-06"],
                as: .teamLead
            )
            return try await context.call(.get, "/cases/\(id)/transfers/\(transfer)", as: caller)
        },
        MatrixRow("startCounsellingPeriod", allowed: [.workerA, .teamLead], hidden: [.workerB, .workerTuebingen]) {
            context,
            caller in
            let id = try await context.freshCase()
            return try await context.call(.put, "/cases/\(id)/counselling-period", as: caller, body: ["started_on": "2026-01-05"])
        },
        MatrixRow("extendCounsellingPeriod", allowed: [.workerA, .teamLead], hidden: [.workerB, .workerTuebingen]) {
            context,
            caller in
            let id = try await context.freshCase(started: true)
            let body: [String: Any] = ["months": 3, "reason": "ongoing_course", "decided_on": "2026-02-01"]
            return try await context.call(.post, "/cases/\(id)/counselling-period/extensions", as: caller, body: body)
        },
        MatrixRow("closeCase", allowed: [.workerA, .teamLead], hidden: [.workerB, .workerTuebingen]) { context, caller in
            let id = try await context.freshCase()
            let body = ["reason": "moved_out_of_district", "closed_on": "2026-02-01"]
            return try await context.call(.put, "/cases/\(id)/closure", as: caller, body: body)
        },
        MatrixRow("reopenCase", allowed: [.workerA, .teamLead], hidden: [.workerB, .workerTuebingen]) { context, caller in
            let id = try await context.freshCase(closed: true)
            return try await context.call(
                .post,
                "/cases/\(id)/reopenings",
                as: caller,
                body: ["reason": "zurück", "reopened_on": "2026-03-01"]
            )
        },

        caseRow("listAssessments") { try await $0.call(.get, "/cases/\($0.caseA)/assessments", as: $1) },
        caseRow("createAssessment") {
            try await $0.call(
                .post,
                "/cases/\($0.caseA)/assessments",
                as: $1,
                body: ["held_on": "2026-01-10", "needs": ["work"], "priorities": ["work"]]
            )
        },
        caseRow("listGoals") { try await $0.call(.get, "/cases/\($0.caseA)/goals", as: $1) },
        caseRow("createGoal") { try await $0.call(.post, "/cases/\($0.caseA)/goals", as: $1, body: MatrixContext.goalBody) },
        caseRow("replaceGoal") {
            try await $0.call(.put, "/cases/\($0.caseA)/goals/\($0.goalA)", as: $1, body: MatrixContext.goalBody)
        },
        caseRow("replaceGoalStatus") {
            try await $0.call(
                .put,
                "/cases/\($0.caseA)/goals/\($0.goalA)/status",
                as: $1,
                body: ["status": "in_progress", "changed_on": "2026-02-01"]
            )
        },
        caseRow("listPlanReviews") { try await $0.call(.get, "/cases/\($0.caseA)/plan-reviews", as: $1) },
        caseRow("createPlanReview") {
            try await $0.call(
                .post,
                "/cases/\($0.caseA)/plan-reviews",
                as: $1,
                body: ["reviewed_on": "2026-02-01", "summary": "gut"]
            )
        },
        caseRow("replacePlanAgreement") {
            try await $0.call(
                .put,
                "/cases/\($0.caseA)/plan-agreement",
                as: $1,
                body: ["agreed_on": "2026-02-01", "form": "written"]
            )
        },
        caseRow("listConsultations") { try await $0.call(.get, "/cases/\($0.caseA)/consultations", as: $1) },
        caseRow("createConsultation") {
            try await $0.call(.post, "/cases/\($0.caseA)/consultations", as: $1, body: MatrixContext.consultationBody)
        },
        caseRow("replaceReferralOutcome") { context, caller in
            let referral = try await context.freshReferral()
            return try await context.call(
                .put,
                "/cases/\(context.caseA)/referrals/\(referral)/outcome",
                as: caller,
                body: ["outcome": "appointment_made", "recorded_on": "2026-02-10"]
            )
        },
        caseRow("listObservations") { try await $0.call(.get, "/cases/\($0.caseA)/observations", as: $1) },
        caseRow("createObservation") {
            let body: [String: Any] = ["field": "german_level", "value": ["status": "declined"], "observed_on": "2026-02-01"]
            return try await $0.call(.post, "/cases/\($0.caseA)/observations", as: $1, body: body)
        },
        caseRow("listConsents") { try await $0.call(.get, "/cases/\($0.caseA)/consents", as: $1) },
        caseRow("createConsent") {
            try await $0.call(.post, "/cases/\($0.caseA)/consents", as: $1, body: MatrixContext.consentBody)
        },
        caseRow("listClientObservations") { try await $0.call(.get, "/clients/\($0.clientA)/observations", as: $1) },
        caseRow("getGoal") { try await $0.call(.get, "/cases/\($0.caseA)/goals/\($0.goalA)", as: $1) },
        caseRow("getPlanAgreement") { context, caller in
            _ = try await context.call(
                .put,
                "/cases/\(context.caseA)/plan-agreement",
                as: .workerA,
                body: ["agreed_on": "2026-02-01", "form": "written"]
            )
            return try await context.call(.get, "/cases/\(context.caseA)/plan-agreement", as: caller)
        },
        caseRow("getAssessment") { context, caller in
            let body: [String: Any] = ["held_on": "2026-01-10", "needs": ["work"], "priorities": ["work"]]
            let id = try await context.create("/cases/\(context.caseA)/assessments", body, as: .workerA)
            return try await context.call(.get, "/cases/\(context.caseA)/assessments/\(id)", as: caller)
        },
        caseRow("getPlanReview") { context, caller in
            let body: [String: Any] = ["reviewed_on": "2026-02-01", "summary": "gut"]
            let id = try await context.create("/cases/\(context.caseA)/plan-reviews", body, as: .workerA)
            return try await context.call(.get, "/cases/\(context.caseA)/plan-reviews/\(id)", as: caller)
        },
        caseRow("getConsultation") { context, caller in
            let id = try await context.create(
                "/cases/\(context.caseA)/consultations",
                MatrixContext.consultationBody,
                as: .workerA
            )
            return try await context.call(.get, "/cases/\(context.caseA)/consultations/\(id)", as: caller)
        },
        caseRow("getObservation") { context, caller in
            let body: [String: Any] = ["field": "german_level", "value": ["status": "declined"], "observed_on": "2026-02-01"]
            let id = try await context.create("/cases/\(context.caseA)/observations", body, as: .workerA)
            return try await context.call(.get, "/cases/\(context.caseA)/observations/\(id)", as: caller)
        },
        caseRow("getConsent") { context, caller in
            let id = try await context.create("/cases/\(context.caseA)/consents", MatrixContext.consentBody, as: .workerA)
            return try await context.call(.get, "/cases/\(context.caseA)/consents/\(id)", as: caller)
        },
        caseRow("withdrawConsent") { context, caller in
            let consent = try await context.create("/cases/\(context.caseA)/consents", MatrixContext.consentBody, as: .workerA)
            return try await context.call(.put, "/cases/\(context.caseA)/consents/\(consent)/withdrawal", as: caller, body: [:])
        },
        caseRow("listCaseHandoffs") { try await $0.call(.get, "/cases/\($0.caseA)/handoffs", as: $1) },
        caseRow("createHandoff") { context, caller in
            let consent = try await context.create(
                "/cases/\(context.caseA)/consents",
                MatrixContext.handoffConsentBody,
                as: .workerA
            )
            return try await context.call(
                .post,
                "/cases/\(context.caseA)/handoffs",
                as: caller,
                body: context.handoffBody(consent)
            )
        },
        MatrixRow("listAuditEvents", allowed: [.auditor, .dataProtectionOfficer]) {
            try await $0.call(.get, "/audit/events", as: $1)
        },
        MatrixRow("listCheckpoints", allowed: [.auditor, .dataProtectionOfficer]) {
            try await $0.call(.get, "/audit/checkpoints", as: $1)
        },
        MatrixRow("createCheckpoint", allowed: [.auditor]) { try await $0.call(.post, "/audit/checkpoints", as: $1) },
        MatrixRow("getChainVerification", allowed: [.auditor, .dataProtectionOfficer]) {
            try await $0.call(.get, "/audit/verification", as: $1)
        },
        MatrixRow("getClientExport", allowed: [.dataProtectionOfficer]) {
            try await $0.call(.get, "/clients/\($0.clientA)/export", as: $1)
        },
        MatrixRow("createErasureRequest", allowed: [.teamLead, .dataProtectionOfficer]) {
            try await $0.call(.post, "/clients/\($0.clientA)/erasure-requests", as: $1, body: ["reason": "Prüfung"])
        },
        MatrixRow("listErasureRequests", allowed: [.dataProtectionOfficer, .auditor]) {
            try await $0.call(.get, "/erasure-requests", as: $1)
        },
        MatrixRow("confirmErasureRequest", allowed: [.dataProtectionOfficer]) { context, caller in
            // A request of the lead about a client of its own, so that confirming erases nobody else's.
            let client = try await context.create("/clients", MatrixContext.clientBody, as: .workerA)
            let request = try await context.create("/clients/\(client)/erasure-requests", ["reason": "Prüfung"], as: .teamLead)
            return try await context.call(.put, "/erasure-requests/\(request)/confirmation", as: caller)
        },
        MatrixRow("listChanges", allowed: [.workerA, .workerB, .workerTuebingen, .teamLead]) {
            try await $0.call(.get, "/changes", as: $1)
        },
        MatrixRow("streamChanges", allowed: [.workerA, .workerB, .workerTuebingen, .teamLead]) {
            try await $0.call(.get, "/changes/stream", as: $1)
        },
        MatrixRow("listIncomingHandoffs", allowed: [.jobcenter]) { try await $0.call(.get, "/handoffs", as: $1) },
        MatrixRow("getHandoff", allowed: [.workerA, .teamLead, .jobcenter], hidden: [.workerB, .workerTuebingen]) {
            context,
            caller in
            try await context.call(.get, "/handoffs/\(try await context.freshHandoff())", as: caller)
        },
        MatrixRow("acknowledgeHandoff", allowed: [.jobcenter]) { context, caller in
            try await context.call(.put, "/handoffs/\(try await context.freshHandoff())/acknowledgement", as: caller)
        },
    ]

    /// A row for an operation on worker A's case: worker A and the team lead may; other case
    /// workers do not see the case; every other role is forbidden.
    static func caseRow(
        _ operation: String,
        call: @escaping @Sendable (MatrixContext, Caller) async throws -> TestResponse
    ) -> MatrixRow {
        MatrixRow(operation, allowed: [.workerA, .teamLead], hidden: [.workerB, .workerTuebingen], call: call)
    }

    static let caseworkers: Set<Caller> = [.workerA, .workerB, .workerTuebingen, .teamLead]
}

/// The callers: demo staff members of every role and tenant.
enum Caller: String, CaseIterable, Sendable {
    case workerA = "demo-worker-a"
    case workerB = "demo-worker-b"
    case workerTuebingen = "demo-tuebingen-worker"
    case teamLead = "demo-lead"
    case coordinator = "demo-coordinator"
    case auditor = "demo-auditor"
    case admin = "demo-admin"
    case adminTuebingen = "demo-tuebingen-admin"
    case jobcenter = "demo-jobcenter"
    case dataProtectionOfficer = "demo-dpo"
    case `operator` = "demo-operator"

    /// The demo staff member.
    var person: DemoData.Person { DemoData.people.first { $0.subject == rawValue }! }
}

/// What a caller gets.
enum Outcome: Equatable, CustomStringConvertible {
    case allowed, forbidden, hidden, refused, other(Int)

    init(_ status: HTTPResponse.Status) {
        switch status.code {
        case 200..<300: self = .allowed
        case 403: self = .forbidden
        case 404: self = .hidden
        case 422: self = .refused
        default: self = .other(status.code)
        }
    }

    var description: String {
        switch self {
        case .allowed: "allowed"
        case .forbidden: "forbidden (403)"
        case .hidden: "hidden (404)"
        case .refused: "refused (422)"
        case .other(let code): "status \(code)"
        }
    }
}

/// One operation of the matrix: who is allowed, hidden from or refused; everyone else is
/// forbidden.
struct MatrixRow: Sendable {
    let operation: String
    let allowed: Set<Caller>
    let hidden: Set<Caller>
    let refused: Set<Caller>
    let call: @Sendable (MatrixContext, Caller) async throws -> TestResponse

    init(
        _ operation: String,
        allowed: Set<Caller>,
        hidden: Set<Caller> = [],
        refused: Set<Caller> = [],
        call: @escaping @Sendable (MatrixContext, Caller) async throws -> TestResponse
    ) {
        (self.operation, self.allowed, self.hidden, self.refused, self.call) = (operation, allowed, hidden, refused, call)
    }

    func expected(_ caller: Caller) -> Outcome {
        allowed.contains(caller) ? .allowed : hidden.contains(caller) ? .hidden : refused.contains(caller) ? .refused : .forbidden
    }
}

/// The client, a token per caller, the ids of the demo objects, and fresh objects for
/// operations that change or end them.
struct MatrixContext: Sendable {
    let client: any TestClientProtocol
    let tokens: [Caller: String]
    let organisationA = DemoData.id("organisation:Landratsamt Waldshut").apiString
    let teamNord = DemoData.id("team:Team Nord").apiString
    let workerA = Caller.workerA.person.id.apiString
    let workerA2 = DemoData.people.first { $0.subject == "demo-worker-a2" }!.id.apiString
    var grant = ""
    var clientA = ""
    var caseA = ""
    var goalA = ""

    static func prepare(_ client: any TestClientProtocol) async throws -> MatrixContext {
        var tokens: [Caller: String] = [:]
        for caller in Caller.allCases { tokens[caller] = try TestIdentityProvider.shared.token(for: caller.person) }
        var context = MatrixContext(client: client, tokens: tokens)
        context.grant = try await context.freshGrant()
        context.clientA = try await context.create("/clients", clientBody, as: .workerA)
        context.caseA = try await context.create("/cases", context.caseBody(client: context.clientA), as: .workerA)
        context.goalA = try await context.create("/cases/\(context.caseA)/goals", goalBody, as: .workerA)
        return context
    }

    static var clientBody: [String: Any] {
        clientFields
    }

    static let clientFields: [String: any Sendable] = [
        "given_name": "Amal", "family_name": "Haddad", "date_of_birth": "1990-07-14", "citizenships": ["SY"],
        "target_group": "refugee_follow_up_housing",
    ]

    static var goalBody: [String: Any] {
        [
            "area": "language", "text": "B1 erreichen", "agreed_on": "2026-01-10",
            "steps": [["owner": "client", "text": "Kurs anmelden"]],
        ]
    }

    static var consultationBody: [String: Any] {
        [
            "held_on": "2026-01-20", "duration_minutes": 45, "place": "office", "referrals": [["target": "jobcenter"]],
            "note": "Bewerbung",
        ]
    }

    static var consentBody: [String: Any] {
        [
            "purpose": "jobcenter_handoff", "categories": ["german_level"], "recipient": "Jobcenter",
            "given_at": "2026-01-20T10:00:00Z", "form": "written",
        ]
    }

    static var handoffConsentBody: [String: Any] {
        [
            "purpose": "jobcenter_handoff", "categories": ["german_level"], "recipient": "Jobcenter Landkreis Waldshut",
            "recipient_organisation_id": DemoData.id("organisation:Jobcenter Landkreis Waldshut").apiString,
            "given_at": "2026-01-20T10:00:00Z", "form": "written",
        ]
    }

    /// A hand-off of worker A's case under `consent` to the demo Jobcenter.
    func handoffBody(_ consent: String) -> [String: Any] {
        [
            "consent_id": consent,
            "recipient_organisation_id": DemoData.id("organisation:Jobcenter Landkreis Waldshut").apiString,
            "package": ["german_level": "a2"],
        ]
    }

    /// A hand-off made by worker A under a new consent.
    func freshHandoff() async throws -> String {
        let consent = try await create("/cases/\(caseA)/consents", Self.handoffConsentBody, as: .workerA)
        return try await create("/cases/\(caseA)/handoffs", handoffBody(consent), as: .workerA)
    }

    /// A referral made in a new consultation of worker A's case.
    func freshReferral() async throws -> String {
        let response = try await call(.post, "/cases/\(caseA)/consultations", as: .workerA, body: Self.consultationBody)
        guard let referrals = response.json["referrals"] as? [[String: Any]], let id = referrals.first?["id"] as? String else {
            throw MatrixSetupError(description: "consultation: \(response.status.code) \(String(buffer: response.body))")
        }
        return id
    }

    /// A household formed by worker A with `client` as its head.
    static func householdBody(_ client: String) -> [String: Any] {
        ["formed_on": "2026-01-05", "members": [["client_id": client, "role": "head_of_household"]]]
    }

    /// A household of a new client of worker A (with an open case if `withCase`).
    func freshHousehold(withCase: Bool = false) async throws -> (household: String, client: String) {
        let client = try await create("/clients", Self.clientBody, as: .workerA)
        if withCase { _ = try await create("/cases", caseBody(client: client), as: .workerA) }
        return (try await create("/households", Self.householdBody(client), as: .workerA), client)
    }

    /// A hand-over to worker B, of the provider.
    var transferBody: [String: Any] {
        ["to_assignee_id": Caller.workerB.person.id.apiString, "transferred_on": "2026-01-06", "note": "Übergabe"]
    }

    func caseBody(client: String) -> [String: Any] {
        ["client_id": client, "opening": "direct_intake", "opened_on": "2026-01-05"]
    }

    /// A case of worker A (with its own client), optionally with the period started or closed.
    func freshCase(started: Bool = false, closed: Bool = false) async throws -> String {
        let client = try await create("/clients", Self.clientBody, as: .workerA)
        let id = try await create("/cases", caseBody(client: client), as: .workerA)
        if started {
            _ = try await call(.put, "/cases/\(id)/counselling-period", as: .workerA, body: ["started_on": "2026-01-05"])
        }
        if closed {
            _ = try await call(
                .put,
                "/cases/\(id)/closure",
                as: .workerA,
                body: ["reason": "unreachable", "closed_on": "2026-02-01"]
            )
        }
        return id
    }

    func call(
        _ method: HTTPRequest.Method,
        _ uri: String,
        as caller: Caller,
        body: [String: Any]? = nil,
        headers: HTTPFields = [:]
    ) async throws -> TestResponse {
        try await client.send(method, uri, token: tokens[caller], body: body, headers: headers)
    }

    /// Creates as `caller` and returns the new object's id.
    func create(_ uri: String, _ body: [String: Any], as caller: Caller = .operator) async throws -> String {
        let response = try await call(.post, uri, as: caller, body: body)
        guard response.status == .created, let id = response.json["id"] as? String else {
            throw MatrixSetupError(description: "POST \(uri): \(response.status.code) \(String(buffer: response.body))")
        }
        return id
    }

    /// A district key no other call of this process used (random draws collided once).
    func freshDistrictKey() -> String {
        String(
            format: "%05d",
            Self.districtKeys.withLock { next in
                defer { next = next == 99_999 ? 10_000 : next + 1 }
                return next
            }
        )
    }
    private static let districtKeys = Mutex(Int.random(in: 10_000...89_999))
    func freshDistrict() async throws -> String { try await create("/districts", ["id": freshDistrictKey(), "name": "Kreis"]) }
    func freshOrganisation() async throws -> String {
        try await create("/organisations", ["district_id": "08337", "name": "Träger", "kind": "town"])
    }
    func freshTeam() async throws -> String { try await create("/teams", ["organisation_id": organisationA, "name": "Team"]) }
    func freshStaffMember() async throws -> String { try await create("/staff-members", staffBody()) }
    func freshGrant() async throws -> String { try await create("/substitutions", grantBody(), as: .teamLead) }

    func staffBody() -> [String: Any] {
        [
            "organisation_id": organisationA, "team_id": teamNord, "name": "Neue Kollegin", "role": "case_worker",
            "full_time_equivalent": 0.8, "active_from": "2026-01-01", "subject": "new-\(UUID().uuidString)",
        ]
    }

    /// Worker A2 covers worker A's caseload for a week.
    func grantBody() -> [String: Any] {
        let formatter = ISO8601DateFormatter()
        return [
            "absent_id": workerA, "substitute_id": workerA2, "reason": "Urlaub",
            "from": formatter.string(from: Date().addingTimeInterval(-60)),
            "until": formatter.string(from: Date().addingTimeInterval(7 * 86_400)),
        ]
    }
}

struct MatrixSetupError: Error, CustomStringConvertible {
    let description: String
}
