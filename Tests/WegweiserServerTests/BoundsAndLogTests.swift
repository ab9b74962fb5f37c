import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import NIOEmbedded
import OpenAPIRuntime
import PostgresNIO
import TestSupport
import Testing

@testable import WegweiserServer

@Suite("Bounded input, a complete access log, tokens and separation of powers", .postgres)
struct BoundsAndLogTests {
    let provider = TestIdentityProvider.shared
    let worker = DemoData.people.first { $0.subject == "demo-worker-a" }!
    let auditor = DemoData.people.first { $0.subject == "demo-auditor" }!
    let admin = DemoData.people.first { $0.subject == "demo-admin" }!

    /// How many events and clients the database holds.
    func stored(_ database: TestDatabase) async throws -> Int {
        try await database.withClient { client in
            let rows = try await client.query("SELECT (SELECT count(*) FROM events) + (SELECT count(*) FROM clients)")
            for try await count in rows.decode(Int.self) { return count }
            return -1
        }
    }

    @Test("a 10 MB body answers 413, an over-long optional field 400 with its pointer; neither stores anything")
    func bounds() async throws {
        let (app, database) = try await TestApp.makeWithDatabase()
        let token = try provider.token(for: worker)
        try await app.test(.router) { http in
            let before = try await stored(database)
            let huge: [String: Any] = [
                "family_name": "Haddad", "target_group": "refugee_follow_up_housing",
                "address": String(repeating: "a", count: 10_000_000),
            ]
            let tooLarge = try await http.send(.post, "/clients", token: token, body: huge)
            #expect(tooLarge.status == .contentTooLarge)
            #expect(tooLarge.headers[.contentType]?.hasPrefix("application/problem+json") == true)

            let long: [String: Any] = [
                "family_name": "Haddad", "target_group": "refugee_follow_up_housing",
                "address": String(repeating: "a", count: 501), "languages": ["ar", "arabic"],
            ]
            let refused = try await http.send(.post, "/clients", token: token, body: long)
            #expect(refused.status == .badRequest)
            let pointers = (refused.json["errors"] as? [[String: Any]])?.compactMap { $0["pointer"] as? String }
            #expect(pointers == ["/address", "/languages/1"])

            let cursor = try await http.send(.get, "/cases?cursor=\(String(repeating: "c", count: 201))", token: token)
            #expect(cursor.status == .badRequest)
            #expect(((cursor.json["errors"] as? [[String: Any]])?.first?["pointer"] as? String) == "#/query/cursor")

            let uri = try await http.send(.get, "/cases?cursor=\(String(repeating: "c", count: 9000))", token: token)
            #expect(uri.status == .uriTooLong)
            let headers = try await http.send(
                .get,
                "/cases",
                token: token,
                headers: [HTTPField.Name("X-Padding")!: String(repeating: "p", count: 20_000)]
            )
            #expect(headers.status == .requestHeaderFieldsTooLarge)
            #expect(try await stored(database) == before)
        }
    }

