import Casework
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import TestSupport
import Testing

@testable import WegweiserServer

/// Access ends when the work ends: sequences over time (close, reassign, cover, revoke), the
/// way the holes were found.
@Suite("Access follows the current assignment, over time", .postgres)
struct AccessEndsTests {
    let provider = TestIdentityProvider.shared
    let former = DemoData.people.first { $0.subject == "demo-worker-a" }!
    let successor = DemoData.people.first { $0.subject == "demo-worker-a2" }!
    let lead = DemoData.people.first { $0.subject == "demo-lead" }!
    let provider_worker = DemoData.people.first { $0.subject == "demo-worker-b" }!

    /// A client registered by `token`'s worker with one case opened, a consultation logged and
    /// the case closed; their ids.
    func closedCase(_ http: some TestClientProtocol, token: String) async throws -> (client: String, case: String) {
        let client = try #require(
            try await http.send(
                .post,
                "/clients",
                token: token,
                body: ["family_name": "Haddad", "given_name": "Amal", "target_group": "refugee_follow_up_housing"]
            ).json["id"] as? String
        )
        let caseID = try #require(
            try await http.send(
                .post,
                "/cases",
                token: token,
                body: ["client_id": client, "opening": "direct_intake", "opened_on": "2026-01-05"]
            ).json["id"] as? String
        )
        let note: [String: Any] = ["held_on": "2026-02-01", "duration_minutes": 30, "place": "office", "note": "Erstgespräch"]
        #expect(try await http.send(.post, "/cases/\(caseID)/consultations", token: token, body: note).status == .created)
        let closure: [String: Any] = ["reason": "moved_out_of_district", "closed_on": "2026-03-01"]
        #expect(try await http.send(.put, "/cases/\(caseID)/closure", token: token, body: closure).status == .ok)
        return (client, caseID)
    }

    @Test("given a closed case and a successor's new case, the former worker reads nothing new and cannot reopen")
    func formerWorker() async throws {
        let clock = TestClock()
        let app = try await TestApp.make(clock: clock)
        try await app.test(.router) { http in
            let formerToken = try provider.token(for: former, now: clock.now)
            let (client, oldCase) = try await closedCase(http, token: formerToken)

            // The former worker still works nothing, but may read the closed case for a while.
            #expect(try await http.send(.get, "/cases/\(oldCase)", token: formerToken).status == .ok)
            let note: [String: Any] = ["held_on": "2026-03-02", "duration_minutes": 10, "place": "phone"]
            #expect(
                try await http.send(.post, "/cases/\(oldCase)/consultations", token: formerToken, body: note).status
                    == .conflict
            )
            let change: [String: Any] = ["family_name": "X", "target_group": "refugee_follow_up_housing"]
            #expect(
                try await http.send(.put, "/clients/\(client)", token: formerToken, body: change, headers: [.ifMatch: "*"]).status
                    == .conflict
            )

            // The lead hands the client to a colleague in a new case, who records a note.
            let leadToken = try provider.token(for: lead, now: clock.now)
            let opened = try await http.send(
                .post,
                "/cases",
                token: leadToken,
                body: [
                    "client_id": client, "opening": "direct_intake", "opened_on": "2026-04-01",
                    "assignee_id": successor.id.apiString,
                ]
            )
            #expect(opened.status == .created)
            let newCase = try #require(opened.json["id"] as? String)
            let successorToken = try provider.token(for: successor, now: clock.now)
            let secret: [String: Any] = ["held_on": "2026-04-02", "duration_minutes": 45, "place": "home_visit", "note": "neu"]
            #expect(
                try await http.send(.post, "/cases/\(newCase)/consultations", token: successorToken, body: secret).status
                    == .created
            )

            // The former worker sees neither the client nor what the successor writes.
            #expect(try await http.send(.get, "/clients/\(client)", token: formerToken).status == .notFound)
            #expect(try await http.send(.get, "/clients/\(client)/consultations", token: formerToken).status == .notFound)
            #expect(
                try await http.send(.put, "/clients/\(client)", token: formerToken, body: change, headers: [.ifMatch: "*"]).status
                    == .notFound
            )
            #expect(try await http.send(.get, "/cases/\(newCase)", token: formerToken).status == .notFound)
            #expect(try await http.send(.get, "/clients/\(client)", token: successorToken).status == .ok)

            // Once the new case closes, the former worker still cannot reopen the old one: it is
            // not the client's latest case.
            let closure: [String: Any] = ["reason": "moved_out_of_district", "closed_on": "2026-05-01"]
            #expect(try await http.send(.put, "/cases/\(newCase)/closure", token: successorToken, body: closure).status == .ok)
            let reopening: [String: Any] = ["reason": "zurück", "reopened_on": "2026-05-02"]
            #expect(
                try await http.send(.post, "/cases/\(oldCase)/reopenings", token: formerToken, body: reopening).status
                    == .forbidden
            )
            #expect(
                try await http.send(
                    .post,
                    "/cases",
                    token: formerToken,
                    body: ["client_id": client, "opening": "direct_intake", "opened_on": "2026-05-03"]
                ).status == .unprocessableContent
            )

            // After the reading period even the old case is gone for them; the lead still reads it.
            clock.advance(by: AccessPolicy.closedCaseReading + 60)
            let lateToken = try provider.token(for: former, now: clock.now)
            #expect(try await http.send(.get, "/cases/\(oldCase)", token: lateToken).status == .notFound)
            #expect(try await http.send(.get, "/cases/\(oldCase)/consultations", token: lateToken).status == .notFound)
            let included = try await http.send(.get, "/cases?include_closed=true", token: lateToken)
            #expect((included.json["items"] as? [Any])?.isEmpty == true)
            #expect(
                try await http.send(.get, "/cases/\(oldCase)", token: provider.token(for: lead, now: clock.now)).status == .ok
            )
        }
    }

    @Test("given cover for an absent colleague, a case the substitute opens is the colleague's and access ends with the grant")
    func standIn() async throws {
        let clock = TestClock()
        let app = try await TestApp.make(clock: clock)
        try await app.test(.router) { http in
            let absentToken = try provider.token(for: former, now: clock.now)
            let (client, _) = try await closedCase(http, token: absentToken)
            let leadToken = try provider.token(for: lead, now: clock.now)
            let formatter = ISO8601DateFormatter()
            let grant = try await http.send(
                .post,
                "/substitutions",
                token: leadToken,
                body: [
                    "absent_id": former.id.apiString, "substitute_id": successor.id.apiString, "reason": "Krankheit",
                    "from": formatter.string(from: clock.now.addingTimeInterval(-60)),
                    "until": formatter.string(from: clock.now.addingTimeInterval(7 * 86_400)),
                ]
            )
            #expect(grant.status == .created)
            let grantID = try #require(grant.json["id"] as? String)

            let substituteToken = try provider.token(for: successor, now: clock.now)
            let opening: [String: Any] = ["client_id": client, "opening": "direct_intake", "opened_on": "2026-04-01"]
            var forSelf = opening
            forSelf["assignee_id"] = successor.id.apiString
            let refused = try await http.send(.post, "/cases", token: substituteToken, body: forSelf)
            #expect(refused.status == .unprocessableContent)
            #expect(((refused.json["errors"] as? [[String: Any]])?.first?["pointer"] as? String) == "/assignee_id")

            let opened = try await http.send(.post, "/cases", token: substituteToken, body: opening)
            #expect(opened.status == .created)
            #expect(opened.json["assignee_id"] as? String == former.id.apiString, "the absent colleague's case")
            let newCase = try #require(opened.json["id"] as? String)
            #expect(try await http.send(.get, "/clients/\(client)", token: substituteToken).status == .ok)

            let revoked = try await http.send(.delete, "/substitutions/\(grantID)", token: leadToken)
            #expect(revoked.status == .ok)
            #expect(try await http.send(.get, "/clients/\(client)", token: substituteToken).status == .notFound)
            #expect(try await http.send(.get, "/clients/\(client)/consultations", token: substituteToken).status == .notFound)
            #expect(try await http.send(.get, "/cases/\(newCase)", token: substituteToken).status == .notFound)
            #expect(try await http.send(.get, "/cases/\(newCase)", token: absentToken).status == .ok)
        }
    }

    @Test("cover across organisations is refused unless the installation allows it")
    func coverAcrossOrganisations() async throws {
        let app = try await TestApp.make()
        try await app.test(.router) { http in
            let formatter = ISO8601DateFormatter()
            let body: [String: Any] = [
                "absent_id": former.id.apiString, "substitute_id": provider_worker.id.apiString, "reason": "Urlaub",
                "from": formatter.string(from: Date()), "until": formatter.string(from: Date().addingTimeInterval(86_400)),
            ]
            let refused = try await http.send(.post, "/substitutions", token: provider.token(for: lead), body: body)
            #expect(refused.status == .unprocessableContent)
            #expect(((refused.json["errors"] as? [[String: Any]])?.first?["pointer"] as? String) == "/substitute_id")
        }
    }

    @Test(
        "given an open case, when the lead reassigns it, then the old assignee loses client and case at once and the new one works them"
    )
    func reassign() async throws {
        let app = try await TestApp.make()
        try await app.test(.router) { http in
            let formerToken = try provider.token(for: former)
            let client = try #require(
                try await http.send(
                    .post,
                    "/clients",
                    token: formerToken,
                    body: ["family_name": "Haddad", "target_group": "refugee_follow_up_housing"]
                ).json["id"] as? String
            )
            let caseID = try #require(
                try await http.send(
                    .post,
                    "/cases",
                    token: formerToken,
                    body: ["client_id": client, "opening": "direct_intake", "opened_on": "2026-01-05"]
                ).json["id"] as? String
            )
            let moved = try await http.send(
                .put,
                "/cases/\(caseID)/assignment",
                token: provider.token(for: lead),
                body: ["assignee_id": successor.id.apiString]
            )
            #expect(moved.status == .ok)

            for path in [
                "/clients/\(client)", "/clients/\(client)/consultations", "/cases/\(caseID)", "/cases/\(caseID)/consultations",
            ] {
                #expect(try await http.send(.get, path, token: formerToken).status == .notFound, "\(path)")
            }
            let note: [String: Any] = ["held_on": "2026-02-01", "duration_minutes": 30, "place": "office"]
            #expect(
                try await http.send(.post, "/cases/\(caseID)/consultations", token: formerToken, body: note).status == .notFound
            )
            let successorToken = try provider.token(for: successor)
            #expect(
                try await http.send(.post, "/cases/\(caseID)/consultations", token: successorToken, body: note).status == .created
            )
            #expect(try await http.send(.get, "/clients/\(client)", token: successorToken).status == .ok)
            let caseload = try await http.send(.get, "/cases", token: formerToken)
            #expect((caseload.json["items"] as? [Any])?.isEmpty == true)
        }
    }

    @Test(
        "given a closed case, the assignee reopens it within the reading period; after it only the lead can, and the case is the assignee's again"
    )
    func reopen() async throws {
        let clock = TestClock()
        let app = try await TestApp.make(clock: clock)
        try await app.test(.router) { http in
            let workerToken = try provider.token(for: former, now: clock.now)
            let (client, caseID) = try await closedCase(http, token: workerToken)
            let reopening: [String: Any] = ["reason": "zurück", "reopened_on": "2026-03-10"]
            #expect(
                try await http.send(.post, "/cases/\(caseID)/reopenings", token: workerToken, body: reopening).status
                    == .created
            )
            #expect(try await http.send(.get, "/clients/\(client)", token: workerToken).status == .ok)
            let closure: [String: Any] = ["reason": "moved_out_of_district", "closed_on": "2026-03-20"]
            #expect(try await http.send(.put, "/cases/\(caseID)/closure", token: workerToken, body: closure).status == .ok)

            clock.advance(by: AccessPolicy.closedCaseReading + 60)
            let lateToken = try provider.token(for: former, now: clock.now)
            let second: [String: Any] = ["reason": "wieder zurück", "reopened_on": "2026-03-25"]
            #expect(
                try await http.send(.post, "/cases/\(caseID)/reopenings", token: lateToken, body: second).status
                    == .notFound
            )
            let leadToken = try provider.token(for: lead, now: clock.now)
            #expect(
                try await http.send(.post, "/cases/\(caseID)/reopenings", token: leadToken, body: second).status
                    == .created
            )
            #expect(
                try await http.send(.get, "/clients/\(client)", token: lateToken).status == .ok,
                "open and assigned to them again"
            )
        }
    }

    @Test(
        "given a worker deactivated with today as the last day, they work their case today and nothing tomorrow; a record re-appointed under their subject signs in from tomorrow with its own, empty caseload"
    )
    func deactivationOverTime() async throws {
        let clock = TestClock()
        let app = try await TestApp.make(clock: clock)
        let admin = DemoData.people.first { $0.subject == "demo-admin" }!
        try await app.test(.router) { http in
            let workerToken = try provider.token(for: former, now: clock.now)
            let client = try #require(
                try await http.send(
                    .post,
                    "/clients",
                    token: workerToken,
                    body: ["family_name": "Haddad", "target_group": "refugee_follow_up_housing"]
                ).json["id"] as? String
            )
            let caseID = try #require(
                try await http.send(
                    .post,
                    "/cases",
                    token: workerToken,
                    body: ["client_id": client, "opening": "direct_intake", "opened_on": "2026-01-05"]
                ).json["id"] as? String
            )
            let adminToken = try provider.token(for: admin, now: clock.now)
            let deactivated = try await http.send(.delete, "/staff-members/\(former.id.apiString)", token: adminToken)
            #expect(deactivated.status == .ok)
            #expect(deactivated.json["active_until"] as? String == CalendarDate(clock.now).description)

            // Today is still a working day: the case is theirs to work.
            let note: [String: Any] = ["held_on": "2026-02-01", "duration_minutes": 30, "place": "office"]
            #expect(try await http.send(.get, "/cases/\(caseID)", token: workerToken).status == .ok)
            #expect(
                try await http.send(.post, "/cases/\(caseID)/consultations", token: workerToken, body: note).status == .created
            )

            // A new record under the same subject, from tomorrow: today the old record signs in.
            let tomorrow = CalendarDate(clock.now).adding(days: 1)
            let appointed = try await http.send(
                .post,
                "/staff-members",
                token: adminToken,
                body: [
                    "organisation_id": DemoData.id("organisation:\(former.organisation)").apiString, "name": former.name,
                    "role": "case_worker", "full_time_equivalent": 1, "active_from": tomorrow.description,
                    "subject": former.subject,
                ]
            )
            #expect(appointed.status == .created)
            let newRecord = try #require(appointed.json["id"] as? String)
            let me = try await http.send(.get, "/me", token: workerToken)
            #expect((me.json["staff_member"] as? [String: Any])?["id"] as? String == former.id.apiString)

            // Tomorrow the new record signs in; the old record's case is out of its sight.
            clock.advance(by: 86_400)
            let nextToken = try provider.token(for: former, now: clock.now)
            let next = try await http.send(.get, "/me", token: nextToken)
            #expect((next.json["staff_member"] as? [String: Any])?["id"] as? String == newRecord)
            #expect(try await http.send(.get, "/cases/\(caseID)", token: nextToken).status == .notFound)
            #expect(
                try await http.send(.post, "/cases/\(caseID)/consultations", token: nextToken, body: note).status == .notFound
            )
            #expect((try await http.send(.get, "/cases", token: nextToken).json["items"] as? [Any])?.isEmpty == true)
            #expect(try await http.send(.get, "/cases/\(caseID)", token: provider.token(for: lead, now: clock.now)).status == .ok)
        }
    }

    @Test(
        "given a case's items, the single-item reads, the person's observations and a resent closure follow cover recorded afterwards, cover, revocation, reassignment, closure, the end of the reading period and reopening"
    )
    func itemReadsOverTime() async throws {
        let clock = TestClock()
        let app = try await TestApp.make(clock: clock)
        try await app.test(.router) { http in
            var formerToken = try provider.token(for: former, now: clock.now)
            var successorToken = try provider.token(for: successor, now: clock.now)
            var leadToken = try provider.token(for: lead, now: clock.now)
            let client = try #require(
                try await http.send(
                    .post,
                    "/clients",
                    token: formerToken,
                    body: ["family_name": "Haddad", "target_group": "refugee_follow_up_housing"]
                ).json["id"] as? String
            )
            let caseID = try #require(
                try await http.send(
                    .post,
                    "/cases",
                    token: formerToken,
                    body: ["client_id": client, "opening": "direct_intake", "opened_on": "2026-01-05"]
                ).json["id"] as? String
            )
            let goal = try await http.send(
                .post,
                "/cases/\(caseID)/goals",
                token: formerToken,
                body: ["area": "work", "text": "Ausbildung", "agreed_on": "2026-01-15"]
            )
            let observation = try await http.send(
                .post,
                "/cases/\(caseID)/observations",
                token: formerToken,
                body: ["field": "german_level", "value": ["status": "value", "code": "a2"], "observed_on": "2026-01-20"]
            )
            let reads = [
                try #require(goal.headers[.location]), try #require(observation.headers[.location]),
                "/clients/\(client)/observations", "/cases/\(caseID)/goals",
            ]
            /// Whether `token` reads every one of `reads` (true), none (false), or some (nil).
            func sees(_ token: String) async throws -> Bool? {
                var answers: Set<HTTPResponse.Status> = []
                for path in reads { answers.insert(try await http.send(.get, path, token: token).status) }
                return answers == [.ok] ? true : answers == [.notFound] ? false : nil
            }
            #expect(try await sees(formerToken) == true)
            #expect(try await sees(successorToken) == false)

            // Cover recorded afterwards (it ended yesterday) documents, and gives nothing.
            let formatter = ISO8601DateFormatter()
            func grant(from: TimeInterval, until: TimeInterval) async throws -> TestResponse {
                try await http.send(
                    .post,
                    "/substitutions",
                    token: leadToken,
                    body: [
                        "absent_id": former.id.apiString, "substitute_id": successor.id.apiString, "reason": "Krankheit",
                        "from": formatter.string(from: clock.now.addingTimeInterval(from)),
                        "until": formatter.string(from: clock.now.addingTimeInterval(until)),
                    ]
                )
            }
            #expect(try await grant(from: -3 * 86_400, until: -86_400).status == .created)
            #expect(try await sees(successorToken) == false, "ended cover gives no access")

            // Cover in force: the substitute reads; revoked: nothing again.
            let cover = try await grant(from: -60, until: 7 * 86_400)
            let coverID = try #require(cover.json["id"] as? String)
            #expect(try await sees(successorToken) == true)
            #expect(try await http.send(.delete, "/substitutions/\(coverID)", token: leadToken).status == .ok)
            #expect(try await sees(successorToken) == false)

            // Reassigned: the former worker reads nothing, the new assignee everything.
            let reassigned = try await http.send(
                .put,
                "/cases/\(caseID)/assignment",
                token: leadToken,
                body: ["assignee_id": successor.id.apiString, "assigned_on": "2026-02-01"]
            )
            #expect(reassigned.status == .ok)
            #expect(try await sees(formerToken) == false)
            #expect(try await sees(successorToken) == true)

            // Closed: the holder reads, and the same closure sent again answers the case, for 30 days.
            let closure: [String: Any] = ["reason": "moved_out_of_district", "closed_on": "2026-03-01"]
            #expect(try await http.send(.put, "/cases/\(caseID)/closure", token: successorToken, body: closure).status == .ok)
            #expect(try await sees(successorToken) == true)
            #expect(try await http.send(.put, "/cases/\(caseID)/closure", token: successorToken, body: closure).status == .ok)
            #expect(try await http.send(.put, "/cases/\(caseID)/closure", token: formerToken, body: closure).status == .notFound)

            // After the reading period: the holder reads nothing, and the resent closure is 404; the lead still reads.
            clock.advance(by: AccessPolicy.closedCaseReading + 60)
            (formerToken, successorToken, leadToken) = (
                try provider.token(for: former, now: clock.now), try provider.token(for: successor, now: clock.now),
                try provider.token(for: lead, now: clock.now)
            )
            #expect(try await sees(successorToken) == false)
            #expect(
                try await http.send(.put, "/cases/\(caseID)/closure", token: successorToken, body: closure).status == .notFound
            )
            #expect(try await sees(leadToken) == true)

            // Reopened by the lead: the assignee reads again, the former worker still nothing.
            let reopened = try await http.send(
                .post,
                "/cases/\(caseID)/reopenings",
                token: leadToken,
                body: ["reason": "zurück", "reopened_on": "2026-03-10"]
            )
            #expect(reopened.status == .created)
            #expect(try await sees(successorToken) == true)
            #expect(try await sees(formerToken) == false)
        }
    }

    @Test(
        "given a case handed from the provider's social care to the district's integration manager and on to another organisation, each receiving side sees the person and the whole history, each giving side nothing"
    )
    func transferOverTime() async throws {
        let clock = TestClock()
        let app = try await TestApp.make(clock: clock)
        let admin = DemoData.people.first { $0.subject == "demo-admin" }!
        let tuebingen = DemoData.people.first { $0.subject == "demo-tuebingen-worker" }!
        let coordinator = DemoData.people.first { $0.subject == "demo-coordinator" }!
        try await app.test(.router) { http in
            let socialCare = try provider.token(for: provider_worker, now: clock.now)
            let manager = try provider.token(for: former, now: clock.now)
            let leadToken = try provider.token(for: lead, now: clock.now)
            let adminToken = try provider.token(for: admin, now: clock.now)
            // Preliminary accommodation: the provider's social worker registers the family's
            // mother, opens her case and logs a talk.
            let client = try #require(
                try await http.send(
                    .post,
                    "/clients",
                    token: socialCare,
                    body: ["family_name": "Haddad", "given_name": "Amal", "target_group": "refugee_follow_up_housing"]
                ).json["id"] as? String
            )
            let caseID = try #require(
                try await http.send(
                    .post,
                    "/cases",
                    token: socialCare,
                    body: ["client_id": client, "opening": "direct_intake", "opened_on": "2026-01-05"]
                ).json["id"] as? String
            )
            let talk: [String: Any] = [
                "held_on": "2026-01-10", "duration_minutes": 30, "place": "office", "note": "Erstgespräch",
            ]
            #expect(
                try await http.send(.post, "/cases/\(caseID)/consultations", token: socialCare, body: talk).status == .created
            )
            let reads = [
                "/clients/\(client)", "/cases/\(caseID)", "/cases/\(caseID)/consultations", "/cases/\(caseID)/transfers",
                "/clients/\(client)/observations",
            ]
            /// Whether `token` reads every one of `reads` (true), none (false), or some (nil).
            func sees(_ token: String) async throws -> Bool? {
                var answers: Set<HTTPResponse.Status> = []
                for path in reads { answers.insert(try await http.send(.get, path, token: token).status) }
                return answers == [.ok] ? true : answers == [.notFound] ? false : nil
            }
            #expect(try await sees(socialCare) == true)
            #expect(try await sees(manager) == false)

            // Neither the provider's worker nor another team's lead hands it over.
            let handOver: [String: Any] = [
                "to_assignee_id": former.id.apiString, "transferred_on": "2026-02-01",
                "note": "Zuweisung in die AU Waldshut-Tiengen", "documents": ["Aufenthaltsgestattung", "Zuweisungsbescheid"],
            ]
            #expect(
                try await http.send(.post, "/cases/\(caseID)/transfers", token: socialCare, body: handOver).status == .forbidden
            )
            #expect(
                try await http.send(.post, "/cases/\(caseID)/transfers", token: leadToken, body: handOver).status == .notFound
            )

            // Receivers outside the district, without casework, or the holder; days that do not fit.
            for (receiver, day) in [
                (tuebingen.id, "2026-02-01"), (coordinator.id, "2026-02-01"), (provider_worker.id, "2026-02-01"),
                (former.id, "2026-01-04"), (former.id, "2027-01-01"),
            ] {
                let refused = try await http.send(
                    .post,
                    "/cases/\(caseID)/transfers",
                    token: adminToken,
                    body: ["to_assignee_id": receiver.apiString, "transferred_on": day]
                )
                #expect(refused.status == .unprocessableContent, "\(receiver) on \(day)")
            }

            // The district's administrator hands it to the integration manager (the provider's
            // team has no lead); a retry with the same key answers the same transfer.
            let key: HTTPFields = [HTTPField.Name("Idempotency-Key")!: "transfer-1"]
            let made = try await http.send(.post, "/cases/\(caseID)/transfers", token: adminToken, body: handOver, headers: key)
            #expect(made.status == .created)
            let transferID = try #require(made.json["id"] as? String)
            #expect(made.headers[.location] == "/cases/\(caseID)/transfers/\(transferID)")
            #expect(made.json["from_assignee_id"] as? String == provider_worker.id.apiString)
            #expect(made.json["to_assignee_id"] as? String == former.id.apiString)
            #expect(
                made.json["from_organisation_id"] as? String == DemoData.id("organisation:Caritasverband Hochrhein").apiString
            )
            #expect(made.json["to_organisation_id"] as? String == DemoData.id("organisation:Landratsamt Waldshut").apiString)
            #expect((made.json["personal"] as? [String: Any])?["documents"] as? [String] == handOver["documents"] as? [String])
            #expect((made.json["recorded_by"] as? [String: Any])?["staff_member_id"] as? String == admin.id.apiString)
            let again = try await http.send(.post, "/cases/\(caseID)/transfers", token: adminToken, body: handOver, headers: key)
            #expect(again.status == .created)
            #expect(again.json["id"] as? String == transferID)
            #expect(again.json["personal"] == nil, "a retry does not reopen the file to the giving side")

            // The integration manager sees the person, the case and the provider's talk; the
            // provider's worker nothing; the administrator still reads no case.
            #expect(try await sees(manager) == true)
            #expect(try await sees(socialCare) == false)
            #expect(try await http.send(.get, "/cases/\(caseID)", token: adminToken).status == .forbidden)
            let history = try await http.send(.get, "/cases/\(caseID)/consultations", token: manager)
            #expect((history.json["items"] as? [[String: Any]])?.count == 1)
            let caseload = try await http.send(.get, "/cases", token: manager)
            #expect((caseload.json["items"] as? [[String: Any]])?.contains { $0["id"] as? String == caseID } == true)
            let single = try await http.send(.get, "/cases/\(caseID)/transfers/\(transferID)", token: manager)
            #expect(single.status == .ok)
            #expect((single.json["personal"] as? [String: Any])?["note"] as? String == "Zuweisung in die AU Waldshut-Tiengen")
            #expect(try await http.send(.post, "/cases/\(caseID)/consultations", token: manager, body: talk).status == .created)

            // The family moves to a town whose integration management the provider runs: the
            // manager's lead hands the case on. Now the lead and the manager see nothing.
            #expect(try await sees(leadToken) == true)
            let onward: [String: Any] = ["to_assignee_id": provider_worker.id.apiString, "transferred_on": "2026-03-01"]
            #expect(try await http.send(.post, "/cases/\(caseID)/transfers", token: leadToken, body: onward).status == .created)
            #expect(try await sees(leadToken) == false)
            #expect(try await sees(manager) == false)
            #expect(try await sees(socialCare) == true)
            let transfers = try await http.send(.get, "/cases/\(caseID)/transfers", token: socialCare)
            #expect((transfers.json["items"] as? [[String: Any]])?.count == 2)

            // A closed case is not handed over.
            let closure: [String: Any] = ["reason": "moved_out_of_district", "closed_on": "2026-03-02"]
            #expect(try await http.send(.put, "/cases/\(caseID)/closure", token: socialCare, body: closure).status == .ok)
            let late: [String: Any] = ["to_assignee_id": former.id.apiString, "transferred_on": "2026-03-03"]
            #expect(try await http.send(.post, "/cases/\(caseID)/transfers", token: adminToken, body: late).status == .conflict)
        }
    }

    @Test(
        "given cover in force, a case handed to another organisation leaves the worker, their substitute and their lead nothing (case, person, household, search); the receiver closes, only they reopen"
    )
    func transferUnderCover() async throws {
        let clock = TestClock()
        let app = try await TestApp.make(clock: clock)
        try await app.test(.router) { http in
            let workerToken = try provider.token(for: former, now: clock.now)
            let substituteToken = try provider.token(for: successor, now: clock.now)
            let leadToken = try provider.token(for: lead, now: clock.now)
            let receiverToken = try provider.token(for: provider_worker, now: clock.now)
            let client = try #require(
                try await http.send(
                    .post,
                    "/clients",
                    token: workerToken,
                    body: ["family_name": "Haddad", "given_name": "Amal", "target_group": "refugee_follow_up_housing"]
                ).json["id"] as? String
            )
            let caseID = try #require(
                try await http.send(
                    .post,
                    "/cases",
                    token: workerToken,
                    body: ["client_id": client, "opening": "direct_intake", "opened_on": "2026-01-05"]
                ).json["id"] as? String
            )
            let household = try #require(
                try await http.send(
                    .post,
                    "/households",
                    token: workerToken,
                    body: ["formed_on": "2026-01-05", "members": [["client_id": client, "role": "head_of_household"]]]
                ).json["id"] as? String
            )
            /// Whether `token` reads the person, the case and the household and finds the person
            /// by name (true), none of it (false), or some (nil).
            func sees(_ token: String) async throws -> Bool? {
                var answers: Set<HTTPResponse.Status> = []
                for path in ["/clients/\(client)", "/cases/\(caseID)", "/households/\(household)"] {
                    answers.insert(try await http.send(.get, path, token: token).status)
                }
                let found = try await http.send(.get, "/clients?name=haddad", token: token)
                let findsHer = (found.json["items"] as? [[String: Any]])?.contains { $0["id"] as? String == client } == true
                if answers == [.ok], findsHer { return true }
                return answers == [.notFound] && !findsHer ? false : nil
            }

            // Cover in force: the substitute sees what the worker sees.
            let formatter = ISO8601DateFormatter()
            let cover = try await http.send(
                .post,
                "/substitutions",
                token: leadToken,
                body: [
                    "absent_id": former.id.apiString, "substitute_id": successor.id.apiString, "reason": "Urlaub",
                    "from": formatter.string(from: clock.now.addingTimeInterval(-60)),
                    "until": formatter.string(from: clock.now.addingTimeInterval(7 * 86_400)),
                ]
            )
            let coverID = try #require(cover.json["id"] as? String)
            #expect(try await sees(workerToken) == true)
            #expect(try await sees(substituteToken) == true)
            #expect(try await sees(receiverToken) == false)

            // Handed to the provider: the giving side sees nothing, the cover notwithstanding.
            let handOver: [String: Any] = ["to_assignee_id": provider_worker.id.apiString, "transferred_on": "2026-02-01"]
            #expect(try await http.send(.post, "/cases/\(caseID)/transfers", token: leadToken, body: handOver).status == .created)
            #expect(try await sees(receiverToken) == true)
            for token in [workerToken, substituteToken, leadToken] { #expect(try await sees(token) == false) }
            #expect(try await http.send(.delete, "/substitutions/\(coverID)", token: leadToken).status == .ok)
            #expect(try await sees(substituteToken) == false)

            // The receiver closes; the giving side cannot reopen or open a new case; the receiver can.
            let closure: [String: Any] = ["reason": "moved_within_district", "closed_on": "2026-03-01"]
            #expect(try await http.send(.put, "/cases/\(caseID)/closure", token: receiverToken, body: closure).status == .ok)
            let reopening: [String: Any] = ["reason": "zurückgezogen", "reopened_on": "2026-03-10"]
            for token in [workerToken, leadToken] {
                #expect(
                    try await http.send(.post, "/cases/\(caseID)/reopenings", token: token, body: reopening).status == .notFound
                )
                let fresh: [String: Any] = ["client_id": client, "opening": "direct_intake", "opened_on": "2026-03-10"]
                #expect(try await http.send(.post, "/cases", token: token, body: fresh).status == .unprocessableContent)
            }
            #expect(
                try await http.send(.post, "/cases/\(caseID)/reopenings", token: receiverToken, body: reopening).status
                    == .created
            )
            #expect(try await sees(receiverToken) == true)
            #expect(try await sees(workerToken) == false)
        }
    }
}
