import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import TestSupport
import Testing

@testable import WegweiserServer

@Suite("Households over HTTP: members, scope, one household at a time, a family handed over together", .postgres)
struct HouseholdHTTPTests {
    let provider = TestIdentityProvider.shared
    let worker = DemoData.people.first { $0.subject == "demo-worker-a" }!
    let lead = DemoData.people.first { $0.subject == "demo-lead" }!
    let providerWorker = DemoData.people.first { $0.subject == "demo-worker-b" }!

    /// A person registered by `token`'s caller, with an open case unless `withCase` is false.
    func person(
        _ http: some TestClientProtocol,
        token: String,
        _ given: String,
        withCase: Bool = true
    ) async throws -> (client: String, case: String?) {
        let client = try #require(
            try await http.send(
                .post,
                "/clients",
                token: token,
                body: ["given_name": given, "family_name": "Haddad", "target_group": "refugee_follow_up_housing"]
            ).json["id"] as? String
        )
        guard withCase else { return (client, nil) }
        let opened = try await http.send(
            .post,
            "/cases",
            token: token,
            body: ["client_id": client, "opening": "direct_intake", "opened_on": "2026-01-05"]
        )
        return (client, try #require(opened.json["id"] as? String))
    }

    @Test(
        "a family is a household with roles; each member reads it back; nobody is in two households; leaving keeps the history; other caseloads see nothing or only a count"
    )
    func household() async throws {
        let app = try await TestApp.make()
        let token = try provider.token(for: worker)
        let otherToken = try provider.token(for: providerWorker)
        try await app.test(.router) { http in
            let mother = try await person(http, token: token, "Amal")
            let son = try await person(http, token: token, "Karim")
            let daughter = try await person(http, token: token, "Lina", withCase: false)
            let body: [String: Any] = [
                "formed_on": "2026-01-05",
                "members": [
                    ["client_id": mother.client, "role": "head_of_household"], ["client_id": son.client, "role": "child"],
                    ["client_id": daughter.client, "role": "child"],
                ],
            ]
            let formed = try await http.send(.post, "/households", token: token, body: body)
            #expect(formed.status == .created)
            let household = try #require(formed.json["id"] as? String)
            #expect(formed.headers[.location] == "/households/\(household)")
            let members = try #require(formed.json["members"] as? [[String: Any]])
            #expect(members.map { $0["role"] as? String } == ["head_of_household", "child", "child"])
            #expect(members.first?["client_name"] as? String == "Amal Haddad")
            #expect((members.first?["cases"] as? [[String: Any]])?.first?["id"] as? String == mother.case)
            #expect(formed.json["members_outside_scope"] as? Int == 0)
            let client = try await http.send(.get, "/clients/\(son.client)", token: token)
            #expect(client.json["household_id"] as? String == household)

            // Nobody is in two households at once.
            let second: [String: Any] = [
                "formed_on": "2026-02-01", "members": [["client_id": son.client, "role": "head_of_household"]],
            ]
            #expect(try await http.send(.post, "/households", token: token, body: second).status == .conflict)

            // The son moves out: the history keeps him, he may form his own household.
            let left = try await http.send(
                .delete,
                "/households/\(household)/members/\(son.client)?left_on=2026-06-30",
                token: token
            )
            #expect(left.status == .ok)
            let history = try #require(left.json["members"] as? [[String: Any]])
            #expect(history.first { $0["client_id"] as? String == son.client }?["left_on"] as? String == "2026-06-30")
            #expect(try await http.send(.post, "/households", token: token, body: second).status == .created)
            let moved = try await http.send(.get, "/clients/\(son.client)", token: token)
            #expect(moved.json["household_id"] as? String != household)

            // A role changes; the same role again changes nothing.
            let role: [String: Any] = ["role": "other_relative", "joined_on": "2026-03-01"]
            let changed = try await http.send(
                .put,
                "/households/\(household)/members/\(daughter.client)",
                token: token,
                body: role
            )
            #expect(changed.status == .ok)
            let version = changed.headers[.eTag]
            let again = try await http.send(.put, "/households/\(household)/members/\(daughter.client)", token: token, body: role)
            #expect(again.headers[.eTag] == version)

            // Another organisation's worker sees nothing, and cannot add their own client to a
            // household they do not see, nor put the family's people in a household of theirs.
            #expect(try await http.send(.get, "/households/\(household)", token: otherToken).status == .notFound)
            let stranger = try await person(http, token: otherToken, "Omar", withCase: false)
            let refused: [String: Any] = [
                "formed_on": "2026-01-05", "members": [["client_id": mother.client, "role": "parent"]],
            ]
            #expect(try await http.send(.post, "/households", token: otherToken, body: refused).status == .unprocessableContent)
            let join: [String: Any] = ["role": "other_relative", "joined_on": "2026-04-01"]
            #expect(
                try await http.send(.put, "/households/\(household)/members/\(stranger.client)", token: otherToken, body: join)
                    .status
                    == .notFound
            )
            // Nobody joins before the household was formed.
            let early: [String: Any] = ["role": "child", "joined_on": "2025-12-01"]
            let karim = try await person(http, token: token, "Sami", withCase: false)
            #expect(
                try await http.send(.put, "/households/\(household)/members/\(karim.client)", token: token, body: early).status
                    == .unprocessableContent
            )