    @Test("creates, changes and reads of the access log are logged under the server's request id")
    func completeAccessLog() async throws {
        let app = try await TestApp.make()
        let token = try provider.token(for: worker)
        let auditorToken = try provider.token(for: auditor)
        try await app.test(.router) { http in
            let correlation: HTTPFields = [HTTPField.Name("X-Request-ID")!: "frontend-42"]
            let created = try await http.send(
                .post,
                "/clients",
                token: token,
                body: ["family_name": "Haddad", "target_group": "refugee_follow_up_housing"],
                headers: correlation
            )
            #expect(created.status == .created)
            let id = try #require(created.json["id"] as? String)
            let serverID = try #require(created.headers[HTTPField.Name("X-Request-ID")!])
            #expect(serverID != "frontend-42")
            #expect(created.headers[HTTPField.Name("X-Correlation-ID")!] == "frontend-42")
            let changed = try await http.send(
                .put,
                "/clients/\(id)",
                token: token,
                body: ["family_name": "Haddad-Nasser", "target_group": "refugee_follow_up_housing"],
                headers: [.ifMatch: "\"1\""]
            )
            #expect(changed.status == .ok)
            let opened = try await http.send(
                .post,
                "/cases",
                token: token,
                body: ["client_id": id, "opening": "direct_intake", "opened_on": "2026-01-05"]
            )
            let caseID = try #require(opened.json["id"] as? String)
            let note: [String: Any] = ["held_on": "2026-02-01", "duration_minutes": 30, "place": "office"]
            #expect(try await http.send(.post, "/cases/\(caseID)/consultations", token: token, body: note).status == .created)

            let log = try await http.send(.get, "/access-log?person=client:\(id)", token: auditorToken)
            let entries = try #require(log.json["items"] as? [[String: Any]])
            #expect(
                entries.map { $0["resource"] as? String } == [
                    "POST /clients", "PUT /clients/\(id)", "POST /cases", "POST /cases/\(caseID)/consultations",
                ],
                "writes log their answers in their own transaction"
            )
            #expect(entries.first?["request_id"] as? String == serverID)
            #expect(entries.first?["correlation_id"] as? String == "frontend-42")
            #expect(entries.dropFirst().first?["correlation_id"] == nil)

            // The auditor's read is itself in the log, about the person and the reader they saw.
            let again = try await http.send(.get, "/access-log?person=client:\(id)", token: auditorToken)
            let logged = try #require(again.json["items"] as? [[String: Any]])
            #expect(logged.count == 5)
            #expect(logged.last?["resource"] as? String == "GET /access-log")
            #expect(logged.last?["staff_member_id"] as? String == auditor.id.apiString)
        }
    }

    @Test("a token whose sub cannot be stored is 401; ID and refresh tokens are 401; access tokens pass")
    func tokens() async throws {
        let app = try await TestApp.make()
        try await app.test(.router) { http in
            var claims = provider.claims(subject: "demo-worker-a\u{0}", role: "case_worker")
            #expect(try await http.send(.get, "/me", token: provider.token(claims)).status == .unauthorized)
            claims = provider.claims(subject: "demo-worker-a", role: "case_worker")
            claims["typ"] = "ID"
            #expect(try await http.send(.get, "/me", token: provider.token(claims)).status == .unauthorized)
            claims["typ"] = "Bearer"
            #expect(try await http.send(.get, "/me", token: provider.token(claims)).status == .ok)
            let idToken = try provider.token(claims, type: "id+jwt")
            #expect(try await http.send(.get, "/me", token: idToken).status == .unauthorized)
            #expect(try await http.send(.get, "/me", token: provider.token(claims, type: "at+jwt")).status == .ok)
        }
    }

    @Test("nobody changes their own role, team, organisation or subject, or deactivates themselves")
    func separationOfPowers() async throws {
        let app = try await TestApp.make()
        let token = try provider.token(for: admin)
        try await app.test(.router) { http in
            let path = "/staff-members/\(admin.id.apiString)"
            let record = try await http.send(.get, path, token: token)
            let body = record.json.filter {
                ["organisation_id", "team_id", "name", "role", "full_time_equivalent", "active_from", "subject"].contains($0.key)
            }
            var renamed = body
            renamed["name"] = "Anna Admin-Neu"
            #expect(try await http.send(.put, path, token: token, body: renamed).status == .ok)
            for (field, value) in [("role", "auditor"), ("subject", "someone-else")] {
                var changed = body
                changed[field] = value
                #expect(try await http.send(.put, path, token: token, body: changed).status == .forbidden, "own \(field)")
            }
            #expect(try await http.send(.delete, path, token: token).status == .forbidden)
            #expect(try await http.send(.get, "/me", token: token).status == .ok)
        }
    }
}

@Suite("Load shedding and deadlines")
struct LoadSheddingTests {
    let request = HTTPRequest(method: .get, scheme: nil, authority: nil, path: "/cases")

