import Configuration
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import TestSupport
import Testing

@testable import WegweiserServer

/// What a front end written to the web's conventions sends and expects: RFC 3339 timestamps as
/// browsers write them.
@Suite("The web's conventions", .postgres)
struct WebConventionsTests {
    let provider = TestIdentityProvider.shared
    let worker = DemoData.people.first { $0.subject == "demo-worker-a" }!

    /// A new client's new case, opened by `token`'s worker; its id.
    func openCase(_ http: some TestClientProtocol, token: String) async throws -> String {
        let client = try #require(
            try await http.send(
                .post,
                "/clients",
                token: token,
                body: ["family_name": "Nouri", "target_group": "refugee_follow_up_housing"]
            ).json["id"] as? String
        )
        return try #require(
            try await http.send(
                .post,
                "/cases",
                token: token,
                body: ["client_id": client, "opening": "direct_intake", "opened_on": "2026-01-05"]
            ).json["id"] as? String
        )
    }

    @Test("timestamps with fractional seconds, offsets and lower-case letters are read; answers are UTC to the second")
    func timestamps() async throws {
        let clock = TestClock()
        let app = try await TestApp.make(clock: clock)
        try await app.test(.router) { http in
            let token = try provider.token(for: worker, now: clock.now)
            let caseID = try await openCase(http, token: token)
            let consent = try await http.send(
                .post,
                "/cases/\(caseID)/consents",
                token: token,
                body: [
                    "purpose": "jobcenter_handoff", "categories": ["german_level"], "recipient": "Jobcenter Waldshut",
                    "given_at": "2026-01-20T11:00:00.123+01:00", "form": "written",
                ]
            )
            #expect(consent.status == .created)
            #expect(consent.json["given_at"] as? String == "2026-01-20T10:00:00Z")
            let consentID = try #require(consent.json["id"] as? String)

            for wrong in ["2026-02-30T09:00:00Z", "yesterday", "2026-02-01 09:00:00", "2026-02-01T09:00:00"] {
                let refused = try await http.send(
                    .put,
                    "/cases/\(caseID)/consents/\(consentID)/withdrawal",
                    token: token,
                    body: ["withdrawn_at": wrong]
                )
                #expect(refused.status == .badRequest, "\(wrong)")
                #expect(refused.headers[.contentType] == "application/problem+json")
                #expect((refused.json["errors"] as? [[String: Any]])?.first?["pointer"] as? String == "/withdrawn_at", "\(wrong)")
            }
            let withdrawn = try await http.send(
                .put,
                "/cases/\(caseID)/consents/\(consentID)/withdrawal",
                token: token,
                body: ["withdrawn_at": "2026-02-01t09:00:00.000z"]
            )
            #expect(withdrawn.status == .ok)
            #expect(withdrawn.json["withdrawn_at"] as? String == "2026-02-01T09:00:00Z")
            let listed = try await http.send(.get, "/cases/\(caseID)/consents", token: token)
            let item = (listed.json["items"] as? [[String: Any]])?.first
            #expect(item?["given_at"] as? String == "2026-01-20T10:00:00Z")
            #expect(item?["withdrawn_at"] as? String == "2026-02-01T09:00:00Z")
        }
    }

    @Test("every 400 is problem+json with a pointer and a sentence, never a decoder's words")
    func oneShapeOf400() async throws {
        let clock = TestClock()
        let app = try await TestApp.make(clock: clock)
        try await app.test(.router) { http in
            let token = try provider.token(for: worker, now: clock.now)
            let caseID = try await openCase(http, token: token)
            let cases: [(method: HTTPRequest.Method, uri: String, body: [String: Any]?, pointer: String)] = [
                (.get, "/cases?include_closed=yes", nil, "#/query/include_closed"),
                (.get, "/cases?limit=ten", nil, "#/query/limit"),
                (.get, "/cases/not-a-uuid", nil, "#/path/case_id"),
                (
                    .post, "/cases/\(caseID)/consultations",
                    ["held_on": "2026-02-01", "duration_minutes": "a2", "place": "office"], "/duration_minutes"
                ),
                (
                    .post, "/cases/\(caseID)/consultations",
                    ["held_on": "2026-02-31", "duration_minutes": 30, "place": "office"], "/held_on"
                ),
                (
                    .post, "/cases/\(caseID)/consultations",
                    ["held_on": "2026-02-01", "duration_minutes": 30, "place": "garden"], "/place"
                ),
                (.post, "/cases/\(caseID)/consultations", ["duration_minutes": 30, "place": "office"], "/held_on"),
                (
                    .post, "/cases/\(caseID)/consultations",
                    ["held_on": "2026-02-01", "duration_minutes": 30, "place": "office", "note": 5], "/note"
                ),
            ]
            for (method, uri, body, pointer) in cases {
                let response = try await http.send(method, uri, token: token, body: body)
                let text = String(buffer: response.body)
                #expect(response.status == .badRequest, "\(uri) \(text)")
                #expect(response.headers[.contentType] == "application/problem+json", "\(uri)")
                #expect(
                    (response.json["errors"] as? [[String: Any]])?.contains { $0["pointer"] as? String == pointer } == true,
                    "\(uri): \(text)"
                )
                #expect(!text.contains("Decoding") && !text.contains("Swift") && !text.contains("codingPath"), "\(uri): \(text)")
            }
            let items = try await http.send(.get, "/cases/\(caseID)/consultations", token: token)
            #expect((items.json["items"] as? [Any])?.isEmpty == true, "nothing was stored")
        }
    }

    @Test("a method the path does not have answers 405 with Allow; a path that does not exist, 404")
    func wrongMethod() async throws {
        let app = try await TestApp.make()
        try await app.test(.router) { http in
            let token = try provider.token(for: worker)
            let expected: [(HTTPRequest.Method, String, String)] = [
                (.trace, "/me", "GET"), (.delete, "/clients", "GET, POST"),
                (.delete, "/cases/\(UUID().uuidString.lowercased())", "GET"), (.patch, "/staff-members", "GET, POST"),
            ]
            for (method, uri, allow) in expected {
                let response = try await http.send(method, uri, token: token)
                #expect(response.status == .methodNotAllowed, "\(method) \(uri)")
                #expect(response.headers[.allow] == allow, "\(method) \(uri)")
                #expect(response.headers[.contentType] == "application/problem+json")
            }
            #expect(try await http.send(.get, "/nowhere", token: token).status == .notFound)
            #expect(try await http.send(.get, "/cases/a/b/c", token: token).status == .notFound)
        }
    }

    @Test("a cursor is 32 base64url characters: every such text is a position, the server's own ones page on")
    func cursors() async throws {
        // Unit: numbers and ids survive the wire form; other texts are no cursor.
        let id = UUID()
        for number in [Int64.min, -1, 0, 1, 20_261_105, Int64.max] {
            let cursor = PageCursor(number: number, id: id)
            #expect(cursor.text.count == 32)
            #expect(PageCursor(cursor.text) == cursor)
        }
        #expect(PageCursor(districtCode: "08337").districtCode == "08337")
        #expect(PageCursor(String(repeating: "A", count: 32)) == PageCursor())
        for wrong in [
            "", String(repeating: "A", count: 31), String(repeating: "A", count: 33), String(repeating: "+", count: 32),
        ] {
            #expect(PageCursor(wrong) == nil, "\(wrong)")
        }

        let clock = TestClock()
        let app = try await TestApp.make(clock: clock)
        try await app.test(.router) { http in
            let token = try provider.token(for: worker, now: clock.now)
            var opened: Set<String> = []
            for _ in 0..<3 { opened.insert(try await openCase(http, token: token)) }
            // Given three cases, pages of one follow the server's cursors to every case once.
            var seen: [String] = []
            var cursor: String?
            repeat {
                let page = try await http.send(
                    .get,
                    "/cases?limit=1" + (cursor.map { "&cursor=\($0)" } ?? ""),
                    token: token
                )
                #expect(page.status == .ok)
                seen += (page.json["items"] as? [[String: Any]])?.compactMap { $0["id"] as? String } ?? []
                cursor = page.json["next_cursor"] as? String
            } while cursor != nil && seen.count < 10
            #expect(Set(seen) == opened)
            #expect(seen.count == 3)

            // A made-up cursor of the right form is a position, not an error.
            let madeUp = try await http.send(.get, "/cases?cursor=\(String(repeating: "_", count: 32))", token: token)
            #expect(madeUp.status == .ok)
            // Any other text answers 400 at #/query/cursor.
            let wrong = try await http.send(.get, "/cases?cursor=not-a-cursor", token: token)
            #expect(wrong.status == .badRequest)
            #expect((wrong.json["errors"] as? [[String: Any]])?.first?["pointer"] as? String == "#/query/cursor")
        }
    }

    @Test(
        "CORS is off by default; for a configured origin a preflight answers 204 and every answer, errors included, is readable"
    )
    func cors() async throws {
        let frontEnd = "https://fallakte.landkreis.example"
        let preflight: HTTPFields = [
            .origin: frontEnd, .accessControlRequestMethod: "PUT",
            .accessControlRequestHeaders: "authorization, if-match, content-type",
        ]
        // Off by default: no CORS headers at all.
        let plain = try await TestApp.make()
        try await plain.test(.router) { http in
            let answer = try await http.execute(uri: "/clients", method: .options, headers: preflight)
            #expect(answer.headers[.accessControlAllowOrigin] == nil)
            #expect(answer.status != .noContent)
        }

        let clock = TestClock()
        let app = try await TestApp.make(
            clock: clock,
            extra: ["http.cors.origins": .init(.string("\(frontEnd), http://localhost:5173"), isSecret: false)]
        )
        try await app.test(.router) { http in
            let answer = try await http.execute(uri: "/clients/\(UUID())", method: .options, headers: preflight)
            #expect(answer.status == .noContent)
            #expect(answer.headers[.accessControlAllowOrigin] == frontEnd)
            #expect(answer.headers[.accessControlAllowMethods]?.contains("PUT") == true)
            for header in ["Authorization", "If-Match", "Idempotency-Key", "Content-Type", "X-Request-ID"] {
                #expect(answer.headers[.accessControlAllowHeaders]?.contains(header) == true, "\(header)")
            }
            #expect(answer.headers[.accessControlMaxAge] == "600")

            let token = try provider.token(for: worker, now: clock.now)
            let created = try await http.send(
                .post,
                "/clients",
                token: token,
                body: ["family_name": "Nouri", "target_group": "refugee_follow_up_housing"],
                headers: [.origin: frontEnd]
            )
            #expect(created.status == .created)
            #expect(created.headers[.accessControlAllowOrigin] == frontEnd)
            for header in ["ETag", "Location", "X-Request-ID"] {
                #expect(created.headers[.accessControlExposeHeaders]?.contains(header) == true, "\(header)")
            }
            // An error is readable too, so the front end can show the problem.
            let refused = try await http.send(.get, "/me", token: nil, headers: [.origin: frontEnd])
            #expect(refused.status == .unauthorized)
            #expect(refused.headers[.accessControlAllowOrigin] == frontEnd)

            // Another origin gets no CORS headers: its browser keeps the answer from the page.
            let other: HTTPFields = [.origin: "https://elsewhere.example", .accessControlRequestMethod: "GET"]
            let foreign = try await http.execute(uri: "/me", method: .options, headers: other)
            #expect(foreign.headers[.accessControlAllowOrigin] == nil)
            let foreignGet = try await http.send(.get, "/me", token: token, headers: [.origin: "https://elsewhere.example"])
            #expect(foreignGet.headers[.accessControlAllowOrigin] == nil)
        }
        // A configured origin must be an origin.
        await #expect(throws: (any Error).self) {
            _ = try await TestApp.make(extra: ["http.cors.origins": "*"])
        }
    }

    @Test("a 201 says in Location where the created object is read")
    func location() async throws {
        let clock = TestClock()
        let app = try await TestApp.make(clock: clock)
        try await app.test(.router) { http in
            let token = try provider.token(for: worker, now: clock.now)
            let created = try await http.send(
                .post,
                "/clients",
                token: token,
                body: ["family_name": "Nouri", "target_group": "refugee_follow_up_housing"]
            )
            let id = try #require(created.json["id"] as? String)
            let location = try #require(created.headers[.location])
            #expect(location == "/clients/\(id)")
            let read = try await http.send(.get, location, token: token)
            #expect(read.status == .ok)
            #expect(read.json["id"] as? String == id)

            let opened = try await http.send(
                .post,
                "/cases",
                token: token,
                body: ["client_id": id, "opening": "direct_intake", "opened_on": "2026-01-05"]
            )
            let caseID = try #require(opened.json["id"] as? String)
            #expect(opened.headers[.location] == "/cases/\(caseID)")
            #expect(try await http.send(.get, "/cases/\(caseID)", token: token).status == .ok)
        }
    }
}
