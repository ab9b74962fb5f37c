public import Casework
import EventStore
import Foundation

/// The synthetic demo district written as the import file of an older system
/// (`wegweiser import-example`): the same people and histories `wegweiser demo` loads, with
/// the older ids `P-n` (people), `F-n` (cases), `G-n-k` (goals), `K-n-k` (consultations),
/// `B-n-k` (observations) and `Z-n` (a consent to data collection per case). Referral outcomes
/// are left out: the format has no record for them. The cases are assigned to the demo's case
/// workers, so the file imports into a database where `wegweiser demo` has run.
public enum DemoImportFile {
    /// Calls `write` with each line of the file of `people` people (seed `seed`, history up to
    /// `today`, about `eventsPerPerson` events each), in order, without line breaks.
    public static func lines(
        people: Int,
        seed: UInt64,
        eventsPerPerson: Int = 60,
        today: CalendarDate,
        _ write: (String) throws -> Void
    ) rethrows {
        let district = DemoDistrict(
            settings: .init(people: people, eventsPerPerson: eventsPerPerson, seed: seed, today: today)
        )
        for index in 0..<people {
            for record in records(of: district.history(of: index), number: index + 1) { try write(record.jsonText()) }
        }
    }

    /// Person `number`'s records.
    static func records(of history: DemoDistrict.History, number: Int) -> [JSONValue] {
        let profile = history.profile
        let person = "P-\(number)"
        let caseRef = "F-\(number)"
        var client: [String: JSONValue] = [
            "family_name": .string(profile.personal?.familyName ?? "Demo \(number)"),
            "given_name": .string(profile.personal?.givenName ?? "Person"),
            "citizenships": .array(profile.citizenships.map(JSONValue.string)),
            "target_group": .string(profile.targetGroup.rawValue),
        ]
        client["year_of_birth"] = profile.yearOfBirth.map { .integer(Int64($0)) }
        client["gender"] = profile.gender.map { .string($0.rawValue) }
        client["municipality"] = profile.municipality.map(JSONValue.string)
        client["citizenship_status"] = profile.citizenshipStatus.map { .string($0.rawValue) }
        var records: [JSONValue] = [record("client", id: person, body: client)]
        var goals: [UUID: String] = [:]
        var count = 0
        func next(_ prefix: String) -> String {
            count += 1
            return "\(prefix)-\(number)-\(count)"
        }
        for command in history.commands {
            switch command {
            case .open(let opening):
                records.append(
                    record(
                        "case",
                        id: caseRef,
                        refs: ["client": person],
                        body: [
                            "opening": .string(opening.kind.rawValue),
                            "opened_on": .string(opening.openedOn.description),
                            "assignee_id": .string(opening.assigneeID.uuidString.lowercased()),
                        ]
                    )
                )
                records.append(
                    record(
                        "consent",
                        id: "Z-\(number)",
                        refs: ["case": caseRef],
                        body: [
                            "purpose": .string("data_collection"),
                            "categories": .array(
                                ["german_level", "employment", "housing", "benefits", "integration_plan", "consultations"].map(
                                    JSONValue.string
                                )
                            ),
                            "given_at": .string("\(opening.openedOn.description)T09:00:00Z"),
                            "form": .string("written"),
                        ]
                    )
                )
            case .startFollowUpHousing(let on, _):
                records.append(
                    record("counselling_period", refs: ["case": caseRef], body: ["started_on": .string(on.description)])
                )
            case .recordAssessment(let assessment, _, _):
                records.append(
                    record(
                        "assessment",
                        refs: ["case": caseRef],
                        body: [
                            "held_on": .string(assessment.heldOn.description),
                            "needs": .array(assessment.needs.map { .string($0.rawValue) }),
                            "priorities": .array(assessment.priorities.map { .string($0.rawValue) }),
                        ]
                    )
                )
            case .agreeGoal(let goal):
                let id = next("G")
                goals[goal.goalID] = id
                records.append(
                    record(
                        "goal",
                        id: id,
                        refs: ["case": caseRef],
                        body: [
                            "area": .string(goal.area.rawValue),
                            "text": .string(goal.text),
                            "steps": .array(
                                goal.steps.map { .object(["owner": .string($0.step.owner.rawValue), "text": .string($0.text)]) }
                            ),
                            "agreed_on": .string(goal.agreedOn.description),
                        ]
                    )
                )
            case .changeGoalStatus(let goalID, let status, let reason, let on):
                var body: [String: JSONValue] = ["status": .string(status.rawValue), "changed_on": .string(on.description)]
                body["reason"] = reason.map(JSONValue.string)
                records.append(record("goal_status", refs: ["case": caseRef, "goal": goals[goalID] ?? ""], body: body))
            case .recordPlanAgreement(let on, let form):
                records.append(
                    record(
                        "plan_agreement",
                        refs: ["case": caseRef],
                        body: ["agreed_on": .string(on.description), "form": .string(form.rawValue)]
                    )
                )
            case .recordObservation(let observation):
                let value: JSONValue =
                    switch observation.value {
                    case .value(let code): .object(["status": .string("value"), "code": .string(code)])
                    case .declined: .object(["status": .string("declined")])
                    case .notAsked: .object(["status": .string("not_asked")])
                    case .unknown: .object(["status": .string("unknown")])
                    }
                records.append(
                    record(
                        "observation",
                        id: next("B"),
                        refs: ["case": caseRef],
                        body: [
                            "field": .string(observation.field.rawValue),
                            "value": value,
                            "observed_on": .string(observation.observedOn.description),
                        ]
                    )
                )
            case .logConsultation(let log):
                records.append(
                    record(
                        "consultation",
                        id: next("K"),
                        refs: ["case": caseRef],
                        body: [
                            "held_on": .string(log.heldOn.description),
                            "duration_minutes": .integer(Int64(log.durationMinutes)),
                            "place": .string(log.place.rawValue),
                            "referrals": .array(log.referrals.map { .object(["target": .string($0.target.rawValue)]) }),
                        ]
                    )
                )
            case .close(let reason, _, let on):
                records.append(
                    record(
                        "closure",
                        refs: ["case": caseRef],
                        body: ["reason": .string(reason?.rawValue ?? "other"), "closed_on": .string(on.description)]
                    )
                )
            default:
                continue
            }
        }
        return records
    }

    /// One record.
    private static func record(
        _ kind: String,
        id: String? = nil,
        refs: [String: String] = [:],
        body: [String: JSONValue]
    ) -> JSONValue {
        var object: [String: JSONValue] = ["record": .string(kind), "body": .object(body)]
        object["id"] = id.map(JSONValue.string)
        for (name, value) in refs { object[name] = .string(value) }
        return .object(object)
    }
}
