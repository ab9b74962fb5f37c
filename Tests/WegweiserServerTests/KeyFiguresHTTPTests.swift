import Casework
import CommandHandling
import EventStore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import Projections
import TestSupport
import Testing

@testable import WegweiserServer

@Suite("Key figures as of any date, as known at any time, over HTTP", .postgres)
struct KeyFiguresHTTPTests {
    let provider = TestIdentityProvider.shared
    let workerA = DemoData.people.first { $0.subject == "demo-worker-a" }!
    let workerB = DemoData.people.first { $0.subject == "demo-worker-b" }!
    let lead = DemoData.people.first { $0.subject == "demo-lead" }!
    let coordinator = DemoData.people.first { $0.subject == "demo-coordinator" }!
    let auditor = DemoData.people.first { $0.subject == "demo-auditor" }!
    let admin = DemoData.people.first { $0.subject == "demo-admin" }!
    let jobcenter = DemoData.people.first { $0.subject == "demo-jobcenter" }!

    /// One row's count in a report (`nil` if withheld or absent).
    static func count(_ report: [String: Any], _ section: String, _ row: String) -> Int? {
        let sections = report["sections"] as? [[String: Any]] ?? []
        let rows = sections.first { $0["key"] as? String == section }?["rows"] as? [[String: Any]] ?? []
        return rows.first { $0["key"] as? String == row }?["count"] as? Int
    }

    /// One row's amount in a report.
    static func amount(_ report: [String: Any], _ section: String, _ row: String) -> Int? {
        let sections = report["sections"] as? [[String: Any]] ?? []
        let rows = sections.first { $0["key"] as? String == section }?["rows"] as? [[String: Any]] ?? []
        return rows.first { $0["key"] as? String == row }?["amount"] as? Int
    }

