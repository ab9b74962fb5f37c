import Foundation
import Testing

@testable import Casework

@Suite("Household: members with roles, joining and leaving over time")
struct HouseholdTests {
    let id = UUID()
    let mother = UUID()
    let child = UUID()
    let day = CalendarDate("2026-03-02")!

    var formed: Household.Event {
        .formed(
            .init(
                id: id,
                districtID: "08337",
                on: day,
                members: [.init(clientID: mother, role: .headOfHousehold, joinedOn: day)]
            )
        )
    }

    @Test("a household is formed with at least one member, each once, all from the day it was formed")
    func form() {
        given(Household.self).when(
            .form(id: id, districtID: "08337", members: [.init(clientID: mother, role: .headOfHousehold, joinedOn: day)], on: day)
        )
        .then([formed])
        given(Household.self).when(.form(id: id, districtID: "08337", members: [], on: day))
            .thenRejects(.invalid(field: "members", reason: "a household has at least one member"))
        let twice =
            [Household.Member(clientID: mother, role: .child, joinedOn: day)] + [
                .init(clientID: mother, role: .parent, joinedOn: day)
            ]
        given(Household.self).when(.form(id: id, districtID: "08337", members: twice, on: day))
            .thenRejects(.invalid(field: "members", reason: "names a person twice"))
        given(Household.self, formed).when(.form(id: id, districtID: "08337", members: [], on: day)).thenRejects(.alreadyFormed)
        given(Household.self).when(.leave(clientID: mother, on: day)).thenRejects(.notFound)
    }

    @Test("people join, change role and leave; the same role again and leaving twice record nothing; the history stays")
    func membership() throws {
        let later = day.adding(days: 30)
        let joined = Household.Event.memberJoined(.init(clientID: child, role: .child, on: later))
        given(Household.self, formed).when(.join(clientID: child, role: .child, on: later)).then([joined])
        given(Household.self, formed, joined).when(.join(clientID: child, role: .child, on: later)).then([])
        given(Household.self, formed, joined).when(.join(clientID: child, role: .sibling, on: later))
            .then([.memberRoleChanged(.init(clientID: child, role: .sibling, on: later))])
        let left = Household.Event.memberLeft(.init(clientID: child, on: later.adding(days: 1)))
        given(Household.self, formed, joined).when(.leave(clientID: child, on: later.adding(days: 1))).then([left])
        given(Household.self, formed, joined, left).when(.leave(clientID: child, on: later.adding(days: 2))).then([])
        given(Household.self, formed, joined).when(.leave(clientID: child, on: day))
            .thenRejects(.invalid(field: "left_on", reason: "must not be before the member joined (\(later))"))

        given(Household.self, formed).when(.join(clientID: child, role: .child, on: day.adding(days: -1)))
            .thenRejects(
                .invalid(
                    field: "joined_on",
                    reason: "must not be before the household was formed or the person's earlier membership ended (\(day))"
                )
            )
        given(Household.self, formed, joined, left).when(.join(clientID: child, role: .child, on: later))
            .thenRejects(
                .invalid(
                    field: "joined_on",
                    reason:
                        "must not be before the household was formed or the person's earlier membership ended (\(later.adding(days: 1)))"
                )
            )
        let back = Household.Event.memberJoined(.init(clientID: child, role: .child, on: later.adding(days: 5)))
        let record = try #require(Household.fold([formed, joined, left, back]))
        #expect(record.members.count == 3)
        #expect(record.current.map(\.clientID) == [mother, child])
        #expect(record.members[1].leftOn == later.adding(days: 1))
        #expect(try Household.Event(typeName: back.typeName, payload: back.payload()) == back)
    }

    @Test("no membership day lies after today or before 2000")
    func plausibleDays() {
        let today = CalendarDate("2026-11-30")!
        #expect(throws: Household.Rejection.invalid(field: "joined_on", reason: "must not be after today (2026-11-30)")) {
            try Household.plausible(.join(clientID: child, role: .child, on: CalendarDate("2026-12-05")!), today: today)
        }
        #expect(throws: Household.Rejection.invalid(field: "left_on", reason: "must not be before 2000-01-01")) {
            try Household.plausible(.leave(clientID: child, on: CalendarDate("1999-12-31")!), today: today)
        }
        #expect(throws: Never.self) { try Household.plausible(.leave(clientID: child, on: today), today: today) }
    }
}
