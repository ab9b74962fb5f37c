import Casework
import Foundation

/// A synthetic district shaped like the papers (Landkreis Waldshut 2019: six providers, about
/// 25 case workers, people arriving over three years), generated deterministically from a seed:
/// each person's base data, one case with its period, assessment, goals, plan, consultations,
/// referrals and outcomes, and observations that change over time (German improving, work
/// found, some "no answer" kinds), some cases closed. The same settings give the same history,
/// to the id, so every report shows meaningful figures out of the box and the benchmarks have
/// their data. Pure: the caller writes it through the command path.
struct DemoDistrict {
    /// How large.
    struct Settings: Sendable, Equatable {
        /// How many people.
        var people: Int
        /// About how many events each person's case gets (at least 12).
        var eventsPerPerson: Int
        /// The seed.
        var seed: UInt64
        /// The last day of the history.
        var today: CalendarDate
    }

    /// One person's history: their profile and their case's commands in order.
    struct History {
        var profile: Client.Profile
        var caseID: UUID
        var commands: [CaseFile.Command]
    }

    /// The district (the demo's Landkreis Waldshut).
    static let districtID = "08337"

    /// The providers beside the two of the demo staff: name and kind.
    static let providers: [(name: String, kind: OrganisationKind)] = [
        ("Stadt Waldshut-Tiengen", .town), ("Stadt Bad Säckingen", .town),
        ("AWO Kreisverband Waldshut", .welfareOrganisation), ("Diakonisches Werk Hochrhein", .welfareOrganisation),
    ]

    /// The synthetic case workers: subject, organisation (name), team (name), FTE. Together with
    /// the demo's three workers, 25 case workers in six providers.
    static let caseWorkers: [(subject: String, organisation: String, team: String, fte: Double)] = {
        let teams: [(String, String, Int)] = [
            ("Landratsamt Waldshut", "Team Süd", 6), ("Caritasverband Hochrhein", "Team Caritas", 4),
            ("Stadt Waldshut-Tiengen", "Team Waldshut-Tiengen", 3), ("Stadt Bad Säckingen", "Team Bad Säckingen", 3),
            ("AWO Kreisverband Waldshut", "Team AWO", 3), ("Diakonisches Werk Hochrhein", "Team Diakonie", 3),
        ]
        var workers: [(String, String, String, Double)] = []
        for (organisation, team, count) in teams {
            for index in 0..<count {
                let fte = [1.0, 0.75, 0.5, 0.8][(workers.count + index) % 4]
                workers.append(("demo-im-\(String(format: "%02d", workers.count + 1))", organisation, team, fte))
            }
        }
        return workers
    }()

    /// Every case worker a case may go to: the demo's and the synthetic ones.
    static var assignees: [UUID] {
        ["demo-worker-a", "demo-worker-a2", "demo-worker-b"].map { DemoData.id("staff:\($0)") }
            + caseWorkers.map { DemoData.id("staff:\($0.subject)") }
    }

    let settings: Settings

