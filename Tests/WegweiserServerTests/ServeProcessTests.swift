import Foundation
import LocalPostgres
import TestSupport
import Testing

@testable import WegweiserServer

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// `wegweiser demo` and `serve` as an installer runs them: the built executable, on its
/// embedded PostgreSQL, stopped with Ctrl-C (SIGINT) or killed outright.
@Suite("wegweiser demo and serve as processes")
struct ServeProcessTests {
    @Test("the quick start: demo reaches ready, `wegweiser token` gives a token that /me accepts")
    func quickStart() async throws {
        let root = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let directory = root + "/postgres"
        let server = try await ServerProcess.start(directory: directory)
        let token = try ChildProcess.spawn(
            [
                ServerProcess.executable, "token", "--role", "case_worker", "--staff", "demo-worker-a", "--postgres-directory",
                directory,
            ],
            environment: ["DATABASE_URL": nil],
            outputFile: root + "/token.log"
        )
        #expect(try await token.wait(timeout: .seconds(30)) == 0)
        let bearer = token.output.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(await server.status("/me", token: bearer) == 200)
        #expect(await server.status("/me", token: nil) == 401)
        #expect(await server.status("/staff-members", token: bearer) == 200)
        server.child.send(SIGINT)
        #expect(try await server.child.wait(timeout: .seconds(60)) == 0)

        // One line per request, with its status, duration, operation and caller; no token.
        let lines = server.child.output.split(separator: "\n").filter { $0.contains(" request ") || $0.hasSuffix(" request") }
        let worker = DemoData.people.first { $0.subject == "demo-worker-a" }!.id.uuidString.lowercased()
        let signedIn = lines.first { $0.contains("path=/me") && $0.contains("status=200") }
        #expect(signedIn?.contains("operation=getMe") == true, "\(lines)")
        #expect(signedIn?.contains("staff_member=\(worker)") == true, "\(lines)")
        #expect(signedIn?.contains("duration_ms=") == true, "\(lines)")
        #expect(lines.contains { $0.contains("path=/me") && $0.contains("status=401") })
        #expect(!server.child.output.contains(bearer), "the token is never logged")
        let postgresLog = try String(contentsOfFile: directory + "/server.log", encoding: .utf8)
        #expect(!postgresLog.contains("does not exist"), "nothing queried the schema before the migrations ran")
    }

    @Test("serve without a way to check tokens refuses to start and says what to set")
    func serveNeedsTokenConfiguration() async throws {
        let root = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let child = try ChildProcess.spawn(
            [ServerProcess.executable, "serve", "--postgres-directory", root + "/postgres"],
            environment: ["DATABASE_URL": nil],
            outputFile: root + "/serve.log"
        )
        #expect(try await child.wait(timeout: .seconds(60)) != 0)
        #expect(child.output.contains("AUTH_JWKS_URL"))
        #expect(child.output.contains("wegweiser demo"))
    }

    @Test("demo reaches ready; SIGINT stops it and its PostgreSQL; a second start keeps the data")
    func serveStopRestart() async throws {
        let root = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let directory = root + "/postgres"

        let first = try await ServerProcess.start(directory: directory)
        let postmaster = try #require(Self.postmasterPID(directory))
        let databasePort = try #require(Self.postmasterPort(directory))
        first.child.send(SIGINT)
        #expect(try await first.child.wait(timeout: .seconds(60)) == 0, "serve exits cleanly after SIGINT")
        #expect(!ChildProcess.isRunning(postmaster), "PostgreSQL stopped")
        #expect(!FileManager.default.fileExists(atPath: directory + "/data/postmaster.pid"), "no lock file left")
        #expect(!Self.answers(port: databasePort), "database port closed")
        #expect(!Self.answers(port: first.httpPort), "HTTP port closed")
        #expect(first.child.output.contains("initialising local PostgreSQL cluster"))

        #expect(FileManager.default.fileExists(atPath: root + "/master.key"), "the embedded default made a master key")
        let verify = try ChildProcess.spawn(
            [ServerProcess.executable, "verify", "--postgres-directory", directory],
            environment: ["DATABASE_URL": nil],
            outputFile: root + "/verify.log"
        )
        #expect(try await verify.wait(timeout: .seconds(60)) == 0)
        #expect(verify.output.contains("Intact"))

        let second = try await ServerProcess.start(directory: directory)
        #expect(!second.child.output.contains("initialising local PostgreSQL cluster"), "the data folder was reused")
        second.child.send(SIGTERM)
        #expect(try await second.child.wait(timeout: .seconds(60)) == 0, "serve exits cleanly after SIGTERM")
        #expect(Self.postmasterPID(directory) == nil)
    }

