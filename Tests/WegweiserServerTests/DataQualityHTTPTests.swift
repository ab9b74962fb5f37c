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
}