    /// Person `index`'s history.
    func history(of index: Int) -> History {
        var random = SplitMix64(seed: settings.seed &+ UInt64(index) &* 0x9E37_79B9_7F4A_7C15)
        let id = DemoData.id("demo-person-\(settings.seed)-\(index)")
        let caseID = DemoData.id("demo-case-\(settings.seed)-\(index)")
        let today = settings.today
        let openedOn = today.adding(days: -Int.random(in: 7...(3 * 365), using: &random))
        let citizenship = Self.pick(
            [("SY", 30), ("AF", 20), ("IQ", 10), ("UA", 9), ("ER", 8), ("GM", 6), ("NG", 5), ("TR", 5), ("SO", 4), ("IR", 3)],
            &random
        )
        let notAsked = Int.random(in: 0..<100, using: &random) < 3
        let profile = Client.Profile(
            id: id,
            districtID: Self.districtID,
            yearOfBirth: Int.random(in: 0..<100, using: &random) < 4
                ? nil
                : Self.pick([(1965, 5), (1975, 15), (1985, 35), (1995, 30), (2005, 15)], &random)
                    + Int.random(in: 0...9, using: &random),
            gender: Self.pick([(Gender.male, 58), (.female, 39), (.diverse, 1), (.notStated, 2)], &random),
            citizenships: notAsked ? [] : [citizenship],
            languages: [],
            familyStatus: nil,
            municipality: Self.pick(
                Array(Municipalities.names.keys.filter { $0.hasPrefix("08337") }.sorted()).map { ($0, 1) },
                &random
            ),
            arrivedOn: nil,
            targetGroup: citizenship == "UA" ? .displacedFromUkraine : .refugeeFollowUpHousing,
            citizenshipStatus: notAsked ? .notAsked : .known,
            personal: .init(
                givenName: "Person",
                familyName: "Demo \(index + 1)",
                dateOfBirth: nil,
                phone: nil,
                email: nil,
                address: nil
            )
        )
        let assignees = Self.assignees
        let assignee = assignees[Int.random(in: 0..<assignees.count, using: &random)]
        var commands: [CaseFile.Command] = [
            .open(
                .init(
                    caseID: caseID,
                    clientID: id,
                    districtID: Self.districtID,
                    assigneeID: assignee,
                    kind: Int.random(in: 0..<10, using: &random) < 6 ? .handover : .directIntake,
                    openedOn: openedOn
                )
            ),
            .startFollowUpHousing(on: openedOn, targetGroup: profile.targetGroup),
        ]
        var counter = 0
        func nextID() -> UUID {
            counter += 1
            return DemoData.id("demo-item-\(settings.seed)-\(index)-\(counter)")
        }
        func day(_ offset: Int) -> CalendarDate { min(openedOn.adding(days: offset), today) }
        // The case ends: closed for about a third of those older than a year, else today.
        let age = openedOn.days(until: today)
        let closes = age > 365 && Int.random(in: 0..<100, using: &random) < 35
        let lastDay = closes ? openedOn.adding(days: Int.random(in: 300...age, using: &random)) : today
        let span = max(openedOn.days(until: lastDay), 1)

        if Int.random(in: 0..<10, using: &random) < 9 {
            commands.append(
                .recordAssessment(
                    .init(heldOn: day(min(10, span)), needs: [.language, .work], priorities: [.language]),
                    resources: nil,
                    needNotes: []
                )
            )
        }
        var goals: [(UUID, LifeArea)] = []
        for area in [LifeArea.language, .work, .housing].prefix(Int.random(in: 0...3, using: &random)) {
            let goalID = nextID()
            goals.append((goalID, area))
            commands.append(
                .agreeGoal(
                    .init(
                        goalID: goalID,
                        area: area,
                        text: "Ziel",
                        steps: [(CaseFile.Step(owner: .client, dueOn: nil), "Schritt")],
                        dueOn: nil,
                        reviewOn: nil,
                        agreedOn: day(min(20, span))
                    )
                )
            )
        }
        if !goals.isEmpty && Int.random(in: 0..<4, using: &random) < 3 {
            commands.append(.recordPlanAgreement(on: day(min(25, span)), form: .written))
        }

        // Observations: at the start, then every six months while the case runs.
        var german = Self.pick([(0, 45), (1, 25), (2, 10), (-1, 8), (-2, 7), (-3, 5)], &random)
        var employment = Employment.none
        let housing = Self.pick([(Housing.municipalFlat, 45), (.privateFlat, 35), (.sharedAccommodation, 20)], &random)
        var observations: [(Int, CaseFile.Command)] = []
        for (step, offset) in stride(from: 0, through: span, by: 182).enumerated() {
            let on = day(offset)
            let levels = GermanLevel.allCases
            let value: ObservationValue =
                switch german {
                case -1: .declined
                case -2: .notAsked
                case -3: .unknown
                default: .value(levels[min(german, levels.count - 1)].code)
                }
            observations.append(
                (offset, .recordObservation(.init(id: nextID(), field: .germanLevel, value: value, observedOn: on)))
            )
            if german >= 0 && Int.random(in: 0..<10, using: &random) < 6 { german += 1 }
            if german == -2 && step > 0 { german = 0 }
            if step >= 2 && employment == .none && Int.random(in: 0..<10, using: &random) < 3 {
                employment = Self.pick([(Employment.employed, 4), (.miniJob, 3), (.apprenticeship, 2), (.course, 2)], &random)
            }
            observations.append(
                (
                    offset,
                    .recordObservation(.init(id: nextID(), field: .employment, value: .value(employment.code), observedOn: on))
                )
            )
            if step == 0 || step % 2 == 0 {
                observations.append(
                    (
                        offset,
                        .recordObservation(.init(id: nextID(), field: .housing, value: .value(housing.code), observedOn: on))
                    )
                )
                let benefits: Benefits = employment == .employed ? .none : (step == 0 ? .asylbLG : .sgbII)
                observations.append(
                    (
                        offset,
                        .recordObservation(.init(id: nextID(), field: .benefits, value: .value(benefits.code), observedOn: on))
                    )
                )
            }
        }

        // Consultations spread evenly over the case, as many as the event budget leaves.
        let budget = max(settings.eventsPerPerson - commands.count - observations.count - 2, 1)
        let places: [(ConsultationPlace, Int)] = [
            (.office, 50), (.homeVisit, 25), (.phone, 15), (.accompaniment, 7), (.video, 3),
        ]
        var timeline = observations
        var referrals: [UUID] = []
        for number in 0..<budget {
            let offset = min(span * (number + 1) / (budget + 1) + 1, span)
            var made: [CaseFile.Referral] = []
            if Int.random(in: 0..<100, using: &random) < 12 {
                let referral = CaseFile.Referral(
                    id: nextID(),
                    target: Self.pick(
                        [(ReferralTarget.jobcenter, 4), (.migrationCounselling, 2), (.recognitionCounselling, 1), (.club, 1)],
                        &random
                    )
                )
                made.append(referral)
                referrals.append(referral.id)
            }
            timeline.append(
                (
                    offset,
                    .logConsultation(
                        .init(
                            consultationID: nextID(),
                            heldOn: day(offset),
                            durationMinutes: [30, 45, 60, 90][Int.random(in: 0..<4, using: &random)],
                            place: Self.pick(places, &random),
                            language: nil,
                            interpreter: false,
                            topics: [],
                            referrals: made,
                            note: nil
                        )
                    )
                )
            )
        }
        commands += timeline.enumerated().sorted { ($0.element.0, $0.offset) < ($1.element.0, $1.offset) }.map(\.element.1)
        for referral in referrals.prefix(referrals.count / 2) {
            commands.append(.recordReferralOutcome(referralID: referral, outcome: .attended, text: nil, on: lastDay))
        }
        if closes {
            for (goal, _) in goals {
                let status: GoalStatus = Self.pick(
                    [(.achieved, 5), (.partlyAchieved, 3), (.notAchieved, 1), (.dropped, 1)],
                    &random
                )
                commands.append(.changeGoalStatus(goalID: goal, status: status, reason: "Abschluss", on: lastDay))
            }
            let reason = Self.pick(
                [
                    (ClosureReason.goalsReached, 35), (.regularServicesUsed, 25), (.movedAway, 20), (.declined, 10),
                    (.unreachable, 10),
                ],
                &random
            )
            commands.append(.close(reason: reason, text: nil, on: lastDay))
        }
        return History(profile: profile, caseID: caseID, commands: commands)
    }

    /// One of `choices`, each as likely as its weight.
    static func pick<Value>(_ choices: [(Value, Int)], _ random: inout SplitMix64) -> Value {
        let total = choices.reduce(0) { $0 + $1.1 }
        var draw = Int.random(in: 0..<max(total, 1), using: &random)
        for (value, weight) in choices {
            if draw < weight { return value }
            draw -= weight
        }
        return choices[choices.count - 1].0
    }
}

/// A small, fast, seedable generator (Steele, Lea, Flood: SplitMix64): the same seed gives the
/// same numbers on every platform.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var value = state
        value = (value ^ (value >> 30)) &* 0xBF58_476D_1CE4_E5B9
        value = (value ^ (value >> 27)) &* 0x94D0_49BB_1331_11EB
        return value ^ (value >> 31)
    }
}
