import Casework
import Foundation
import Testing

@testable import WegweiserServer

/// The access policy's rules on their own: given a principal and a case's seat, when they ask,
/// then the answer.
@Suite("The access policy's rules")
struct AccessPolicyTests {
    let district = "08337"
    let teamNorth = UUID()
    let teamSouth = UUID()
    let absent = UUID()
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    func principal(_ role: StaffRole, team: UUID?, covering: Set<UUID> = []) -> Principal {
        Principal(
            staffID: UUID(),
            subject: "someone",
            role: role,
            districtID: district,
            organisationID: UUID(),
            teamID: team,
            covering: covering
        )
    }

    @Test("given a lead covering a colleague of another team, when they reassign the colleague's case, then they may not")
    func coveringLeadCannotReassign() {
        let seat = AccessPolicy.CaseSeat(assignee: absent, team: teamNorth, closedAt: nil)
        let covering = principal(.teamLead, team: teamSouth, covering: [absent])
        #expect(AccessPolicy.access(to: seat, district: district, covering, now: now) == .work)
        #expect(!AccessPolicy.mayReassign(seat, district: district, covering))
        #expect(AccessPolicy.mayReassign(seat, district: district, principal(.teamLead, team: teamNorth)))
        #expect(!AccessPolicy.mayReassign(seat, district: district, principal(.caseWorker, team: teamNorth, covering: [absent])))
    }

    @Test("given a closed case, when its holder reads it, then only within the reading period after the closure was recorded")
    func readingPeriod() {
        let holder = principal(.caseWorker, team: teamNorth)
        let closed = AccessPolicy.CaseSeat(assignee: holder.staffID, team: teamNorth, closedAt: now)
        #expect(AccessPolicy.access(to: closed, district: district, holder, now: now.addingTimeInterval(86_400)) == .read)
        let late = now.addingTimeInterval(AccessPolicy.closedCaseReading + 1)
        #expect(AccessPolicy.access(to: closed, district: district, holder, now: late) == .none)
        #expect(AccessPolicy.access(to: closed, district: district, principal(.teamLead, team: teamNorth), now: late) == .read)
        #expect(AccessPolicy.access(to: closed, district: "08416", holder, now: now) == .none)
    }

    @Test("given a client without a case, then the registrant, their lead and their substitute work them, nobody else")
    func caselessClient() {
        let registrant = principal(.caseWorker, team: teamNorth)
        let seat = AccessPolicy.CaseSeat(assignee: registrant.staffID, team: teamNorth, closedAt: nil)
        func access(_ who: Principal) -> AccessPolicy.Access {
            AccessPolicy.access(toClient: district, registrant: seat, cases: [], who, now: now)
        }
        #expect(access(registrant) == .work)
        #expect(access(principal(.teamLead, team: teamNorth)) == .work)
        #expect(access(principal(.caseWorker, team: teamSouth, covering: [registrant.staffID])) == .work)
        #expect(access(principal(.caseWorker, team: teamNorth)) == .none)
        #expect(access(principal(.teamLead, team: teamSouth)) == .none)
    }

    @Test("given a client whose case went to a successor, then the former holder's closed case no longer opens the client")
    func currentCaseDecides() {
        let former = principal(.caseWorker, team: teamNorth)
        let old = AccessPolicy.CaseSeat(assignee: former.staffID, team: teamNorth, closedAt: now)
        let successor = UUID()
        let new = AccessPolicy.CaseSeat(assignee: successor, team: teamNorth, closedAt: nil)
        let registrant = AccessPolicy.CaseSeat(assignee: former.staffID, team: teamNorth, closedAt: nil)
        #expect(AccessPolicy.access(toClient: district, registrant: registrant, cases: [old], former, now: now) == .read)
        #expect(AccessPolicy.access(toClient: district, registrant: registrant, cases: [old, new], former, now: now) == .none)
        let closedLater = AccessPolicy.CaseSeat(assignee: successor, team: teamNorth, closedAt: now.addingTimeInterval(60))
        #expect(AccessPolicy.currentCase(of: [old, closedLater])?.assignee == successor)
        #expect(!AccessPolicy.mayReopen(old, isLatest: false, district: district, former, now: now))
    }
}
