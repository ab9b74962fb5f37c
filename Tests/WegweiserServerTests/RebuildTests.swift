import EventStore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import PostgresNIO
import Projections
import TestSupport
import Testing

@testable import WegweiserServer

/// Every read model rebuilt from the log equals the one the writes kept, also when writes go on
/// during the rebuild.
@Suite("Read models rebuild from the log", .postgres)
struct RebuildTests {
    let provider = TestIdentityProvider.shared
    let worker = DemoData.people.first { $0.subject == "demo-worker-a" }!
    let colleague = DemoData.people.first { $0.subject == "demo-worker-a2" }!
    let lead = DemoData.people.first { $0.subject == "demo-lead" }!
    let admin = DemoData.people.first { $0.subject == "demo-admin" }!

    @Test(
        "given a history with corrections, reassignment, cover, closure, reopening and an erased client, when every read model is rebuilt, then it equals the live one"
    )
    func rebuiltEqualsLive() async throws {
        let (app, database) = try await TestApp.makeWithDatabase()
        try await app.test(.router) { http in
            try await history(http, database: database)
            let live = try await snapshot(database)
            #expect(live["case_items"]?.contains("consultation") == true, "the history reached the case items")
            let progress = try await rebuild(database, batchSize: 7)
            #expect(progress.switched)
            let rebuilt = try await snapshot(database)
            for projection in ReadModels.standard.all {
                for table in projection.tables {
                    #expect(rebuilt[table] == live[table], "\(table) rebuilt differs from live")
                }
            }
            let cases = try await http.send(.get, "/cases?include_closed=true", token: try provider.token(for: lead))
            #expect(cases.status == .ok, "the server reads the switched-in tables")
            #expect((cases.json["items"] as? [[String: Any]])?.isEmpty == false)
        }
    }

    @Test("given writes that go on during a rebuild, when it switches in, then every acknowledged write is in the read models")
    func writesDuringRebuild() async throws {
        let (app, database) = try await TestApp.makeWithDatabase()
        try await app.test(.router) { http in
            let token = try provider.token(for: worker)
            let caseID = try await openCase(http, token: token)
            for day in 1...20 {
                _ = try await http.send(.post, "/cases/\(caseID)/consultations", token: token, body: consultation(day))
            }
            async let rebuilt = rebuild(database, batchSize: 3)
            var acknowledged = 20
            for day in 1...25 {
                let created = try await http.send(.post, "/cases/\(caseID)/consultations", token: token, body: consultation(day))
                if created.status == .created { acknowledged += 1 }
            }
            #expect(try await rebuilt.switched)
            for day in 1...3 {
                let created = try await http.send(.post, "/cases/\(caseID)/consultations", token: token, body: consultation(day))
                #expect(created.status == .created, "writes go on after the switch")
                acknowledged += 1
            }
            var items: [[String: Any]] = []
            var cursor: String?
            repeat {
                let page = try await http.send(
                    .get,
                    "/cases/\(caseID)/consultations?limit=100" + (cursor.map { "&cursor=\($0)" } ?? ""),
                    token: token
                )
                items += page.json["items"] as? [[String: Any]] ?? []
                cursor = page.json["next_cursor"] as? String
            } while cursor != nil
            #expect(items.count == acknowledged)
            let read = try await http.send(.get, "/cases/\(caseID)", token: token)
            #expect(read.json["consultation_count"] as? Int == acknowledged)
            let live = try await snapshot(database)
            try await rebuild(database, batchSize: 50)
            #expect(try await snapshot(database) == live)
        }
    }

    // MARK: The history

