import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import TestSupport
import Testing

@testable import WegweiserServer

/// The district papers' processes, each run end to end through the public API as the people
/// in them would: the hand-over of a family from preliminary accommodation to follow-up
/// housing with cover for an absence (Konstanz, seed 001; Lörrach, seed 004), the clearing talk
/// that leads to a goal agreement and a consent (Tübingen, seed 002), a three-year period with
/// a justified extension and its closure (seed 000), and soft data over four years across two
/// cases with each kind of "no answer" (Lörrach's complaint, seed 004 lines 90–99).
@Suite("The seed processes, end to end through the API", .postgres)
struct SeedProcessesTests {
    let provider = TestIdentityProvider.shared
    let socialCare = DemoData.people.first { $0.subject == "demo-worker-b" }!
    let manager = DemoData.people.first { $0.subject == "demo-worker-a" }!
    let colleague = DemoData.people.first { $0.subject == "demo-worker-a2" }!
    let lead = DemoData.people.first { $0.subject == "demo-lead" }!
    let admin = DemoData.people.first { $0.subject == "demo-admin" }!

    @Test(
        "VU → AU hand-over of a family with cover; clearing → goal → consent; a period extended and closed; soft data over four years"
    )
    func seedProcesses() async throws {
        let clock = TestClock()
        let app = try await TestApp.make(clock: clock)
        try await app.test(.router) { http in
            let care = try provider.token(for: socialCare)
            let im = try provider.token(for: manager)
            let cover = try provider.token(for: colleague)
            let leadToken = try provider.token(for: lead)
            let adminToken = try provider.token(for: admin)

            /// Sends and expects `status`; the answer's JSON.
            @discardableResult
            func call(
                _ method: HTTPRequest.Method,
                _ uri: String,
                _ token: String,
                _ body: [String: Any]? = nil,
                expect status: HTTPResponse.Status = .ok,
                sourceLocation: SourceLocation = #_sourceLocation
            ) async throws -> [String: Any] {
                let response = try await http.send(method, uri, token: token, body: body)
                #expect(
                    response.status == status,
                    "\(method) \(uri): \(String(buffer: response.body).prefix(300))",
                    sourceLocation: sourceLocation
                )
                return response.json
            }
            func id(_ json: [String: Any]) throws -> String { try #require(json["id"] as? String) }

            // 1. Preliminary accommodation: the provider's social care registers the family,
            //    opens their cases and forms the household.
            var family: [(client: String, case: String)] = []
            for (given, born) in [("Amal", 1988), ("Karim", 2012), ("Lina", 2015)] {
                let client = try id(
                    try await call(
                        .post,
                        "/clients",
                        care,
                        [
                            "given_name": given, "family_name": "Haddad", "year_of_birth": born, "citizenships": ["SY"],
                            "municipality": "08337126", "target_group": "refugee_follow_up_housing",
                        ],
                        expect: .created
                    )
                )
                let caseID = try id(
                    try await call(
                        .post,
                        "/cases",
                        care,
                        ["client_id": client, "opening": "direct_intake", "opened_on": "2025-09-01"],
                        expect: .created
                    )
                )
                family.append((client, caseID))
            }
            let household = try id(
                try await call(
                    .post,
                    "/households",
                    care,
                    [
                        "formed_on": "2025-09-01",
                        "members": [
                            ["client_id": family[0].client, "role": "head_of_household"],
                            ["client_id": family[1].client, "role": "child"], ["client_id": family[2].client, "role": "child"],
                        ],
                    ],
                    expect: .created
                )
            )
            #expect(
                (try await http.send(.get, "/clients?name=haddad", token: im).json["items"] as? [[String: Any]])?.isEmpty == true
            )

            // Allocation to follow-up housing: the district hands the family over with one note.
            let handOver = try await call(
                .post,
                "/households/\(household)/transfers",
                adminToken,
                [
                    "to_assignee_id": manager.id.apiString, "transferred_on": "2025-10-01",
                    "note": "Zuweisung in die AU Waldshut-Tiengen", "documents": ["Aufenthaltsgestattung", "Zuweisungsbescheid"],
                ],
                expect: .created
            )
            #expect((handOver["items"] as? [[String: Any]])?.count == 3)
            let found = try await call(.get, "/clients?name=hadad", im)
            #expect((found["items"] as? [[String: Any]])?.count == 3)
            #expect(try await http.send(.get, "/households/\(household)", token: care).status == .notFound)
            for member in family {
                try await call(.put, "/cases/\(member.case)/counselling-period", im, ["started_on": "2025-10-01"])
            }

            // The manager falls ill: the lead grants cover; the colleague logs a talk; the
            // grant is revoked and the colleague sees nothing any more.
            let formatter = ISO8601DateFormatter()
            let grant = try id(
                try await call(
                    .post,
                    "/substitutions",
                    leadToken,
                    [
                        "absent_id": manager.id.apiString, "substitute_id": colleague.id.apiString, "reason": "Krankheit",
                        "from": formatter.string(from: clock.now.addingTimeInterval(-60)),
                        "until": formatter.string(from: clock.now.addingTimeInterval(14 * 86_400)),
                    ],
                    expect: .created
                )
            )
            let coverToken = try provider.token(for: colleague, now: clock.now)
            try await call(
                .post,
                "/cases/\(family[0].case)/consultations",
                coverToken,
                ["held_on": "2025-11-03", "duration_minutes": 40, "place": "home_visit", "note": "Vertretung: Schulanmeldung"],
                expect: .created
            )
            try await call(.delete, "/substitutions/\(grant)", leadToken)
            #expect(try await http.send(.get, "/cases/\(family[0].case)", token: cover).status == .notFound)

            // 2. Clearing talk → goal agreement → consent, for the mother.
            let mother = family[0]
            try await call(
                .post,
                "/cases/\(mother.case)/assessments",
                im,
                [
                    "held_on": "2025-10-15", "needs": ["language", "work"], "priorities": ["language"],
                    "resources": "Lehrerin in Syrien",
                ],
                expect: .created
            )
            let goal = try id(
                try await call(
                    .post,
                    "/cases/\(mother.case)/goals",
                    im,
                    [
                        "area": "language", "text": "B1-Prüfung bestehen", "agreed_on": "2025-10-20", "review_on": "2026-04-20",
                        "steps": [["owner": "client", "text": "Integrationskurs anmelden"]],
                    ],
                    expect: .created
                )
            )
            try await call(.put, "/cases/\(mother.case)/plan-agreement", im, ["agreed_on": "2025-10-20", "form": "written"])
            try await call(
                .post,
                "/cases/\(mother.case)/consents",
                im,
                [
                    "purpose": "jobcenter_handoff", "categories": ["german_level", "employment"],
                    "recipient": "Jobcenter Waldshut",
                    "given_at": "2025-10-20T10:00:00Z", "form": "written",
                ],
                expect: .created
            )
            let status = try await call(.get, "/cases/\(mother.case)/plan-status", im)
            #expect(status.isEmpty == false)
            #expect((try await call(.get, "/cases/\(mother.case)/goals/\(goal)", im))["agreed_on"] as? String == "2025-10-20")

            // 3. A period from 2022, extended for a course under way, then closed.
            let elder = try id(
                try await call(
                    .post,
                    "/clients",
                    im,
                    [
                        "family_name": "Rahimi", "citizenships": ["AF"], "year_of_birth": 1975,
                        "target_group": "refugee_follow_up_housing",
                    ],
                    expect: .created
                )
            )
            let long = try id(
                try await call(
                    .post,
                    "/cases",
                    im,
                    ["client_id": elder, "opening": "direct_intake", "opened_on": "2022-03-01"],
                    expect: .created
                )
            )
            try await call(.put, "/cases/\(long)/counselling-period", im, ["started_on": "2022-03-01"])
            let lateTalk: [String: Any] = ["held_on": "2025-06-10", "duration_minutes": 30, "place": "office"]
            try await call(.post, "/cases/\(long)/consultations", im, lateTalk, expect: .unprocessableContent)
            let extended = try await call(
                .post,
                "/cases/\(long)/counselling-period/extensions",
                im,
                ["months": 6, "reason": "ongoing_course", "text": "B2-Kurs bis August", "decided_on": "2025-01-15"],
                expect: .created
            )
            #expect(extended["period_end"] as? String == "2025-08-31")
            try await call(.post, "/cases/\(long)/consultations", im, lateTalk, expect: .created)
            try await call(
                .put,
                "/cases/\(long)/closure",
                im,
                ["reason": "regular_services_used", "closed_on": "2025-06-01"],
                expect: .unprocessableContent
            )
            let closed = try await call(
                .put,
                "/cases/\(long)/closure",
                im,
                ["reason": "regular_services_used", "closed_on": "2025-08-31"]
            )
            #expect(closed["status"] as? String == "closed")

            // 4. Soft data over four years across two cases, with each kind of "no answer".
            let person = try id(
                try await call(
                    .post,
                    "/clients",
                    im,
                    [
                        "family_name": "Tesfaye", "citizenships": ["ER"], "year_of_birth": 1995,
                        "target_group": "refugee_follow_up_housing",
                    ],
                    expect: .created
                )
            )
            let first = try id(
                try await call(
                    .post,
                    "/cases",
                    im,
                    ["client_id": person, "opening": "direct_intake", "opened_on": "2021-04-01"],
                    expect: .created
                )
            )
            for (field, value, day) in [
                ("german_level", ["status": "value", "code": "a1"], "2021-05-01"),
                ("employment", ["status": "declined"], "2021-05-01"),
                ("benefits", ["status": "not_asked"], "2021-05-01"),
                ("german_level", ["status": "value", "code": "a2"], "2022-06-01"),
            ] {
                try await call(
                    .post,
                    "/cases/\(first)/observations",
                    im,
                    ["field": field, "value": value, "observed_on": day],
                    expect: .created
                )
            }
            try await call(.put, "/cases/\(first)/closure", im, ["reason": "moved_within_district", "closed_on": "2022-12-31"])
            let second = try id(
                try await call(
                    .post,
                    "/cases",
                    im,
                    ["client_id": person, "opening": "direct_intake", "opened_on": "2023-02-01"],
                    expect: .created
                )
            )
            for (field, value, day) in [
                ("employment", ["status": "unknown"], "2023-03-01"),
                ("german_level", ["status": "value", "code": "b1"], "2024-06-01"),
                ("employment", ["status": "value", "code": "employed"], "2025-02-01"),
            ] {
                try await call(
                    .post,
                    "/cases/\(second)/observations",
                    im,
                    ["field": field, "value": value, "observed_on": day],
                    expect: .created
                )
            }
            let levels = try await call(.get, "/clients/\(person)/observations?field=german_level", im)
            let history = try #require(levels["items"] as? [[String: Any]])
            #expect(history.compactMap { ($0["value"] as? [String: Any])?["code"] as? String } == ["a1", "a2", "b1"])
            #expect(history.last?["current"] as? Bool == true)
            #expect(Set(history.compactMap { $0["case_id"] as? String }) == [first, second])
            let asOf2023 = try await call(.get, "/clients/\(person)/observations?field=german_level&as_of=2023-01-01", im)
            #expect(
                (asOf2023["items"] as? [[String: Any]])?.first { $0["current"] as? Bool == true }.flatMap {
                    ($0["value"] as? [String: Any])?["code"] as? String
                } == "a2"
            )
            let work = try await call(.get, "/clients/\(person)/observations?field=employment", im)
            #expect(
                (work["items"] as? [[String: Any]])?.compactMap { ($0["value"] as? [String: Any])?["status"] as? String }
                    == ["declined", "unknown", "value"]
            )
            let benefits = try await call(.get, "/clients/\(person)/observations?field=benefits", im)
            #expect(
                ((benefits["items"] as? [[String: Any]])?.first?["value"] as? [String: Any])?["status"] as? String == "not_asked"
            )
        }
    }
}
