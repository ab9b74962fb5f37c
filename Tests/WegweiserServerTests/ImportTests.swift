import Casework
import CommandHandling
import EventStore
import Foundation
import HummingbirdTesting
import LocalPostgres
import Logging
import PostgresNIO
import Projections
import TestSupport
import Testing

@testable import WegweiserServer

/// `wegweiser import`: a file from an older system, checked whole first, written through the
/// command path, once.
@Suite("Import from an older system", .postgres)
struct ImportTests {
    let today = CalendarDate(year: 2026, month: 11, day: 30)!

    @Test(
        "given the demo district as an import file, when it is imported, then every record is an event with the import as its source and historical dates, the cases read through the API, and a second run writes nothing"
    )
    func importsOnce() async throws {
        let (app, database) = try await TestApp.makeWithDatabase(
            extra: ["demo.district.people": .init(.int(1), isSecret: false)]
        )
        try await app.test(.router) { http in
            try await waitForDemoStaff(database)
            var lines: [String] = []
            DemoImportFile.lines(people: 30, seed: 5, eventsPerPerson: 40, today: today) { lines.append($0) }
            let file = Data(lines.joined(separator: "\n").utf8)
            let before = try await eventCount(database)

            let (plan, summary) = try await database.withClient { pool in
                let importer = importer(pool)
                let plan = try await importer.plan(file)
                return (plan, try await importer.run(plan))
            }
            #expect(plan.findings.isEmpty, "\(plan.findings.prefix(5))")
            #expect(plan.records == lines.count)
            #expect(summary.people == 30 && summary.cases == 30)
            #expect(summary.events == lines.count, "one event per record")
            #expect(try await eventCount(database) == before + summary.events)
            #expect(try await eventCount(database, source: "import:test-system") == summary.events)

            // The first person's case, as their case worker reads it.
            let first = try JSONValue(jsonText: try #require(lines.first { $0.contains(#""id":"F-1""#) }))
            guard case .string(let opened)? = first["body"]?["opened_on"],
                case .string(let assignee)? = first["body"]?["assignee_id"]
            else { throw CancellationError() }
            let caseID = Importer.id(of: .case, "F-1", districtID: DemoDistrict.districtID, source: "test-system")
            let subject = try #require(
                DemoDistrict.caseWorkers.map(\.subject).first { DemoData.id("staff:\($0)").uuidString.lowercased() == assignee }
                    ?? ["demo-worker-a", "demo-worker-a2", "demo-worker-b"].first {
                        DemoData.id("staff:\($0)").uuidString.lowercased() == assignee
                    }
            )
            let token = try TestIdentityProvider.shared.token(
                TestIdentityProvider.shared.claims(subject: subject, role: "case_worker", district: DemoDistrict.districtID)
            )
            let read = try await http.send(.get, "/cases/\(caseID.uuidString.lowercased())", token: token)
            #expect(read.status == .ok, "\(String(buffer: read.body))")
            #expect(read.json["opened_on"] as? String == opened, "the historical opening day")
            let consultations = try await http.send(
                .get,
                "/cases/\(caseID.uuidString.lowercased())/consultations?limit=200",
                token: token
            )
            let inFile = lines.filter { $0.contains(#""case":"F-1""#) && $0.contains(#""record":"consultation""#) }.count
            #expect((consultations.json["items"] as? [[String: Any]])?.count == inFile)

            let again = try await database.withClient { pool in
                let importer = importer(pool)
                let plan = try await importer.plan(file)
                return (plan.findings.count, plan.newPeople, plan.newCases, try await importer.run(plan).events)
            }
            #expect(again == (0, 0, 0, 0), "a second run finds everything and writes nothing")
            #expect(try await eventCount(database) == before + summary.events)
        }
    }

    @Test(
        "given a file with errors of every kind, when it is checked, then each is reported by line, field and reason, and nothing is written"
    )
    func reportsErrors() async throws {
        let (app, database) = try await TestApp.makeWithDatabase(
            extra: ["demo.district.people": .init(.int(1), isSecret: false)]
        )
        try await app.test(.router) { _ in
            try await waitForDemoStaff(database)
            let worker = DemoData.id("staff:demo-worker-a").uuidString.lowercased()
            let lines = [
                #"{"record":"client","id":"P-1","body":{"family_name":"Haddad","target_group":"refugee_follow_up_housing"}}"#,
                #"{"record":"case","id":"F-1","client":"P-1","body":{"opening":"direct_intake","opened_on":"2025-02-01","assignee_id":"\#(worker)"}}"#,
                #"{"record":"consultation","case":"F-1","body":{"held_on":"2025-13-40","duration_minutes":30,"place":"office"}}"#,
                #"{"record":"consultation","case":"F-1","body":{"held_on":"2025-01-15","duration_minutes":30,"place":"office"}}"#,
                #"{"record":"meeting","case":"F-1","body":{}}"#,
                #"{"record":"case","id":"F-2","client":"P-9","body":{"opening":"direct_intake","opened_on":"2025-02-01","assignee_id":"\#(worker)"}}"#,
                #"{"record":"consultation", "case":"#,
                #"{"record":"observation","case":"F-1","body":{"field":"german_level","value":{"status":"declined","code":"a1"},"observed_on":"2025-03-01"}}"#,
                #"{"record":"goal_status","case":"F-1","goal":"G-9","body":{"status":"achieved","changed_on":"2025-03-01"}}"#,
                #"{"record":"client","id":"P-2","body":{"family_name":"Noor","target_group":"refugee_follow_up_housing"}}"#,
                #"{"record":"case","id":"F-3","client":"P-2","body":{"opening":"direct_intake","opened_on":"2025-02-01","assignee_id":"\#(UUID().uuidString)"}}"#,
                #"{"record":"client","id":"P-1","body":{"family_name":"Again","target_group":"refugee_follow_up_housing"}}"#,
                #"{"record":"client","id":"P-3","body":{"family_name":"\#(String(repeating: "x", count: 201))","target_group":"refugee_follow_up_housing"}}"#,
            ]
            let before = try await eventCount(database)
            let findings = try await database.withClient { pool in
                try await importer(pool).plan(Data(lines.joined(separator: "\n").utf8)).findings
            }
            let found = Set(findings.map { "\($0.line) \($0.field)" })
            for expected in [
                "3 /body/held_on",  // not a date
                "4 /body/held_on",  // before the case was opened (the decider)
                "5 /record",  // no such kind of record
                "6 /client",  // no such client on an earlier line
                "7 ",  // not JSON
                "8 /body/value/code",  // a code with a declined value
                "9 /goal",  // no such goal
                "11 /body/assignee_id",  // nobody of this district
                "12 /id",  // the same client twice
                "13 /body/family_name",  // over the contract's bound
            ] {
                #expect(found.contains(expected), "expected a finding at \(expected); found \(findings)")
            }
            #expect(findings.allSatisfy { !$0.reason.isEmpty })
            #expect(try await eventCount(database) == before, "checking writes nothing")

            // A person imported with an open case: a later file with another case of theirs is
            // refused before anything is written, not half-way.
            let person =
                #"{"record":"client","id":"P-50","body":{"family_name":"Samir","target_group":"refugee_follow_up_housing"}}"#
            func opening(_ id: String) -> String {
                #"{"record":"case","id":"\#(id)","client":"P-50","body":{"opening":"direct_intake","opened_on":"2025-02-01","assignee_id":"\#(worker)"}}"#
            }
            let first = Data([person, opening("F-50")].joined(separator: "\n").utf8)
            let second = Data([person, opening("F-51")].joined(separator: "\n").utf8)
            let (written, refused) = try await database.withClient { pool in
                let importer = importer(pool)
                let written = try await importer.run(try await importer.plan(first)).cases
                return (written, try await importer.plan(second).findings)
            }
            #expect(written == 1)
            #expect(refused.map(\.line) == [2], "\(refused)")
            #expect(refused.first?.reason.contains("open case in Wegweiser") == true)
        }
    }

    @Test(
        "the command: import-example writes a district's file, import checks and writes it and prints the rate, a second run writes nothing, a file with an error is refused whole"
    )
    func command() async throws {
        let root = ServeProcessTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let directory = root + "/postgres"
        // The demo's staff, whom the example file's cases are assigned to.
        let server = try await ServerProcess.start(directory: directory)
        for _ in 0..<600 where !server.child.output.contains("demo district loaded") {
            try await Task.sleep(for: .milliseconds(100))
        }
        server.child.send(SIGINT)
        #expect(try await server.child.wait(timeout: .seconds(60)) == 0)

        func run(_ arguments: [String], log: String) async throws -> (status: Int32?, output: String) {
            let child = try ChildProcess.spawn(
                [ServerProcess.executable] + arguments,
                environment: ["DATABASE_URL": nil],
                outputFile: root + "/" + log
            )
            return (try await child.wait(timeout: .seconds(120)), child.output)
        }
        let example = try await run(["import-example", "--people", "40", "--events", "30"], log: "example.jsonl")
        #expect(example.status == 0)
        let file = root + "/example.jsonl"
        let records = example.output.split(separator: "\n").count
        #expect(records > 40 * 12)
        let target = [
            "--district", "08337", "--source", "jobkraftwerk", "--postgres-directory", directory, "--log-level", "warning",
        ]

        let dryRun = try await run(["import", file, "--dry-run"] + target, log: "dry-run.log")
        #expect(dryRun.status == 0)
        #expect(dryRun.output.contains("\(records) records: 40 people, of them 40 new"), "\(dryRun.output)")
        #expect(dryRun.output.contains("Dry run: nothing was imported."))

        let first = try await run(["import", file] + target, log: "first.log")
        #expect(first.status == 0)
        #expect(first.output.contains("Imported 40 people, 40 cases, \(records) events in"), "\(first.output)")
        #expect(first.output.contains("people/s"))

        let second = try await run(["import", file] + target, log: "second.log")
        #expect(second.status == 0)
        #expect(second.output.contains("of them 0 new; 0 new cases"), "\(second.output)")
        #expect(second.output.contains("Imported 0 people, 0 cases, 0 events"))

        // A further person whose consultation lies before their case: refused, and the person
        // before it on a valid line is not written either.
        let broken = root + "/broken.jsonl"
        let worker = DemoData.id("staff:demo-worker-a").uuidString.lowercased()
        try [
            #"{"record":"client","id":"P-900","body":{"family_name":"Neu","target_group":"refugee_follow_up_housing"}}"#,
            #"{"record":"case","id":"F-900","client":"P-900","body":{"opening":"handover","opened_on":"2025-05-02","assignee_id":"\#(worker)"}}"#,
            #"{"record":"consultation","case":"F-900","body":{"held_on":"2025-04-30","duration_minutes":45,"place":"office"}}"#,
        ].joined(separator: "\n").write(toFile: broken, atomically: true, encoding: .utf8)
        let refused = try await run(["import", broken] + target, log: "broken.log")
        #expect(refused.status == 1)
        #expect(
            refused.output.contains("line 3\t/body/held_on\tmust not be before the case was opened (2025-05-02)"),
            "\(refused.output)"
        )
        #expect(refused.output.contains("nothing was imported"))
        let after = try await run(["import", broken, "--dry-run"] + target, log: "after.log")
        #expect(after.output.contains("1 people, of them 1 new"), "P-900 was not written: \(after.output)")
    }

    // MARK: Helpers

    /// An importer for district 08337 from `test-system` over `client`.
    func importer(_ client: PostgresClient) -> Importer {
        let logger = Logger(label: "test")
        return Importer(
            districtID: DemoDistrict.districtID,
            source: "test-system",
            today: today,
            handler: CommandHandler(
                store: EventStore(client: client, logger: logger),
                // The test key is valid base64 of 32 bytes.
                keys: KeyStore(client: client, master: try! MasterKey(base64: TestApp.masterKey), logger: logger),
                logger: logger
            ),
            logger: logger
        )
    }

    /// Waits until the demo district (its case workers, then its one person) is loaded.
    func waitForDemoStaff(_ database: TestDatabase) async throws {
        for _ in 0..<240 {
            let found = try await database.withClient { pool in
                let rows = try await pool.query("SELECT count(*)::int8 FROM streams WHERE category = 'case'")
                for try await (count, ) in rows.decode((Int64,).self) { return count > 0 }
                return false
            }
            if found { return }
            try await Task.sleep(for: .milliseconds(250))
        }
        Issue.record("the demo district did not load")
        throw CancellationError()
    }

    /// Events in the log, or those whose metadata names `source`.
    func eventCount(_ database: TestDatabase, source: String? = nil) async throws -> Int {
        try await database.withClient { pool in
            let rows = try await pool.query(
                "SELECT count(*)::int8 FROM events WHERE \(source == nil) OR metadata->>'source' = \(source ?? "")"
            )
            for try await (count, ) in rows.decode((Int64,).self) { return Int(count) }
            return 0
        }
    }
}
