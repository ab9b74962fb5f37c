import Configuration
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import Synchronization
import TestSupport
import Testing

@testable import WegweiserServer

/// `/metrics` scraped and read by Prometheus' own parser; request log lines with status and
/// duration, as text and as JSON.
@Suite("Observability: metrics and structured request logs", .postgres)
struct ObservabilityTests {
    static let metricsToken = "scrape-me-0123456789"

    /// The samples of `exposition` as the reference parser (`prometheus_client`) reads them.
    static func parsed(_ exposition: String) throws -> [(name: String, labels: [String: String], value: Double)] {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("metrics-\(UUID().uuidString).txt")
        try exposition.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Deploy/observability/parse-metrics.py").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script, file.path]
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        try #require(process.terminationStatus == 0, "\(message)")
        let samples = try #require(try JSONSerialization.jsonObject(with: data) as? [[String: Any]])
        return samples.map { sample in
            (
                sample["name"] as? String ?? "", sample["labels"] as? [String: String] ?? [:],
                (sample["value"] as? NSNumber)?.doubleValue ?? .nan
            )
        }
    }

    @Test(
        "given metrics.token, /metrics answers only to it and counts requests by operation and status with latency histograms, writes by outcome, projection and chain lag and the pool, as Prometheus' parser reads them"
    )
    func scrape() async throws {
        let app = try await TestApp.make(extra: ["metrics.token": .init(.string(Self.metricsToken), isSecret: true)])
        try await app.test(.router) { http in
            let worker = try TestIdentityProvider.shared.token(forDemo: "demo-worker-a")
            let created = try await http.send(
                .post,
                "/clients",
                token: worker,
                body: ["family_name": "Haddad", "given_name": "Amal", "target_group": "refugee_follow_up_housing"]
            )
            let client = try #require(created.json["id"] as? String)
            let stale = try await http.send(
                .put,
                "/clients/\(client)",
                token: worker,
                body: ["family_name": "Haddad", "target_group": "refugee_follow_up_housing"],
                headers: [.ifMatch: "\"7\""]
            )
            #expect(stale.status == .preconditionFailed)
            #expect(try await http.send(.get, "/clients/\(client)", token: worker).status == .ok)
            #expect(try await http.send(.get, "/clients/\(UUID().uuidString)", token: worker).status == .notFound)

            // Only the metrics token opens it: none and a staff member's token are 401.
            #expect(try await http.send(.get, "/metrics", token: nil).status == .unauthorized)
            #expect(try await http.send(.get, "/metrics", token: worker).status == .unauthorized)
            let scraped = try await http.send(.get, "/metrics", token: Self.metricsToken)
            #expect(scraped.status == .ok)
            #expect(scraped.headers[.contentType]?.hasPrefix("text/plain") == true)
            let text = String(buffer: scraped.body)
            #expect(!text.contains("Haddad") && !text.contains(client), "no personal data or ids in labels")

            let samples = try Self.parsed(text)
            func value(_ name: String, _ labels: [String: String]) -> Double? {
                samples.first { sample in sample.name == name && labels.allSatisfy { sample.labels[$0.key] == $0.value } }?.value
            }
            #expect(value("wegweiser_http_requests_total", ["operation": "createClient", "status": "201"]) == 1)
            #expect(value("wegweiser_http_requests_total", ["operation": "getClient", "status": "200"]) == 1)
            #expect(value("wegweiser_http_requests_total", ["operation": "getClient", "status": "404"]) == 1)
            #expect(value("wegweiser_http_requests_total", ["operation": "replaceClient", "status": "412"]) == 1)
            #expect(value("wegweiser_http_request_duration_seconds_count", ["operation": "getClient"]) == 2)
            #expect(value("wegweiser_http_request_duration_seconds_bucket", ["operation": "getClient", "le": "+Inf"]) == 2)
            #expect(value("wegweiser_appends_total", ["kind": "client", "outcome": "committed"]) == 1)
            #expect(value("wegweiser_appends_total", ["kind": "client", "outcome": "precondition_failed"]) == 1)
            #expect((value("wegweiser_log_head_position", [:]) ?? 0) > 0)
            #expect(value("wegweiser_chain_lag_events", [:]) != nil)
            #expect(value("wegweiser_projection_lag_events", ["projection": "cases", "mode": "inline"]) == 0)
            #expect((value("wegweiser_database_connections", ["state": "active"]) ?? 0) >= 1, "the scrape's own query")
            #expect(value("wegweiser_database_pool_size", [:]) == 20)
        }
    }