    /// Clients, cases and the directory through the API: corrections, a reassignment, a grant
    /// given and revoked, a closure and a reopening, and an erased client.
    func history(_ http: some TestClientProtocol, database: TestDatabase) async throws {
        let token = try provider.token(for: worker)
        let leadToken = try provider.token(for: lead)
        let client = try await register(http, token: token, name: "Haddad")
        let changed = try await http.send(
            .put,
            "/clients/\(client)",
            token: token,
            body: ["family_name": "Haddad-Nasser", "target_group": "refugee_follow_up_housing", "municipality": "08337126"],
            headers: [.ifMatch: "\"1\""]
        )
        #expect(changed.status == .ok)
        let opened = try await http.send(
            .post,
            "/cases",
            token: token,
            body: [
                "client_id": client, "opening": "handover", "opened_on": "2026-01-05", "handover_note": "aus der GU Tiengen",
                "documents": ["Aufenthaltstitel"],
            ]
        )
        let caseID = try #require(opened.json["id"] as? String)
        try await expectAll(
            [
                http.send(.put, "/cases/\(caseID)/counselling-period", token: token, body: ["started_on": "2026-01-10"]),
                http.send(
                    .post,
                    "/cases/\(caseID)/counselling-period/extensions",
                    token: token,
                    body: [
                        "months": 6, "reason": "ongoing_training_or_studies", "text": "Ausbildung läuft",
                        "decided_on": "2026-02-01",
                    ]
                ),
                http.send(
                    .post,
                    "/cases/\(caseID)/assessments",
                    token: token,
                    body: [
                        "held_on": "2026-01-12", "needs": ["work", "language"], "priorities": ["language"],
                        "need_notes": [["area": "work", "note": "Koch gelernt"]],
                    ]
                ),
            ]
        )
        let goal = try #require(
            try await http.send(
                .post,
                "/cases/\(caseID)/goals",
                token: token,
                body: ["area": "work", "text": "Ausbildung", "agreed_on": "2026-01-15", "review_on": "2026-04-01"]
            ).json["id"] as? String
        )
        let consultation = try await http.send(
            .post,
            "/cases/\(caseID)/consultations",
            token: token,
            body: [
                "held_on": "2026-01-20", "duration_minutes": 45, "place": "office", "topics": ["work"],
                "referrals": [["target": "employment_agency"]], "note": "Bewerbung",
            ]
        )
        let referral = try #require((consultation.json["referrals"] as? [[String: Any]])?.first?["id"] as? String)
        // Moved to another month: its running totals of January are left empty and go.
        let moved = try await http.send(
            .post,
            "/cases/\(caseID)/corrections",
            token: token,
            body: [
                "fact": "consultation_held_on", "item_id": try #require(consultation.json["id"] as? String), "day": "2026-02-04",
                "reason": "Datum verwechselt",
            ]
        )
        #expect(moved.status == .created)
        let consent = try #require(
            try await http.send(
                .post,
                "/cases/\(caseID)/consents",
                token: token,
                body: [
                    "purpose": "jobcenter_handoff", "categories": ["german_level"], "recipient": "Jobcenter Waldshut",
                    "given_at": "2026-01-20T10:00:00Z", "form": "written",
                ]
            ).json["id"] as? String
        )
        try await expectAll(
            [
                http.send(
                    .put,
                    "/cases/\(caseID)/goals/\(goal)",
                    token: token,
                    body: ["area": "work", "text": "Ausbildung zum Koch", "agreed_on": "2026-01-15", "review_on": "2026-03-01"]
                ),
                http.send(
                    .put,
                    "/cases/\(caseID)/goals/\(goal)/status",
                    token: token,
                    body: ["status": "in_progress", "changed_on": "2026-02-01"]
                ),
                http.send(
                    .put,
                    "/cases/\(caseID)/referrals/\(referral)/outcome",
                    token: token,
                    body: ["outcome": "appointment_made", "text": "Termin", "recorded_on": "2026-01-28"]
                ),
                http.send(
                    .post,
                    "/cases/\(caseID)/observations",
                    token: token,
                    body: ["field": "german_level", "value": ["status": "value", "code": "a2"], "observed_on": "2026-01-20"]
                ),
                http.send(
                    .post,
                    "/cases/\(caseID)/observations",
                    token: token,
                    body: ["field": "housing", "value": ["status": "declined"], "observed_on": "2026-01-21"]
                ),
                http.send(.put, "/cases/\(caseID)/consents/\(consent)/withdrawal", token: token, body: [:]),
                http.send(
                    .post,
                    "/cases/\(caseID)/plan-reviews",
                    token: token,
                    body: ["reviewed_on": "2026-03-01", "summary": "gut"]
                ),
                http.send(
                    .put,
                    "/cases/\(caseID)/plan-agreement",
                    token: token,
                    body: ["agreed_on": "2026-01-16", "form": "written"]
                ),
                http.send(
                    .put,
                    "/cases/\(caseID)/assignment",
                    token: leadToken,
                    body: ["assignee_id": colleague.id.uuidString.lowercased(), "assigned_on": "2026-03-02"]
                ),
            ]
        )
        let colleagueToken = try provider.token(for: colleague)
        try await expectAll(
            [
                http.send(
                    .put,
                    "/cases/\(caseID)/closure",
                    token: colleagueToken,
                    body: ["reason": "moved_out_of_district", "closed_on": "2026-03-10"]
                ),
                http.send(
                    .post,
                    "/cases/\(caseID)/reopenings",
                    token: leadToken,
                    body: ["reason": "zurückgezogen", "reopened_on": "2026-03-20"]
                ),
                http.send(
                    .put,
                    "/cases/\(caseID)/closure",
                    token: colleagueToken,
                    body: ["reason": "goals_reached", "closed_on": "2026-04-10"]
                ),
            ]
        )
        let formatter = ISO8601DateFormatter()
        let grant = try #require(
            try await http.send(
                .post,
                "/substitutions",
                token: leadToken,
                body: [
                    "absent_id": worker.id.uuidString.lowercased(), "substitute_id": colleague.id.uuidString.lowercased(),
                    "reason": "Urlaub", "from": formatter.string(from: Date()),
                    "until": formatter.string(from: Date().addingTimeInterval(86_400)),
                ]
            ).json["id"] as? String
        )
        try await expectAll([http.send(.delete, "/substitutions/\(grant)", token: leadToken)])
        let erased = try await register(http, token: token, name: "Vergessen")
        let erasedCase = try #require(
            try await http.send(
                .post,
                "/cases",
                token: token,
                body: ["client_id": erased, "opening": "direct_intake", "opened_on": "2026-02-01"]
            ).json["id"] as? String
        )
        try await expectAll(
            [
                http.send(
                    .post,
                    "/cases/\(erasedCase)/goals",
                    token: token,
                    body: ["area": "language", "text": "B1", "agreed_on": "2026-02-02"]
                )
            ]
        )
        try await database.withClient { pool in
            try await KeyStore(client: pool, master: .init(base64: TestApp.masterKey), logger: Logger(label: "test"))
                .erase(subject: "client:\(erased)")
        }
    }

    /// A new client of `token`'s caller; their id.
    func register(_ http: some TestClientProtocol, token: String, name: String) async throws -> String {
        try #require(
            try await http.send(
                .post,
                "/clients",
                token: token,
                body: ["family_name": name, "target_group": "refugee_follow_up_housing"]
            ).json["id"] as? String
        )
    }

    /// A client of worker A with an open case; the case's id.
    func openCase(_ http: some TestClientProtocol, token: String) async throws -> String {
        let client = try await register(http, token: token, name: "Haddad")
        let opened = try await http.send(
            .post,
            "/cases",
            token: token,
            body: ["client_id": client, "opening": "direct_intake", "opened_on": "2026-01-05"]
        )
        return try #require(opened.json["id"] as? String)
    }

    /// A consultation on day `day` of January.
    func consultation(_ day: Int) -> [String: Any] {
        [
            "held_on": String(format: "2026-02-%02d", day), "duration_minutes": 30, "place": "phone", "note": "Anruf \(day)",
            // Referrals fill the case's referral ledger, whose stored form must not depend on a
            // dictionary's order for a rebuild to equal the live state.
            "referrals": [["target": "jobcenter"], ["target": "bamf"], ["target": "debt_counselling"]],
        ]
    }

    /// Checks that each response (of requests sent in order) succeeded.
    func expectAll(_ responses: [TestResponse], sourceLocation: SourceLocation = #_sourceLocation) async throws {
        for (index, response) in responses.enumerated() {
            #expect(
                (200..<300).contains(response.status.code),
                "request \(index): \(response.json)",
                sourceLocation: sourceLocation
            )
        }
    }

    // MARK: Rebuild and compare

    /// Rebuilds every read model of `database`.
    @discardableResult
    func rebuild(_ database: TestDatabase, batchSize: Int) async throws -> Rebuild.Progress {
        try await database.withClient { pool in
            let logger = Logger(label: "test")
            return try await Rebuild(
                store: EventStore(client: pool, logger: logger),
                projections: ReadModels.standard.all,
                keys: KeyStore(client: pool, master: try MasterKey(base64: TestApp.masterKey), logger: logger),
                batchSize: batchSize,
                logger: logger
            ).run()
        }
    }

    /// Every read model table's rows as JSON text, in a fixed order, without the time of the
    /// last write.
    func snapshot(_ database: TestDatabase) async throws -> [String: String] {
        try await database.withClient { pool in
            var tables: [String: String] = [:]
            for table in ReadModels.standard.all.flatMap(\.tables) {
                // Table names are the projections' constants.
                let rows = try await pool.query(
                    PostgresQuery(
                        unsafeSQL: """
                            SELECT coalesce(jsonb_agg(row ORDER BY row::text), '[]')::text
                            FROM (SELECT to_jsonb(t) - 'updated_at' AS row FROM \(table) t) AS rows
                            """
                    )
                )
                for try await (text, ) in rows.decode((String,).self) { tables[table] = text }
            }
            return tables
        }
    }
}
