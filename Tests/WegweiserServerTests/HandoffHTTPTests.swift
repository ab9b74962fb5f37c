import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import PostgresNIO
import TestSupport
import Testing

@testable import WegweiserServer

@Suite("Jobcenter hand-off over HTTP: consent rules, the Jobcenter's inbox, receipt and withdrawal", .postgres)
struct HandoffHTTPTests {
    let provider = TestIdentityProvider.shared
    let jobcenterWaldshut = DemoData.id("organisation:Jobcenter Landkreis Waldshut").apiString
    let districtOffice = DemoData.id("organisation:Landratsamt Waldshut").apiString

    /// The demo staff member signing in as `subject`.
    func person(_ subject: String) -> DemoData.Person { DemoData.people.first { $0.subject == subject }! }

    /// `date` as RFC 3339.
    func time(_ date: Date) -> String { ISO8601DateFormatter().string(from: date) }

    @Test(
        "a case worker hands off what the consent covers to the Jobcenter it names; that Jobcenter alone reads and acknowledges it; a withdrawal stops further hand-offs and shows"
    )
    func handoffLifecycle() async throws {
        let clock = TestClock()
        let (app, database) = try await TestApp.makeWithDatabase(clock: clock)
        let worker = try provider.token(for: person("demo-worker-a"))
        let jobcenter = try provider.token(for: person("demo-jobcenter"))
        let admin = try provider.token(for: person("demo-admin"))
        try await app.test(.router) { http in
            // A second Jobcenter organisation of the district, with a staff member of its own.
            let other = try #require(
                try await http.send(.post, "/organisations", token: admin, body: ["name": "Jobcenter Zwei", "kind": "jobcenter"])
                    .json["id"] as? String
            )
            let otherSubject = "jobcenter-zwei-\(UUID().uuidString)"
            let otherStaff = try await http.send(
                .post,
                "/staff-members",
                token: admin,
                body: [
                    "organisation_id": other, "name": "Zora Zwei", "role": "jobcenter", "full_time_equivalent": 1.0,
                    "active_from": "2026-01-01", "subject": otherSubject,
                ]
            )
            #expect(otherStaff.status == .created)
            let otherJobcenter = try provider.token(provider.claims(subject: otherSubject, role: "jobcenter"))

            let (client, caseID) = try await http.openCase(of: "Haddad", on: "2026-01-05", token: worker)
            func consent(_ body: [String: Any]) async throws -> String {
                var full: [String: Any] = [
                    "purpose": "jobcenter_handoff", "categories": ["identity", "german_level", "occupational_goal"],
                    "recipient": "Jobcenter Landkreis Waldshut", "recipient_organisation_id": jobcenterWaldshut,
                    "given_at": time(clock.now.addingTimeInterval(-3_600)), "form": "written",
                ]
                full.merge(body) { $1 }
                full = full.filter { !($0.value is NSNull) }
                let made = try await http.send(.post, "/cases/\(caseID)/consents", token: worker, body: full)
                #expect(made.status == .created, "\(made.json)")
                return try #require(made.json["id"] as? String)
            }
            let valid = try await consent(["valid_until": time(clock.now.addingTimeInterval(365 * 86_400))])
            let package: [String: Any] = ["identity": true, "german_level": "b1", "occupational_goal": "Pflegefachkraft"]
            func handOff(
                _ consentID: String,
                to recipient: String? = nil,
                package: [String: Any] = package
            ) async throws
                -> TestResponse
            {
                try await http.send(
                    .post,
                    "/cases/\(caseID)/handoffs",
                    token: worker,
                    body: [
                        "consent_id": consentID, "recipient_organisation_id": recipient ?? jobcenterWaldshut, "package": package,
                    ]
                )
            }
            func refusal(_ response: TestResponse) -> (Int, String?, String?) {
                (
                    Int(response.status.code),
                    (response.json["type"] as? String)?.replacingOccurrences(of: "urn:wegweiser:problem:", with: ""),
                    ((response.json["errors"] as? [[String: Any]])?.first?["pointer"] as? String)
                )
            }

            // Each consent failure, with its reason; none of them stored anything.
            #expect(refusal(try await handOff(UUID().uuidString)) == (422, "consent-missing", "/consent_id"))
            let collection = try await consent(["purpose": "data_collection", "recipient_organisation_id": NSNull()])
            #expect(refusal(try await handOff(collection)) == (422, "consent-purpose", "/consent_id"))
            let expired = try await consent([
                "given_at": time(clock.now.addingTimeInterval(-400 * 86_400)),
                "valid_until": time(clock.now.addingTimeInterval(-35 * 86_400)),
            ])
            #expect(refusal(try await handOff(expired)) == (409, "consent-expired", nil))
            let future = try await consent(["given_at": time(clock.now.addingTimeInterval(6 * 3_600))])
            #expect(refusal(try await handOff(future)) == (409, "consent-not-yet-given", nil))
            #expect(refusal(try await handOff(valid, to: other)) == (422, "consent-recipient", "/recipient_organisation_id"))
            #expect(refusal(try await handOff(valid, to: districtOffice)).0 == 422, "only a Jobcenter receives hand-offs")
            #expect(
                refusal(try await handOff(valid, package: ["german_level": "b1", "schooling": "primary"]))
                    == (422, "consent-category", "/package/schooling")
            )
            let byName = try await http.send(
                .post,
                "/cases/\(caseID)/consents",
                token: worker,
                body: [
                    "purpose": "jobcenter_handoff", "categories": ["german_level"], "recipient": "Jobcenter Zwei",
                    "recipient_organisation_id": districtOffice, "given_at": time(clock.now), "form": "written",
                ]
            )
            #expect(byName.status == .unprocessableContent, "a hand-off consent names a Jobcenter organisation")
            #expect(
                (try await http.send(.get, "/cases/\(caseID)/handoffs", token: worker).json["items"] as? [Any])?.isEmpty == true
            )

            // The hand-off: the package as asked, the name from the client's record.
            let made = try await handOff(valid)
            #expect(made.status == .created, "\(made.json)")
            let handoffID = try #require(made.json["id"] as? String)
            #expect(made.headers[.location] == "/handoffs/\(handoffID)")
            let madePackage = try #require(made.json["package"] as? [String: Any])
            #expect((madePackage["identity"] as? [String: Any])?["family_name"] as? String == "Haddad")
            #expect(madePackage["german_level"] as? String == "b1")
            #expect(made.json["categories"] as? [String] == ["identity", "german_level", "occupational_goal"])

            // The Jobcenter it went to: its inbox, the read (logged), receipt; nothing else of the case.
            let inbox = try await http.send(.get, "/handoffs", token: jobcenter)
            #expect(inbox.status == .ok)
            let incoming = try #require((inbox.json["items"] as? [[String: Any]])?.first)
            #expect(incoming["id"] as? String == handoffID)
            #expect((incoming["consent"] as? [String: Any])?["in_force"] as? Bool == true)
            #expect(!String(decoding: inbox.body.readableBytesView, as: UTF8.self).contains(caseID))
            #expect(try await http.send(.get, "/handoffs/\(handoffID)", token: jobcenter).status == .ok)
            for path in ["/cases/\(caseID)", "/clients/\(client)", "/cases/\(caseID)/handoffs", "/cases/\(caseID)/consents"] {
                #expect(try await http.send(.get, path, token: jobcenter).status == .forbidden, "\(path)")
            }
            let logged = try await database.withClient { pool in
                try await pool.query(
                    """
                    SELECT count(*)::int FROM access_log
                    WHERE staff_member_id = \(person("demo-jobcenter").id) AND person = \("client:\(client)")
                    """
                ).collect().first?.decode(Int.self) ?? 0
            }
            #expect(logged == 2, "the inbox and the single read are in the access log")
            let acknowledged = try await http.send(.put, "/handoffs/\(handoffID)/acknowledgement", token: jobcenter)
            #expect(acknowledged.status == .ok)
            let receipt = try #require(acknowledged.json["acknowledged_at"] as? String)
            clock.advance(by: 60)
            let again = try await http.send(.put, "/handoffs/\(handoffID)/acknowledgement", token: jobcenter)
            #expect(again.json["acknowledged_at"] as? String == receipt, "receipt is recorded once")

            // Everyone else: the other Jobcenter, another provider's case worker, other roles.
            #expect((try await http.send(.get, "/handoffs", token: otherJobcenter).json["items"] as? [Any])?.isEmpty == true)
            #expect(try await http.send(.get, "/handoffs/\(handoffID)", token: otherJobcenter).status == .notFound)
            #expect(
                try await http.send(.put, "/handoffs/\(handoffID)/acknowledgement", token: otherJobcenter).status == .notFound
            )
            let workerB = try provider.token(for: person("demo-worker-b"))
            #expect(try await http.send(.get, "/handoffs/\(handoffID)", token: workerB).status == .notFound)
            let auditor = try provider.token(for: person("demo-auditor"))
            #expect(try await http.send(.get, "/handoffs/\(handoffID)", token: auditor).status == .forbidden)
            #expect(try await http.send(.get, "/handoffs", token: worker).status == .forbidden)

            // The case worker sees the receipt with the case.
            let listed = try await http.send(.get, "/cases/\(caseID)/handoffs", token: worker)
            #expect((listed.json["items"] as? [[String: Any]])?.first?["acknowledged_at"] as? String == receipt)

            // The client withdraws the consent: no further hand-off, and the Jobcenter sees it.
            let withdrawal = try await http.send(.put, "/cases/\(caseID)/consents/\(valid)/withdrawal", token: worker, body: [:])
            #expect(withdrawal.status == .ok)
            clock.advance(by: 60)
            #expect(refusal(try await handOff(valid)) == (409, "consent-withdrawn", nil))
            let afterWithdrawal = try #require(
                (try await http.send(.get, "/handoffs", token: jobcenter).json["items"] as? [[String: Any]])?.first
            )
            let consentNow = try #require(afterWithdrawal["consent"] as? [String: Any])
            #expect(consentNow["withdrawn_at"] as? String != nil)
            #expect(consentNow["in_force"] as? Bool == false)
            #expect(afterWithdrawal["package"] == nil, "the Jobcenter reads the package only while the consent holds")
            let ownCopy = try await http.send(.get, "/cases/\(caseID)/handoffs", token: worker)
            #expect((ownCopy.json["items"] as? [[String: Any]])?.first?["package"] != nil, "the case keeps its record")

            // Cover, then its revocation: A2 reads the hand-off only while the grant is in force.
            let lead = try provider.token(for: person("demo-lead"))
            let a2 = try provider.token(for: person("demo-worker-a2"))
            #expect(try await http.send(.get, "/handoffs/\(handoffID)", token: a2).status == .notFound)
            let grant = try #require(
                try await http.send(
                    .post,
                    "/substitutions",
                    token: lead,
                    body: [
                        "absent_id": person("demo-worker-a").id.apiString, "substitute_id": person("demo-worker-a2").id.apiString,
                        "reason": "Urlaub", "from": time(Date().addingTimeInterval(-60)),
                        "until": time(Date().addingTimeInterval(7 * 86_400)),
                    ]
                ).json["id"] as? String
            )
            #expect(try await http.send(.get, "/handoffs/\(handoffID)", token: a2).status == .ok, "covering, A2 reads it")
            #expect(try await http.send(.delete, "/substitutions/\(grant)", token: lead).status == .ok)
            #expect(
                try await http.send(.get, "/handoffs/\(handoffID)", token: a2).status == .notFound,
                "the grant revoked, no longer"
            )

            // Access that ends: reassigned to A2, worker A no longer reads the hand-off.
            let moved = try await http.send(
                .put,
                "/cases/\(caseID)/assignment",
                token: lead,
                body: ["assignee_id": person("demo-worker-a2").id.apiString]
            )
            #expect(moved.status == .ok)
            #expect(try await http.send(.get, "/handoffs/\(handoffID)", token: worker).status == .notFound)
            #expect(try await http.send(.get, "/handoffs/\(handoffID)", token: a2).status == .ok)
        }
    }
}
