import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import TestSupport
import Testing

@testable import WegweiserServer

@Suite("A case as of a day, as known at a time, replayed from its events over HTTP", .postgres)
struct ReplayHTTPTests {
    let provider = TestIdentityProvider.shared

    /// A token for the demo staff member signing in as `subject`.
    func token(_ subject: String) throws -> String { try provider.token(forDemo: subject) }

    @Test(
        "as_of cuts effective days as corrected, known_at cuts recording time; the answer names the events used; future cut-offs are refused"
    )
    func replayWithCorrections() async throws {
        let clock = TestClock()
        let app = try await TestApp.make(clock: clock)
        let worker = try token("demo-worker-a")
        try await app.test(.router) { http in
            let (_, caseID) = try await http.openCase(of: "Haddad", on: "2026-01-05", token: worker)
            func consultation(_ day: String) async throws -> String {
                try #require(
                    try await http.send(
                        .post,
                        "/cases/\(caseID)/consultations",
                        token: worker,
                        body: ["held_on": day, "duration_minutes": 45, "place": "office"]
                    ).json["id"] as? String
                )
            }
            let january = try await consultation("2026-01-20")
            _ = try await consultation("2026-02-10")
            // Times travel in whole seconds: a second apart from what came before and after.
            try await Task.sleep(for: .milliseconds(1_100))
            let before = ISO8601DateFormatter().string(from: Date())
            try await Task.sleep(for: .milliseconds(1_100))
            let corrected = try await http.send(
                .post,
                "/cases/\(caseID)/corrections",
                token: worker,
                body: ["fact": "consultation_held_on", "item_id": january, "day": "2026-02-03", "reason": "Datum vertauscht"]
            )
            #expect(corrected.status == .created)
            let closed = try await http.send(
                .put,
                "/cases/\(caseID)/closure",
                token: worker,
                body: ["reason": "moved_out_of_district", "closed_on": "2026-02-20"]
            )
            #expect(closed.status == .ok)
            // The server's clock, brought up to the real one that stamped the recording times.
            clock.advance(by: Date().timeIntervalSince(clock.now) + 1)

            func replay(
                _ query: String
            ) async throws -> (
                status: HTTPResponse.Status, count: Int?, state: String?, types: [String], etag: String?, body: String,
                held: [String]
            ) {
                let answer = try await http.send(.get, "/cases/\(caseID)?\(query)", token: worker)
                let events = (answer.json["replay"] as? [String: Any])?["events"] as? [[String: Any]] ?? []
                return (
                    answer.status, answer.json["consultation_count"] as? Int, answer.json["status"] as? String,
                    events.compactMap { $0["type"] as? String }, answer.headers[.eTag], String(buffer: answer.body),
                    ((answer.json["replay"] as? [String: Any])?["items"] as? [[String: Any]] ?? [])
                        .filter { $0["kind"] as? String == "consultation" }.compactMap { $0["held_on"] as? String }.sorted()
                )
            }
            let asSent = try await replay("as_of=2026-01-31&known_at=\(before)")
            #expect(asSent.status == .ok, "\(asSent.body)")
            #expect(asSent.count == 1)
            #expect(asSent.types == ["case.opened", "case.consultation_logged"])
            #expect(asSent.etag == "\"2\"")
            #expect(asSent.held == ["2026-01-20"], "the items as they stood")
            let asKnownNow = try await replay("as_of=2026-01-31")
            #expect(asKnownNow.count == 0, "the January consultation was held in February, as corrected since")
            #expect(asKnownNow.types == ["case.opened"])
            let february = try await replay("as_of=2026-02-28")
            #expect(february.count == 2)
            #expect(february.held == ["2026-02-03", "2026-02-10"], "the corrected day")
            #expect(february.state == "closed")
            #expect(february.types.contains("case.corrected") && february.types.last == "case.closed")
            let midFebruary = try await replay("as_of=2026-02-15")
            #expect(midFebruary.state == "open")
            #expect(try await replay("as_of=2026-01-01").status == .notFound, "not opened yet")
            #expect(try await replay("as_of=2099-01-01").status == .unprocessableContent)
            #expect(try await replay("known_at=2099-01-01T00:00:00Z").status == .unprocessableContent)
            let other = try await http.send(.get, "/cases/\(caseID)?as_of=2026-02-28", token: try token("demo-worker-b"))
            #expect(other.status == .notFound, "access is judged now")
        }
    }
}