    @Test("without metrics.token /metrics is off (404 to any token; 401 without one)")
    func offWithoutToken() async throws {
        let app = try await TestApp.make()
        try await app.test(.router) { http in
            #expect(try await http.send(.get, "/metrics", token: nil).status == .unauthorized)
            let answer = try await http.send(.get, "/metrics", token: Self.metricsToken)
            #expect(answer.status == .notFound)
            #expect(answer.headers[.contentType] == "application/problem+json")
        }
    }

    @Test(
        "a request's log line carries status, duration, operation and the staff member; as JSON it is one object with numbers, and the request is counted"
    )
    func requestLogLine() async throws {
        let captured = Captured()
        let staff = UUID()
        let metrics = ServerMetrics()
        let router = Router(context: AppRequestContext.self)
        router.addMiddleware { RequestLogMiddleware(metrics: metrics) }
        router.get("/teapot") { _, _ -> Response in
            RequestNote.current?.note(operation: "brewTea", staffID: staff)
            return Response(status: .init(code: 418))
        }
        var logger = Logger(label: "wegweiser") { _ in CapturingHandler(captured: captured) }
        logger.logLevel = .info
        let app = Application(router: router, logger: logger)
        try await app.test(.router) { http in
            try await http.execute(uri: "/teapot?name=Haddad", method: .get) { #expect($0.status.code == 418) }
        }
        let entry = try #require(captured.entries.first { $0.message == "request" })
        #expect(entry.metadata["status"]?.description == "418")
        #expect(entry.metadata["operation"]?.description == "brewTea")
        #expect(entry.metadata["staff_member"]?.description == staff.uuidString.lowercased())
        #expect(entry.metadata["path"]?.description == "/teapot", "the query, which may carry search terms, is left out")
        #expect(entry.metadata["duration_ms"] != nil)

        let line = JSONLogHandler.line(
            time: Date(),
            level: .info,
            label: "wegweiser",
            message: "request",
            metadata: entry.metadata
        )
        #expect(!line.contains("\n"))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(object["status"] as? Int == 418)
        #expect(object["duration_ms"] is NSNumber)
        #expect(object["operation"] as? String == "brewTea")
        #expect(object["level"] as? String == "info" && object["message"] as? String == "request")
        #expect((object["time"] as? String)?.hasSuffix("Z") == true)
        let awkward = JSONLogHandler.line(
            time: Date(),
            level: .warning,
            label: "x",
            message: "a \"quoted\"\nline\u{1}",
            metadata: ["message": "hidden?"]
        )
        let decoded = try #require(try JSONSerialization.jsonObject(with: Data(awkward.utf8)) as? [String: Any])
        #expect(decoded["message"] as? String == "a \"quoted\"\nline\u{1}")
        #expect(decoded["meta_message"] as? String == "hidden?")
        #expect(metrics.exposition().contains("wegweiser_http_requests_total{operation=\"brewTea\",status=\"418\"} 1"))
    }

    @Test("log.format is text or json; anything else is refused")
    func logFormat() throws {
        let reader = ConfigReader(provider: InMemoryProvider(values: ["log.format": "xml"]))
        #expect(throws: ConfigurationError.self) { try bootstrapLogging(reader: reader) }
    }
}

/// Log entries a test reads back.
final class Captured: Sendable {
    private let box = Mutex<[(message: String, metadata: Logger.Metadata)]>([])
    var entries: [(message: String, metadata: Logger.Metadata)] { box.withLock { $0 } }
    func append(_ message: String, _ metadata: Logger.Metadata) { box.withLock { $0.append((message, metadata)) } }
}

/// A log handler that keeps what it is given.
struct CapturingHandler: LogHandler {
    let captured: Captured
    var logLevel: Logger.Level = .trace
    var metadata: Logger.Metadata = [:]
    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }
    func log(event: LogEvent) {
        captured.append(event.message.description, metadata.merging(event.metadata ?? [:]) { $1 })
    }
}
