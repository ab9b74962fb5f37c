import Foundation
import Testing

@testable import Casework

@Suite("Substitution: time-limited cover of a colleague's caseload")
struct SubstitutionTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)
    let lead = UUID()

    func grant(from: TimeInterval = 0, until: TimeInterval = 14 * 86_400, substitute: UUID = UUID()) -> Substitution.Grant {
        Substitution.Grant(
            id: UUID(),
            districtID: "08337",
            teamID: UUID(),
            absentID: UUID(),
            substituteID: substitute,
            from: now.addingTimeInterval(from),
            until: now.addingTimeInterval(until),
            reason: "Urlaub",
            grantedBy: lead
        )
    }

    @Test(
        "a grant needs another person, a window of at most a year that starts within a year (ended cover may be recorded), and a reason"
    )
    func grantRules() {
        let valid = grant()
        given(Substitution.self).when(.grant(valid, now: now)).then([.granted(valid)])
        var same = valid
        same.substituteID = valid.absentID
        given(Substitution.self).when(.grant(same, now: now))
            .thenRejects(.invalid(field: "substitute_id", reason: "must be someone other than the absent staff member"))
        given(Substitution.self).when(.grant(grant(from: 10, until: 10), now: now))
            .thenRejects(.invalid(field: "until", reason: "must be after from"))
        // Cover that has ended may be recorded afterwards; not reaching before 2000 or starting a year ahead.
        let past = grant(from: -20 * 86_400, until: -10 * 86_400)
        given(Substitution.self).when(.grant(past, now: now)).then([.granted(past)])
        given(Substitution.self).when(.grant(grant(from: -now.timeIntervalSince1970, until: 86_400), now: now))
            .thenRejects(.invalid(field: "from", reason: "must not be before 2000-01-01"))
        given(Substitution.self).when(.grant(grant(from: 400 * 86_400, until: 401 * 86_400), now: now))
            .thenRejects(.invalid(field: "from", reason: "must be within a year from now"))
        given(Substitution.self).when(.grant(grant(until: 400 * 86_400), now: now))
            .thenRejects(.invalid(field: "until", reason: "a grant runs at most 366 days"))
        var noReason = valid
        noReason.reason = "  "
        given(Substitution.self).when(.grant(noReason, now: now))
            .thenRejects(.invalid(field: "reason", reason: "must be 1 to 500 characters"))
        given(Substitution.self, .granted(valid)).when(.grant(valid, now: now)).thenRejects(.alreadyGranted)
    }

    @Test("a grant is active inside its window only, and ends by itself")
    func window() throws {
        let record = try #require(Substitution.fold([.granted(grant(from: 3600, until: 7200))]))
        #expect(!record.isActive(at: now))
        #expect(record.isActive(at: now.addingTimeInterval(3600)))
        #expect(record.isActive(at: now.addingTimeInterval(7199)))
        #expect(!record.isActive(at: now.addingTimeInterval(7200)))
    }

    @Test("a revoked grant ends at once; it cannot be revoked twice or after it ended")
    func revoke() throws {
        let granted = Substitution.Event.granted(grant())
        let revoked = Substitution.Event.revoked(.init(revokedBy: lead, revokedAt: now.addingTimeInterval(60)))
        given(Substitution.self, granted).when(.revoke(by: lead, now: now.addingTimeInterval(60))).then([revoked])
        given(Substitution.self, granted, revoked).when(.revoke(by: lead, now: now.addingTimeInterval(120)))
            .thenRejects(.alreadyRevoked)
        given(Substitution.self, granted).when(.revoke(by: lead, now: now.addingTimeInterval(15 * 86_400)))
            .thenRejects(.alreadyEnded)
        given(Substitution.self).when(.revoke(by: lead, now: now)).thenRejects(.notFound)

        let record = try #require(Substitution.fold([granted, revoked]))
        #expect(record.isActive(at: now.addingTimeInterval(59)))
        #expect(!record.isActive(at: now.addingTimeInterval(60)))
        let payload = try revoked.payload()
        #expect(try Substitution.Event(typeName: "substitution.revoked", payload: payload) == revoked)
    }
}
