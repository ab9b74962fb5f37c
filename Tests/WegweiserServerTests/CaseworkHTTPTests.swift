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

@Suite("Casework over HTTP: clients and cases", .postgres)
struct CaseworkHTTPTests {
    let provider = TestIdentityProvider.shared
    let worker = DemoData.people.first { $0.subject == "demo-worker-a" }!
    let lead = DemoData.people.first { $0.subject == "demo-lead" }!

    let client: [String: any Sendable] = [
        "given_name": "Amal", "family_name": "Haddad", "date_of_birth": "1990-07-14", "phone": "+49 7751 123456",
        "citizenships": ["SY"], "languages": ["ar"], "gender": "female", "municipality": "08337096",
        "target_group": "refugee_follow_up_housing",
    ]

    @Test(
        "a client's personal fields are ciphertext in the events table and read back through the API; erasing the key erases them"
    )
    func personalDataEncrypted() async throws {
        let (app, database) = try await TestApp.makeWithDatabase()
        let token = try provider.token(for: worker)
        let body = client
        try await app.test(.router) { http in
            let created = try await http.send(.post, "/clients", token: token, body: body)
            #expect(created.status == .created)
            let id = try #require(created.json["id"] as? String)
            let read = try await http.send(.get, "/clients/\(id)", token: token)
            #expect(read.json["family_name"] as? String == "Haddad")
            #expect(read.json["date_of_birth"] as? String == "1990-07-14")
            #expect(read.json["phone"] as? String == "+49 7751 123456")
            #expect(read.json["year_of_birth"] as? Int == 1990)
            #expect(read.json["erased"] as? Bool == false)

            let stored = try await database.withClient { client in
                var texts: [String] = []
                let rows = try await client.query(
                    "SELECT payload::text FROM events WHERE stream_id = \("client-" + id.uppercased())"
                )
                for try await text in rows.decode(String.self) { texts.append(text) }
                let models = try await client.query("SELECT profile::text FROM clients")
                for try await text in models.decode(String.self) { texts.append(text) }
                return texts
            }
            #expect(stored.count == 2)
            for text in stored {
                #expect(
                    !text.contains("Haddad") && !text.contains("Amal") && !text.contains("1990-07-14") && !text.contains("7751")
                )
                #expect(text.contains("\"sealed\""))
                #expect(text.contains("\"SY\""), "base data stays in the clear for key figures")
            }

            try await database.withClient { client in
                try await KeyStore(client: client, master: .init(base64: TestApp.masterKey), logger: Logger(label: "test"))
                    .erase(subject: "client:\(id)")
            }
            let erased = try await http.send(.get, "/clients/\(id)", token: token)
            #expect(erased.status == .ok)
            #expect(erased.json["erased"] as? Bool == true)
            #expect(erased.json["family_name"] == nil)
            #expect(erased.json["citizenships"] as? [String] == ["SY"])
        }
    }

    @Test("an idempotent retry answers the same client without a second write; the same key with another body is 422")
    func idempotentRetry() async throws {
        let (app, database) = try await TestApp.makeWithDatabase()
        let token = try provider.token(for: worker)
        let body = client
        var other = client
        other["family_name"] = "Nasser"
        let otherBody = other
        try await app.test(.router) { http in
            let key: HTTPFields = [HTTPField.Name("Idempotency-Key")!: "create-haddad-1"]
            let first = try await http.send(.post, "/clients", token: token, body: body, headers: key)
            let retry = try await http.send(.post, "/clients", token: token, body: body, headers: key)
            #expect(first.status == .created)
            #expect(retry.status == .created)
            #expect(retry.json["id"] as? String == first.json["id"] as? String)
            let changed = try await http.send(.post, "/clients", token: token, body: otherBody, headers: key)
            #expect(changed.status == .unprocessableContent)
            let count = try await database.withClient { client in
                let rows = try await client.query("SELECT count(*) FROM events WHERE event_type = 'client.registered'")
                for try await count in rows.decode(Int64.self) { return count }
                return -1
            }
            #expect(count == 1)
        }
    }

    @Test("a case runs its course: open, period, extension limit, stale ETag, closure reasons, reopening, caseloads")
    func caseLifecycle() async throws {
        let app = try await TestApp.make()
        let token = try provider.token(for: worker)
        let leadToken = try provider.token(for: lead)
        let body = client
        try await app.test(.router) { http in
            let clientID = try #require(try await http.send(.post, "/clients", token: token, body: body).json["id"] as? String)
            let opened = try await http.send(
                .post,
                "/cases",
                token: token,
                body: [
                    "client_id": clientID, "opening": "handover", "opened_on": "2026-01-05",
                    "handover_note": "zwei Kinder, Kita-Platz gesucht", "documents": ["Aufenthaltsgestattung"],
                ]
            )
            #expect(opened.status == .created)
            let caseID = try #require(opened.json["id"] as? String)
            #expect(opened.headers[.eTag] == "\"1\"")
            let second = try await http.send(
                .post,
                "/cases",
                token: token,
                body: ["client_id": clientID, "opening": "direct_intake", "opened_on": "2026-01-06"]
            )
            #expect(second.status == .conflict, "one open case per client")

            let read = try await http.send(.get, "/cases/\(caseID)", token: token)
            let handover = try #require((read.json["handover"] as? [String: Any])?["personal"] as? [String: Any])
            #expect(handover["note"] as? String == "zwei Kinder, Kita-Platz gesucht")
            #expect(handover["documents"] as? [String] == ["Aufenthaltsgestattung"])

            let started = try await http.send(
                .put,
                "/cases/\(caseID)/counselling-period",
                token: token,
                body: ["started_on": "2026-01-05"]
            )
            #expect(started.json["period_end"] as? String == "2029-01-04")
            let extend: [String: Any] = [
                "months": 8, "reason": "ongoing_training_or_studies", "text": "Ausbildung", "decided_on": "2026-05-01",
            ]
            #expect(
                try await http.send(.post, "/cases/\(caseID)/counselling-period/extensions", token: token, body: extend).status
                    == .created
            )
            let extended = try await http.send(.get, "/cases/\(caseID)", token: token)
            #expect(extended.json["period_end"] as? String == "2029-09-04")
            let extensions = extended.json["extensions"] as? [[String: Any]]
            #expect(extensions?.count == 1)
            #expect((extensions?.first?["personal"] as? [String: Any])?["text"] as? String == "Ausbildung")
            #expect(extensions?.first?["reason"] as? String == "ongoing_training_or_studies")
            let tooLong = try await http.send(.post, "/cases/\(caseID)/counselling-period/extensions", token: token, body: extend)
            #expect(tooLong.status == .unprocessableContent)
            #expect(((tooLong.json["errors"] as? [[String: Any]])?.first?["pointer"] as? String) == "/months")

            let stale = try await http.send(
                .put,
                "/cases/\(caseID)/closure",
                token: token,
                body: ["reason": "moved_out_of_district", "closed_on": "2026-06-01"],
                headers: [.ifMatch: "\"1\""]
            )
            #expect(stale.status == .preconditionFailed)
            let noReason = try await http.send(
                .put,
                "/cases/\(caseID)/closure",
                token: token,
                body: ["reason": "tired", "closed_on": "2026-06-01"]
            )
            // The contract lists the closure reasons: a code outside them does not match it.
            #expect(noReason.status == .badRequest)
            #expect(
                (noReason.json["errors"] as? [[String: Any]])?.compactMap { $0["pointer"] as? String } == ["/reason"]
            )
            let closed = try await http.send(
                .put,
                "/cases/\(caseID)/closure",
                token: token,
                body: ["reason": "moved_out_of_district", "closed_on": "2026-06-01"],
                headers: [.ifMatch: "\"3\""]
            )
            #expect(closed.status == .ok)
            #expect(closed.json["status"] as? String == "closed")
            #expect(closed.headers[.eTag] == "\"4\"")
            #expect(try await http.send(.get, "/cases", token: token).json["items"] as? [Any] != nil)
            #expect(
                (try await http.send(.get, "/cases", token: token).json["items"] as? [Any])?.count == 0,
                "closed cases are not in the caseload"
            )
            #expect((try await http.send(.get, "/cases?include_closed=true", token: token).json["items"] as? [Any])?.count == 1)

            let reopened = try await http.send(
                .post,
                "/cases/\(caseID)/reopenings",
                token: token,
                body: ["reason": "zurückgezogen", "reopened_on": "2026-07-01"]
            )
            #expect(reopened.status == .created)
            #expect(reopened.json["status"] as? String == "open")
            let teamCases = try await http.send(.get, "/cases", token: leadToken)
            #expect(
                (teamCases.json["items"] as? [[String: Any]])?.map { $0["id"] as? String } == [caseID],
                "the lead sees the team's cases"
            )
            #expect((teamCases.json["items"] as? [[String: Any]])?.first?["client_name"] as? String == "Amal Haddad")
        }
    }

    @Test(
        "the target groups are configurable: a group the installation does not counsel is refused; labour migrants get no counselling period"
    )
    func targetGroups() async throws {
        let database = try await TestPostgres.shared.database()
        let app = try await buildApplication(
            reader: TestApp.reader(
                database: database,
                extra: ["casework.target.groups": "refugee_follow_up_housing, eu_labour_migrant"]
            )
        )
        let token = try provider.token(for: worker)
        try await app.test(.router) { http in
            let refused = try await http.send(
                .post,
                "/clients",
                token: token,
                body: ["family_name": "Kovalenko", "target_group": "displaced_from_ukraine"]
            )
            #expect(refused.status == .unprocessableContent)
            #expect(((refused.json["errors"] as? [[String: Any]])?.first?["pointer"] as? String) == "/target_group")
            let accepted = try await http.send(
                .post,
                "/clients",
                token: token,
                body: ["family_name": "Novak", "target_group": "eu_labour_migrant"]
            )
            #expect(accepted.status == .created)

            // A labour migrant never lived in follow-up housing: their case has no counselling period.
            let migrant = try #require(accepted.json["id"] as? String)
            let opened = try await http.send(
                .post,
                "/cases",
                token: token,
                body: ["client_id": migrant, "opening": "direct_intake", "opened_on": "2026-01-05"]
            )
            let caseID = try #require(opened.json["id"] as? String)
            let period = try await http.send(
                .put,
                "/cases/\(caseID)/counselling-period",
                token: token,
                body: ["started_on": "2026-01-05"]
            )
            #expect(period.status == .unprocessableContent)
            #expect(((period.json["errors"] as? [[String: Any]])?.first?["pointer"] as? String) == "/started_on")
            #expect(try await http.send(.get, "/cases/\(caseID)", token: token).json["period_start"] == nil)
        }
        let wrong = TestApp.reader(database: database, extra: ["casework.target.groups": "tourists"])
        await #expect(throws: ConfigurationError.self) { try await buildApplication(reader: wrong) }
    }
}
