import Foundation
import Testing

@testable import Casework

@Suite("Organisation structure: districts, organisations, teams, staff members")
struct OrganisationTests {
    let organisationID = UUID()
    let teamID = UUID()
    let staffID = UUID()

    var profile: StaffMember.Profile {
        StaffMember.Profile(
            id: staffID,
            districtID: "08337",
            organisationID: organisationID,
            teamID: teamID,
            name: "Anna Berger",
            role: .caseWorker,
            fullTimeEquivalent: 0.75,
            activeFrom: CalendarDate("2026-01-01")!,
            activeUntil: nil,
            subject: "anna.berger"
        )
    }

    @Test("a district is registered under its five-digit key, and only once")
    func registerDistrict() {
        given(District.self).when(.register(id: "08337", name: " Landkreis Waldshut "))
            .then([.registered(.init(id: "08337", name: "Landkreis Waldshut"))])
        given(District.self).when(.register(id: "8337", name: "Waldshut"))
            .thenRejects(.invalid(field: "id", reason: "must be the five-digit official district key, e.g. 08337"))
        given(District.self).when(.register(id: "08337", name: "  "))
            .thenRejects(.invalid(field: "name", reason: "must be 1 to 200 characters"))
        given(District.self, .registered(.init(id: "08337", name: "Waldshut"))).when(.register(id: "08337", name: "Waldshut"))
            .thenRejects(.alreadyExists)
    }

    @Test("renaming to the same name records nothing; a deactivated district cannot change")
    func renameDistrict() {
        let registered = District.Event.registered(.init(id: "08416", name: "Tübingen"))
        given(District.self, registered).when(.rename(name: "Tübingen")).then([])
        given(District.self, registered).when(.rename(name: "Landkreis Tübingen"))
            .then([.renamed(.init(name: "Landkreis Tübingen"))])
        given(District.self, registered, .deactivated).when(.rename(name: "Neu")).thenRejects(.deactivated)
        given(District.self).when(.deactivate).thenRejects(.notFound)
    }

    @Test("an organisation changes only what is given")
    func changeOrganisation() {
        let registered = Organisation.Event.registered(
            .init(id: organisationID, districtID: "08337", name: "Caritas", kind: .welfareOrganisation)
        )
        given(Organisation.self, registered).when(.change(name: nil, kind: .other))
            .then([.changed(.init(name: "Caritas", kind: .other))])
        given(Organisation.self, registered).when(.change(name: "Caritas", kind: nil)).then([])
        given(Organisation.self, registered, .deactivated).when(.change(name: "X", kind: nil)).thenRejects(.deactivated)
    }

    @Test("a team's lead can be set and cleared")
    func teamLead() {
        let lead = UUID()
        let formed = Team.Event.formed(
            .init(id: teamID, districtID: "08337", organisationID: organisationID, name: "Team Süd", leadID: nil)
        )
        given(Team.self, formed).when(.change(name: nil, leadID: .some(lead)))
            .then([.changed(.init(name: "Team Süd", leadID: lead))])
        given(Team.self, formed, .changed(.init(name: "Team Süd", leadID: lead))).when(.change(name: nil, leadID: .some(nil)))
            .then([.changed(.init(name: "Team Süd", leadID: nil))])
        given(Team.self, formed).when(.change(name: nil, leadID: nil)).then([])
    }

    @Test("a staff member needs a name, a subject, 0 < FTE <= 1 and dates in order")
    func appointStaff() {
        given(StaffMember.self).when(.appoint(profile)).then([.appointed(profile)])
        var noFTE = profile
        noFTE.fullTimeEquivalent = 0
        given(StaffMember.self).when(.appoint(noFTE))
            .thenRejects(.invalid(field: "full_time_equivalent", reason: "must be more than 0 and at most 1"))
        var reversed = profile
        reversed.activeUntil = CalendarDate("2025-12-31")
        given(StaffMember.self).when(.appoint(reversed))
            .thenRejects(.invalid(field: "active_until", reason: "must not be before active_from"))
        var noSubject = profile
        noSubject.subject = " "
        given(StaffMember.self).when(.appoint(noSubject))
            .thenRejects(.invalid(field: "subject", reason: "must be the identity provider's subject, 1 to 255 characters"))
    }