    @Test("if serve is killed outright, its PostgreSQL stops by itself")
    func killedServe() async throws {
        let root = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let directory = root + "/postgres"
        let server = try await ServerProcess.start(directory: directory)
        let postmaster = try #require(Self.postmasterPID(directory))
        server.child.send(SIGKILL)
        _ = try await server.child.wait(timeout: .seconds(10))
        var stopped = false
        for _ in 0..<100 where !stopped {
            try await Task.sleep(for: .milliseconds(100))
            stopped = !ChildProcess.isRunning(postmaster)
        }
        #expect(stopped, "the watchdog stopped PostgreSQL within 10 s")
    }

    /// A new folder for one test's cluster and server log.
    static func temporaryDirectory() -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("wegweiser-serve-\(UUID().uuidString.prefix(8))")
            .path
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    static func postmasterLines(_ directory: String) -> [Substring] {
        ((try? String(contentsOfFile: directory + "/data/postmaster.pid", encoding: .utf8)) ?? "").split(separator: "\n")
    }

    static func postmasterPID(_ directory: String) -> Int32? {
        postmasterLines(directory).first.flatMap { Int32($0) }
    }

    static func postmasterPort(_ directory: String) -> Int? {
        let lines = postmasterLines(directory)
        return lines.count > 3 ? Int(lines[3]) : nil
    }

    /// Whether anything accepts TCP connections on the loopback `port`.
    static func answers(port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        } == 0
    }
}

/// A running `wegweiser serve`.
struct ServerProcess {
    let child: ChildProcess
    let httpPort: Int

    /// The `wegweiser` executable built next to this test bundle.
    static var executable: String {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("wegweiser").path
    }

    /// Starts `wegweiser demo` on a free HTTP port with its cluster in `directory` and waits
    /// until `/health/ready` answers 200 (at most 90 s).
    static func start(directory: String) async throws -> ServerProcess {
        try #require(FileManager.default.isExecutableFile(atPath: executable), "the wegweiser executable is built with the tests")
        let port = Int.random(in: 20000..<30000)
        let child = try ChildProcess.spawn(
            [executable, "demo", "--http-port", "\(port)", "--postgres-directory", directory, "--demo-district-people", "10"],
            environment: ["DATABASE_URL": nil],
            outputFile: URL(fileURLWithPath: directory).deletingLastPathComponent().appendingPathComponent("serve-\(port).log")
                .path
        )
        let server = ServerProcess(child: child, httpPort: port)
        for _ in 0..<900 {
            if await server.readiness() == 200 { return server }
            guard try await child.wait(timeout: .milliseconds(100)) == nil else { break }
        }
        child.send(SIGKILL)
        Issue.record("serve did not become ready:\n\(child.output)")
        throw CancellationError()
    }

    /// The status of `GET /health/ready`, or `nil` while nothing answers.
    func readiness() async -> Int? {
        await status("/health/ready", token: nil)
    }

    /// The status of `GET path` with `token`, or `nil` while nothing answers.
    func status(_ path: String, token: String?) async -> Int? {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(httpPort)\(path)")!)
        request.timeoutInterval = 5
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        guard let (_, response) = try? await URLSession.shared.data(for: request) else { return nil }
        return (response as? HTTPURLResponse)?.statusCode
    }
}
