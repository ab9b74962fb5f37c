import Casework
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import TestSupport
import Testing

@testable import WegweiserServer

@Suite("Scope follows the organisation as it is now; bad input stays a 4xx", .postgres)
struct HardeningTests {
    let provider = TestIdentityProvider.shared
    let worker = DemoData.people.first { $0.subject == "demo-worker-a" }!
    let lead = DemoData.people.first { $0.subject == "demo-lead" }!
    let admin = DemoData.people.first { $0.subject == "demo-admin" }!

    @Test(
        "when a case worker moves to another team, the old team lead no longer sees their cases; nobody carries open cases into another organisation"
    )
    func teamMove() async throws {
        let app = try await TestApp.make()
        let workerToken = try provider.token(for: worker)
        let leadToken = try provider.token(for: lead)
        let adminToken = try provider.token(for: admin)
        try await app.test(.router) { http in
            let client = try #require(
                try await http.send(
                    .post,
                    "/clients",
                    token: workerToken,
                    body: ["family_name": "Haddad", "target_group": "eu_labour_migrant"]
                )
                .json["id"] as? String
            )
            let caseID = try #require(
                try await http.send(
                    .post,
                    "/cases",
                    token: workerToken,
                    body: ["client_id": client, "opening": "direct_intake", "opened_on": "2026-01-05"]
                ).json["id"] as? String
            )
            #expect(try await http.send(.get, "/cases/\(caseID)", token: leadToken).status == .ok)

            let record = try await http.send(.get, "/staff-members/\(worker.id.apiString)", token: adminToken)
            var body = record.json.filter {
                ["organisation_id", "name", "role", "full_time_equivalent", "active_from", "subject"].contains($0.key)
            }
            body["team_id"] = DemoData.id("team:Team Caritas").apiString
            let teamOnly = try await http.send(.put, "/staff-members/\(worker.id.apiString)", token: adminToken, body: body)
            #expect(teamOnly.status == .unprocessableContent, "a team of another organisation")
            #expect(((teamOnly.json["errors"] as? [[String: Any]])?.first?["pointer"] as? String) == "/team_id")
            var provider = body
            provider["organisation_id"] = DemoData.id("organisation:Caritasverband Hochrhein").apiString
            let carried = try await http.send(.put, "/staff-members/\(worker.id.apiString)", token: adminToken, body: provider)
            #expect(carried.status == .conflict, "open cases stay in the district's organisation until reassigned")

            let landratsamt = DemoData.id("organisation:Landratsamt Waldshut").apiString
            let team = try await http.send(
                .post,
                "/teams",
                token: adminToken,
                body: ["organisation_id": landratsamt, "name": "Team Süd"]
            )
            #expect(team.status == .created)
            body["team_id"] = try #require(team.json["id"] as? String)
            let moved = try await http.send(.put, "/staff-members/\(worker.id.apiString)", token: adminToken, body: body)
            #expect(moved.status == .ok)

