import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import LocalPostgres
import Logging
import Testing

@testable import WegweiserServer

/// What the server does while PostgreSQL is gone, and after it is back. The cluster is this
/// test's own (it is stopped and started again on the same port).
@Suite("Outage: PostgreSQL goes away and comes back")
struct OutageTests {
    @Test(
        "given a running server, when PostgreSQL stops, reads and writes answer 503 problem+json with Retry-After within 2 s, readiness fails and liveness stays up; when PostgreSQL is back, the server answers again without a restart"
    )
    func databaseGoesAndComesBack() async throws {
        let logger = Logger(label: "outage-test")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "wegweiser-outage-\(UUID().uuidString.prefix(8))"
        )
        .path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var fixedPort = LocalPostgres.Configuration(directory: directory, durable: false)
        fixedPort.port = try FreePort.find()
        let configuration = fixedPort
        let cluster = try await LocalPostgres(configuration: configuration).start(logger: logger)
        let app = try await buildApplication(reader: TestApp.reader(databaseURL: cluster.url()))
        let token = try TestIdentityProvider.shared.token(forDemo: "demo-worker-a")
        let restartedCluster: RunningPostgres
        do {
            restartedCluster = try await app.test(.router) { http in
                let client: [String: Any] = [
                    "family_name": "Haddad", "given_name": "Amal", "target_group": "refugee_follow_up_housing",
                ]
                #expect(try await http.send(.get, "/me", token: token).status == .ok)
                #expect(try await http.send(.post, "/clients", token: token, body: client).status == .created)

                try await cluster.stop()
                for (method, uri) in [(HTTPRequest.Method.get, "/me"), (.post, "/clients"), (.get, "/cases")] {
                    let started = ContinuousClock.now
                    let answer = try await http.send(method, uri, token: token, body: method == .post ? client : nil)
                    let waited = ContinuousClock.now - started
                    #expect(answer.status == .serviceUnavailable, "\(method) \(uri): \(String(buffer: answer.body))")
                    #expect(answer.headers[.contentType] == "application/problem+json")
                    #expect(answer.headers[.retryAfter] != nil)
                    // At once rather than at the 10 s request deadline (the bound only tells the
                    // two apart; it is no measurement of speed).
                    #expect(waited < .seconds(5), "\(method) \(uri) waited \(waited)")
                }
                #expect(try await http.send(.get, "/health/live", token: nil).status == .ok)
                #expect(try await http.send(.get, "/health/ready", token: nil).status == .serviceUnavailable)

                let again = try await LocalPostgres(configuration: configuration).start(logger: logger)
                let restarted = ContinuousClock.now
                var back = false
                while !back, ContinuousClock.now - restarted < .seconds(60) {
                    back = try await http.send(.get, "/me", token: token).status == .ok
                    if !back { try await Task.sleep(for: .milliseconds(200)) }
                }
                #expect(back, "the server answered again \(ContinuousClock.now - restarted) after PostgreSQL was back")
                #expect(try await http.send(.get, "/health/ready", token: nil).status == .ok)
                #expect(try await http.send(.post, "/clients", token: token, body: client).status == .created)
                return again
            }
        } catch {
            try? await cluster.stop()
            try? await LocalPostgres(configuration: configuration).start(logger: logger).stop()
            throw error
        }
        try await restartedCluster.stop()
    }
}
