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

@Suite("Auditors: the district's feed with its hash chain, signed checkpoints, offline verification", .postgres)
struct AuditFeedTests {
    let provider = TestIdentityProvider.shared

    /// A token for the demo staff member signing in as `subject`.
    func token(_ subject: String) throws -> String { try provider.token(forDemo: subject) }

    /// Every event of the caller's feed, following the `Link` headers, `limit` per page.
    func feed(_ http: some TestClientProtocol, token: String, limit: Int) async throws -> (events: [[String: Any]], pages: Int) {
        var events: [[String: Any]] = []
        var path: String? = "/audit/events?limit=\(limit)"
        var pages = 0
        while let next = path {
            let page = try await http.send(.get, next, token: token)
            #expect(page.status == .ok)
            #expect(page.headers[.contentType]?.hasPrefix("application/cloudevents-batch+json") == true)
            events += try #require(try JSONSerialization.jsonObject(with: Data(buffer: page.body)) as? [[String: Any]])
            pages += 1
            path = page.headers[.link].flatMap { link in
                link.firstRange(of: ">").map { String(link[link.index(after: link.startIndex)..<$0.lowerBound]) }
            }
        }
        return (events, pages)
    }

    /// Runs `Deploy/audit/verify-feed.py` on the files of `values` and answers its exit status
    /// and output.
    func verifyOffline(_ values: [String: Any]) throws -> (status: Int32, output: String) {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("audit-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        var arguments = [
            URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
                .appendingPathComponent("Deploy/audit/verify-feed.py").path
        ]
        for (name, value) in values {
            let file = folder.appendingPathComponent("\(name).json")
            try JSONSerialization.data(withJSONObject: value).write(to: file)
            arguments += ["--\(name)", file.path]
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3"] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, output)
    }

    @Test(
        "an auditor pages the district's events with hashes, sealed personal parts and nothing of another district; a signed checkpoint verifies offline; a tampered event is named by its position"
    )
    func feedAndVerification() async throws {
        let (app, database) = try await TestApp.makeWithDatabase()
        let worker = try token("demo-worker-a")
        let auditor = try token("demo-auditor")
        try await app.test(.router) { http in
            let (_, caseID) = try await http.openCase(of: "Haddad", on: "2026-01-05", token: worker)
            let consultation = try await http.send(
                .post,
                "/cases/\(caseID)/consultations",
                token: worker,
                body: ["held_on": "2026-01-20", "duration_minutes": 45, "place": "office", "note": "Sorgen wegen der Miete"]
            )
            #expect(consultation.status == .created)
            let elsewhere = try await http.send(
                .post,
                "/clients",
                token: try token("demo-tuebingen-worker"),
                body: ["given_name": "Tarek", "family_name": "Tübinger", "target_group": "refugee_follow_up_housing"]
            )
            let tuebingenClient = try #require(elsewhere.json["id"] as? String)
            try await database.sealChains()

            // The feed: every event of Waldshut in chain order, in pages, resumable.
            let (events, pages) = try await feed(http, token: auditor, limit: 7)
            #expect(pages > 1)
            let beyond = try await http.send(.get, "/audit/events?cursor=f_________8AAAAAAAAAAAAAAAAAAAAA", token: auditor)
            #expect(beyond.status == .ok, "a cursor of the highest position is the end, and the server stays up")
            #expect(events.map { $0["wwposition"] as? Int } == Array(1...events.count).map(Optional.some))
            #expect(events.first?["wwprevioushash"] as? String == String(repeating: "0", count: 64))
            #expect(Set(events.compactMap { $0["source"] as? String }) == ["urn:wegweiser:district:08337"])
            #expect(events.contains { $0["subject"] as? String == "case-\(caseID.uppercased())" })
            let text = events.map {
                String(decoding: Data(base64Encoded: $0["data_base64"] as? String ?? "") ?? Data(), as: UTF8.self)
            }
            .joined()
            #expect(text.contains("\"sealed\""), "personal parts are there, sealed")
            #expect(!text.contains("Miete") && !text.contains("Haddad"), "and not readable")
            #expect(!text.contains(tuebingenClient.uppercased()) && !text.contains(tuebingenClient), "nothing of Tübingen")

            // A checkpoint, the public key, and the offline verifier.
            let checkpoint = try await http.send(.post, "/audit/checkpoints", token: auditor)
            #expect(checkpoint.status == .created)
            #expect((checkpoint.json["district"] as? [String: Any])?["position"] as? Int == events.count)
            let key = try await http.send(.get, "/.well-known/wegweiser-checkpoint-key", token: nil)
            #expect(key.status == .ok)
            #expect(key.json["kid"] as? String == checkpoint.json["key_id"] as? String)
            let intact = try verifyOffline(["feed": events, "checkpoint": checkpoint.json, "key": key.json])
            #expect(intact.status == 0, "\(intact.output)")
            #expect(intact.output.contains("INTACT: \(events.count) events"), "\(intact.output)")
            let listed = try await http.send(.get, "/audit/checkpoints", token: try token("demo-dpo"))
            #expect(
                (listed.json["items"] as? [[String: Any]])?.first?["statement"] as? String == checkpoint.json["statement"]
                    as? String
            )

            // A forged signature is refused.
            var forged = checkpoint.json
            forged["statement"] = (forged["statement"] as? String ?? "").replacingOccurrences(
                of: "district=08337",
                with: "district=08416"
            )
            let refused = try verifyOffline(["feed": events, "checkpoint": forged, "key": key.json])
            #expect(refused.status == 1 && refused.output.contains("signature does not verify"), "\(refused.output)")

            // The consultation's event, altered in the table behind the trigger's back.
            let target = try #require(events.first { $0["type"] as? String == "case.consultation_logged" })
            let position = try #require(target["wwposition"] as? Int)
            let eventID = try #require(target["id"] as? String)
            try await database.withClient { pool in
                try await pool.withTransaction(logger: Logger(label: "test")) { connection in
                    try await connection.query(
                        "ALTER TABLE events DISABLE TRIGGER events_append_only",
                        logger: Logger(label: "test")
                    )
                    try await connection.query(
                        "UPDATE events SET payload = jsonb_set(payload, '{duration_minutes}', '90') WHERE event_id = \(UUID(uuidString: eventID)!)",
                        logger: Logger(label: "test")
                    )
                    try await connection.query(
                        "ALTER TABLE events ENABLE TRIGGER events_append_only",
                        logger: Logger(label: "test")
                    )
                }
            }
            let (tampered, _) = try await feed(http, token: auditor, limit: 500)
            let broken = try verifyOffline(["feed": tampered, "checkpoint": checkpoint.json, "key": key.json])
            #expect(broken.status == 1)
            #expect(broken.output.contains("BROKEN at position \(position) (event \(eventID)"), "\(broken.output)")
            let onServer = try await http.send(.get, "/audit/verification", token: auditor)
            #expect(onServer.json["intact"] as? Bool == false)
            #expect((onServer.json["broken"] as? [String: Any])?["position"] as? Int == position)
            let before = try await http.send(.get, "/audit/verification?to=\(position - 1)", token: auditor)
            #expect(before.json["intact"] as? Bool == true)
            #expect(before.json["verified_count"] as? Int == position - 1)
            #expect(try await http.send(.get, "/audit/verification?from=5&to=4", token: auditor).status == .unprocessableContent)
        }
    }
}
