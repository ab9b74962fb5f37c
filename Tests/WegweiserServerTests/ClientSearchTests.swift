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

@Suite("Finding people: GET /clients over a keyed search index", .postgres)
struct ClientSearchTests {
    let provider = TestIdentityProvider.shared
    let worker = DemoData.people.first { $0.subject == "demo-worker-a" }!
    let colleague = DemoData.people.first { $0.subject == "demo-worker-a2" }!
    let lead = DemoData.people.first { $0.subject == "demo-lead" }!
    let providerWorker = DemoData.people.first { $0.subject == "demo-worker-b" }!
    let tuebingen = DemoData.people.first { $0.subject == "demo-tuebingen-worker" }!

    /// Registers a person as `token`'s caller; their id.
    func register(_ http: some TestClientProtocol, token: String, _ body: [String: Any]) async throws -> String {
        var body = body
        body["target_group"] = "refugee_follow_up_housing"
        let response = try await http.send(.post, "/clients", token: token, body: body)
        #expect(response.status == .created)
        return try #require(response.json["id"] as? String)
    }

    /// The family names `token`'s caller finds with `query`, in the order answered.
    func found(_ http: some TestClientProtocol, token: String, _ query: String) async throws -> [String] {
        let response = try await http.send(.get, "/clients?\(query)", token: token)
        #expect(response.status == .ok, "\(query): \(String(buffer: response.body))")
        return (response.json["items"] as? [[String: Any]])?.compactMap { $0["family_name"] as? String } ?? []
    }