            // The mother's case goes to the other organisation: each side sees its member and
            // counts the other.
            let transfer: [String: Any] = ["to_assignee_id": providerWorker.id.apiString, "transferred_on": "2026-02-01"]
            let leadToken = try provider.token(for: lead)
            #expect(
                try await http.send(.post, "/cases/\(try #require(mother.case))/transfers", token: leadToken, body: transfer)
                    .status
                    == .created
            )
            let theirs = try await http.send(.get, "/households/\(household)", token: otherToken)
            #expect((theirs.json["members"] as? [[String: Any]])?.map { $0["client_id"] as? String } == [mother.client])
            #expect(theirs.json["members_outside_scope"] as? Int == 2)
            let mine = try await http.send(.get, "/households/\(household)", token: token)
            #expect(mine.json["members_outside_scope"] as? Int == 1)

            // Days that do not fit are refused.
            let future: [String: Any] = [
                "formed_on": "2031-01-01", "members": [["client_id": daughter.client, "role": "child"]],
            ]
            #expect(try await http.send(.post, "/households", token: token, body: future).status != .created)
        }
    }

    @Test("a household is handed over in one request: every open case moves with one note, and the giving side sees nobody")
    func handOverTogether() async throws {
        let app = try await TestApp.make()
        let token = try provider.token(for: worker)
        let leadToken = try provider.token(for: lead)
        let receiverToken = try provider.token(for: providerWorker)
        try await app.test(.router) { http in
            let mother = try await person(http, token: token, "Amal")
            let son = try await person(http, token: token, "Karim")
            let body: [String: Any] = [
                "formed_on": "2026-01-05",
                "members": [
                    ["client_id": mother.client, "role": "head_of_household"], ["client_id": son.client, "role": "child"],
                ],
            ]
            let household = try #require(
                try await http.send(.post, "/households", token: token, body: body).json["id"] as? String
            )
            let handOver: [String: Any] = [
                "to_assignee_id": providerWorker.id.apiString, "transferred_on": "2026-02-01", "note": "Familie zieht um",
            ]
            #expect(
                try await http.send(.post, "/households/\(household)/transfers", token: token, body: handOver).status
                    == .forbidden
            )
            // A day before the cases were opened moves nobody.
            var early = handOver
            early["transferred_on"] = "2026-01-04"
            #expect(
                try await http.send(.post, "/households/\(household)/transfers", token: leadToken, body: early).status
                    == .unprocessableContent
            )
            #expect(try await http.send(.get, "/cases/\(try #require(mother.case))", token: token).status == .ok)
            let made = try await http.send(.post, "/households/\(household)/transfers", token: leadToken, body: handOver)
            #expect(made.status == .created)
            #expect((made.json["items"] as? [[String: Any]])?.count == 2)
            for caseID in [mother.case, son.case].compactMap({ $0 }) {
                #expect(try await http.send(.get, "/cases/\(caseID)", token: token).status == .notFound)
                let read = try await http.send(.get, "/cases/\(caseID)", token: receiverToken)
                #expect(read.json["assignee_id"] as? String == providerWorker.id.apiString)
            }
            #expect(try await http.send(.get, "/households/\(household)", token: token).status == .notFound)
            let theirs = try await http.send(.get, "/households/\(household)", token: receiverToken)
            #expect((theirs.json["members"] as? [[String: Any]])?.count == 2)
            // Nothing left to hand over.
            #expect(
                try await http.send(.post, "/households/\(household)/transfers", token: leadToken, body: handOver).status
                    == .notFound
            )
        }
    }
}
