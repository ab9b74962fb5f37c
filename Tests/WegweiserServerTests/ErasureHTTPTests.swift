import EventStore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import PostgresNIO
import TestSupport
import Testing

@testable import WegweiserServer

@Suite("A person's rights over HTTP: the Art. 15 export and Art. 17 erasure with four eyes", .postgres)
struct ErasureHTTPTests {
    let provider = TestIdentityProvider.shared

    /// A token for the demo staff member signing in as `subject`.
    func token(_ subject: String) throws -> String { try provider.token(forDemo: subject) }

    @Test(
        "one requests, another confirms; afterwards export, search, feed and read models hold no plaintext of the person, the chain verifies and published reports are unchanged"
    )
    func fourEyesErasure() async throws {
        let (app, database) = try await TestApp.makeWithDatabase()
        let worker = try token("demo-worker-a")
        let lead = try token("demo-lead")
        let dpo = try token("demo-dpo")
        let jobcenter = try token("demo-jobcenter")
        try await app.test(.router) { http in
            let client = try #require(
                try await http.send(
                    .post,
                    "/clients",
                    token: worker,
                    body: [
                        "given_name": "Amal", "family_name": "Haddad", "date_of_birth": "1990-07-14",
                        "target_group": "refugee_follow_up_housing", "citizenships": ["SY"],
                    ]
                ).json["id"] as? String
            )
            let caseID = try #require(
                try await http.send(
                    .post,
                    "/cases",
                    token: worker,
                    body: ["client_id": client, "opening": "direct_intake", "opened_on": "2026-01-05"]
                ).json["id"] as? String
            )
            let consultation = try await http.send(
                .post,
                "/cases/\(caseID)/consultations",
                token: worker,
                body: ["held_on": "2026-01-20", "duration_minutes": 45, "place": "office", "note": "Sorgen wegen der Miete"]
            )
            #expect(consultation.status == .created)
            let jobcenterID = DemoData.id("organisation:Jobcenter Landkreis Waldshut").apiString
            let consent = try #require(
                try await http.send(
                    .post,
                    "/cases/\(caseID)/consents",
                    token: worker,
                    body: [
                        "purpose": "jobcenter_handoff", "categories": ["identity", "occupational_goal"], "recipient": "Jobcenter",
                        "recipient_organisation_id": jobcenterID, "given_at": "2026-01-20T10:00:00Z", "form": "written",
                    ]
                ).json["id"] as? String
            )
            let handoff = try #require(
                try await http.send(
                    .post,
                    "/cases/\(caseID)/handoffs",
                    token: worker,
                    body: [
                        "consent_id": consent, "recipient_organisation_id": jobcenterID,
                        "package": ["identity": true, "occupational_goal": "Pflegefachkraft"],
                    ]
                ).json["id"] as? String
            )
            try await Task.sleep(for: .milliseconds(1100))
            let published = try await http.send(
                .post,
                "/published-reports",
                token: try token("demo-coordinator"),
                body: ["recipient": "Regierungspräsidium Stuttgart", "as_of": "2026-06-30", "from": "2026-01-01"]
            )
            #expect(published.status == .created)
            let reportID = try #require(published.json["id"] as? String)
            let secrets = ["Haddad", "Amal", "1990-07-14", "Miete", "Pflegefachkraft"]
            let before = try await http.send(.get, "/clients/\(client)/export", token: dpo)
            #expect(before.status == .ok)
            let beforeText = String(buffer: before.body)
            for secret in secrets { #expect(beforeText.contains(secret), "the export holds \(secret) before") }
            #expect((before.json["handoffs"] as? [Any])?.count == 1)

            // Four eyes: a request, refused to its own author, confirmed by someone else.
            #expect(try await http.send(.get, "/clients/\(client)/export", token: lead).status == .forbidden)
            let requested = try await http.send(
                .post,
                "/clients/\(client)/erasure-requests",
                token: lead,
                body: ["reason": "Antrag nach Art. 17 DSGVO vom 3. Mai"]
            )
            #expect(requested.status == .created)
            #expect(requested.json["status"] as? String == "requested")
            let requestID = try #require(requested.json["id"] as? String)
            #expect(
                try await http.send(.post, "/clients/\(client)/erasure-requests", token: lead, body: ["reason": " "]).status
                    == .unprocessableContent
            )
            let own = try #require(
                try await http.send(
                    .post,
                    "/clients/\(client)/erasure-requests",
                    token: dpo,
                    body: ["reason": "Aufbewahrungsfrist"]
                )
                .json["id"] as? String
            )
            let selfConfirmed = try await http.send(.put, "/erasure-requests/\(own)/confirmation", token: dpo)
            #expect(selfConfirmed.status == .conflict, "one person cannot both request and confirm")
            #expect(try await http.send(.put, "/erasure-requests/\(requestID)/confirmation", token: lead).status == .forbidden)
            let stillThere = try await http.send(.get, "/clients/\(client)", token: worker)
            #expect(stillThere.json["family_name"] as? String == "Haddad", "nothing is erased before the confirmation")
            let confirmed = try await http.send(.put, "/erasure-requests/\(requestID)/confirmation", token: dpo)
            #expect(confirmed.status == .ok)
            #expect(confirmed.json["status"] as? String == "erased")
            #expect(try await http.send(.put, "/erasure-requests/\(requestID)/confirmation", token: dpo).status == .conflict)
            let listed = try await http.send(.get, "/erasure-requests", token: try token("demo-auditor"))
            #expect((listed.json["items"] as? [[String: Any]])?.count == 2)

            // Afterwards: no plaintext anywhere the API reaches.
            let after = try await http.send(.get, "/clients/\(client)/export", token: dpo)
            #expect(after.status == .ok)
            let afterText = String(buffer: after.body)
            for secret in secrets { #expect(!afterText.contains(secret), "the export still holds \(secret)") }
            #expect((after.json["client"] as? [String: Any])?["erased"] as? Bool == true)
            #expect((after.json["access_log"] as? [Any])?.isEmpty == false, "who saw the data stays")
            #expect((after.json["erasure_requests"] as? [Any])?.count == 2)
            let search = try await http.send(.get, "/clients?name=Haddad", token: worker)
            #expect((search.json["items"] as? [Any])?.isEmpty == true)
            let received = try await http.send(.get, "/handoffs/\(handoff)", token: jobcenter)
            #expect(received.status == .ok)
            #expect(received.json["package"] == nil, "the Jobcenter's copy in Wegweiser is gone too")
            let write = try await http.send(
                .post,
                "/cases/\(caseID)/consultations",
                token: worker,
                body: ["held_on": "2026-02-01", "duration_minutes": 30, "place": "office", "note": "neu"]
            )
            #expect(write.status == .conflict, "nothing new is recorded about an erased person")

            // The read models in the database: no sealed part of the person left, no search token.
            let subject = "client:\(client)"
            let (sealedParts, tokens, profileParts) = try await database.withClient { pool in
                var counts: [Int] = []
                for query: PostgresQuery in [
                    """
                    SELECT count(*)::int FROM case_items
                    WHERE case_id = \(UUID(uuidString: caseID)!) AND body::text LIKE \("%" + subject + "%")
                    """,
                    "SELECT count(*)::int FROM client_search WHERE subject = \(subject)",
                    "SELECT count(*)::int FROM clients WHERE id = \(UUID(uuidString: client)!) AND profile ? 'personal'",
                ] {
                    for try await (count, ) in try await pool.query(query).decode((Int,).self) { counts.append(count) }
                }
                return (counts[0], counts[1], counts[2])
            }
            #expect(sealedParts == 0)
            #expect(tokens == 0)
            #expect(profileParts == 0)

            // The chain still verifies, and the report sent before still matches the log.
            try await database.sealChains()
            let intact = try await database.withClient { pool in
                try await ChainVerifier(client: pool, logger: Logger(label: "test")).verify().isIntact
            }
            #expect(intact)
            let report = try await http.send(.get, "/published-reports/\(reportID)", token: try token("demo-coordinator"))
            #expect((report.json["verification"] as? [String: Any])?["matches"] as? Bool == true)
            #expect(report.json["figures_hash"] as? String == published.json["figures_hash"] as? String)
        }
    }
}
