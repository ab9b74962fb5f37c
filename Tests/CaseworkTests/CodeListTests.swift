import Casework
import Testing

@Suite("Code lists")
struct CodeListTests {
    @Test("every list has a unique name, and codes that are unique, snake_case and labelled in German and English")
    func codesAndLabels() {
        let names = CodeLists.all.map(\.name)
        #expect(Set(names).count == names.count)
        for list in CodeLists.all {
            #expect(!list.entries.isEmpty, "\(list.name)")
            #expect(Set(list.entries.map(\.code)).count == list.entries.count, "\(list.name) has a duplicate code")
            for entry in list.entries {
                #expect(entry.code.allSatisfy { $0.isLowercase || $0.isNumber || $0 == "_" }, "\(list.name).\(entry.code)")
                #expect(!entry.german.isEmpty && !entry.english.isEmpty, "\(list.name).\(entry.code)")
            }
        }
    }

    @Test("stored codes never change or go; lists only grow")
    func storedCodesAreStable() {
        // Events and key figures store these codes: renaming or removing one breaks every stored
        // fact; a new code breaks nothing.
        func keeps<List: CodeList>(_ list: List.Type, _ codes: [String], sourceLocation: SourceLocation = #_sourceLocation) {
            let current = List.allCases.map(\.code)
            #expect(Set(current).isSuperset(of: codes), "\(List.listName) lost a code", sourceLocation: sourceLocation)
        }
        keeps(GermanLevel.self, ["below_a1", "a1", "a2", "b1", "b2", "c1", "c2"])
        keeps(
            Housing.self,
            ["private_flat", "municipal_flat", "shared_accommodation", "preliminary_accommodation", "homeless_shelter"]
        )
        keeps(Benefits.self, ["asylblg", "sgb_ii", "sgb_iii", "sgb_xii", "none"])
        keeps(
            ClosureReason.self,
            [
                "goals_reached", "moved_out_of_district", "counselling_period_ended", "declined_further_counselling",
                "unreachable", "deceased", "regular_services_used", "naturalised", "departed", "moved_within_district", "other",
            ]
        )
        keeps(
            Employment.self,
            [
                "none", "mini_job", "apprenticeship", "employed", "self_employed", "course_or_measure", "internship",
                "work_opportunity_agh", "introductory_qualification_eq", "studies",
            ]
        )
        keeps(ConsultationPlace.self, ["office", "home_visit", "phone", "video", "accompaniment", "other"])
        keeps(CourseAttendance.self, ["none", "integration_course", "job_related_course", "literacy_course", "other_course"])
        keeps(ResidenceStatus.self, ["eu_free_movement", "naturalised", "other"])
        keeps(Schooling.self, ["preparatory_class_vkl"])
        keeps(ReferralTarget.self, ["jobcenter", "social_welfare_office", "youth_welfare_office", "bamf", "other"])
        #expect(ClosureReason(rawValue: "moved_out_of_district") == .movedAway)
    }

    @Test("the codes the district papers use are there, labelled")
    func codesOfThePapers() {
        // Konstanz (seed 001): accompaniment to authorities; Lörrach and Waldshut: VU apart from a
        // municipal GU, literacy courses, internships, AGH, EQ; closure by naturalisation or departure.
        #expect(ConsultationPlace.accompaniment.germanLabel.contains("Behördenbegleitung"))
        #expect(Housing.preliminaryAccommodation.germanLabel.contains("(VU)"))
        #expect(Employment.workOpportunity.germanLabel.contains("(AGH)"))
        #expect(ClosureReason.regularServicesUsed != ClosureReason.goalsReached)
        #expect(CodeLists.all.contains { $0.name == "observation_field" })
    }
}
