import Casework
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import PostgresNIO
import Projections
import TestSupport
import Testing

@testable import WegweiserServer

/// Who is asking, cheaply: a sign-in is looked up once and remembered, and forgotten in every
/// instance as soon as the directory changes.
@Suite("Remembered sign-ins end with the directory change, in every instance", .postgres)
struct SignInTests {
    let provider = TestIdentityProvider.shared
    let admin = DemoData.people.first { $0.subject == "demo-admin" }!
    let worker = DemoData.people.first { $0.subject == "demo-worker-a2" }!
    let coordinator = DemoData.people.first { $0.subject == "demo-coordinator" }!

    /// Waits (at most 10 s) until `condition` holds; whether it did.
    func eventually(_ condition: () -> Bool) async throws -> Bool {
        for _ in 0..<200 {
            if condition() { return true }
            try await Task.sleep(for: .milliseconds(50))
        }
        return condition()
    }

    @Test(
        "given another instance that remembers a sign-in, when an admin deactivates the staff member here, then it forgets and refuses"
    )
    func otherInstanceForgets() async throws {
        let (app, database) = try await TestApp.makeWithDatabase()
        try await app.test(.router) { http in
            try await database.withClient { client in
                let signIns = SignIns()
                let other = TestApp.authentication(client: client, signIns: signIns).authenticator
                let listener = SignIns.Listener(signIns: signIns, client: client, logger: Logger(label: "test"))
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { try await listener.run() }
                    defer { group.cancelAll() }
                    #expect(try await eventually { signIns.isListening })

                    let token = try provider.token(for: worker)
                    let first = try await other.authenticate(authorization: "Bearer \(token)", now: Date())
                    #expect(first.staffID == worker.id)
                    #expect(signIns.count == 1, "the sign-in is remembered")
                    _ = try await other.authenticate(authorization: "Bearer \(token)", now: Date())
                    #expect(signIns.count == 1)

                    // Deactivated with today as the last working day: they work through today.
                    let deactivated = try await http.send(
                        .delete,
                        "/staff-members/\(worker.id.apiString)",
                        token: provider.token(for: admin)
                    )
                    #expect(deactivated.status == .ok)
                    #expect(deactivated.json["active"] as? Bool == true)
                    #expect(deactivated.json["active_until"] as? String == CalendarDate(Date()).description)
                    #expect(try await eventually { signIns.count == 0 }, "NOTIFY reached the other instance")
                    _ = try await other.authenticate(authorization: "Bearer \(token)", now: Date())
                    let nextDay = Date().addingTimeInterval(86_400)
                    let tokenOfNextDay = try provider.token(for: worker, now: nextDay)
                    let tomorrow = await #expect(throws: Problem.self) {
                        try await other.authenticate(authorization: "Bearer \(tokenOfNextDay)", now: nextDay)
                    }
                    #expect(tomorrow?.status == 403)

                    // Ended at once: the last working day was yesterday.
                    let colleague = try provider.token(for: coordinator)
                    _ = try await other.authenticate(authorization: "Bearer \(colleague)", now: Date())
                    let yesterday = CalendarDate(Date()).adding(days: -1)
                    let ended = try await http.send(
                        .delete,
                        "/staff-members/\(coordinator.id.apiString)?last_day=\(yesterday)",
                        token: provider.token(for: admin)
                    )
                    #expect(ended.status == .ok)
                    #expect(ended.json["active"] as? Bool == false)
                    #expect(try await eventually { signIns.count == 0 }, "NOTIFY reached the other instance")
                    let refused = await #expect(throws: Problem.self) {
                        try await other.authenticate(authorization: "Bearer \(colleague)", now: Date())
                    }
                    #expect(refused?.status == 403)
                }
            }
        }
    }

    @Test("given no LISTEN, when someone signs in, then nothing is remembered")
    func notListening() async throws {
        let (app, database) = try await TestApp.makeWithDatabase()
        try await app.test(.router) { _ in
            try await database.withClient { client in
                let signIns = SignIns()
                let other = TestApp.authentication(client: client, signIns: signIns).authenticator
                _ = try await other.authenticate(authorization: "Bearer \(try provider.token(for: worker))", now: Date())
                #expect(signIns.count == 0)
            }
        }
    }
}