    @Test("a change records the whole new profile; deactivation ends the active days")
    func changeAndDeactivateStaff() throws {
        var changed = profile
        changed.role = .teamLead
        changed.teamID = nil
        given(StaffMember.self, .appointed(profile)).when(.change(.init(teamID: .some(nil), role: .teamLead)))
            .then([.changed(changed)])
        let lastDay = try #require(CalendarDate("2026-06-30"))
        given(StaffMember.self, .appointed(profile)).when(.deactivate(lastDay: lastDay))
            .then([.deactivated(.init(activeUntil: lastDay))])
        given(StaffMember.self, .appointed(profile), .deactivated(.init(activeUntil: lastDay)))
            .when(.change(.init(name: "Anna B.")))
            .thenRejects(.deactivated)
        given(StaffMember.self, .appointed(profile)).when(.change(.init(activeFrom: CalendarDate("0157-04-06")!)))
            .thenRejects(.invalid(field: "active_from", reason: "must be a day of the years 2000 to 2099"))
        given(StaffMember.self, .appointed(profile)).when(.change(.init(activeUntil: .some(CalendarDate("2166-08-01")!))))
            .thenRejects(.invalid(field: "active_until", reason: "must be a day of the years 2000 to 2099"))

        let record = try #require(StaffMember.fold([.appointed(profile), .deactivated(.init(activeUntil: lastDay))]))
        #expect(record.isActive(on: lastDay), "a deactivation takes effect after the last working day")
        #expect(!record.isActive(on: lastDay.adding(days: 1)))
        #expect(!record.active, "and closes the record for changes at once")
        #expect(try #require(StaffMember.fold([.appointed(profile)])).isActive(on: lastDay))
        #expect(try #require(StaffMember.fold([.appointed(profile)])).isActive(on: CalendarDate("2025-12-31")!) == false)
    }

    @Test("every event is stored under a stable name with snake_case keys and reads back equal")
    func storedForm() throws {
        let events: [any DomainEvent] = [
            District.Event.registered(.init(id: "08337", name: "Waldshut")),
            District.Event.deactivated,
            Organisation.Event.registered(.init(id: organisationID, districtID: "08337", name: "AWO", kind: .town)),
            Team.Event.formed(.init(id: teamID, districtID: "08337", organisationID: organisationID, name: "T", leadID: staffID)),
            StaffMember.Event.appointed(profile),
            StaffMember.Event.deactivated(.init(activeUntil: CalendarDate("2026-12-31")!)),
        ]
        for event in events {
            let payload = try event.payload()
            let decoded = try type(of: event).init(typeName: event.typeName, payload: payload)
            #expect(String(describing: decoded) == String(describing: event))
        }
        let stored = try #require(String(data: StaffMember.Event.appointed(profile).payload(), encoding: .utf8))
        #expect(stored.contains("\"district_id\":\"08337\""))
        #expect(stored.contains("\"full_time_equivalent\":0.75"))
        #expect(stored.contains("\"active_from\":\"2026-01-01\""))
        #expect(StaffMember.Event.appointed(profile).typeName == "staff_member.appointed")
        #expect(throws: UnknownEventType.self) { try Team.Event(typeName: "team.renamed", payload: Data("{}".utf8)) }
    }

    @Test("calendar dates read and write YYYY-MM-DD and refuse days that do not exist")
    func calendarDates() {
        #expect(CalendarDate("2024-02-29")?.description == "2024-02-29")
        #expect(CalendarDate("2025-02-29") == nil)
        #expect(CalendarDate("2025-2-1") == nil)
        #expect(CalendarDate(Date(timeIntervalSince1970: 0)).description == "1970-01-01")
    }
}
