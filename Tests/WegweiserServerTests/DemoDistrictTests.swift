import Casework
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import TestSupport
import Testing

@testable import WegweiserServer

@Suite("The synthetic demo district", .postgres)
struct DemoDistrictTests {
    let settings = DemoDistrict.Settings(
        people: 40,
        eventsPerPerson: 40,
        seed: 7,
        today: CalendarDate(year: 2026, month: 11, day: 30)!
    )

    @Test("the same seed gives the same history, to the id; another seed another one")
    func deterministic() {
        let one = DemoDistrict(settings: settings)
        let again = DemoDistrict(settings: settings)
        var other = settings
        other.seed = 8
        for index in [0, 1, 39] {
            #expect(one.history(of: index).commands == again.history(of: index).commands)
            #expect(one.history(of: index).profile == again.history(of: index).profile)
            #expect(one.history(of: index).commands != DemoDistrict(settings: other).history(of: index).commands)
        }
        let sizes = (0..<40).map { one.history(of: $0).commands.count }
        let mean = Double(sizes.reduce(0, +)) / Double(sizes.count)
        #expect((30...50).contains(mean), "about the events asked for per person: \(mean)")
    }

    @Test("loaded through the command path, every decider accepts it and the key figures show every kind of row")
    func loaded() async throws {
        let app = try await TestApp.make(
            extra: [
                "demo.district.people": .init(.int(settings.people), isSecret: false),
                "demo.district.events": .init(.int(settings.eventsPerPerson), isSecret: false),
                "demo.district.seed": .init(.int(Int(settings.seed)), isSecret: false),
            ]
        )
        let coordinator = DemoData.people.first { $0.subject == "demo-coordinator" }!
        try await app.test(.router) { http in
            // The district loads while the server answers: until its last person is in.
            let token = try TestIdentityProvider.shared.token(for: coordinator)
            var report: [String: Any] = [:]
            for _ in 0..<120 {
                try await Task.sleep(for: .milliseconds(500))
                let response = try await http.send(.get, "/key-figures?from=2023-01-01", token: token)
                #expect(response.status == .ok)
                report = response.json
                if KeyFiguresHTTPTests.count(report, "cases_opened", "total") == settings.people { break }
            }
            let inCounselling = try #require(KeyFiguresHTTPTests.count(report, "people", "in_counselling"))
            #expect(inCounselling > 20 && inCounselling <= 40)
            #expect((KeyFiguresHTTPTests.count(report, "consultations", "total") ?? 0) > 500)
            #expect((KeyFiguresHTTPTests.count(report, "cases_closed", "total") ?? 0) >= 3)
            #expect(
                (KeyFiguresHTTPTests.count(report, "german_level", "below_a1") ?? 0)
                    + (KeyFiguresHTTPTests.count(report, "german_level", "a1_a2") ?? 0) > 0
            )
            let staff = try await http.send(
                .get,
                "/staff-members?limit=200",
                token: try TestIdentityProvider.shared.token(for: DemoData.people.first { $0.subject == "demo-admin" }!)
            )
            #expect(
                ((staff.json["items"] as? [[String: Any]]) ?? []).filter { $0["role"] as? String == "case_worker" }.count == 25
            )
        }
    }
}
