import Foundation
import Testing

@testable import Casework

@Suite("Data quality: what the figures depend on, warned about, never refused")
struct DataQualityTests {
    let today = CalendarDate("2026-11-30")!
    let clientID = UUID()

    func client(
        _ group: TargetGroup = .refugeeFollowUpHousing,
        citizenships: [String] = ["SY"],
        status: CitizenshipStatus? = nil,
        municipality: String? = "08337126"
    ) -> Client.Profile {
        Client.Profile(
            id: clientID,
            districtID: "08337",
            yearOfBirth: 1990,
            gender: .female,
            citizenships: citizenships,
            languages: [],
            familyStatus: nil,
            municipality: municipality,
            arrivedOn: nil,
            targetGroup: group,
            citizenshipStatus: status,
            personal: nil
        )
    }

    func record(openedOn: String, periodStart: String? = nil, goals: Bool = false, consultations: Int = 0) -> CaseFile.Record {
        var record = CaseFile.Record(
            id: UUID(),
            clientID: clientID,
            districtID: "08337",
            assigneeID: UUID(),
            opening: .directIntake,
            openedOn: CalendarDate(openedOn)!
        )
        record.periodStart = periodStart.flatMap(CalendarDate.init)
        record.consultationCount = consultations
        if goals {
            record.goals = [
                .init(
                    id: UUID(),
                    area: .work,
                    status: .agreed,
                    steps: [],
                    dueOn: nil,
                    reviewOn: nil,
                    statusChangedOn: record.openedOn
                )
            ]
        }
        return record
    }

    func warnings(_ client: Client.Profile, _ cases: [CaseFile.Record] = []) -> [DataQualityWarning] {
        DataQuality.findings(client: client, cases: cases, today: today, planWeeks: 8).map(\.warning)
    }

    @Test("a complete person with a case that is under way has no warning")
    func clean() {
        #expect(
            warnings(client(), [record(openedOn: "2026-01-05", periodStart: "2026-01-05", goals: true, consultations: 3)]).isEmpty
        )
        #expect(warnings(client(), [record(openedOn: "2026-11-20")]).isEmpty, "a new case has its planning weeks")
    }

    @Test("odd combinations of base data are warned about")
    func baseData() {
        #expect(warnings(client(citizenships: ["PL"])) == [.euCitizenAsRefugee])
        #expect(
            warnings(client(.displacedFromUkraine, citizenships: ["SY"])) == [.displacedFromUkraineWithoutUkrainianCitizenship]
        )
        #expect(warnings(client(citizenships: [])) == [.citizenshipNotAsked])
        #expect(warnings(client(citizenships: [], status: .stateless)).isEmpty)
        #expect(warnings(client(municipality: "Waldshut")) == [.municipalityNotAKey])
        #expect(warnings(client(.euLabourMigrant, citizenships: ["PL"])).isEmpty, "an EU labour migrant is expected")
    }

    @Test(
        "cases without a period, a goal or a consultation after the planning weeks, or open past their period, are warned about"
    )
    func cases() {
        let idle = record(openedOn: "2026-01-05")
        let found = DataQuality.findings(client: client(), cases: [idle], today: today, planWeeks: 8)
        #expect(found.map(\.warning) == [.periodStartMissing, .noGoalAfterPlanWeeks, .noConsultationAfterPlanWeeks])
        #expect(found.allSatisfy { $0.caseID == idle.id && $0.clientID == clientID })
        #expect(
            warnings(client(), [record(openedOn: "2023-01-05", periodStart: "2023-01-05", goals: true, consultations: 1)])
                == [.periodEndedCaseOpen]
        )
        #expect(
            warnings(
                client(.euLabourMigrant, citizenships: ["PL"]),
                [record(openedOn: "2026-01-05", periodStart: "2026-01-05", goals: true, consultations: 1)]
            )
                == [.periodWithoutFollowUpHousing]
        )
    }
}
