import Testing

@testable import Casework

@Suite("Key-figure reports: grouping by definition and withholding small counts")
struct KeyFigureReportTests {
    let day = CalendarDate(year: 2026, month: 6, day: 30)!

    func report(_ counts: KeyFigureCounts, _ version: String = "2025.1") -> KeyFigureReport {
        KeyFigureReport(counts: counts, definition: ReportDefinition.named(version)!, from: day, to: day, asOf: day)
    }

    func row(_ report: KeyFigureReport, _ section: String, _ key: String) -> KeyFigureReport.Row? {
        report.sections.first { $0.key == section }?.rows.first { $0.key == key }
    }

    @Test("every definition file decodes; the newest is the default; the versions are distinct")
    func definitions() {
        #expect(ReportDefinition.all.map(\.version) == ["2019.1", "2025.1"])
        #expect(ReportDefinition.current.version == "2025.1")
        #expect(
            ReportDefinition.named("2019.1")?.bands(of: "german_level")?.map(\.key) == ["below_a1", "a1_a2", "b1_b2", "c1_c2"]
        )
    }

    @Test(
        "given consultations by place, when one place has a count below the threshold, then it and the next smallest are withheld and the total stays"
    )
    func secondarySuppression() {
        let counts = KeyFigureCounts(
            facts: [
                .init(kind: .consultation, key: "office", count: 7, amount: 300),
                .init(kind: .consultation, key: "phone", count: 1, amount: 15),
                .init(kind: .consultation, key: "video", count: 4, amount: 120),
            ],
            peopleCounselled: 5,
            peopleInCounselling: 5,
            answers: [],
            profiles: []
        )
        let withheld = report(counts).suppressed(below: 3)
        #expect(row(withheld, "consultations", "total")?.count == 12)
        #expect(row(withheld, "consultations", "phone")?.suppressed == true)
        #expect(row(withheld, "consultations", "phone")?.amount == nil)
        #expect(row(withheld, "consultations", "video")?.suppressed == true, "else total − office − video gives phone back")
        #expect(row(withheld, "consultations", "office")?.count == 7)
        #expect(row(withheld, "consultations", "home_visit")?.count == 0, "zero identifies nobody")
    }

    @Test("given a rare citizenship, when withheld, then no row names the country: it counts under other")
    func rareCountries() {
        let profiles = [
            KeyFigureCounts.Profiles(
                targetGroup: "refugee_follow_up_housing",
                gender: "male",
                yearOfBirth: 1990,
                citizenship: "SY",
                citizenshipStatus: "known",
                count: 6
            ),
            .init(
                targetGroup: "refugee_follow_up_housing",
                gender: "female",
                yearOfBirth: 1990,
                citizenship: "AF",
                citizenshipStatus: "known",
                count: 4
            ),
            .init(
                targetGroup: "refugee_follow_up_housing",
                gender: "male",
                yearOfBirth: 1980,
                citizenship: "ER",
                citizenshipStatus: "known",
                count: 1
            ),
        ]
        let counts = KeyFigureCounts(facts: [], peopleCounselled: 0, peopleInCounselling: 11, answers: [], profiles: profiles)
        #expect(row(report(counts), "citizenship", "ER")?.count == 1)
        let withheld = report(counts).suppressed(below: 3)
        #expect(row(withheld, "citizenship", "ER") == nil)
        #expect(row(withheld, "citizenship", "other")?.suppressed == true)
        #expect(row(withheld, "citizenship", "SY")?.count == 6)
    }

    @Test(
        "given the same counts, when grouped by the 2019 and the 2025 definition, then age groups and goals reached follow each"
    )
    func versions() {
        let counts = KeyFigureCounts(
            facts: [
                .init(kind: .caseClosed, key: "goals_reached", count: 2),
                .init(kind: .caseClosed, key: "regular_services_used", count: 3),
            ],
            peopleCounselled: 0,
            peopleInCounselling: 1,
            answers: [],
            profiles: [
                .init(
                    targetGroup: "refugee_follow_up_housing",
                    gender: nil,
                    yearOfBirth: 2006,
                    citizenship: nil,
                    citizenshipStatus: nil,
                    count: 1
                )
            ]
        )
        #expect(row(report(counts, "2019.1"), "cases_closed", "goals_reached")?.count == 2)
        #expect(row(report(counts, "2025.1"), "cases_closed", "goals_reached")?.count == 5)
        #expect(row(report(counts, "2019.1"), "age_group", "18_25")?.count == 1)
        #expect(row(report(counts, "2025.1"), "age_group", "18_26")?.count == 1)
        #expect(row(report(counts), "gender", "never_recorded")?.count == 1)
        #expect(row(report(counts), "german_level", "never_recorded")?.count == 1)
    }
}
