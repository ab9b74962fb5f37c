import Casework
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

@Suite("Casework over HTTP: assessment, plan and goals, consultations, observations, consents", .postgres)
struct CaseItemsHTTPTests {
    let provider = TestIdentityProvider.shared
    let worker = DemoData.people.first { $0.subject == "demo-worker-a" }!

    /// A client and an open case of worker A; returns the case id.
    func openCase(_ http: some TestClientProtocol, token: String) async throws -> (client: String, case: String) {
        let client = try #require(
            try await http.send(
                .post,
                "/clients",
                token: token,
                body: ["family_name": "Haddad", "target_group": "displaced_from_ukraine"]
            )
            .json["id"] as? String
        )
        let opened = try await http.send(
            .post,
            "/cases",
            token: token,
            body: ["client_id": client, "opening": "direct_intake", "opened_on": "2026-01-05"]
        )
        return (client, try #require(opened.json["id"] as? String))
    }

    @Test(
        "notes, goal texts and reasons are ciphertext in the tables, read back through the API, and gone once the client is erased"
    )
    func freeTextEncrypted() async throws {
        let (app, database) = try await TestApp.makeWithDatabase()
        let token = try provider.token(for: worker)
        try await app.test(.router) { http in
            let (client, caseID) = try await openCase(http, token: token)
            let goal = try await http.send(
                .post,
                "/cases/\(caseID)/goals",
                token: token,
                body: [
                    "area": "work", "text": "Ausbildung als Koch", "agreed_on": "2026-01-10",
                    "steps": [["owner": "client", "text": "Praktikum im Gasthaus Adler", "due_on": "2026-03-01"]],
                ]
            )
            #expect(goal.status == .created)
            #expect(goal.headers[.eTag] == "\"2\"")
            #expect((goal.json["personal"] as? [String: Any])?["text"] as? String == "Ausbildung als Koch")
            let consultation = try await http.send(
                .post,
                "/cases/\(caseID)/consultations",
                token: token,
                body: [
                    "held_on": "2026-01-20", "duration_minutes": 60, "place": "home_visit", "interpreter": true,
                    "topics": ["work"], "referrals": [["target": "employment_agency"]], "note": "Sorgen wegen der Miete",
                ]
            )
            #expect(consultation.status == .created)
            let referral = try #require((consultation.json["referrals"] as? [[String: Any]])?.first?["id"] as? String)
            let outcome = try await http.send(
                .put,
                "/cases/\(caseID)/referrals/\(referral)/outcome",
                token: token,
                body: ["outcome": "appointment_made", "text": "Beratungstermin am 3. Februar", "recorded_on": "2026-01-28"]
            )
            #expect(outcome.status == .ok)
            let listed = try await http.send(.get, "/cases/\(caseID)/consultations", token: token)
            let first = try #require((listed.json["items"] as? [[String: Any]])?.first)
            #expect((first["personal"] as? [String: Any])?["text"] as? String == "Sorgen wegen der Miete")
            let listedReferral = try #require((first["referrals"] as? [[String: Any]])?.first)
            #expect(
                ((listedReferral["outcome"] as? [String: Any])?["personal"] as? [String: Any])?["text"] as? String
                    == "Beratungstermin am 3. Februar"
            )
            #expect((listedReferral["outcome"] as? [String: Any])?["code"] as? String == "appointment_made")

            let earlier = try await http.send(
                .post,
                "/cases/\(caseID)/consultations",
                token: token,
                body: ["held_on": "2026-01-12", "duration_minutes": 20, "place": "phone"]
            )
            let ofClient = try await http.send(.get, "/clients/\(client)/consultations?limit=1", token: token)
            #expect(ofClient.status == .ok)
            let firstPage = try #require(ofClient.json["items"] as? [[String: Any]])
            #expect(firstPage.map { $0["id"] as? String } == [earlier.json["id"] as? String], "by day held")
            let cursor = try #require(ofClient.json["next_cursor"] as? String)
            let secondPage = try await http.send(.get, "/clients/\(client)/consultations?limit=1&cursor=\(cursor)", token: token)
            let clientItems = try #require(secondPage.json["items"] as? [[String: Any]])
            #expect(clientItems.map { $0["id"] as? String } == [consultation.json["id"] as? String])
            #expect((clientItems.first?["personal"] as? [String: Any])?["text"] as? String == "Sorgen wegen der Miete")
            #expect(secondPage.json["next_cursor"] == nil)

            let stored = try await database.withClient { client in
                var texts: [String] = []
                for try await text in try await client.query("SELECT payload::text FROM events").decode(String.self) {
                    texts.append(text)
                }
                for try await text in try await client.query("SELECT body::text FROM case_items").decode(String.self) {
                    texts.append(text)
                }
                return texts.joined(separator: "\n")
            }
            for secret in ["Koch", "Gasthaus", "Miete", "Beratungstermin", "Haddad"] {
                #expect(!stored.contains(secret), "\(secret) is readable with plain SQL")
            }
            #expect(stored.contains("home_visit") && stored.contains("employment_agency"), "the rest stays in the clear")

            let subject = "client:\(client)"
            try await database.withClient { pool in
                try await KeyStore(client: pool, master: .init(base64: TestApp.masterKey), logger: Logger(label: "test"))
                    .erase(subject: subject)
            }
            let erased = try await http.send(.get, "/cases/\(caseID)/goals", token: token)
            #expect(erased.status == .ok)
            let erasedGoal = try #require((erased.json["items"] as? [[String: Any]])?.first)
            #expect(erasedGoal["personal"] == nil)
            #expect(erasedGoal["area"] as? String == "work")
        }
    }

    @Test("a goal moves on until the case closes; after closure it cannot change")
    func goalsAndClosure() async throws {
        let app = try await TestApp.make()
        let token = try provider.token(for: worker)
        try await app.test(.router) { http in
            let (_, caseID) = try await openCase(http, token: token)
            let goal = try #require(
                try await http.send(
                    .post,
                    "/cases/\(caseID)/goals",
                    token: token,
                    body: ["area": "language", "text": "B1", "agreed_on": "2026-01-10"]
                )
                .json["id"] as? String
            )
            let revised = try await http.send(
                .put,
                "/cases/\(caseID)/goals/\(goal)",
                token: token,
                body: [
                    "area": "language", "text": "B1 bis Jahresende", "agreed_on": "2026-01-20",
                    "steps": [["owner": "case_worker", "text": "Kursplatz suchen"]],
                ]
            )
            #expect(revised.status == .ok)
            #expect((revised.json["personal"] as? [String: Any])?["text"] as? String == "B1 bis Jahresende")
            #expect((revised.json["steps"] as? [[String: Any]])?.first?["owner"] as? String == "case_worker")
            let moved = try await http.send(
                .put,
                "/cases/\(caseID)/goals/\(goal)/status",
                token: token,
                body: ["status": "in_progress", "changed_on": "2026-02-01"]
            )
            #expect(moved.json["status"] as? String == "in_progress")
            let noReason = try await http.send(
                .put,
                "/cases/\(caseID)/goals/\(goal)/status",
                token: token,
                body: ["status": "dropped", "changed_on": "2026-03-01"]
            )
            #expect(noReason.status == .unprocessableContent)
            #expect(
                try await http.send(
                    .put,
                    "/cases/\(caseID)/closure",
                    token: token,
                    body: ["reason": "deceased", "closed_on": "2026-04-01"]
                ).status == .ok
            )
            let afterClosure = try await http.send(
                .put,
                "/cases/\(caseID)/goals/\(goal)/status",
                token: token,
                body: ["status": "achieved", "changed_on": "2026-04-02"]
            )
            #expect(afterClosure.status == .conflict)
            let goals = try await http.send(.get, "/cases/\(caseID)/goals", token: token)
            #expect((goals.json["items"] as? [[String: Any]])?.first?["status"] as? String == "in_progress")
        }
    }

    @Test("a declined observation is kept as declined; a withdrawn consent shows when it stopped; an item POST retries safely")
    func observationsAndConsents() async throws {
        let (app, database) = try await TestApp.makeWithDatabase()
        let token = try provider.token(for: worker)
        try await app.test(.router) { http in
            let (_, caseID) = try await openCase(http, token: token)
            let declined: [String: Any] = ["field": "german_level", "value": ["status": "declined"], "observed_on": "2026-01-10"]
            let key: HTTPFields = [HTTPField.Name("Idempotency-Key")!: "obs-1"]
            let first = try await http.send(.post, "/cases/\(caseID)/observations", token: token, body: declined, headers: key)
            let retry = try await http.send(.post, "/cases/\(caseID)/observations", token: token, body: declined, headers: key)
            #expect(first.status == .created && retry.status == .created)
            #expect(first.json["id"] as? String == retry.json["id"] as? String)
            let count = try await database.withClient { client in
                for try await count in try await client.query(
                    "SELECT count(*) FROM events WHERE event_type = 'case.observation_recorded'"
                )
                .decode(Int64.self) {
                    return count
                }
                return -1
            }
            #expect(count == 1)
            // A "no answer" with a code is refused, not stored with the code dropped.
            let mixed: [String: Any] = [
                "field": "german_level", "value": ["status": "declined", "code": "a2"], "observed_on": "2026-01-11",
            ]
            let refused = try await http.send(.post, "/cases/\(caseID)/observations", token: token, body: mixed)
            #expect(refused.status == .unprocessableContent)
            #expect((refused.json["errors"] as? [[String: Any]])?.first?["pointer"] as? String == "/value/code")
            let wrong: [String: Any] = [
                "field": "german_level", "value": ["status": "value", "code": "private_flat"], "observed_on": "2026-01-10",
            ]
            #expect(
                try await http.send(.post, "/cases/\(caseID)/observations", token: token, body: wrong).status
                    == .unprocessableContent
            )
            let observations = try await http.send(.get, "/cases/\(caseID)/observations", token: token)
            let value = (observations.json["items"] as? [[String: Any]])?.first?["value"] as? [String: Any]
            #expect(value?["status"] as? String == "declined")

            let consent = try await http.send(
                .post,
                "/cases/\(caseID)/consents",
                token: token,
                body: [
                    "purpose": "jobcenter_handoff", "categories": ["german_level"], "recipient": "Jobcenter Waldshut",
                    "given_at": "2026-01-20T10:00:00Z", "form": "written",
                ]
            )
            let consentID = try #require(consent.json["id"] as? String)
            let withdrawn = try await http.send(
                .put,
                "/cases/\(caseID)/consents/\(consentID)/withdrawal",
                token: token,
                body: ["withdrawn_at": "2026-02-01T09:00:00Z"]
            )
            #expect(withdrawn.status == .ok)
            #expect(withdrawn.json["withdrawn_at"] as? String == "2026-02-01T09:00:00Z")
            // Sent again, the withdrawal records nothing and answers the consent as it is.
            let again = try await http.send(
                .put,
                "/cases/\(caseID)/consents/\(consentID)/withdrawal",
                token: token,
                body: ["withdrawn_at": "2026-03-01T09:00:00Z"]
            )
            #expect(again.status == .ok)
            #expect(again.json["withdrawn_at"] as? String == "2026-02-01T09:00:00Z")
        }
    }

    @Test("a PUT sent again appends nothing and answers the current state: plan agreement, period, assignment, closure")
    func putsSentAgain() async throws {
        let (app, database) = try await TestApp.makeWithDatabase()
        let token = try provider.token(for: worker)
        try await app.test(.router) { http in
            let (_, caseID) = try await openCase(http, token: token)
            func events() async throws -> Int64 {
                try await database.withClient { client in
                    for try await count in try await client.query(
                        "SELECT count(*) FROM events WHERE stream_id = \("case-" + caseID.uppercased())"
                    )
                    .decode(Int64.self) {
                        return count
                    }
                    return -1
                }
            }
            let goal: [String: Any] = ["area": "work", "text": "Ausbildung", "agreed_on": "2026-01-15"]
            #expect(try await http.send(.post, "/cases/\(caseID)/goals", token: token, body: goal).status == .created)
            // Reassigning is the team lead's.
            let lead = try provider.token(for: try #require(DemoData.people.first { $0.subject == "demo-lead" }))
            let puts: [(String, [String: Any], String)] = [
                ("plan-agreement", ["agreed_on": "2026-01-15", "form": "written"], token),
                ("counselling-period", ["started_on": "2026-01-10"], token),
                ("assignment", ["assignee_id": worker.id.apiString, "assigned_on": "2026-01-16"], lead),
                ("closure", ["reason": "moved_out_of_district", "closed_on": "2026-06-01"], token),
            ]
            for (path, body, token) in puts {
                let first = try await http.send(.put, "/cases/\(caseID)/\(path)", token: token, body: body)
                #expect(first.status == .ok, "\(path): \(first.json)")
                let before = try await events()
                let again = try await http.send(.put, "/cases/\(caseID)/\(path)", token: token, body: body)
                #expect(again.status == .ok, "\(path) again: \(again.json)")
                #expect(again.headers[.eTag] == first.headers[.eTag], "\(path)")
                #expect(try await events() == before, "\(path) appended")
            }
            // Another closure of the closed case is still refused.
            let other = try await http.send(
                .put,
                "/cases/\(caseID)/closure",
                token: token,
                body: ["reason": "deceased", "closed_on": "2026-06-01"]
            )
            #expect(other.status == .conflict)
        }
    }

    @Test(
        "a day in the future or before the case is refused with 422 naming the field and the conflicting date; nothing is stored"
    )
    func implausibleDates() async throws {
        let clock = TestClock()
        let app = try await TestApp.make(clock: clock)
        let token = try provider.token(for: worker, now: clock.now)
        try await app.test(.router) { http in
            let (client, caseID) = try await openCase(http, token: token)
            let today = CalendarDate(clock.now)
            let cases: [(String, [String: Any], String, String)] = [
                (
                    "consultations", ["held_on": today.adding(days: 3).description, "duration_minutes": 30, "place": "office"],
                    "/held_on", "must not be after today (\(today))"
                ),
                (
                    "consultations", ["held_on": "2026-01-04", "duration_minutes": 30, "place": "office"],
                    "/held_on", "must not be before the case was opened (2026-01-05)"
                ),
                (
                    "observations",
                    ["field": "german_level", "value": ["status": "value", "code": "a2"], "observed_on": "2030-01-01"],
                    "/observed_on", "must not be after today (\(today))"
                ),
            ]
            for (kind, body, pointer, detail) in cases {
                let refused = try await http.send(.post, "/cases/\(caseID)/\(kind)", token: token, body: body)
                #expect(refused.status == .unprocessableContent, "\(kind) \(body)")
                let error = (refused.json["errors"] as? [[String: Any]])?.first
                #expect(error?["pointer"] as? String == pointer)
                #expect(error?["detail"] as? String == detail)
            }
            let read = try await http.send(.get, "/cases/\(caseID)", token: token)
            #expect(read.json["consultation_count"] as? Int == 0)
            #expect(read.headers[.eTag] == "\"1\"", "nothing was appended")
            // A case cannot be opened in the future either (the client's first case is closed first).
            let closed = try await http.send(
                .put,
                "/cases/\(caseID)/closure",
                token: token,
                body: ["reason": "moved_out_of_district", "closed_on": today.description]
            )
            #expect(closed.status == .ok)
            let future = try await http.send(
                .post,
                "/cases",
                token: token,
                body: ["client_id": client, "opening": "direct_intake", "opened_on": "2031-01-01"]
            )
            #expect(future.status == .unprocessableContent)
            #expect((future.json["errors"] as? [[String: Any]])?.first?["pointer"] as? String == "/opened_on")
        }
    }

    @Test("every item a POST creates is read back at its Location as the POST answered it; out of scope or unknown, 404")
    func singleItems() async throws {
        let app = try await TestApp.make()
        let token = try provider.token(for: worker)
        let stranger = try provider.token(for: try #require(DemoData.people.first { $0.subject == "demo-worker-b" }))
        try await app.test(.router) { http in
            let (_, caseID) = try await openCase(http, token: token)
            let posts: [(String, [String: Any])] = [
                ("assessments", ["held_on": "2026-01-12", "needs": ["work"], "priorities": ["work"]]),
                ("goals", ["area": "work", "text": "Ausbildung", "agreed_on": "2026-01-15"]),
                ("plan-reviews", ["reviewed_on": "2026-02-01", "summary": "gut"]),
                ("consultations", ["held_on": "2026-01-20", "duration_minutes": 45, "place": "accompaniment"]),
                (
                    "observations",
                    [
                        "field": "housing", "value": ["status": "value", "code": "preliminary_accommodation"],
                        "observed_on": "2026-01-20",
                    ]
                ),
                (
                    "consents",
                    [
                        "purpose": "data_collection", "categories": ["german_level"], "given_at": "2026-01-20T10:00:00Z",
                        "form": "written",
                    ]
                ),
            ]
            for (kind, body) in posts {
                let created = try await http.send(.post, "/cases/\(caseID)/\(kind)", token: token, body: body)
                #expect(created.status == .created, "\(kind): \(created.json)")
                let id = try #require(created.json["id"] as? String)
                let location = try #require(created.headers[.location])
                #expect(location == "/cases/\(caseID)/\(kind)/\(id)")
                let read = try await http.send(.get, location, token: token)
                #expect(read.status == .ok, "\(kind)")
                #expect(
                    NSDictionary(dictionary: read.json) == NSDictionary(dictionary: created.json),
                    "\(kind) reads back as created"
                )
                #expect(read.headers[.eTag] != nil)
                let author = read.json["recorded_by"] as? [String: Any]
                #expect(author?["staff_member_id"] as? String == worker.id.apiString, "\(kind) names who recorded it")
                #expect(author?["role"] as? String == "case_worker")
                #expect(try await http.send(.get, location, token: stranger).status == .notFound, "\(kind) out of scope")
                #expect(try await http.send(.get, "/cases/\(caseID)/\(kind)/\(UUID())", token: token).status == .notFound)
            }
            // An item id of another kind names nothing here.
            let goalID = try #require(
                (try await http.send(.get, "/cases/\(caseID)/goals", token: token).json["items"] as? [[String: Any]])?.first?[
                    "id"
                ]
                    as? String
            )
            #expect(try await http.send(.get, "/cases/\(caseID)/consultations/\(goalID)", token: token).status == .notFound)

            // A goal says when it was agreed and keeps each revision's day and author.
            let revised = try await http.send(
                .put,
                "/cases/\(caseID)/goals/\(goalID)",
                token: token,
                body: ["area": "work", "text": "Ausbildung zum Koch", "agreed_on": "2026-02-10"]
            )
            #expect(revised.status == .ok)
            let goal = try await http.send(.get, "/cases/\(caseID)/goals/\(goalID)", token: token)
            #expect(goal.json["agreed_on"] as? String == "2026-02-10")
            let revisions = goal.json["revisions"] as? [[String: Any]]
            #expect(revisions?.compactMap { $0["agreed_on"] as? String } == ["2026-01-15", "2026-02-10"])
            #expect((revisions?.last?["recorded_by"] as? [String: Any])?["staff_member_id"] as? String == worker.id.apiString)

            // The plan agreement: none yet, then as the PUT answered it, and on the case.
            #expect(try await http.send(.get, "/cases/\(caseID)/plan-agreement", token: token).status == .notFound)
            let agreed = try await http.send(
                .put,
                "/cases/\(caseID)/plan-agreement",
                token: token,
                body: ["agreed_on": "2026-01-16", "form": "oral"]
            )
            let agreement = try await http.send(.get, "/cases/\(caseID)/plan-agreement", token: token)
            #expect(agreement.status == .ok)
            #expect(NSDictionary(dictionary: agreement.json) == NSDictionary(dictionary: agreed.json))
            let onCase = try await http.send(.get, "/cases/\(caseID)", token: token).json["plan_agreement"] as? [String: Any]
            #expect(onCase?["agreed_on"] as? String == "2026-01-16")
            #expect(onCase?["form"] as? String == "oral")
        }
    }

    @Test(
        "a person's observations run across their cases: the German level over four years and two cases, with each kind of no answer"
    )
    func observationsOfThePerson() async throws {
        let app = try await TestApp.make()
        let token = try provider.token(for: worker)
        try await app.test(.router) { http in
            let client = try #require(
                try await http.send(
                    .post,
                    "/clients",
                    token: token,
                    body: ["family_name": "Haddad", "target_group": "refugee_follow_up_housing"]
                ).json["id"] as? String
            )
            func open(_ day: String) async throws -> String {
                let opened = try await http.send(
                    .post,
                    "/cases",
                    token: token,
                    body: ["client_id": client, "opening": "direct_intake", "opened_on": day]
                )
                return try #require(opened.json["id"] as? String, "\(opened.json)")
            }
            func observe(_ caseID: String, _ field: String, _ value: [String: Any], _ day: String) async throws {
                let made = try await http.send(
                    .post,
                    "/cases/\(caseID)/observations",
                    token: token,
                    body: ["field": field, "value": value, "observed_on": day]
                )
                #expect(made.status == .created, "\(made.json)")
            }
            let first = try await open("2023-01-10")
            try await observe(first, "german_level", ["status": "value", "code": "a1"], "2023-02-01")
            try await observe(first, "german_level", ["status": "declined"], "2024-03-01")
            try await observe(first, "housing", ["status": "unknown"], "2024-03-01")
            let closed = try await http.send(
                .put,
                "/cases/\(first)/closure",
                token: token,
                body: ["reason": "declined_further_counselling", "closed_on": "2024-06-01"]
            )
            #expect(closed.status == .ok)
            let second = try await open("2025-01-15")
            try await observe(second, "german_level", ["status": "value", "code": "a2"], "2025-02-01")
            try await observe(second, "german_level", ["status": "value", "code": "b1"], "2025-02-01")
            try await observe(second, "housing", ["status": "not_asked"], "2025-02-01")

            let german = try await http.send(.get, "/clients/\(client)/observations?field=german_level", token: token)
            #expect(german.status == .ok)
            let items = try #require(german.json["items"] as? [[String: Any]])
            let values = items.map { item -> String in
                let value = item["value"] as? [String: Any]
                return (value?["code"] as? String) ?? (value?["status"] as? String ?? "?")
            }
            #expect(values == ["a1", "declined", "a2", "b1"], "in order, across both cases")
            #expect(items.map { $0["case_id"] as? String } == [first, first, second, second])
            // Of two on one day, the one recorded later holds.
            #expect(items.map { $0["current"] as? Bool } == [false, false, false, true])

            // As of the end of 2024, the declined answer was current, and nothing of 2025 shows.
            let then = try await http.send(.get, "/clients/\(client)/observations?as_of=2024-12-31", token: token)
            let before = try #require(then.json["items"] as? [[String: Any]])
            #expect(before.count == 3)
            let currentThen = before.filter { $0["current"] as? Bool == true }
            #expect(
                Set(currentThen.compactMap { ($0["value"] as? [String: Any])?["status"] as? String }) == ["declined", "unknown"]
            )

            // Someone who does not see the client sees nothing.
            let stranger = try provider.token(for: try #require(DemoData.people.first { $0.subject == "demo-worker-b" }))
            #expect(try await http.send(.get, "/clients/\(client)/observations", token: stranger).status == .notFound)
        }
    }

    @Test(
        "a correction changes what the case, its items and the person's observations show, keeps the original in the audit trail, and a withdrawn observation leaves the listings"
    )
    func corrections() async throws {
        let token = try provider.token(for: worker)
        let app = try await TestApp.make()
        try await app.test(.router) { http in
            let (client, caseID) = try await openCase(http, token: token)
            #expect(
                try await http.send(.put, "/cases/\(caseID)/counselling-period", token: token, body: ["started_on": "2026-01-05"])
                    .status == .ok
            )
            let talk: [String: Any] = ["held_on": "2026-02-20", "duration_minutes": 30, "place": "office"]
            let consultation = try #require(
                try await http.send(.post, "/cases/\(caseID)/consultations", token: token, body: talk).json["id"] as? String
            )
            let wrong: [String: Any] = [
                "field": "german_level", "value": ["status": "value", "code": "c2"], "observed_on": "2026-02-01",
            ]
            let observation = try #require(
                try await http.send(.post, "/cases/\(caseID)/observations", token: token, body: wrong).json["id"] as? String
            )
            let mistaken: [String: Any] = ["field": "housing", "value": ["status": "declined"], "observed_on": "2026-02-01"]
            let mistake = try #require(
                try await http.send(.post, "/cases/\(caseID)/observations", token: token, body: mistaken).json["id"] as? String
            )
            func correct(_ body: [String: Any]) async throws -> TestResponse {
                try await http.send(.post, "/cases/\(caseID)/corrections", token: token, body: body)
            }

            // A wrongly entered period start is corrected, not refused forever.
            let start = try await correct(["fact": "period_start", "day": "2025-12-01", "reason": "Einzug laut Mietvertrag"])
            #expect(start.status == .created)
            #expect(start.json["previous_day"] as? String == "2026-01-05")
            #expect(start.headers[.location] == "/cases/\(caseID)/corrections/\(try #require(start.json["id"] as? String))")
            let corrected = try await http.send(.get, "/cases/\(caseID)", token: token)
            #expect(corrected.json["period_start"] as? String == "2025-12-01")
            #expect(corrected.json["period_end"] as? String == "2028-11-30")

            // The consultation's day, and the observation's value.
            let heldOn = try await correct([
                "fact": "consultation_held_on", "item_id": consultation, "day": "2026-02-19", "reason": "Datum vertauscht",
            ])
            #expect(heldOn.status == .created)
            let readBack = try await http.send(.get, "/cases/\(caseID)/consultations/\(consultation)", token: token)
            #expect(readBack.json["held_on"] as? String == "2026-02-19")
            let level = try await correct([
                "fact": "observation", "item_id": observation, "day": "2026-02-01",
                "value": ["status": "value", "code": "a2"], "reason": "A2, nicht C2",
            ])
            #expect(level.status == .created)
            #expect((level.json["previous_value"] as? [String: Any])?["code"] as? String == "c2")
            let person = try await http.send(.get, "/clients/\(client)/observations?field=german_level", token: token)
            let levels = try #require(person.json["items"] as? [[String: Any]])
            #expect(levels.count == 1)
            #expect((levels.first?["value"] as? [String: Any])?["code"] as? String == "a2")
            #expect(levels.first?["current"] as? Bool == true)

            // A goal's agreement day: the goal shows it as its agreement, status and revision day.
            let goal = try #require(
                try await http.send(
                    .post,
                    "/cases/\(caseID)/goals",
                    token: token,
                    body: ["area": "work", "text": "Praktikum", "agreed_on": "2026-01-10"]
                ).json["id"] as? String
            )
            let agreed = try await correct([
                "fact": "goal_agreed_on", "item_id": goal, "day": "2026-01-08", "reason": "Vereinbarung war am 8.",
            ])
            #expect(agreed.status == .created)
            let goalRead = try await http.send(.get, "/cases/\(caseID)/goals/\(goal)", token: token)
            #expect(goalRead.json["agreed_on"] as? String == "2026-01-08")
            #expect(goalRead.json["status_changed_on"] as? String == "2026-01-08")
            #expect((goalRead.json["revisions"] as? [[String: Any]])?.first?["agreed_on"] as? String == "2026-01-08")

            // A mistaken observation is withdrawn: no listing shows it, its own address marks it.
            let withdrawal = try await correct([
                "fact": "observation_withdrawn", "item_id": mistake, "reason": "falsche Person",
            ])
            #expect(withdrawal.status == .created)
            let listed = try await http.send(.get, "/cases/\(caseID)/observations", token: token)
            #expect((listed.json["items"] as? [[String: Any]])?.map { $0["id"] as? String } == [observation])
            let fields = try await http.send(.get, "/clients/\(client)/observations", token: token)
            #expect((fields.json["items"] as? [[String: Any]])?.count == 1)
            let marked = try await http.send(.get, "/cases/\(caseID)/observations/\(mistake)", token: token)
            #expect(marked.json["withdrawn"] as? Bool == true)

            // Refused, changing nothing: a correction without a reason, lacking or with a member
            // its fact does not take, of an unknown item, to a day outside the case, or changing nothing.
            for refused: [String: Any] in [
                ["fact": "period_start", "day": "2025-11-01"],
                ["fact": "consultation_held_on", "day": "2026-02-19", "reason": "x"],
                ["fact": "period_start", "item_id": consultation, "day": "2025-11-01", "reason": "x"],
                ["fact": "observation_withdrawn", "item_id": mistake, "day": "2026-02-01", "reason": "x"],
                ["fact": "goal_agreed_on", "item_id": consultation, "day": "2026-02-01", "reason": "x"],
                ["fact": "consultation_held_on", "item_id": consultation, "day": "2026-01-04", "reason": "x"],
                ["fact": "consultation_held_on", "item_id": consultation, "day": "2026-02-19", "reason": "x"],
                [
                    "fact": "observation", "item_id": observation, "day": "2026-02-01", "reason": "x",
                    "value": ["status": "declined", "code": "a1"],
                ],
            ] {
                let response = try await correct(refused)
                #expect(response.status == .unprocessableContent || response.status == .badRequest, "\(refused)")
            }
            let corrections = try await http.send(.get, "/cases/\(caseID)/corrections", token: token)
            #expect((corrections.json["items"] as? [[String: Any]])?.count == 5)

            // The originals stay in the log: the audit trail shows the recording and its correction.
            let trail = try await http.send(.get, "/cases/\(caseID)/audit-trail?limit=100", token: token)
            let types = (trail.json["items"] as? [[String: Any]])?.compactMap { $0["operation"] as? String } ?? []
            #expect(types.filter { $0 == "case.observation_recorded" }.count == 2)
            #expect(types.filter { $0 == "case.corrected" }.count == 5)
        }
    }
}