            #expect(try await http.send(.get, "/cases/\(caseID)", token: leadToken).status == .notFound)
            #expect(try await http.send(.get, "/clients/\(client)", token: leadToken).status == .notFound)
            let teamCases = try await http.send(.get, "/cases", token: leadToken)
            #expect((teamCases.json["items"] as? [Any])?.isEmpty == true)
        }
    }

    @Test("a client has at most one open case: reopening a second one is refused")
    func oneOpenCase() async throws {
        let app = try await TestApp.make()
        let token = try provider.token(for: worker)
        try await app.test(.router) { http in
            let client = try #require(
                try await http.send(
                    .post,
                    "/clients",
                    token: token,
                    body: ["family_name": "Haddad", "target_group": "eu_labour_migrant"]
                )
                .json["id"] as? String
            )
            let opening: [String: Any] = ["client_id": client, "opening": "direct_intake", "opened_on": "2026-01-05"]
            let first = try #require(try await http.send(.post, "/cases", token: token, body: opening).json["id"] as? String)
            let closure = ["reason": "unreachable", "closed_on": "2026-02-01"]
            #expect(try await http.send(.put, "/cases/\(first)/closure", token: token, body: closure).status == .ok)
            #expect(try await http.send(.post, "/cases", token: token, body: opening).status == .created)
            let reopened = try await http.send(
                .post,
                "/cases/\(first)/reopenings",
                token: token,
                body: ["reason": "zurück", "reopened_on": "2026-03-01"]
            )
            #expect(reopened.status == .conflict)
        }
    }

    @Test("values the database cannot store (NUL) answer 422 and change nothing, and admins cannot appoint operators")
    func badInput() async throws {
        let app = try await TestApp.make()
        let token = try provider.token(for: admin)
        let team = DemoData.id("team:Team Nord").apiString
        try await app.test(.router) { http in
            let nul = try await http.send(.put, "/teams/\(team)", token: token, body: ["name": "Team\u{0}Nord"])
            #expect(nul.status == .unprocessableContent)
            #expect(nul.headers[.contentType]?.hasPrefix("application/problem+json") == true)
            #expect(try await http.send(.get, "/teams?cursor=AA", token: token).status == .badRequest)
            #expect(try await http.send(.get, "/teams/\(team)", token: token).json["name"] as? String == "Team Nord")

            let body: [String: Any] = [
                "organisation_id": DemoData.id("organisation:Landratsamt Waldshut").apiString, "name": "Neue Betreiberin",
                "role": "operator", "full_time_equivalent": 1, "active_from": "2026-01-01", "subject": "new-operator",
            ]
            let operatorByAdmin = try await http.send(.post, "/staff-members", token: token, body: body)
            #expect(operatorByAdmin.status == .unprocessableContent)
            let operatorRecord = DemoData.people.first { $0.subject == "demo-operator" }!.id.apiString
            #expect(try await http.send(.delete, "/staff-members/\(operatorRecord)", token: token).status == .notFound)
        }
    }

    @Test("nobody locks a district out: no one deactivates or demotes themselves, the last administrator stays, dates stay sane")
    func noLockout() async throws {
        let app = try await TestApp.make()
        let adminPerson = DemoData.people.first { $0.subject == "demo-admin" }!
        let operatorPerson = DemoData.people.first { $0.subject == "demo-operator" }!
        let admin = try provider.token(for: adminPerson)
        let operatorToken = try provider.token(for: operatorPerson)
        let own = "/staff-members/\(adminPerson.id.apiString)"
        try await app.test(.router) { http in
            let record = try await http.send(.get, own, token: admin)
            var body = record.json
            for key in ["id", "district_id", "active"] { body[key] = nil }

            // Not themselves: neither deactivation nor a new role, subject or dates.
            #expect(try await http.send(.delete, own, token: admin).status == .forbidden)
            for (key, value) in [("role", "auditor"), ("subject", "someone-else"), ("active_until", "2026-12-31")] {
                var changed = body
                changed[key] = value
                #expect(try await http.send(.put, own, token: admin, body: changed).status == .forbidden, "\(key)")
            }
            // The district's only administrator is neither deactivated nor demoted by an operator.
            let last = try await http.send(.delete, own, token: operatorToken)
            #expect(last.status == .conflict, "\(String(buffer: last.body))")
            var demoted = body
            demoted["role"] = "auditor"
            #expect(try await http.send(.put, own, token: operatorToken, body: demoted).status == .conflict)
            #expect(try await http.send(.get, "/me", token: admin).status == .ok)

            // Dates far outside working life are refused, in a body and in the query.
            var ancient = body
            ancient["active_from"] = "0157-04-06"
            #expect(try await http.send(.put, own, token: operatorToken, body: ancient).status == .unprocessableContent)
            let far = try await http.send(.delete, "\(own)?last_day=2166-08-01", token: operatorToken)
            #expect(far.status == .unprocessableContent)
            #expect((far.json["errors"] as? [[String: Any]])?.first?["pointer"] as? String == "#/query/last_day")

            // With a second administrator appointed, the first may go.
            let second = try await http.send(
                .post,
                "/staff-members",
                token: operatorToken,
                body: [
                    "organisation_id": body["organisation_id"] as Any, "name": "Zweite Admin", "role": "admin",
                    "full_time_equivalent": 1, "active_from": "2025-01-01", "subject": "second-admin",
                ]
            )
            #expect(second.status == .created)
            let yesterday = CalendarDate(Date()).adding(days: -1)
            #expect(try await http.send(.delete, "\(own)?last_day=\(yesterday)", token: operatorToken).status == .ok)
            #expect(try await http.send(.get, "/me", token: admin).status == .forbidden)
        }
    }
}
