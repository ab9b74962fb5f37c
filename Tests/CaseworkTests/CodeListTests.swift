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

    @Test("stored codes never change")
    func storedCodesAreStable() {
        // Events and key figures store these codes: a change here breaks every stored fact.
        #expect(GermanLevel.allCases.map(\.code) == ["below_a1", "a1", "a2", "b1", "b2", "c1", "c2"])
        #expect(Housing.allCases.map(\.code) == ["private_flat", "municipal_flat", "shared_accommodation"])
        #expect(Benefits.allCases.map(\.code) == ["asylblg", "sgb_ii", "sgb_xii", "none"])
        #expect(
            ClosureReason.allCases.map(\.code) == [
                "goals_reached", "moved_out_of_district", "counselling_period_ended", "declined_further_counselling",
                "unreachable", "deceased", "other",
            ]
        )
        #expect(ClosureReason(rawValue: "moved_out_of_district") == .movedAway)
    }
}