    /// The time now as a `known_at` query value.
    static func instant(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: date).replacingOccurrences(of: "+", with: "%2B")
    }

    @Test(
        "a scripted history with late entries, a correction, a reopening and an erased person gives exact figures for two cut-offs as known at two times, unchanged after more events"
    )
    func scriptedHistory() async throws {
        let clock = TestClock()
        let (app, database) = try await TestApp.makeWithDatabase(
            clock: clock,
            extra: ["reports.suppression.threshold": .init(.int(1), isSecret: false)]
        )
        let worker = try provider.token(for: workerA)
        let caritas = try provider.token(for: workerB)
        let office = try provider.token(for: coordinator)
        try await app.test(.router) { http in
            func create(_ path: String, _ body: [String: Any], token: String) async throws -> String {
                let response = try await http.send(.post, path, token: token, body: body)
                #expect(response.status == .created, "\(path): \(String(buffer: response.body))")
                return try #require(response.json["id"] as? String)
            }
            func person(
                _ family: String,
                _ citizenship: String,
                born: Int?,
                gender: String?,
                token: String
            ) async throws -> String {
                var body: [String: Any] = [
                    "family_name": family, "citizenships": [citizenship], "target_group": "refugee_follow_up_housing",
                ]
                body["year_of_birth"] = born
                body["gender"] = gender
                return try await create("/clients", body, token: token)
            }
            func open(_ client: String, on day: String, token: String) async throws -> String {
                try await create("/cases", ["client_id": client, "opening": "direct_intake", "opened_on": day], token: token)
            }
            func consult(
                _ caseID: String,
                _ day: String,
                _ minutes: Int,
                _ place: String,
                token: String,
                referral: Bool = false
            )
                async throws -> String
            {
                var body: [String: Any] = ["held_on": day, "duration_minutes": minutes, "place": place]
                if referral { body["referrals"] = [["target": "jobcenter"]] }
                return try await create("/cases/\(caseID)/consultations", body, token: token)
            }
            func observe(_ caseID: String, _ field: String, _ value: [String: Any], _ day: String) async throws -> String {
                try await create(
                    "/cases/\(caseID)/observations",
                    ["field": field, "value": value, "observed_on": day],
                    token: worker
                )
            }
            func report(_ query: String, token: String? = nil) async throws -> [String: Any] {
                let response = try await http.send(.get, "/key-figures?\(query)", token: token ?? office)
                #expect(response.status == .ok, "\(query): \(String(buffer: response.body))")
                return response.json
            }
            // Recording times are answered to the whole second: stages lie in different seconds.
            func pause() async throws { try await Task.sleep(for: .milliseconds(1100)) }

            // Stage 1: five people, four with worker A, one with Caritas.
            let haddad = try await person("Haddad", "SY", born: 1990, gender: "male", token: worker)
            let case1 = try await open(haddad, on: "2026-01-05", token: worker)
            #expect(
                try await http.send(.put, "/cases/\(case1)/counselling-period", token: worker, body: ["started_on": "2026-01-05"])
                    .status == .ok
            )
            _ = try await create(
                "/cases/\(case1)/assessments",
                ["held_on": "2026-01-10", "needs": ["language"], "priorities": ["language"]],
                token: worker
            )
            _ = try await create(
                "/cases/\(case1)/goals",
                ["area": "language", "text": "B1", "agreed_on": "2026-01-10", "steps": [["owner": "client", "text": "Kurs"]]],
                token: worker
            )
            #expect(
                try await http.send(
                    .put,
                    "/cases/\(case1)/plan-agreement",
                    token: worker,
                    body: ["agreed_on": "2026-01-12", "form": "written"]
                ).status == .ok
            )
            _ = try await consult(case1, "2026-01-20", 45, "office", token: worker, referral: true)
            let moved = try await consult(case1, "2026-02-10", 60, "home_visit", token: worker)
            let level = try await observe(case1, "german_level", ["status": "value", "code": "a2"], "2026-01-20")
            _ = try await observe(case1, "housing", ["status": "value", "code": "private_flat"], "2026-01-20")

            let young = try await person("Nasser", "SY", born: 2008, gender: "female", token: worker)
            let case2 = try await open(young, on: "2026-02-01", token: worker)
            _ = try await consult(case2, "2026-02-15", 30, "phone", token: worker)
            _ = try await observe(case2, "german_level", ["status": "declined"], "2026-02-15")

            let closing = try await person("Rahimi", "AF", born: 1985, gender: nil, token: worker)
            let case3 = try await open(closing, on: "2026-01-15", token: worker)
            #expect(
                try await http.send(
                    .put,
                    "/cases/\(case3)/closure",
                    token: worker,
                    body: ["reason": "goals_reached", "closed_on": "2026-03-01"]
                ).status == .ok
            )

            let tesfay = try await person("Tesfay", "ER", born: nil, gender: nil, token: caritas)
            let case4 = try await open(tesfay, on: "2026-01-08", token: caritas)
            _ = try await consult(case4, "2026-01-09", 90, "office", token: caritas)

            let erased = try await person("Karim", "IQ", born: 1970, gender: nil, token: worker)
            let case5 = try await open(erased, on: "2026-01-20", token: worker)
            _ = try await consult(case5, "2026-01-25", 20, "video", token: worker)
            _ = try await observe(case5, "employment", ["status": "value", "code": "employed"], "2026-01-25")

            let stage1 = Date()
            try await pause()

            // Stage 2: a late entry, two corrections, a reopening, an erasure.
            _ = try await consult(case2, "2026-02-05", 40, "office", token: worker)
            let correct: (String, [String: Any]) async throws -> Void = { caseID, body in
                _ = try await create("/cases/\(caseID)/corrections", body, token: worker)
            }
            try await correct(case1, ["fact": "consultation_held_on", "item_id": moved, "day": "2026-03-05", "reason": "Datum"])
            try await correct(
                case1,
                [
                    "fact": "observation", "item_id": level, "day": "2026-01-20", "value": ["status": "value", "code": "b1"],
                    "reason": "B1, nicht A2",
                ]
            )
            _ = try await create("/cases/\(case3)/reopenings", ["reason": "zurück", "reopened_on": "2026-04-01"], token: worker)
            try await database.withClient { pool in
                try await KeyStore(client: pool, master: .init(base64: TestApp.masterKey), logger: Logger(label: "test"))
                    .erase(subject: "client:\(erased)")
            }

            let stage2 = Date()
            try await pause()
            clock.advance(by: 3600)

            let february = "from=2026-01-01&to=2026-02-28&as_of=2026-02-28"
            let april = "from=2026-01-01&to=2026-04-30&as_of=2026-04-30"
            func figures() async throws -> [String: [String: Any]] {
                var all: [String: [String: Any]] = [:]
                for (name, query) in [("february", february), ("april", april)] {
                    for (time, instant) in [("t1", stage1), ("t2", stage2)] {
                        all["\(name) \(time)"] = try await report("\(query)&known_at=\(Self.instant(instant))")
                    }
                }
                return all
            }
            let before = try await figures()

            // February as known after stage 1.
            let feb1 = try #require(before["february t1"])
            #expect(Self.count(feb1, "consultations", "total") == 5)
            #expect(Self.amount(feb1, "consultations", "total") == 245)
            #expect(Self.count(feb1, "consultations", "office") == 2)
            #expect(Self.count(feb1, "consultations", "home_visit") == 1)
            #expect(Self.count(feb1, "people", "counselled") == 4)
            #expect(Self.count(feb1, "people", "in_counselling") == 5)
            #expect(Self.count(feb1, "cases_opened", "direct_intake") == 5)
            #expect(Self.count(feb1, "cases_closed", "total") == 0)
            #expect(Self.count(feb1, "casework", "assessments") == 1)
            #expect(Self.count(feb1, "casework", "plans_agreed") == 1)
            #expect(Self.count(feb1, "goals_agreed", "language") == 1)
            #expect(Self.count(feb1, "referrals", "jobcenter") == 1)
            #expect(Self.count(feb1, "german_level", "a1_a2") == 1)
            #expect(Self.count(feb1, "german_level", "b1_b2") == 0)
            #expect(Self.count(feb1, "german_level", "declined") == 1)
            #expect(Self.count(feb1, "german_level", "never_recorded") == 3)
            #expect(feb1["later_facts"] as? Int == 4)

            // February as known after stage 2: the late consultation counts, the moved one not,
            // the corrected level is B1.
            let feb2 = try #require(before["february t2"])
            #expect(Self.count(feb2, "consultations", "total") == 5)
            #expect(Self.amount(feb2, "consultations", "total") == 225)
            #expect(Self.count(feb2, "consultations", "office") == 3)
            #expect(Self.count(feb2, "consultations", "home_visit") == 0)
            #expect(Self.count(feb2, "german_level", "a1_a2") == 0)
            #expect(Self.count(feb2, "german_level", "b1_b2") == 1)
            #expect(Self.count(feb2, "employment", "employed") == 1, "an erased person's figures stay: they were never personal")
            #expect(Self.count(feb2, "employment", "never_recorded") == 4)
            #expect(feb2["later_facts"] as? Int == 0)

            // April: the closure counts as goals reached; the reopening is known only after stage 2.
            let apr1 = try #require(before["april t1"])
            #expect(Self.count(apr1, "consultations", "total") == 5)
            #expect(Self.count(apr1, "cases_closed", "goals_reached") == 1)
            #expect(Self.count(apr1, "people", "in_counselling") == 4)
            let apr2 = try #require(before["april t2"])
            #expect(Self.count(apr2, "consultations", "total") == 6)
            #expect(Self.amount(apr2, "consultations", "total") == 285)
            #expect(Self.count(apr2, "people", "in_counselling") == 5)
            #expect(Self.count(apr2, "citizenship", "SY") == 2)
            #expect(Self.count(apr2, "citizenship", "IQ") == 1)
            #expect(Self.count(apr2, "age_group", "27_44") == 2)
            #expect(Self.count(apr2, "age_group", "18_26") == 1)
            #expect(Self.count(apr2, "age_group", "45_64") == 1)
            #expect(Self.count(apr2, "age_group", "never_recorded") == 1)
            #expect(Self.count(apr2, "gender", "never_recorded") == 3)
            #expect(apr2["definition"] as? String == "2025.1")

            // Stage 3: more events; the same questions give the same figures.
            _ = try await consult(case4, "2026-02-20", 30, "office", token: caritas)
            let late = try await person("Omar", "SO", born: 1999, gender: "male", token: worker)
            _ = try await open(late, on: "2026-03-10", token: worker)
            try await pause()
            let after = try await figures()
            for (name, figures) in before {
                let again = try #require(after[name])
                #expect(
                    NSDictionary(dictionary: figures["sections"].map { ["s": $0] } ?? [:])
                        == NSDictionary(dictionary: again["sections"].map { ["s": $0] } ?? [:]),
                    "\(name) changed"
                )
                #expect(figures["known_at"] as? String == again["known_at"] as? String)
            }
            #expect(after["february t1"]?["later_facts"] as? Int == 5)
            #expect(after["february t2"]?["later_facts"] as? Int == 1)

            // Now, with everything: the stage-3 consultation counts.
            let now = try await report(february)
            #expect(Self.count(now, "consultations", "total") == 6)

            // The older definition groups the same facts otherwise.
            let old = try await report("\(april)&known_at=\(Self.instant(stage2))&definition=2019.1")
            #expect(old["definition"] as? String == "2019.1")
            #expect(Self.count(old, "age_group", "over_25") == 3)
            #expect(Self.count(old, "age_group", "18_25") == 1)
            #expect(Self.count(old, "consultations", "total") == 6)

            // No personal data in any form of a report.
            for accept in ["application/json", "text/csv", "text/html"] {
                let response = try await http.send(.get, "/key-figures?\(april)", token: office, headers: [.accept: accept])
                #expect(response.status == .ok)
                #expect(response.headers[.contentType]?.hasPrefix(accept) == true)
                let text = String(buffer: response.body)
                for secret in ["Haddad", "Nasser", "Rahimi", "Tesfay", "Karim", haddad, case1, young, case2] {
                    #expect(!text.lowercased().contains(secret.lowercased()), "\(accept) shows \(secret)")
                }
            }
            _ = (case3, closing, tesfay, case4, case5)
        }
    }

    @Test("CSV opens in German spreadsheets and the printed page draws charts, both from the same figures as the JSON")
    func formats() async throws {
        let app = try await TestApp.make()
        let office = try provider.token(for: coordinator)
        try await app.test(.router) { http in
            let json = try await http.send(.get, "/key-figures?as_of=2026-02-28", token: office)
            #expect(json.status == .ok)
            let csv = try await http.send(.get, "/key-figures?as_of=2026-02-28", token: office, headers: [.accept: "text/csv"])
            #expect(csv.headers[.contentType]?.hasPrefix("text/csv") == true)
            let text = String(buffer: csv.body)
            #expect(text.hasPrefix("\u{FEFF}Kennzahlen;"))
            #expect(text.contains("\r\nStichtag;2026-02-28\r\n"))
            #expect(text.contains("Abschnitt;Schlüssel;Bezeichnung;Anzahl"))
            let sections = json.json["sections"] as? [[String: Any]] ?? []
            let rows = sections.reduce(0) { $0 + (($1["rows"] as? [[String: Any]])?.count ?? 0) }
            #expect(text.components(separatedBy: "\r\n").count == 10 + rows + 1, "a line per row after the heading")
            let html = try await http.send(.get, "/key-figures?as_of=2026-02-28", token: office, headers: [.accept: "text/html"])
            let page = String(buffer: html.body)
            #expect(page.hasPrefix("<!DOCTYPE html>"))
            #expect(page.components(separatedBy: "<svg").count - 1 == sections.count)
            #expect(page.contains("Stichtag</th><td>28.02.2026"))
        }
    }

    @Test(
        "who may read whose figures: a case worker their own only, a team lead their team, coordinators, auditors and admins the district with small counts withheld; the Jobcenter nothing"
    )
    func roles() async throws {
        let app = try await TestApp.make()
        let worker = try provider.token(for: workerA)
        try await app.test(.router) { http in
            _ = try await http.openCase(of: "Haddad", on: "2026-01-05", token: worker)
            // A report counts what was recorded up to the last whole second.
            try await Task.sleep(for: .milliseconds(1100))

            let own = try await http.send(.get, "/key-figures", token: worker)
            #expect(own.status == .ok)
            #expect((own.json["scope"] as? [String: Any])?["kind"] as? String == "staff_member")
            #expect(Self.count(own.json, "people", "in_counselling") == 1, "a case worker sees their own count of one")
            #expect(own.json["suppressed_below"] as? Int == 0)
            let others = try await http.send(.get, "/key-figures?staff_member_id=\(workerB.id.apiString)", token: worker)
            #expect(others.status == .notFound)
            let team = try await http.send(.get, "/key-figures?team_id=\(DemoData.id("team:Team Nord").apiString)", token: worker)
            #expect(team.status == .notFound)

            let leadToken = try provider.token(for: lead)
            let teamFigures = try await http.send(.get, "/key-figures", token: leadToken)
            #expect((teamFigures.json["scope"] as? [String: Any])?["kind"] as? String == "team")
            #expect(Self.count(teamFigures.json, "people", "in_counselling") == 1)
            let caritas = try await http.send(.get, "/key-figures?staff_member_id=\(workerB.id.apiString)", token: leadToken)
            #expect(caritas.status == .notFound)

            for reader in [coordinator, auditor, admin] {
                let district = try await http.send(.get, "/key-figures", token: try provider.token(for: reader))
                #expect(district.status == .ok)
                #expect((district.json["scope"] as? [String: Any])?["kind"] as? String == "district")
                #expect(district.json["suppressed_below"] as? Int == 3)
                let sections = district.json["sections"] as? [[String: Any]] ?? []
                let people = (sections.first { $0["key"] as? String == "people" }?["rows"] as? [[String: Any]])?.first
                #expect(people?["suppressed"] as? Bool == true)
                #expect(people?["count"] == nil)
                #expect(Self.count(district.json, "consultations", "total") == 0, "zero identifies nobody")
                let team = try await http.send(
                    .get,
                    "/key-figures?team_id=\(DemoData.id("team:Team Nord").apiString)",
                    token: try provider.token(for: reader)
                )
                #expect(team.status == .ok)
            }
            let jobcenterToken = try provider.token(for: jobcenter)
            #expect(try await http.send(.get, "/key-figures", token: jobcenterToken).status == .forbidden)
            #expect(try await http.send(.get, "/report-definitions", token: jobcenterToken).status == .forbidden)
            let definitions = try await http.send(.get, "/report-definitions", token: worker)
            #expect(
                (definitions.json["definitions"] as? [[String: Any]])?.compactMap { $0["version"] as? String } == [
                    "2019.1", "2025.1",
                ]
            )

            for query in ["as_of=2099-01-01", "to=2026-12-31&as_of=2026-06-30", "from=2026-05-01&to=2026-04-01&as_of=2026-06-30"]
            {
                let refused = try await http.send(.get, "/key-figures?\(query)", token: worker)
                #expect(refused.status == .unprocessableContent, "\(query)")
                #expect(refused.headers[.contentType] == "application/problem+json")
            }
            #expect(try await http.send(.get, "/key-figures?definition=1999.9", token: worker).status == .notFound)
            #expect(
                try await http.send(
                    .get,
                    "/key-figures?team_id=\(UUID().uuidString)&staff_member_id=\(UUID().uuidString)",
                    token: worker
                )
                .status == .unprocessableContent
            )
        }
    }

    @Test(
        "given cases in two districts, when the operator asks for every district, then the figures are the sum of the districts' and one district's hold only its own"
    )
    func everyDistrict() async throws {
        let (app, database) = try await TestApp.makeWithDatabase()
        let worker = try provider.token(for: workerA)
        try await app.test(.router) { http in
            _ = try await http.openCase(of: "Haddad", on: "2026-01-05", token: worker)
            _ = try await http.openCase(of: "Karimi", on: "2026-02-10", token: worker)
        }
        try await database.withClient { client in
            let logger = Logger(label: "test")
            let store = EventStore(client: client, logger: logger)
            let keys = KeyStore(client: client, master: try MasterKey(base64: TestApp.masterKey), logger: logger)
            let cases = CaseCommands(handler: CommandHandler(store: store, keys: keys, logger: logger))
            // A case in Tübingen, through the command path.
            let caseID = UUID()
            let clientID = UUID()
            let opened = CalendarDate(year: 2026, month: 3, day: 2)!
            _ = try await cases.handle(
                .open(
                    .init(
                        caseID: caseID,
                        clientID: clientID,
                        districtID: "08416",
                        assigneeID: UUID(),
                        kind: .directIntake,
                        openedOn: opened
                    )
                ),
                case: caseID,
                clientID: clientID,
                districtID: "08416",
                today: opened,
                metadata: EventMetadata(actor: "test", role: "case_worker")
            )
            try await Task.sleep(for: .milliseconds(1100))
            let figures = KeyFigures(client: client, logger: logger)
            let today = CalendarDate(Date())
            func counts(_ district: String?) async throws -> KeyFigureCounts {
                try await figures.count(
                    .init(
                        districtID: district,
                        scope: .district,
                        from: CalendarDate(year: 2026, month: 1, day: 1)!,
                        to: today,
                        asOf: today,
                        knownAt: nil
                    )
                )
                .counts
            }
            func casesOpened(_ counts: KeyFigureCounts) -> Int {
                counts.facts.filter { $0.kind == .caseOpened }.map(\.count).reduce(0, +)
            }
            // The figures read the log below the cluster's snapshot watermark: under a full,
            // parallel test run another test's open transaction can hold it back a moment.
            var all = try await counts(nil)
            for _ in 0..<40 where casesOpened(all) < 3 {
                try await Task.sleep(for: .milliseconds(250))
                all = try await counts(nil)
            }
            let waldshut = try await counts("08337")
            let tuebingen = try await counts("08416")
            #expect((casesOpened(waldshut), casesOpened(tuebingen), casesOpened(all)) == (2, 1, 3))
            #expect((waldshut.peopleInCounselling, tuebingen.peopleInCounselling, all.peopleInCounselling) == (2, 1, 3))
            #expect(try await counts("08111").peopleInCounselling == 0)
            // The Tübingen person was never registered: in the breakdowns as never recorded.
            #expect(tuebingen.profiles.map(\.count) == [1])
            #expect(tuebingen.profiles.first?.targetGroup == nil)
        }
    }

    @Test(
        "a published report is recorded with its question and hash, verifies again after late facts, and a changed copy of its figures is caught"
    )
    func publishing() async throws {
        let (app, database) = try await TestApp.makeWithDatabase()
        let worker = try provider.token(for: workerA)
        let office = try provider.token(for: coordinator)
        try await app.test(.router) { http in
            var caseIDs: [String] = []
            for name in ["Haddad", "Nasser", "Rahimi"] {
                caseIDs.append(try await http.openCase(of: name, on: "2026-01-05", token: worker).caseID)
            }
            try await Task.sleep(for: .milliseconds(1100))
            let body: [String: Any] = ["recipient": "Regierungspräsidium Stuttgart", "as_of": "2026-06-30", "from": "2026-01-01"]
            let published = try await http.send(
                .post,
                "/published-reports",
                token: office,
                body: body,
                headers: [HTTPField.Name("Idempotency-Key")!: "publication-1"]
            )
            #expect(published.status == .created, "\(String(buffer: published.body))")
            let id = try #require(published.json["id"] as? String)
            #expect(published.headers[.location] == "/published-reports/\(id)")
            let hash = try #require(published.json["figures_hash"] as? String)
            #expect(hash.count == 64)
            #expect((published.json["verification"] as? [String: Any])?["matches"] as? Bool == true)
            let report = try #require(published.json["report"] as? [String: Any])
            #expect(Self.count(report, "people", "in_counselling") == 3)
            #expect(report["suppressed_below"] as? Int == 3)
            let again = try await http.send(
                .post,
                "/published-reports",
                token: office,
                body: body,
                headers: [HTTPField.Name("Idempotency-Key")!: "publication-1"]
            )
            #expect(again.json["id"] as? String == id, "the same key answers the same publication")

            // Late facts for the period: the published figures still verify; the late ones are counted.
            for caseID in caseIDs {
                let consultation = try await http.send(
                    .post,
                    "/cases/\(caseID)/consultations",
                    token: worker,
                    body: ["held_on": "2026-02-01", "duration_minutes": 30, "place": "office"]
                )
                #expect(consultation.status == .created)
            }
            let fetched = try await http.send(.get, "/published-reports/\(id)", token: try provider.token(for: auditor))
            #expect(fetched.status == .ok)
            #expect(fetched.json["figures_hash"] as? String == hash)
            #expect((fetched.json["verification"] as? [String: Any])?["matches"] as? Bool == true)
            #expect((fetched.json["report"] as? [String: Any])?["later_facts"] as? Int == 3)
            try await Task.sleep(for: .milliseconds(1100))
            let now = try await http.send(.get, "/key-figures?as_of=2026-06-30&from=2026-01-01", token: office)
            #expect(Self.count(now.json, "consultations", "total") == 3, "today's figures count them")

            let listed = try await http.send(.get, "/published-reports", token: office)
            #expect((listed.json["items"] as? [[String: Any]])?.compactMap { $0["id"] as? String } == [id])

            // A copy of the figures changed behind the API no longer matches the log.
            try await database.withClient { pool in
                try await pool.query(
                    """
                    UPDATE published_reports
                    SET record = jsonb_set(record, '{figures,sections,0,rows,0,count}', '4'::jsonb)
                    WHERE id = \(UUID(uuidString: id)!)
                    """,
                    logger: Logger(label: "test")
                )
            }
            let tampered = try await http.send(.get, "/published-reports/\(id)", token: office)
            #expect((tampered.json["verification"] as? [String: Any])?["matches"] as? Bool == false)

            #expect(try await http.send(.post, "/published-reports", token: worker, body: body).status == .forbidden)
            let blank = try await http.send(.post, "/published-reports", token: office, body: ["recipient": "  "])
            #expect(blank.status == .unprocessableContent)
            let csv = try await http.send(.get, "/published-reports/\(id)", token: office, headers: [.accept: "text/csv"])
            #expect(String(buffer: csv.body).contains("Kennzahlen;"))
        }
    }

    @Test(
        "a cohort's course: German level at 0, 6, 12, 24 and 36 months after the start, across the person's cases, with the no-answer kinds apart; and the work per staff member"
    )
    func trajectoryAndStaffSheet() async throws {
        let app = try await TestApp.make(extra: ["reports.suppression.threshold": .init(.int(1), isSecret: false)])
        let worker = try provider.token(for: workerA)
        let office = try provider.token(for: coordinator)
        try await app.test(.router) { http in
            var cases: [String] = []
            for (name, opened) in [("Haddad", "2024-01-10"), ("Nasser", "2024-02-01"), ("Rahimi", "2024-03-01")] {
                cases.append(try await http.openCase(of: name, on: opened, token: worker).caseID)
            }
            func observe(_ caseID: String, _ value: [String: Any], _ day: String) async throws {
                let response = try await http.send(
                    .post,
                    "/cases/\(caseID)/observations",
                    token: worker,
                    body: ["field": "german_level", "value": value, "observed_on": day]
                )
                #expect(response.status == .created)
            }
            try await observe(cases[0], ["status": "value", "code": "below_a1"], "2024-01-10")
            try await observe(cases[0], ["status": "value", "code": "a2"], "2024-08-10")
            try await observe(cases[0], ["status": "value", "code": "b1"], "2025-02-10")
            try await observe(cases[1], ["status": "declined"], "2024-02-01")
            for day in ["2024-01-20", "2024-02-20"] {
                let consultation = try await http.send(
                    .post,
                    "/cases/\(cases[0])/consultations",
                    token: worker,
                    body: ["held_on": day, "duration_minutes": 45, "place": "office"]
                )
                #expect(consultation.status == .created)
            }
            try await Task.sleep(for: .milliseconds(1100))

            let response = try await http.send(
                .get,
                "/trajectories?measure=german_level&cohort_from=2024-01-01&cohort_to=2024-03-31",
                token: office
            )
            #expect(response.status == .ok, "\(String(buffer: response.body))")
            #expect(response.json["cohort"] as? Int == 3)
            let points = try #require(response.json["points"] as? [[String: Any]])
            #expect(points.compactMap { $0["months"] as? Int } == [0, 6, 12, 24, 36])
            func count(_ months: Int, _ key: String) -> Int? {
                let point = points.first { $0["months"] as? Int == months }
                let rows = point?["rows"] as? [[String: Any]] ?? []
                return rows.first { $0["key"] as? String == key }?["count"] as? Int
            }
            #expect(points.first { $0["months"] as? Int == 36 }?["people"] as? Int == 0, "not reached by today")
            #expect(count(0, "below_a1") == 1)
            #expect(count(0, "declined") == 1)
            #expect(count(0, "never_recorded") == 1)
            #expect(count(6, "below_a1") == 1)
            #expect(count(12, "a1_a2") == 1)
            #expect(count(24, "b1_b2") == 1)
            #expect(count(24, "below_a1") == 0)
            let page = try await http.send(
                .get,
                "/trajectories?measure=german_level&cohort_from=2024-01-01&cohort_to=2024-03-31",
                token: office,
                headers: [.accept: "text/html"]
            )
            #expect(String(buffer: page.body).contains("<polyline"))
            let none = try await http.send(
                .get,
                "/trajectories?measure=german_level&cohort_from=2025-01-01&cohort_to=2025-03-31",
                token: office
            )
            #expect(none.json["cohort"] as? Int == 0)

            let sheet = try await http.send(.get, "/staff-sheets?from=2024-01-01&to=2024-12-31", token: office)
            #expect(sheet.status == .ok)
            let rows = try #require(sheet.json["rows"] as? [[String: Any]])
            let mine = try #require(rows.first { $0["staff_member_id"] as? String == workerA.id.apiString })
            #expect(mine["name"] as? String == workerA.name)
            #expect(mine["cases"] as? Int == 3)
            #expect(mine["people"] as? Int == 3)
            #expect(mine["consultations"] as? Int == 2)
            #expect(mine["minutes"] as? Int == 90)
            #expect((sheet.json["total"] as? [String: Any])?["people"] as? Int == 3)
            let csv = try await http.send(
                .get,
                "/staff-sheets?from=2024-01-01&to=2024-12-31",
                token: office,
                headers: [.accept: "text/csv"]
            )
            #expect(String(buffer: csv.body).contains("\(workerA.name);\(workerA.id.apiString);1,00;3;3;2;90"))
            #expect(try await http.send(.get, "/staff-sheets?from=2024-01-01&to=2024-12-31", token: worker).status == .forbidden)
        }
    }

    @Test(
        "over time: the breakdowns follow whoever holds the case on the day (assign, reassign, close, reopen, transfer); cover and its revocation give no one another's figures; recorded work stays with who recorded it"
    )
    func figuresFollowTheCase() async throws {
        let app = try await TestApp.make(extra: ["reports.suppression.threshold": .init(.int(1), isSecret: false)])
        let second = DemoData.people.first { $0.subject == "demo-worker-a2" }!
        let a = try provider.token(for: workerA)
        let a2 = try provider.token(for: second)
        let b = try provider.token(for: workerB)
        let leadToken = try provider.token(for: lead)
        let today = CalendarDate(Date()).description
        try await app.test(.router) { http in
            /// Whose figures show the person: in counselling and their German level on the day.
            func holds(_ token: String, _ query: String = "") async throws -> (people: Int?, german: Int?, consultations: Int?) {
                try await Task.sleep(for: .milliseconds(1100))
                let report = try await http.send(.get, "/key-figures\(query)", token: token)
                #expect(report.status == .ok, "\(String(buffer: report.body))")
                return (
                    Self.count(report.json, "people", "in_counselling"), Self.count(report.json, "german_level", "a1_a2"),
                    Self.count(report.json, "consultations", "total")
                )
            }
            let caseID = try await http.openCase(of: "Haddad", on: "2026-01-05", token: a).caseID
            #expect(
                try await http.send(
                    .post,
                    "/cases/\(caseID)/consultations",
                    token: a,
                    body: ["held_on": "2026-01-20", "duration_minutes": 45, "place": "office"]
                ).status == .created
            )
            #expect(
                try await http.send(
                    .post,
                    "/cases/\(caseID)/observations",
                    token: a,
                    body: ["field": "german_level", "value": ["status": "value", "code": "a2"], "observed_on": "2026-01-20"]
                ).status == .created
            )
            #expect(try await holds(a) == (1, 1, 1))
            #expect(try await holds(a2) == (0, 0, 0))

            // Cover: A2 works A's caseload for a week, but reads no figures of A's.
            let formatter = ISO8601DateFormatter()
            let grant = try await http.send(
                .post,
                "/substitutions",
                token: leadToken,
                body: [
                    "absent_id": workerA.id.apiString, "substitute_id": second.id.apiString, "reason": "Urlaub",
                    "from": formatter.string(from: Date().addingTimeInterval(-60)),
                    "until": formatter.string(from: Date().addingTimeInterval(7 * 86_400)),
                ]
            )
            #expect(grant.status == .created)
            #expect(try await holds(a2) == (0, 0, 0))
            #expect(
                try await http.send(.get, "/key-figures?staff_member_id=\(workerA.id.apiString)", token: a2).status == .notFound
            )
            let grantID = try #require(grant.json["id"] as? String)
            #expect(try await http.send(.delete, "/substitutions/\(grantID)", token: leadToken).status == .ok)
            #expect(try await holds(a2) == (0, 0, 0))

            // Reassigned: the person moves to A2's figures; the consultation A held stays A's work.
            let moved = try await http.send(
                .put,
                "/cases/\(caseID)/assignment",
                token: leadToken,
                body: ["assignee_id": second.id.apiString, "assigned_on": today]
            )
            #expect(moved.status == .ok)
            #expect(try await holds(a) == (0, 0, 1))
            #expect(try await holds(a2) == (1, 1, 0))

            // Closed and reopened by A2 the same day.
            let closure: [String: Any] = ["reason": "moved_within_district", "closed_on": today]
            #expect(try await http.send(.put, "/cases/\(caseID)/closure", token: a2, body: closure).status == .ok)
            #expect(try await holds(a2) == (0, 0, 0))
            let reopening: [String: Any] = ["reason": "zurück", "reopened_on": today]
            #expect(try await http.send(.post, "/cases/\(caseID)/reopenings", token: a2, body: reopening).status == .created)
            #expect(try await holds(a2) == (1, 1, 0))

            // Transferred to the Caritas worker: gone from Team Nord's figures, in B's.
            let handOver: [String: Any] = ["to_assignee_id": workerB.id.apiString, "transferred_on": today, "note": "AU"]
            #expect(try await http.send(.post, "/cases/\(caseID)/transfers", token: leadToken, body: handOver).status == .created)
            #expect(try await holds(a2) == (0, 0, 0))
            #expect(try await holds(b) == (1, 1, 0))
            #expect(try await holds(leadToken) == (0, 0, 1), "the team keeps the work its members recorded, not the person")
            #expect(try await holds(a, "?as_of=2026-02-28") == (1, 1, 1), "on a past cut-off A held the case")
        }
    }
}