    @Test(
        "names are found across spellings, case and accents, by date and year of birth, citizenship and external id, sorted by name, page by page, within the caller's scope only"
    )
    func search() async throws {
        let (app, database) = try await TestApp.makeWithDatabase()
        let token = try provider.token(for: worker)
        try await app.test(.router) { http in
            let hassan = try await register(
                http,
                token: token,
                [
                    "given_name": "Mohammed", "family_name": "Al-Hassan", "date_of_birth": "1990-07-14",
                    "citizenships": ["SY"], "external_id": "AZR-4711",
                ]
            )
            _ = try await register(http, token: token, ["given_name": "Jürgen", "family_name": "Müller", "citizenships": ["DE"]])
            _ = try await register(
                http,
                token: token,
                ["given_name": "Amal", "family_name": "Haddad", "year_of_birth": 1990, "citizenships": ["UA"]]
            )

            #expect(try await found(http, token: token, "") == ["Al-Hassan", "Haddad", "Müller"])
            for query in ["name=muhammad", "name=MOHAMAD", "name=hasan%20mohammed", "name=Al%20Hassan"] {
                #expect(try await found(http, token: token, query) == ["Al-Hassan"], "\(query)")
            }
            #expect(try await found(http, token: token, "name=mueller") == ["Müller"])
            #expect(try await found(http, token: token, "name=J%C3%BCrgen%20Muller") == ["Müller"])
            #expect(try await found(http, token: token, "name=Schmidt").isEmpty)
            #expect(try await found(http, token: token, "date_of_birth=1990-07-14") == ["Al-Hassan"])
            #expect(try await found(http, token: token, "year_of_birth=1990") == ["Al-Hassan", "Haddad"])
            #expect(try await found(http, token: token, "citizenship=UA") == ["Haddad"])
            #expect(try await found(http, token: token, "external_id=azr%204711") == ["Al-Hassan"])
            #expect(try await found(http, token: token, "name=amal&year_of_birth=1991").isEmpty)

            // Page by page, in name order.
            var names: [String] = []
            var query = "limit=1"
            while true {
                let page = try await http.send(.get, "/clients?\(query)", token: token)
                names += (page.json["items"] as? [[String: Any]])?.compactMap { $0["family_name"] as? String } ?? []
                guard let next = page.json["next_cursor"] as? String else { break }
                query = "limit=1&cursor=\(next)"
            }
            #expect(names == ["Al-Hassan", "Haddad", "Müller"])

            // Only within the caller's scope: a colleague, another organisation, another
            // district find nobody; the team lead finds the team's people.
            for other in [colleague, providerWorker, tuebingen] {
                #expect(try await found(http, token: try provider.token(for: other), "name=mohammed").isEmpty)
            }
            #expect(try await found(http, token: try provider.token(for: lead), "name=mohammed") == ["Al-Hassan"])

            // A name without letters is refused.
            #expect(try await http.send(.get, "/clients?name=---", token: token).status == .unprocessableContent)

            // Every person a result shows is in the access log.
            try await database.withClient { pool in
                let rows = try await pool.query(
                    "SELECT count(*)::int FROM access_log WHERE person = \("client:\(hassan)") AND resource = 'GET /clients'",
                    logger: Logger(label: "test")
                )
                for try await count in rows.decode(Int.self) { #expect(count >= 4) }
            }

            // No table holds a name in plain text (nor its folded form).
            try await database.withClient { pool in
                let logger = Logger(label: "test")
                var tables: [String] = []
                for try await name in try await pool.query(
                    "SELECT table_name::text FROM information_schema.tables WHERE table_schema = 'public'",
                    logger: logger
                ).decode(String.self) { tables.append(name) }
                #expect(tables.contains("client_search"))
                for table in tables {
                    // Table names come from the catalogue.
                    let rows = try await pool.query(
                        PostgresQuery(
                            unsafeSQL: """
                                SELECT count(*)::int FROM \(table) t
                                WHERE t::text ILIKE '%hassan%' OR t::text ILIKE '%mohammed%' OR t::text ILIKE '%azr%4711%'
                                """
                        ),
                        logger: logger
                    )
                    for try await count in rows.decode(Int.self) { #expect(count == 0, "\(table)") }
                }
            }

            // Erased, the person is no longer found and has no tokens.
            try await database.withClient { pool in
                try await KeyStore(client: pool, master: .init(base64: TestApp.masterKey), logger: Logger(label: "test"))
                    .erase(subject: "client:\(hassan)")
                let rows = try await pool.query(
                    "SELECT count(*)::int FROM client_search WHERE client_id = \(UUID(uuidString: hassan)!)",
                    logger: Logger(label: "test")
                )
                for try await count in rows.decode(Int.self) { #expect(count == 0) }
            }
            #expect(try await found(http, token: token, "name=mohammed").isEmpty)
            #expect(try await found(http, token: token, "") == ["Haddad", "Müller"])
        }
    }

    @Test("the index follows changes of the name and hand-overs of the person")
    func indexFollows() async throws {
        let app = try await TestApp.make()
        let token = try provider.token(for: worker)
        try await app.test(.router) { http in
            let id = try await register(http, token: token, ["given_name": "Amal", "family_name": "Haddad"])
            let change: [String: Any] = [
                "given_name": "Amal", "family_name": "Haddad-Nasser", "target_group": "refugee_follow_up_housing",
            ]
            #expect(
                try await http.send(.put, "/clients/\(id)", token: token, body: change, headers: [.ifMatch: "*"]).status == .ok
            )
            #expect(try await found(http, token: token, "name=nasser") == ["Haddad-Nasser"])
            let opened = try await http.send(
                .post,
                "/cases",
                token: token,
                body: ["client_id": id, "opening": "direct_intake", "opened_on": "2026-01-05"]
            )
            let caseID = try #require(opened.json["id"] as? String)
            let receiverToken = try provider.token(for: providerWorker)
            #expect(try await found(http, token: receiverToken, "name=nasser").isEmpty)
            let transfer: [String: Any] = ["to_assignee_id": providerWorker.id.apiString, "transferred_on": "2026-01-06"]
            let leadToken = try provider.token(for: lead)
            #expect(try await http.send(.post, "/cases/\(caseID)/transfers", token: leadToken, body: transfer).status == .created)
            #expect(try await found(http, token: receiverToken, "name=nasser") == ["Haddad-Nasser"])
            #expect(try await found(http, token: token, "name=nasser").isEmpty)
        }
    }

    @Test("a caseload sorts by the client's name (the default) or by what is due next, page by page")
    func caseloadOrder() async throws {
        let app = try await TestApp.make()
        let token = try provider.token(for: worker)
        try await app.test(.router) { http in
            // Three people: Zaki's goal is reviewed soonest, Becker's period ends next, Özdemir has nothing due.
            var cases: [String: String] = [:]
            for name in ["Zaki", "Becker", "Özdemir"] {
                let client = try await register(http, token: token, ["given_name": "A", "family_name": name])
                let opened = try await http.send(
                    .post,
                    "/cases",
                    token: token,
                    body: ["client_id": client, "opening": "direct_intake", "opened_on": "2026-01-05"]
                )
                cases[name] = try #require(opened.json["id"] as? String)
            }
            let goal: [String: Any] = ["area": "work", "text": "Praktikum", "agreed_on": "2026-01-10", "review_on": "2026-04-01"]
            #expect(try await http.send(.post, "/cases/\(cases["Zaki"]!)/goals", token: token, body: goal).status == .created)
            let start: [String: Any] = ["started_on": "2023-06-01"]
            #expect(
                try await http.send(.put, "/cases/\(cases["Becker"]!)/counselling-period", token: token, body: start).status
                    == .ok
            )

            /// The client names of the caseload in `sort` order, read a page of one at a time.
            func names(_ sort: String?) async throws -> [String] {
                var names: [String] = []
                var query = "limit=1" + (sort.map { "&sort=\($0)" } ?? "")
                while true {
                    let page = try await http.send(.get, "/cases?\(query)", token: token)
                    #expect(page.status == .ok)
                    let items = page.json["items"] as? [[String: Any]] ?? []
                    names += items.compactMap { ($0["client_name"] as? String)?.replacingOccurrences(of: "A ", with: "") }
                    guard let next = page.json["next_cursor"] as? String, !items.isEmpty else { break }
                    query = "limit=1&cursor=\(next)" + (sort.map { "&sort=\($0)" } ?? "")
                }
                return names
            }
            #expect(try await names(nil) == ["Becker", "Özdemir", "Zaki"])
            #expect(try await names("name") == ["Becker", "Özdemir", "Zaki"])
            #expect(try await names("next_due") == ["Zaki", "Becker", "Özdemir"])
            let becker = try await http.send(.get, "/cases/\(cases["Becker"]!)", token: token)
            #expect(becker.json["next_due_on"] as? String == "2026-05-31")
        }
    }
}
