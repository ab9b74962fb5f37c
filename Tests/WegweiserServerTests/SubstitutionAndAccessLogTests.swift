import Foundation
import Hummingbird
import HummingbirdTesting
import TestSupport
import Testing

@testable import WegweiserServer

@Suite("Substitution grants and the access log over HTTP", .postgres)
struct SubstitutionAndAccessLogTests {
    let provider = TestIdentityProvider.shared
    let lead = DemoData.people.first { $0.subject == "demo-lead" }!
    let absent = DemoData.people.first { $0.subject == "demo-worker-a" }!
    let substitute = DemoData.people.first { $0.subject == "demo-worker-a2" }!
    let auditor = DemoData.people.first { $0.subject == "demo-auditor" }!

    func grant(from: Date, until: Date) -> [String: String] {
        let formatter = ISO8601DateFormatter()
        return [
            "absent_id": absent.id.apiString, "substitute_id": substitute.id.apiString, "reason": "Elternzeit",
            "from": formatter.string(from: from), "until": formatter.string(from: until),
        ]
    }

    @Test("a grant gives access during its window and not after it, without anyone revoking it")
    func windowEndsByItself() async throws {
        let clock = TestClock()
        let app = try await TestApp.make(clock: clock)
        let start = clock.now
        let body = grant(from: start.addingTimeInterval(60), until: start.addingTimeInterval(3600))
        try await app.test(.router) { client in
            let leadToken = try provider.token(for: lead, now: clock.now)
            let created = try await client.send(.post, "/substitutions", token: leadToken, body: body)
            #expect(created.status == .created)
            #expect(created.headers[.eTag] == "\"1\"")
            let absentRecord = "/staff-members/\(absent.id.apiString)"

            // Before the window: the absent colleague's record is out of the substitute's scope.
            #expect(
                try await client.send(.get, absentRecord, token: provider.token(for: substitute, now: clock.now)).status
                    == .notFound
            )

            clock.advance(by: 120)
            let during = try await client.send(.get, absentRecord, token: provider.token(for: substitute, now: clock.now))
            #expect(during.status == .ok)
            let me = try await client.send(.get, "/me", token: provider.token(for: substitute, now: clock.now))
            #expect((me.json["substitutions"] as? [[String: Any]])?.count == 1)

            clock.advance(by: 3600)
            let after = try await client.send(.get, absentRecord, token: provider.token(for: substitute, now: clock.now))
            #expect(after.status == .notFound)
            let meAfter = try await client.send(.get, "/me", token: provider.token(for: substitute, now: clock.now))
            #expect((meAfter.json["substitutions"] as? [[String: Any]])?.isEmpty == true)
            let id = try #require(created.json["id"] as? String)
            let stored = try await client.send(.get, "/substitutions/\(id)", token: provider.token(for: lead, now: clock.now))
            #expect(stored.json["active"] as? Bool == false)
            #expect(stored.json["revoked_at"] == nil)

            // The substitute's reads (the record, the grant in /me) and the lead's read of the grant are logged.
            let log = try await client.send(
                .get,
                "/access-log?person=staff_member:\(absent.id.apiString)",
                token: provider.token(for: auditor, now: clock.now)
            )
            let entries = try #require(log.json["items"] as? [[String: Any]])
            #expect(
                entries.map { $0["staff_member_id"] as? String } == [
                    lead.id.apiString, substitute.id.apiString, substitute.id.apiString, lead.id.apiString,
                ]
            )
            #expect(entries.first?["resource"] as? String == "POST /substitutions", "the answer to the grant")
            #expect(
                entries.map { $0["resource"] as? String }.dropFirst(2).first == "GET /me",
                "the held grant's reason, shown in /me"
            )
            #expect(entries.dropFirst().first?["purpose"] as? String == "casework")
            #expect((entries.last?["resource"] as? String)?.hasPrefix("GET /substitutions/") == true)
        }
    }

    @Test("a revoked grant ends at once; revoking needs the current ETag")
    func revoke() async throws {
        let clock = TestClock()
        let app = try await TestApp.make(clock: clock)
        let body = grant(from: clock.now.addingTimeInterval(-60), until: clock.now.addingTimeInterval(3600))
        try await app.test(.router) { client in
            let leadToken = try provider.token(for: lead, now: clock.now)
            let substituteToken = try provider.token(for: substitute, now: clock.now)
            let created = try await client.send(.post, "/substitutions", token: leadToken, body: body)
            let id = try #require(created.json["id"] as? String)
            #expect(try await client.send(.get, "/staff-members/\(absent.id.apiString)", token: substituteToken).status == .ok)

            let stale = try await client.send(.delete, "/substitutions/\(id)", token: leadToken, headers: [.ifMatch: "\"7\""])
            #expect(stale.status == .preconditionFailed)
            let revoked = try await client.send(.delete, "/substitutions/\(id)", token: leadToken, headers: [.ifMatch: "\"1\""])
            #expect(revoked.status == .ok)
            #expect(revoked.headers[.eTag] == "\"2\"")
            #expect(
                try await client.send(.get, "/staff-members/\(absent.id.apiString)", token: substituteToken).status == .notFound
            )
            #expect(try await client.send(.delete, "/substitutions/\(id)", token: leadToken).status == .conflict)
        }
    }

    @Test("a grant must name a member of the lead's own team; cover that has ended is recorded but not active")
    func grantRules() async throws {
        let clock = TestClock()
        let app = try await TestApp.make(clock: clock)
        let outsider = DemoData.people.first { $0.subject == "demo-worker-b" }!
        let foreign = grant(from: clock.now, until: clock.now.addingTimeInterval(3600)).merging([
            "absent_id": outsider.id.apiString
        ]) {
            $1
        }
        let past = grant(from: clock.now.addingTimeInterval(-7200), until: clock.now.addingTimeInterval(-3600))
        try await app.test(.router) { client in
            let token = try provider.token(for: lead, now: clock.now)
            let notMine = try await client.send(.post, "/substitutions", token: token, body: foreign)
            #expect(notMine.status == .unprocessableContent)
            #expect(((notMine.json["errors"] as? [[String: Any]])?.first?["pointer"] as? String) == "/absent_id")
            // Cover that has ended is recorded afterwards, as documentation: it is not active.
            let ended = try await client.send(.post, "/substitutions", token: token, body: past)
            #expect(ended.status == .created)
            #expect(ended.json["active"] as? Bool == false)
        }
    }

    @Test("every read of a staff record is in the access log, listed by person and by reader, page by page")
    func accessLog() async throws {
        let app = try await TestApp.make()
        let admin = DemoData.people.first { $0.subject == "demo-admin" }!
        try await app.test(.router) { client in
            let adminToken = try provider.token(for: admin)
            for _ in 0..<3 {
                #expect(try await client.send(.get, "/staff-members/\(absent.id.apiString)", token: adminToken).status == .ok)
            }
            // Reading one's own record is not logged.
            #expect(
                try await client.send(.get, "/staff-members/\(absent.id.apiString)", token: provider.token(for: absent)).status
                    == .ok
            )

            let auditorToken = try provider.token(for: auditor)
            let person = "staff_member:\(absent.id.apiString)"
            let first = try await client.send(.get, "/access-log?person=\(person)&limit=2", token: auditorToken)
            #expect(first.status == .ok)
            let items = try #require(first.json["items"] as? [[String: Any]])
            #expect(items.count == 2)
            #expect(items.allSatisfy { $0["staff_member_id"] as? String == admin.id.apiString })
            #expect(items.first?["purpose"] as? String == "administration")
            #expect(items.first?["resource"] as? String == "GET /staff-members/\(absent.id.apiString)")
            let cursor = try #require(first.json["next_cursor"] as? String)
            let second = try await client.send(.get, "/access-log?person=\(person)&limit=2&cursor=\(cursor)", token: auditorToken)
            let rest = try #require(second.json["items"] as? [[String: Any]])
            #expect(
                rest.map { $0["resource"] as? String } == ["GET /staff-members/\(absent.id.apiString)", "GET /access-log"],
                "the auditor's read of the first page is logged too"
            )
            #expect(rest.last?["staff_member_id"] as? String == auditor.id.apiString)
            #expect(second.json["next_cursor"] == nil)

            let byReader = try await client.send(.get, "/access-log?staff_member_id=\(absent.id.apiString)", token: auditorToken)
            #expect((byReader.json["items"] as? [[String: Any]])?.isEmpty == true)
            let badLimit = try await client.send(.get, "/access-log?limit=500", token: auditorToken)
            #expect(badLimit.status == .badRequest)
        }
    }

    @Test("a change needs the current ETag: 412 on a stale one, and nothing changes")
    func ifMatch() async throws {
        let app = try await TestApp.make()
        let admin = DemoData.people.first { $0.subject == "demo-admin" }!
        let team = DemoData.id("team:Team Nord").apiString
        try await app.test(.router) { client in
            let token = try provider.token(for: admin)
            let current = try await client.send(.get, "/teams/\(team)", token: token)
            let etag = try #require(current.headers[.eTag])
            let stale = try await client.send(
                .put,
                "/teams/\(team)",
                token: token,
                body: ["name": "Team Nord-Ost"],
                headers: [.ifMatch: "\"1\""]
            )
            #expect(stale.status == .preconditionFailed)
            #expect(try await client.send(.get, "/teams/\(team)", token: token).json["name"] as? String == "Team Nord")
            let renamed = try await client.send(
                .put,
                "/teams/\(team)",
                token: token,
                body: ["name": "Team Nord-Ost"],
                headers: [.ifMatch: etag]
            )
            #expect(renamed.status == .ok)
            #expect(renamed.json["name"] as? String == "Team Nord-Ost")
            #expect(renamed.json["lead_id"] == nil, "PUT replaces: no lead given, none kept")
        }
    }
}
