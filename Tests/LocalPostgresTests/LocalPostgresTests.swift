import Foundation
import Logging
import PostgresNIO
import TestSupport
import Testing

@testable import LocalPostgres

@Suite("The local PostgreSQL cluster")
struct LocalPostgresTests {
    let logger = Logger(label: "local-postgres-tests")

    @Test("starts as an unprivileged user, stops without leftovers, and keeps its data on restart")
    func startStopRestart() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("wegweiser-local-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let configuration = LocalPostgres.Configuration(directory: directory, durable: false)

        let first = try await LocalPostgres(configuration: configuration).start(logger: logger)
        let pid = first.processID
        #expect(pid > 0)
        if geteuid() == 0 {
            #expect(try Self.ownerUID(of: pid) != 0, "PostgreSQL must not run as root")
        }
        try await Self.execute("CREATE TABLE kept (note text); INSERT INTO kept VALUES ('still here')", on: first)
        try await first.stop()

        #expect(!ChildProcess.isRunning(pid), "the postmaster is gone")
        #expect(!FileManager.default.fileExists(atPath: directory + "/data/postmaster.pid"), "no lock file is left")
        #expect(!Self.acceptsConnections(port: first.port), "the port is closed")

        let second = try await LocalPostgres(configuration: configuration).start(logger: logger)
        #expect(second.password == first.password)
        let notes = try await Self.notes(on: second)
        try await second.stop()
        #expect(notes == ["still here"])
    }

    @Test("a throwaway cluster removes its folder when stopped")
    func throwawayRemoved() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("wegweiser-local-\(UUID().uuidString)").path
        let configuration = LocalPostgres.Configuration(directory: directory, durable: false, removeWhenStopped: true)
        let server = try await LocalPostgres(configuration: configuration).start(logger: logger)
        #expect(FileManager.default.fileExists(atPath: directory + "/data/PG_VERSION"))
        try await server.stop()
        #expect(!FileManager.default.fileExists(atPath: directory))
    }

    @Test("without server binaries it fails with one line that says how to install them")
    func binariesMissing() throws {
        let error = #expect(throws: LocalPostgresError.self) {
            try PostgresBinaries.locate(debianRoot: "/nonexistent", environment: ["PATH": "/nonexistent/bin"])
        }
        #expect(error?.description.contains("apt-get install -y postgresql") == true)
        #expect(error?.description.contains("\n") == false)
    }

    @Test("database names are checked before they reach SQL")
    func databaseNames() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("wegweiser-local-\(UUID().uuidString)").path
        let configuration = LocalPostgres.Configuration(directory: directory, durable: false, removeWhenStopped: true)
        let server = try await LocalPostgres(configuration: configuration).start(logger: logger)
        await #expect(throws: LocalPostgresError.invalidDatabaseName("x; DROP DATABASE postgres")) {
            try await server.createDatabase("x; DROP DATABASE postgres")
        }
        try await server.stop()
    }

    static func ownerUID(of pid: Int32) throws -> Int {
        let status = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
        let line = status.split(separator: "\n").first { $0.hasPrefix("Uid:") } ?? ""
        return Int(line.split(whereSeparator: \.isWhitespace).dropFirst().first ?? "") ?? -1
    }

    static func acceptsConnections(port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        return result == 0
    }

    static func execute(_ sql: String, on server: RunningPostgres) async throws {
        try await server.withConnection { connection in
            for statement in sql.split(separator: ";") {
                try await connection.query(PostgresQuery(unsafeSQL: String(statement)), logger: Logger(label: "test"))
            }
        }
    }

    static func notes(on server: RunningPostgres) async throws -> [String] {
        try await server.withConnection { connection in
            var notes: [String] = []
            for try await note in try await connection.query("SELECT note FROM kept", logger: Logger(label: "test")).decode(
                String.self
            ) {
                notes.append(note)
            }
            return notes
        }
    }
}
