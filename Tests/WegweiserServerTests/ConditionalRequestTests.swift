import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import TestSupport
import Testing

@testable import WegweiserServer

/// `If-Match` as RFC 9110 has it, and a replacing change that must name what it replaces.
@Suite("Conditional requests", .postgres)
struct ConditionalRequestTests {
    let provider = TestIdentityProvider.shared
    let worker = DemoData.people.first { $0.subject == "demo-worker-a" }!

    @Test(
        "given a client, a PUT without If-Match answers 428 and changes nothing; `*`, lists and strong tags are honoured, weak and foreign tags never match"
    )
    func ifMatchForms() async throws {
        let clock = TestClock()
        let app = try await TestApp.make(clock: clock)
        try await app.test(.router) { http in
            let token = try provider.token(for: worker, now: clock.now)
            let profile: [String: Any] = [
                "family_name": "Haddad", "given_name": "Amal", "target_group": "refugee_follow_up_housing",
            ]
            let created = try await http.send(.post, "/clients", token: token, body: profile)
            let client = try #require(created.json["id"] as? String)
            #expect(created.headers[.eTag] == "\"1\"")
            let renamed: [String: Any] = ["family_name": "Haddad", "target_group": "refugee_follow_up_housing"]

            // Without If-Match: 428, and the given name is still there.
            let unconditional = try await http.send(.put, "/clients/\(client)", token: token, body: renamed)
            #expect(unconditional.status.code == 428)
            #expect(unconditional.headers[.contentType] == "application/problem+json")
            #expect((unconditional.json["errors"] as? [[String: Any]])?.first?["pointer"] as? String == "#/header/If-Match")
            #expect(try await http.send(.get, "/clients/\(client)", token: token).json["given_name"] as? String == "Amal")

            // Weak tags never match for If-Match, nor do tags this server did not send (empty list
            // elements are ignored).
            for tag in ["W/\"1\"", "\"abc\"", "W/\"1\", \"7\"", "\"3\",,"] {
                let refused = try await http.send(
                    .put,
                    "/clients/\(client)",
                    token: token,
                    body: renamed,
                    headers: [.ifMatch: tag]
                )
                #expect(refused.status == .preconditionFailed, "\(tag)")
            }
            #expect(try await http.send(.get, "/clients/\(client)", token: token).headers[.eTag] == "\"1\"")

            // A list matches if one strong tag does; `*` matches whatever version exists.
            let listed = try await http.send(
                .put,
                "/clients/\(client)",
                token: token,
                body: renamed,
                headers: [.ifMatch: "\"7\", W/\"9\",\"1\""]
            )
            #expect(listed.status == .ok)
            #expect(listed.headers[.eTag] == "\"2\"")
            let any = try await http.send(.put, "/clients/\(client)", token: token, body: profile, headers: [.ifMatch: "*"])
            #expect(any.status == .ok)
            #expect(any.json["given_name"] as? String == "Amal")

            // What is not `*` or a list of entity tags is a 400 that points at the header.
            for malformed in ["3", "\"3", ",", "W/3", "**", "\"a b\""] {
                let bad = try await http.send(
                    .put,
                    "/clients/\(client)",
                    token: token,
                    body: renamed,
                    headers: [.ifMatch: malformed]
                )
                #expect(bad.status == .badRequest, "\(malformed)")
                #expect((bad.json["errors"] as? [[String: Any]])?.first?["pointer"] as? String == "#/header/If-Match")
            }
            #expect(try await http.send(.get, "/clients/\(client)", token: token).headers[.eTag] == "\"3\"")
        }
    }

    @Test("given a case, `*` lets a consultation through, a stale tag in a list does not, and its item lists carry its ETag")
    func ifMatchOnCaseItems() async throws {
        let clock = TestClock()
        let app = try await TestApp.make(clock: clock)
        try await app.test(.router) { http in
            let token = try provider.token(for: worker, now: clock.now)
            let client = try #require(
                try await http.send(
                    .post,
                    "/clients",
                    token: token,
                    body: ["family_name": "Nouri", "target_group": "refugee_follow_up_housing"]
                ).json["id"] as? String
            )
            let opened = try await http.send(
                .post,
                "/cases",
                token: token,
                body: ["client_id": client, "opening": "direct_intake", "opened_on": "2026-01-05"]
            )
            let caseID = try #require(opened.json["id"] as? String)
            let note: [String: Any] = ["held_on": "2026-02-01", "duration_minutes": 30, "place": "office"]
            let stale = try await http.send(
                .post,
                "/cases/\(caseID)/consultations",
                token: token,
                body: note,
                headers: [.ifMatch: "\"5\", \"6\""]
            )
            #expect(stale.status == .preconditionFailed)
            let any = try await http.send(
                .post,
                "/cases/\(caseID)/consultations",
                token: token,
                body: note,
                headers: [.ifMatch: "*"]
            )
            #expect(any.status == .created)
            #expect(any.headers[.eTag] == "\"2\"")

            // A list of the case's items carries the case's version, so a front end that shows
            // the list can base its next change on it.
            let listed = try await http.send(.get, "/cases/\(caseID)/consultations", token: token)
            #expect(listed.status == .ok)
            let listedTag = try #require(listed.headers[.eTag])
            #expect(listedTag == "\"2\"")
            let based = try await http.send(
                .post,
                "/cases/\(caseID)/consultations",
                token: token,
                body: note,
                headers: [.ifMatch: listedTag]
            )
            #expect(based.status == .created)
            // The list read before that change is now stale.
            let late = try await http.send(
                .post,
                "/cases/\(caseID)/consultations",
                token: token,
                body: note,
                headers: [.ifMatch: listedTag]
            )
            #expect(late.status == .preconditionFailed)
            for kind in ["assessments", "goals", "plan-reviews", "observations", "consents"] {
                let list = try await http.send(.get, "/cases/\(caseID)/\(kind)", token: token)
                #expect(list.headers[.eTag] == "\"3\"", "\(kind)")
            }
        }
    }
}
