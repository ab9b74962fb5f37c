import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import TestSupport
import Testing

@testable import WegweiserServer

@Suite("Data quality over HTTP: warnings within the caller's scope, counts for coordinators", .postgres)
struct DataQualityHTTPTests {
    let provider = TestIdentityProvider.shared
    let worker = DemoData.people.first { $0.subject == "demo-worker-a" }!
    let providerWorker = DemoData.people.first { $0.subject == "demo-worker-b" }!
    let coordinator = DemoData.people.first { $0.subject == "demo-coordinator" }!

    @Test(
        "a case worker sees the warnings about their people with ids and fields; a colleague elsewhere none; the coordinator counts only"
    )
    func report() async throws {
        let app = try await TestApp.make()
        let token = try provider.token(for: worker)
        try await app.test(.router) { http in
            let odd = try #require(
                try await http.send(
                    .post,
                    "/clients",
                    token: token,
                    body: [
                        "family_name": "Kowalski", "citizenships": ["PL"], "year_of_birth": 1980,
                        "target_group": "refugee_follow_up_housing",
                    ]
                ).json["id"] as? String
            )
            let opened = try await http.send(
                .post,
                "/cases",
                token: token,
                body: ["client_id": odd, "opening": "direct_intake", "opened_on": "2026-01-05"]
            )
            let caseID = try #require(opened.json["id"] as? String)

            let mine = try await http.send(.get, "/data-quality", token: token)
            #expect(mine.status == .ok)
            let items = try #require(mine.json["items"] as? [[String: Any]])
            let codes = Set(items.compactMap { $0["warning"] as? String })
            #expect(
                codes == [
                    "eu_citizen_as_refugee", "period_start_missing", "no_goal_after_plan_weeks",
                    "no_consultation_after_plan_weeks",
                ]
            )
            #expect(items.first { $0["warning"] as? String == "period_start_missing" }?["case_id"] as? String == caseID)
            #expect(items.allSatisfy { $0["client_id"] as? String == odd })
            let only = try await http.send(.get, "/data-quality?warning=eu_citizen_as_refugee", token: token)
            #expect((only.json["items"] as? [[String: Any]])?.count == 1)
            let paged = try await http.send(.get, "/data-quality?limit=3", token: token)
            #expect((paged.json["items"] as? [[String: Any]])?.count == 3)
            #expect(paged.json["next_cursor"] is String)

            let elsewhere = try await http.send(.get, "/data-quality", token: try provider.token(for: providerWorker))
            #expect((elsewhere.json["items"] as? [[String: Any]])?.isEmpty == true)

            let district = try await http.send(.get, "/data-quality", token: try provider.token(for: coordinator))
            #expect((district.json["items"] as? [[String: Any]])?.isEmpty == true)
            let counts = try #require(district.json["counts"] as? [[String: Any]])
            #expect(counts.first { $0["warning"] as? String == "eu_citizen_as_refugee" }?["count"] as? Int == 1)
        }
    }

    @Test(
        "completeness per team and staff member: no observation, only no answer, stale values, cases without a plan after the planning weeks"
    )
    func completeness() async throws {
        let app = try await TestApp.make()
        let token = try provider.token(for: worker)
        let caritas = try provider.token(for: providerWorker)
        try await app.test(.router) { http in
            func person(_ name: String, token: String) async throws -> String {
                let client = try #require(
                    try await http.send(
                        .post,
                        "/clients",
                        token: token,
                        body: ["family_name": name, "citizenships": ["SY"], "target_group": "refugee_follow_up_housing"]
                    ).json["id"] as? String
                )
                let opened = try await http.send(
                    .post,
                    "/cases",
                    token: token,
                    body: ["client_id": client, "opening": "direct_intake", "opened_on": "2024-01-05"]
                )
                return try #require(opened.json["id"] as? String)
            }
            let stale = try await person("Haddad", token: token)
            _ = try await person("Nasser", token: token)
            let planned = try await person("Tesfay", token: caritas)
            let observations: [[String: Any]] = [
                ["field": "german_level", "value": ["status": "value", "code": "a2"], "observed_on": "2024-01-10"],
                ["field": "employment", "value": ["status": "declined"], "observed_on": "2024-01-10"],
            ]
            for body in observations {
                #expect(try await http.send(.post, "/cases/\(stale)/observations", token: token, body: body).status == .created)
            }
            _ = try await http.send(
                .post,
                "/cases/\(planned)/goals",
                token: caritas,
                body: [
                    "area": "language", "text": "B1", "agreed_on": "2024-01-10", "steps": [["owner": "client", "text": "Kurs"]],
                ]
            )
            let agreed = try await http.send(
                .put,
                "/cases/\(planned)/plan-agreement",
                token: caritas,
                body: ["agreed_on": "2024-01-12", "form": "written"]
            )
            #expect(agreed.status == .ok)

            let district = try await http.send(.get, "/data-completeness", token: try provider.token(for: coordinator))
            #expect(district.status == .ok)
            let groups = try #require(district.json["groups"] as? [[String: Any]])
            let mine = try #require(groups.first { $0["staff_member_id"] as? String == worker.id.apiString })
            #expect(mine["people"] as? Int == 2)
            #expect(mine["cases_without_plan"] as? Int == 2)
            let fields = try #require(mine["fields"] as? [[String: Any]])
            let german = try #require(fields.first { $0["field"] as? String == "german_level" })
            #expect(german["never_recorded"] as? Int == 1)
            #expect(german["stale"] as? Int == 1)
            #expect(german["never_recorded_share"] as? Double == 0.5)
            let employment = try #require(fields.first { $0["field"] as? String == "employment" })
            #expect(employment["only_no_answer"] as? Int == 1)
            let theirs = try #require(groups.first { $0["staff_member_id"] as? String == providerWorker.id.apiString })
            #expect(theirs["cases_without_plan"] as? Int == 0)
            let team = try #require(
                groups.first {
                    $0["staff_member_id"] == nil && $0["team_id"] as? String == DemoData.id("team:Team Nord").apiString
                }
            )
            #expect(team["people"] as? Int == 2)

            let lead = DemoData.people.first { $0.subject == "demo-lead" }!
            let own = try await http.send(.get, "/data-completeness", token: try provider.token(for: lead))
            let ownGroups = try #require(own.json["groups"] as? [[String: Any]])
            #expect(ownGroups.allSatisfy { $0["team_id"] as? String == DemoData.id("team:Team Nord").apiString })
            #expect(try await http.send(.get, "/data-completeness", token: token).status == .forbidden)
        }
    }
}