    @Test("beyond the limit an operation answers 503 with Retry-After at once; the probes are always answered")
    func shedding() async throws {
        let middleware = LoadSheddingMiddleware(limit: 1, deadline: .seconds(30), shutdownGrace: .seconds(1))
        let (started, starting) = AsyncStream.makeStream(of: Void.self)
        let (release, releasing) = AsyncStream.makeStream(of: Void.self)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                _ = try await middleware.intercept(request, body: nil, metadata: .init(), operationID: "listCases") { _, _, _ in
                    starting.yield()
                    for await _ in release { break }
                    return (HTTPResponse(status: .ok), nil)
                }
            }
            for await _ in started { break }
            let refused = await #expect(throws: Problem.self) {
                try await middleware.intercept(request, body: nil, metadata: .init(), operationID: "listCases") { _, _, _ in
                    (HTTPResponse(status: .ok), nil)
                }
            }
            #expect(refused?.status == 503)
            #expect(refused?.retryAfter == 1)
            let live = try await middleware.intercept(request, body: nil, metadata: .init(), operationID: "getLiveness") {
                _,
                _,
                _ in (HTTPResponse(status: .ok), nil)
            }
            #expect(live.0.status == .ok)
            releasing.yield()
            try await group.waitForAll()
        }
        #expect(middleware.inFlight.current == 0)
    }

    @Test("an operation past its deadline is cancelled and answers 503")
    func deadline() async throws {
        let middleware = LoadSheddingMiddleware(limit: 4, deadline: .milliseconds(50), shutdownGrace: .seconds(1))
        let clock = ContinuousClock()
        let start = clock.now
        let problem = await #expect(throws: Problem.self) {
            try await middleware.intercept(request, body: nil, metadata: .init(), operationID: "listCases") { _, _, _ in
                try await Task.sleep(for: .seconds(30))
                return (HTTPResponse(status: .ok), nil)
            }
        }
        #expect(problem?.type == Problem.typePrefix + "deadline-exceeded")
        #expect(clock.now - start < .seconds(10), "the sleeping work was cancelled, not waited for")
        #expect(middleware.inFlight.current == 0)
    }

    @Test("when the client closes its side of the connection, the connection closes and the work for it is cancelled")
    func clientGone() async throws {
        let channel = NIOAsyncTestingChannel()
        let handler = ClientGoneHandler()
        try await channel.pipeline.addHandler(handler)
        #expect(ConnectionWatch.watching(channel) === handler.watch)
        let middleware = LoadSheddingMiddleware(limit: 4, deadline: .seconds(30), shutdownGrace: .seconds(1))
        let clock = ContinuousClock()
        let start = clock.now
        let problem = await #expect(throws: Problem.self) {
            try await ConnectionWatch.$current.withValue(handler.watch) {
                try await middleware.intercept(request, body: nil, metadata: .init(), operationID: "listCases") { _, _, _ in
                    channel.pipeline.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
                    try await Task.sleep(for: .seconds(30))
                    return (HTTPResponse(status: .ok), nil)
                }
            }
        }
        #expect(problem?.status == 499)
        #expect(clock.now - start < .seconds(10))
        #expect(!channel.isActive)
        #expect(ConnectionWatch.watching(channel) == nil, "nothing stays registered for a closed connection")
    }

    @Test("the log line of a failed operation names the operation and the cause, never the bearer token")
    func failureLogHasNoToken() {
        var request = HTTPRequest(method: .get, scheme: nil, authority: nil, path: "/me")
        request.headerFields[.authorization] = "Bearer secret-token-value"
        let error = ServerError(
            operationID: "getMe",
            request: request,
            requestBody: nil,
            requestMetadata: .init(),
            causeDescription: "User handler threw an error.",
            underlyingError: Problem.internalError()
        )
        let line = ProblemMiddleware<AppRequestContext>.logged(error)
        #expect(line.hasPrefix("getMe: "))
        #expect(!line.contains("secret-token-value"))
    }
}
