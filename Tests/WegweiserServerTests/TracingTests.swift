import Configuration
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Synchronization
import TestSupport
import Testing

@testable import WegweiserServer

/// Tracing, opt-in: spans exported over OTLP/HTTP to a collector, without personal data.
@Suite("Tracing over OTLP", .postgres)
struct TracingTests {
    @Test(
        "given tracing.otlp.endpoint, each request is a server span named by its operation with method and status, continuing the caller's traceparent, and no path, query or name reaches the collector"
    )
    func spansReachTheCollector() async throws {
        // A collector: takes OTLP/HTTP JSON exports and keeps them.
        let received = Mutex<[Data]>([])
        let collector = Router()
        collector.post("/v1/traces") { request, _ -> Response in
            let body = try await request.body.collect(upTo: 16 << 20)
            received.withLock { $0.append(Data(buffer: body)) }
            return Response(
                status: .ok,
                headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(string: "{}"))
            )
        }
        let traceID = "4bf92f3577b34da6a3ce929d0e0e4736"
        try await Application(router: collector, configuration: .init(address: .hostname("127.0.0.1", port: 0))).test(.live) {
            receiver in
            let app = try await TestApp.make(
                extra: [
                    "tracing.otlp.endpoint": .init(.string("http://127.0.0.1:\(receiver.port!)/v1/traces"), isSecret: false),
                    "tracing.otlp.protocol": "http/json",
                ]
            )
            try await app.test(.router) { http in
                let worker = try TestIdentityProvider.shared.token(forDemo: "demo-worker-a")
                let me = try await http.send(
                    .get,
                    "/me",
                    token: worker,
                    headers: [HTTPField.Name("traceparent")!: "00-\(traceID)-00f067aa0ba902b7-01"]
                )
                #expect(me.status == .ok)
                let search = try await http.send(.get, "/clients?name=Haddad", token: worker)
                #expect(search.status == .ok)
                let missing = try await http.send(.get, "/cases/\(UUID().uuidString.lowercased())", token: worker)
                #expect(missing.status == .notFound)
            }
            // The application has stopped: its exporter sent what it held.
        }
        let exports = received.withLock { $0 }
        try #require(!exports.isEmpty, "the collector received spans")
        var spans: [(name: String, traceID: String, attributes: [String: Any])] = []
        for export in exports {
            let json = try #require(try JSONSerialization.jsonObject(with: export) as? [String: Any])
            for resource in json["resourceSpans"] as? [[String: Any]] ?? [] {
                let resourceAttributes = Self.attributes((resource["resource"] as? [String: Any])?["attributes"])
                #expect(resourceAttributes["service.name"] as? String == "wegweiser")
                for scope in resource["scopeSpans"] as? [[String: Any]] ?? [] {
                    for span in scope["spans"] as? [[String: Any]] ?? [] {
                        spans.append(
                            (span["name"] as? String ?? "", Self.hex(span["traceId"]), Self.attributes(span["attributes"]))
                        )
                    }
                }
            }
        }
        let me = try #require(spans.first { $0.name == "getMe" }, "spans: \(spans.map(\.name))")
        #expect(me.traceID == traceID, "the caller's trace continues")
        #expect(me.attributes["http.request.method"] as? String == "GET")
        #expect(Self.number(me.attributes["http.response.status_code"]) == 200)
        let listed = try #require(spans.first { $0.name == "listClients" })
        #expect(Self.number(listed.attributes["http.response.status_code"]) == 200)
        #expect(listed.traceID != traceID, "a request without traceparent starts its own trace")
        let missing = try #require(spans.first { $0.name == "getCase" })
        #expect(Self.number(missing.attributes["http.response.status_code"]) == 404)
        for export in exports {
            let text = String(decoding: export, as: UTF8.self)
            #expect(!text.contains("Haddad") && !text.contains("/cases/") && !text.contains("url."), "no query, path or name")
        }
    }

    /// OTLP/JSON attributes (`[{key, value: {stringValue|intValue|…}}]`) as a dictionary.
    static func attributes(_ list: Any?) -> [String: Any] {
        var found: [String: Any] = [:]
        for attribute in list as? [[String: Any]] ?? [] {
            guard let key = attribute["key"] as? String, let value = attribute["value"] as? [String: Any] else { continue }
            found[key] = value["stringValue"] ?? value["intValue"] ?? value["boolValue"] ?? value["doubleValue"]
        }
        return found
    }

    /// A trace id as hex: OTLP/JSON by the specification, or base64 as protobuf's JSON mapping
    /// of bytes writes it (swift-otel).
    static func hex(_ value: Any?) -> String {
        guard let text = value as? String else { return "" }
        if text.count == 32, text.allSatisfy(\.isHexDigit) { return text.lowercased() }
        return Data(base64Encoded: text).map { $0.map { String(format: "%02x", $0) }.joined() } ?? text
    }

    /// An OTLP/JSON integer (a number or, for 64 bits, a string).
    static func number(_ value: Any?) -> Int? {
        (value as? NSNumber)?.intValue ?? (value as? String).flatMap { Int($0) }
    }
}
