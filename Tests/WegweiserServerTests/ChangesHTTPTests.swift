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

@Suite("The change feed: what changed in the caller's caseload, by cursor and live (SSE), never beyond their access", .postgres)
struct ChangesHTTPTests {
    let provider = TestIdentityProvider.shared

    /// A token for the demo staff member signing in as `subject`.
    func token(_ subject: String) throws -> String { try provider.token(forDemo: subject) }

    @Test(
        "a cursor gives what changed since, with versions and no personal data; another provider's worker sees nothing; a reassignment ends the old holder's feed; the SSE stream resumes after Last-Event-ID and carries new changes live"
    )
    func changes() async throws {
        let (app, database) = try await TestApp.makeWithDatabase(extra: ["changes.stream.seconds": 5])
        let workerA = try token("demo-worker-a")
        let workerA2 = try token("demo-worker-a2")
        try await app.test(.router) { http in
            let (client, caseID) = try await http.openCase(of: "Haddad", on: "2026-01-05", token: workerA)
            try await database.sealChains()
            let first = try await http.send(.get, "/changes", token: workerA)
            #expect(first.status == .ok)
            let items = try #require(first.json["items"] as? [[String: Any]])
            #expect(
                items.contains {
                    $0["object"] as? String == "case" && $0["object_id"] as? String == caseID
                        && $0["type"] as? String == "case.opened"
                }
            )
            #expect(items.contains { $0["object"] as? String == "client" && $0["object_id"] as? String == client })
            #expect(!String(buffer: first.body).contains("Haddad"))
            let forged = try await http.send(.get, "/changes?cursor=gAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", token: workerA)
            #expect(forged.status == .ok, "a cursor of the lowest position reads from the start, and the server stays up")
            let cursor = try #require(first.json["next_cursor"] as? String)

            let consultation = try await http.send(
                .post,
                "/cases/\(caseID)/consultations",
                token: workerA,
                body: ["held_on": "2026-01-20", "duration_minutes": 45, "place": "office", "note": "Miete"]
            )
            #expect(consultation.status == .created)
            try await database.sealChains()
            let since = try await http.send(.get, "/changes?cursor=\(cursor)", token: workerA)
            let changed = try #require(since.json["items"] as? [[String: Any]])
            #expect(changed.map { $0["type"] as? String } == ["case.consultation_logged"])
            #expect(changed.first?["version"] as? Int == 2, "the case's new ETag")
            let afterConsultation = try #require(since.json["next_cursor"] as? String)
            let quiet = try await http.send(.get, "/changes?cursor=\(afterConsultation)", token: workerA)
            #expect((quiet.json["items"] as? [Any])?.isEmpty == true)

            let workerB = try token("demo-worker-b")
            let other = try await http.send(.get, "/changes", token: workerB)
            #expect(!String(buffer: other.body).contains(caseID), "another provider's worker sees nothing of the case")
            #expect(try await http.send(.get, "/changes", token: try token("demo-coordinator")).status == .forbidden)

            // Reassigned to A2: A's feed no longer carries the case, A2's does.
            let moved = try await http.send(
                .put,
                "/cases/\(caseID)/assignment",
                token: try token("demo-lead"),
                body: ["assignee_id": DemoData.people.first { $0.subject == "demo-worker-a2" }!.id.apiString]
            )
            #expect(moved.status == .ok)
            try await database.sealChains()
            let afterMove = try await http.send(.get, "/changes?cursor=\(afterConsultation)", token: workerA)
            #expect((afterMove.json["items"] as? [Any])?.isEmpty == true, "\(String(buffer: afterMove.body))")
            let holder = try await http.send(.get, "/changes?cursor=\(afterConsultation)", token: workerA2)
            #expect((holder.json["items"] as? [[String: Any]])?.map { $0["type"] as? String } == ["case.assigned"])

            // SSE: resumes after Last-Event-ID, and a change made while it runs arrives live.
            let opened = try #require(items.first { $0["type"] as? String == "case.opened" }?["position"] as? Int)
            async let streamed = http.send(
                .get,
                "/changes/stream",
                token: workerA2,
                headers: [HTTPField.Name("Last-Event-ID")!: "\(opened)"]
            )
            try await Task.sleep(for: .milliseconds(500))
            let live = try await http.send(
                .post,
                "/cases/\(caseID)/consultations",
                token: workerA2,
                body: ["held_on": "2026-02-03", "duration_minutes": 30, "place": "office"]
            )
            #expect(live.status == .created)
            try await database.sealChains()
            let stream = try await streamed
            #expect(stream.status == .ok)
            #expect(stream.headers[.contentType]?.hasPrefix("text/event-stream") == true)
            let text = String(buffer: stream.body)
            #expect(text.hasPrefix("retry: 1000\n\n"))
            let events = text.components(separatedBy: "\n\n").filter { $0.hasPrefix("id: ") }
            let types = events.compactMap { event -> String? in
                guard let data = event.split(separator: "\n").first(where: { $0.hasPrefix("data: ") }) else { return nil }
                let json = try? JSONSerialization.jsonObject(with: Data(data.dropFirst("data: ".count).utf8)) as? [String: Any]
                return json?["type"] as? String
            }
            #expect(types == ["case.consultation_logged", "case.assigned", "case.consultation_logged"], "\(text)")
            let ids = events.compactMap { Int($0.split(separator: "\n")[0].dropFirst("id: ".count)) }
            #expect(ids.allSatisfy { $0 > opened } && ids == ids.sorted())
            #expect(
                try await http.send(.get, "/changes/stream", token: workerA2, headers: [HTTPField.Name("Last-Event-ID")!: "x"])
                    .status
                    == .badRequest
            )
        }
    }
}
