import Casework
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import TestSupport
import Testing

@testable import WegweiserServer

/// Plan status, caseloads and audit trails through the API, as a case worker, a team lead, a
/// coordinator and an auditor see them.
@Suite("Projections over HTTP: plan status, caseloads, audit trails", .postgres)
struct ProjectionsHTTPTests {
    let provider = TestIdentityProvider.shared
    let worker = DemoData.people.first { $0.subject == "demo-worker-a" }!
    let otherWorker = DemoData.people.first { $0.subject == "demo-worker-b" }!
    let lead = DemoData.people.first { $0.subject == "demo-lead" }!
    let coordinator = DemoData.people.first { $0.subject == "demo-coordinator" }!
    let auditor = DemoData.people.first { $0.subject == "demo-auditor" }!

    /// The day `days` from today.
    func day(_ days: Int) -> String {
        CalendarDate(Date()).adding(days: days).description
    }

    /// A new client of worker A with an open case opened `openedDaysAgo` days ago.
    func openCase(_ http: some TestClientProtocol, token: String, openedDaysAgo: Int) async throws -> String {
        let client = try #require(
            try await http.send(
                .post,
                "/clients",
                token: token,
                body: ["family_name": "Haddad", "target_group": "refugee_follow_up_housing"]
            ).json["id"] as? String
        )
        let opened = try await http.send(
            .post,
            "/cases",
            token: token,
            body: ["client_id": client, "opening": "direct_intake", "opened_on": day(-openedDaysAgo)]
        )
        return try #require(opened.json["id"] as? String)
    }

    @Test(
        "given two open cases, one without a plan after ten weeks, a goal due for review, a period ending soon and a grant in force, then plan status and caseloads count them for worker, lead and coordinator"
    )
    func planStatusAndCaseloads() async throws {
        let app = try await TestApp.make()
        try await app.test(.router) { http in
            let token = try provider.token(for: worker)
            let late = try await openCase(http, token: token, openedDaysAgo: 70)
            let recent = try await openCase(http, token: token, openedDaysAgo: 7)
            let periodStart = CalendarDate(Date()).adding(months: -36).adding(days: 30).description
            #expect(
                try await http.send(.put, "/cases/\(late)/counselling-period", token: token, body: ["started_on": periodStart])
                    .status == .ok
            )
            #expect(
                try await http.send(
                    .post,
                    "/cases/\(late)/goals",
                    token: token,
                    body: ["area": "work", "text": "Arbeit", "agreed_on": day(-20), "review_on": day(-1)]
                ).status == .created
            )
            #expect(
                try await http.send(
                    .post,
                    "/cases/\(recent)/goals",
                    token: token,
                    body: ["area": "language", "text": "B1", "agreed_on": day(-2), "review_on": day(30)]
                ).status == .created
            )
            #expect(
                try await http.send(
                    .put,
                    "/cases/\(recent)/plan-agreement",
                    token: token,
                    body: ["agreed_on": day(-1), "form": "written"]
                ).status == .ok
            )

            let status = try await http.send(.get, "/cases/\(late)/plan-status", token: token)
            #expect(status.status == .ok)
            #expect(status.json["plan_agreed"] as? Bool == false)
            #expect(status.json["open_goals"] as? Int == 1)
            #expect(status.json["goals_due_for_review"] as? Int == 1)
            #expect(status.json["next_review_on"] as? String == day(-1))
            #expect(status.json["period_warning"] as? Bool == true)
            #expect((status.json["goals"] as? [[String: Any]])?.first?["area"] as? String == "work")
            let agreed = try await http.send(.get, "/cases/\(recent)/plan-status", token: token)
            #expect(agreed.json["plan_agreed"] as? Bool == true)
            #expect(agreed.json["plan_agreed_on"] as? String == day(-1))

            let own = try await http.send(.get, "/caseloads", token: token).json
            #expect(own["level"] as? String == "staff_member")
            #expect(own["open_cases"] as? Int == 2)
            #expect(own["full_time_equivalents"] as? Double == 1)
            #expect(own["cases_per_full_time_equivalent"] as? Double == 2)
            #expect(own["cases_without_agreed_plan"] as? Int == 1, "only the case opened ten weeks ago")
            #expect(own["plans_agreed"] as? Int == 1)
            #expect(own["goals_due_for_review"] as? Int == 1)
            #expect(own["periods_ending_within_90_days"] as? Int == 1)
            #expect(own["cases_covered_by_substitution"] as? Int == 0)

            let formatter = ISO8601DateFormatter()
            let grant = try await http.send(
                .post,
                "/substitutions",
                token: provider.token(for: lead),
                body: [
                    "absent_id": worker.id.apiString,
                    "substitute_id": DemoData.people.first { $0.subject == "demo-worker-a2" }!.id.apiString,
                    "reason": "Urlaub", "from": formatter.string(from: Date().addingTimeInterval(-60)),
                    "until": formatter.string(from: Date().addingTimeInterval(86_400)),
                ]
            )
            #expect(grant.status == .created)
            let team = try await http.send(.get, "/caseloads", token: provider.token(for: lead)).json
            #expect(team["level"] as? String == "team")
            #expect(team["open_cases"] as? Int == 2)
            #expect(team["cases_covered_by_substitution"] as? Int == 2)
            #expect((team["full_time_equivalents"] as? Double ?? 0) >= 2, "worker A, worker A2 and the lead")
            let member = try await http.send(
                .get,
                "/caseloads?level=staff_member&id=\(worker.id.apiString)",
                token: provider.token(for: lead)
            )
            #expect(member.json["open_cases"] as? Int == 2)
            let district = try await http.send(.get, "/caseloads", token: provider.token(for: coordinator)).json
            #expect(district["level"] as? String == "district")
            #expect(district["open_cases"] as? Int == 2)
            let goals = district["goals"] as? [[String: Any]] ?? []
            #expect(goals.map { $0["area"] as? String } == ["language", "work"])

            #expect(
                try await http.send(
                    .put,
                    "/cases/\(late)/closure",
                    token: token,
                    body: ["reason": "moved_out_of_district", "closed_on": day(0)]
                ).status == .ok
            )
            #expect(
                try await http.send(.get, "/caseloads", token: token).json["open_cases"] as? Int == 1,
                "closed cases leave it"
            )
            let bad = try await http.send(.get, "/caseloads?level=team", token: token)
            #expect(bad.status == .unprocessableContent)
            let foreign = try await http.send(
                .get,
                "/caseloads?level=staff_member&id=\(worker.id.apiString)",
                token: provider.token(for: otherWorker)
            )
            #expect(foreign.status == .notFound)
        }
    }

    @Test(
        "the audit trail shows who changed what and when, base data old and new, free text only as recorded; auditors read it, other caseloads do not, and reading it is logged"
    )
    func auditTrail() async throws {
        let app = try await TestApp.make()
        try await app.test(.router) { http in
            let token = try provider.token(for: worker)
            let client = try #require(
                try await http.send(
                    .post,
                    "/clients",
                    token: token,
                    body: ["family_name": "Haddad", "target_group": "refugee_follow_up_housing", "municipality": "08337060"]
                ).json["id"] as? String
            )
            let changed = try await http.send(
                .put,
                "/clients/\(client)",
                token: token,
                body: ["family_name": "Haddad", "target_group": "refugee_follow_up_housing", "municipality": "08337126"],
                headers: [.ifMatch: "\"1\""]
            )
            #expect(changed.status == .ok)
            let caseID = try #require(
                try await http.send(
                    .post,
                    "/cases",
                    token: token,
                    body: ["client_id": client, "opening": "direct_intake", "opened_on": day(-3)]
                ).json["id"] as? String
            )
            let goal = try await http.send(
                .post,
                "/cases/\(caseID)/goals",
                token: token,
                body: ["area": "work", "text": "Geheimes Ziel", "agreed_on": day(-1)]
            )
            let goalRequest = try #require(goal.headers[HTTPField.Name("X-Request-ID")!])

            let auditorToken = try provider.token(for: auditor)
            let trail = try await http.send(.get, "/clients/\(client)/audit-trail", token: auditorToken)
            #expect(trail.status == .ok)
            let items = try #require(trail.json["items"] as? [[String: Any]])
            #expect(
                items.map { $0["operation"] as? String } == [
                    "client.registered", "client.changed", "case.opened", "case.goal_agreed",
                ]
            )
            #expect(
                items.allSatisfy {
                    $0["staff_member_id"] as? String == worker.id.apiString && $0["role"] as? String == "case_worker"
                }
            )
            let municipality = (items[1]["changes"] as? [[String: Any]])?.first { $0["field"] as? String == "municipality" }
            #expect(municipality?["old"] as? String == "08337060")
            #expect(municipality?["new"] as? String == "08337126")
            #expect((items[1]["changes"] as? [[String: Any]])?.contains { $0["field"] as? String == "personal" } == true)
            let goalChanges = items[3]["changes"] as? [[String: Any]] ?? []
            #expect(goalChanges.contains { $0["field"] as? String == "personal" && $0["sealed"] as? Bool == true })
            #expect(items[3]["request_id"] as? String == goalRequest)
            #expect(!String(buffer: trail.body).contains("Geheimes"), "free text never shows")

            let firstPage = try await http.send(.get, "/cases/\(caseID)/audit-trail?limit=1", token: auditorToken)
            #expect((firstPage.json["items"] as? [[String: Any]])?.first?["operation"] as? String == "case.opened")
            let cursor = try #require(firstPage.json["next_cursor"] as? String)
            let secondPage = try await http.send(
                .get,
                "/cases/\(caseID)/audit-trail?limit=1&cursor=\(cursor)",
                token: auditorToken
            )
            #expect((secondPage.json["items"] as? [[String: Any]])?.first?["operation"] as? String == "case.goal_agreed")

            #expect(try await http.send(.get, "/cases/\(caseID)/audit-trail", token: token).status == .ok)
            #expect(try await http.send(.get, "/cases/\(caseID)/audit-trail", token: provider.token(for: lead)).status == .ok)
            #expect(
                try await http.send(.get, "/clients/\(client)/audit-trail", token: provider.token(for: otherWorker)).status
                    == .notFound
            )
            let log = try await http.send(
                .get,
                "/access-log?person=client:\(client)&staff_member_id=\(auditor.id.apiString)",
                token: auditorToken
            )
            #expect((log.json["items"] as? [[String: Any]])?.isEmpty == false, "the auditor's reading is logged")
        }
    }

    @Test(
        "given a case that is reassigned, closed, reopened, covered, uncovered and whose worker moves team, then plan status, audit trail and caseload figures follow who works it at each step"
    )
    func sequencesOverTime() async throws {
        let app = try await TestApp.make()
        let colleague = DemoData.people.first { $0.subject == "demo-worker-a2" }!
        let admin = DemoData.people.first { $0.subject == "demo-admin" }!
        try await app.test(.router) { http in
            let workerToken = try provider.token(for: worker)
            let colleagueToken = try provider.token(for: colleague)
            let leadToken = try provider.token(for: lead)
            let auditorToken = try provider.token(for: auditor)
            let caseID = try await openCase(http, token: workerToken, openedDaysAgo: 3)
            /// What each of `tokens` gets for the case's plan status and audit trail.
            func reads(_ tokens: [String]) async throws -> [Int] {
                var codes: [Int] = []
                for token in tokens {
                    let plan = try await http.send(.get, "/cases/\(caseID)/plan-status", token: token).status.code
                    let trail = try await http.send(.get, "/cases/\(caseID)/audit-trail", token: token).status.code
                    #expect(plan == trail, "plan status and audit trail agree")
                    codes.append(plan)
                }
                return codes
            }
            /// The open cases in the caseload `query` as `token` sees it (nil when hidden).
            func open(_ query: String, _ token: String) async throws -> Int? {
                let answer = try await http.send(.get, "/caseloads\(query)", token: token)
                return answer.status == .ok ? answer.json["open_cases"] as? Int : nil
            }
            let ofWorker = "?level=staff_member&id=\(worker.id.apiString)"
            let ofColleague = "?level=staff_member&id=\(colleague.id.apiString)"
            #expect(try await reads([workerToken, colleagueToken]) == [200, 404])
            #expect(try await open("", workerToken) == 1)

            // Reassigned: the former worker loses the case at once, the new one has it.
            let reassigned = try await http.send(
                .put,
                "/cases/\(caseID)/assignment",
                token: leadToken,
                body: ["assignee_id": colleague.id.apiString]
            )
            #expect(reassigned.status == .ok)
            #expect(try await reads([workerToken, colleagueToken, leadToken]) == [404, 200, 200])
            #expect(try await open("", workerToken) == 0)
            #expect(try await open("", colleagueToken) == 1)

            // Closed: read-only for the assignee, out of every open caseload.
            let closed = try await http.send(
                .put,
                "/cases/\(caseID)/closure",
                token: colleagueToken,
                body: ["reason": "moved_out_of_district", "closed_on": day(0)]
            )
            #expect(closed.status == .ok)
            #expect(try await reads([workerToken, colleagueToken]) == [404, 200])
            #expect(try await open("", colleagueToken) == 0)

            // Reopened by the lead: in the assignee's caseload again.
            let reopened = try await http.send(
                .post,
                "/cases/\(caseID)/reopenings",
                token: leadToken,
                body: ["reason": "zurückgekehrt", "reopened_on": day(0)]
            )
            #expect(reopened.status == .created)
            #expect(try await open("", colleagueToken) == 1)

            // Covered: the substitute reads the case, and the team's figures count it as covered,
            // but the substitute does not read the absent colleague's caseload figures.
            let formatter = ISO8601DateFormatter()
            let grant = try await http.send(
                .post,
                "/substitutions",
                token: leadToken,
                body: [
                    "absent_id": colleague.id.apiString, "substitute_id": worker.id.apiString, "reason": "Urlaub",
                    "from": formatter.string(from: Date().addingTimeInterval(-60)),
                    "until": formatter.string(from: Date().addingTimeInterval(86_400)),
                ]
            )
            let grantID = try #require(grant.json["id"] as? String)
            #expect(try await reads([workerToken]) == [200])
            #expect(try await http.send(.get, "/caseloads", token: leadToken).json["cases_covered_by_substitution"] as? Int == 1)
            #expect(try await open(ofColleague, workerToken) == nil)

            // Revoked: the cover ends at once.
            #expect(try await http.send(.delete, "/substitutions/\(grantID)", token: leadToken).status == .ok)
            #expect(try await reads([workerToken]) == [404])
            #expect(try await http.send(.get, "/caseloads", token: leadToken).json["cases_covered_by_substitution"] as? Int == 0)

            // Transferred to another team: the old lead loses case and figures; auditors keep the trail.
            let adminToken = try provider.token(for: admin)
            let team = try await http.send(
                .post,
                "/teams",
                token: adminToken,
                body: ["organisation_id": DemoData.id("organisation:Landratsamt Waldshut").apiString, "name": "Team Süd"]
            )
            let record = try await http.send(.get, "/staff-members/\(colleague.id.apiString)", token: adminToken)
            var body = record.json.filter {
                ["organisation_id", "name", "role", "full_time_equivalent", "active_from", "subject"].contains($0.key)
            }
            body["team_id"] = try #require(team.json["id"] as? String)
            #expect(
                try await http.send(.put, "/staff-members/\(colleague.id.apiString)", token: adminToken, body: body).status == .ok
            )
            #expect(try await reads([leadToken, colleagueToken]) == [404, 200])
            #expect(try await open(ofColleague, leadToken) == nil)
            #expect(try await open("", leadToken) == 0, "the old team's figures lose the case")
            #expect(try await http.send(.get, "/cases/\(caseID)/audit-trail", token: auditorToken).status == .ok)
            #expect(try await open(ofWorker, leadToken) == 0, "the lead still reads the members who stayed")
        }
    }
}
