import Configuration
import Crypto
import Foundation
import Hummingbird
import HummingbirdTesting
import LocalPostgres
import Synchronization
import TestSupport
import Testing

@testable import WegweiserServer

/// `wegweiser rotate-master-key`: the same people, readable and findable, under a new key.
@Suite("Rotating the master key", .postgres)
struct MasterKeyRotationTests {
    @Test(
        "given a client sealed under the old key, when the key is rotated, then the server with the new key reads and finds them, a wrong old key changes nothing, and a second run re-wraps nothing"
    )
    func rotation() async throws {
        let database = try await TestPostgres.shared.database()
        let root = ServeProcessTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let worker = try TestIdentityProvider.shared.token(forDemo: "demo-worker-a")
        func app(key: String) async throws -> some ApplicationProtocol {
            try await buildApplication(
                reader: TestApp.reader(database: database, extra: ["keys.master": .init(.string(key), isSecret: true)])
            )
        }
        let registered = Mutex("")
        try await app(key: TestApp.masterKey).test(.router) { http in
            let created = try await http.send(
                .post,
                "/clients",
                token: worker,
                body: ["given_name": "Amal", "family_name": "Haddad", "target_group": "refugee_follow_up_housing"]
            )
            let id = try #require(created.json["id"] as? String)
            registered.withLock { $0 = id }
        }
        let clientID = registered.withLock { $0 }

        func newKey() throws -> String {
            let file = root + "/key-\(UUID().uuidString.prefix(6))"
            try (SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }.base64EncodedString() + "\n")
                .write(toFile: file, atomically: true, encoding: .utf8)
            return file
        }
        func rotate(from old: String, to file: String, log: String) async throws -> (status: Int32?, output: String) {
            let child = try ChildProcess.spawn(
                [
                    ServerProcess.executable, "rotate-master-key", "--new-key-file", file, "--keys-master", old,
                    "--database-url", database.url + "?sslmode=disable", "--log-level", "warning",
                ],
                environment: ["DATABASE_URL": nil, "KEYS_MASTER": nil, "KEYS_MASTER_FILE": nil],
                outputFile: root + "/" + log
            )
            return (try await child.wait(timeout: .seconds(60)), child.output)
        }
        let keyFile = try newKey()
        let newKey64 = try String(contentsOfFile: keyFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)

        let rotated = try await rotate(from: TestApp.masterKey, to: keyFile, log: "rotate.log")
        #expect(rotated.status == 0, "\(rotated.output)")
        #expect(rotated.output.contains("Re-wrapped 1 data key(s)"), "\(rotated.output)")
        #expect(rotated.output.contains("search index is rebuilt"))

        try await app(key: newKey64).test(.router) { http in
            let read = try await http.send(.get, "/clients/\(clientID)", token: worker)
            #expect(read.status == .ok, "\(String(buffer: read.body))")
            #expect(read.json["given_name"] as? String == "Amal")
            let found = try await http.send(.get, "/clients?name=Haddad", token: worker)
            let ids = (found.json["items"] as? [[String: Any]])?.compactMap { $0["id"] as? String }
            #expect(ids == [clientID], "found by name under the new key: \(String(buffer: found.body))")
        }

        let wrongOld = try await rotate(from: TestApp.masterKey, to: try newKey(), log: "wrong.log")
        #expect(wrongOld.status == 1)
        #expect(wrongOld.output.contains("Nothing changed"), "\(wrongOld.output)")

        let again = try await rotate(from: newKey64, to: keyFile, log: "again.log")
        #expect(again.status == 0, "\(again.output)")
        #expect(again.output.contains("Re-wrapped 0 data key(s)"), "\(again.output)")
    }
}
