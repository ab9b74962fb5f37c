import Foundation
import HummingbirdTesting
import LocalPostgres
import TestSupport
import Testing

@testable import WegweiserServer

/// `wegweiser first-admin`: the one way into an empty installation.
@Suite("The first administrator of a new installation", .postgres)
struct FirstAdminTests {
    @Test(
        "given an empty database, when the operator appoints the first admin, then that admin signs in and appoints staff through the API, and a second first admin is refused"
    )
    func firstAdmin() async throws {
        let database = try await TestPostgres.shared.database()
        let root = ServeProcessTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let subject = "3f0c2d8e-5b7a-4c1e-9d2f-0a1b2c3d4e5f"
        func firstAdmin(_ extra: [String], log: String) async throws -> (status: Int32?, output: String) {
            let child = try ChildProcess.spawn(
                [
                    ServerProcess.executable, "first-admin", "--district", "08111", "--organisation", "Landratsamt Neustadt",
                    "--name", "Ada Admin", "--as", "IT Landratsamt", "--database-url", database.url + "?sslmode=disable",
                    "--keys-master", TestApp.masterKey, "--log-level", "warning",
                ] + extra,
                environment: ["DATABASE_URL": nil],
                outputFile: root + "/" + log
            )
            return (try await child.wait(timeout: .seconds(60)), child.output)
        }

        let unnamed = try await firstAdmin(["--subject", subject], log: "unnamed.log")
        #expect(unnamed.status == 1)
        #expect(unnamed.output.contains("give its name with --district-name"), "\(unnamed.output)")

        let first = try await firstAdmin(["--subject", subject, "--district-name", "Landkreis Neustadt"], log: "first.log")
        #expect(first.status == 0, "\(first.output)")
        #expect(first.output.contains("Registered district 08111"))
        #expect(first.output.contains("Appointed Ada Admin as admin of district 08111"))

        let app = try await buildApplication(reader: TestApp.reader(database: database, extra: ["demo.data": false]))
        try await app.test(.router) { http in
            let token = try TestIdentityProvider.shared.token(
                TestIdentityProvider.shared.claims(subject: subject, role: "admin", district: "08111")
            )
            let me = try await http.send(.get, "/me", token: token)
            #expect(me.status == .ok, "\(String(buffer: me.body))")
            let organisation = try #require((me.json["staff_member"] as? [String: Any])?["organisation_id"] as? String)
            let appointed = try await http.send(
                .post,
                "/staff-members",
                token: token,
                body: [
                    "organisation_id": organisation, "name": "Carla Case", "role": "case_worker", "subject": "carla",
                    "full_time_equivalent": 1,
                    "active_from": "2026-01-01",
                ]
            )
            #expect(appointed.status == .created, "\(String(buffer: appointed.body))")
        }

        let second = try await firstAdmin(["--subject", "someone-else"], log: "second.log")
        #expect(second.status == 1)
        #expect(second.output.contains("has an active admin already"), "\(second.output)")
    }
}
