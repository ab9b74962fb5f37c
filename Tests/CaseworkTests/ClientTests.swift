import Foundation
import Testing

@testable import Casework

@Suite("Client: base data in the clear, name, birth date and contact data personal")
struct ClientTests {
    let today = CalendarDate("2026-11-21")!
    let id = UUID()

    var profile: Client.Profile {
        Client.Profile(
            id: id,
            districtID: "08337",
            yearOfBirth: nil,
            gender: .female,
            citizenships: ["SY"],
            languages: ["ar", "en"],
            familyStatus: .married,
            municipality: "08337096",
            arrivedOn: CalendarDate("2024-05-02"),
            targetGroup: .refugeeFollowUpHousing,
            personal: .init(
                givenName: "Amal",
                familyName: " Haddad ",
                dateOfBirth: CalendarDate("1990-07-14"),
                phone: nil,
                email: nil,
                address: nil
            )
        )
    }

    @Test("the year of birth follows the exact date; names are trimmed")
    func register() {
        var expected = profile
        expected.yearOfBirth = 1990
        expected.personal?.familyName = "Haddad"
        expected.citizenshipStatus = .known
        given(Client.self).when(.register(profile, today: today)).then([.registered(expected)])
        var conflicting = profile
        conflicting.yearOfBirth = 1991
        given(Client.self).when(.register(conflicting, today: today))
            .thenRejects(.invalid(field: "year_of_birth", reason: "must be the year of date_of_birth"))
        given(Client.self, .registered(expected)).when(.register(profile, today: today)).thenRejects(.alreadyRegistered)
    }

    @Test("codes, dates and names are checked")
    func validation() {
        var citizenship = profile
        citizenship.citizenships = ["Syria"]
        given(Client.self).when(.register(citizenship, today: today))
            .thenRejects(.invalid(field: "citizenships/0", reason: "must be an ISO 3166-1 alpha-2 code such as SY"))
        // Two capital letters are not enough: the code must name a country (Kosovo's XK included).
        citizenship.citizenships = ["SY", "QQ"]
        given(Client.self).when(.register(citizenship, today: today))
            .thenRejects(.invalid(field: "citizenships/1", reason: "must be an ISO 3166-1 alpha-2 code such as SY"))
        citizenship.citizenships = ["XK", "UA", "AF"]
        #expect(throws: Never.self) { try Client.decide(.register(citizenship, today: today), Client.initialState) }
        #expect(Countries.codes.count == 250)
        #expect(!Countries.codes.contains("EU") && !Countries.codes.contains("UN"))
        var language = profile
        language.languages = ["ar", "ARA"]
        given(Client.self).when(.register(language, today: today))
            .thenRejects(.invalid(field: "languages/1", reason: "must be an ISO 639-1 code such as ar"))
        var future = profile
        future.personal?.dateOfBirth = CalendarDate("2027-01-01")
        given(Client.self).when(.register(future, today: today))
            .thenRejects(.invalid(field: "date_of_birth", reason: "must not be in the future"))
        var nameless = profile
        nameless.personal?.familyName = " "
        given(Client.self).when(.register(nameless, today: today))
            .thenRejects(.invalid(field: "family_name", reason: "must be 1 to 200 characters"))
        var yearOnly = profile
        yearOnly.personal?.dateOfBirth = nil
        yearOnly.yearOfBirth = 1850
        given(Client.self).when(.register(yearOnly, today: today))
            .thenRejects(.invalid(field: "year_of_birth", reason: "must be 1900 to 2026"))
    }

    @Test("a change keeps id and district and records the whole new profile; no change records nothing")
    func change() throws {
        let registered = try #require(Client.decide(.register(profile, today: today), nil).first)
        let current = try #require(Client.fold([registered]))
        var moved = current
        moved.municipality = "08337126"
        moved.districtID = "08416"
        var expected = moved
        expected.districtID = "08337"
        given(Client.self, registered).when(.change(moved, today: today)).then([.changed(expected)])
        given(Client.self, registered).when(.change(current, today: today)).then([])
        let payload = String(decoding: try registered.payload(), as: UTF8.self)
        #expect(payload.contains(#""personal":{"#))
        #expect(payload.contains(#""citizenships":["SY"]"#))
    }

    @Test(
        "a municipality is the official key of one of the district's municipalities; the citizenship is known with countries, or stateless, unclear, declined or not asked without"
    )
    func municipalityAndCitizenship() {
        var elsewhere = profile
        elsewhere.municipality = "08416041"
        given(Client.self).when(.register(elsewhere, today: today))
            .thenRejects(
                .invalid(
                    field: "municipality",
                    reason: "must be the official municipality key (AGS, 8 digits) of a municipality of district 08337"
                )
            )
        var text = profile
        text.municipality = "Waldshut"
        given(Client.self).when(.register(text, today: today))
            .thenRejects(
                .invalid(
                    field: "municipality",
                    reason: "must be the official municipality key (AGS, 8 digits) of a municipality of district 08337"
                )
            )
        #expect(Municipalities.names["08337126"] == "Waldshut-Tiengen")
        #expect(Municipalities.isKey("08337999", inDistrict: "08337"), "a key the table does not name yet")

        var stateless = profile
        stateless.citizenships = []
        stateless.citizenshipStatus = .stateless
        var expected = stateless
        expected.yearOfBirth = 1990
        expected.personal?.familyName = "Haddad"
        given(Client.self).when(.register(stateless, today: today)).then([.registered(expected)])
        var contradiction = profile
        contradiction.citizenshipStatus = .unclear
        given(Client.self).when(.register(contradiction, today: today))
            .thenRejects(.invalid(field: "citizenship_status", reason: "unclear names no citizenship"))
        var empty = stateless
        empty.citizenshipStatus = .known
        given(Client.self).when(.register(empty, today: today))
            .thenRejects(.invalid(field: "citizenship_status", reason: "known needs at least one citizenship"))
    }
}
