public import Foundation

/// What the key figures depend on but no rule refuses: combinations of facts that are
/// possible (the papers know EU citizens among refugees, people without a known citizenship,
/// files taken over with gaps) yet usually mean a fact is missing or wrong. They are reported,
/// never refused, so the data can be put right before it is counted.
public enum DataQuality {
    /// One warning about a client, or about one of their cases.
    public struct Finding: Sendable, Equatable {
        /// What is odd.
        public var warning: DataQualityWarning
        /// The client.
        public var clientID: UUID
        /// The case, for warnings about a case.
        public var caseID: UUID?
        /// The field to look at, as the API names it.
        public var field: String
    }

    /// The member states of the European Union but Germany: their citizens move freely and are
    /// rarely refugees (Germans are not counted here: naturalisation ends the counselling).
    public static let euMemberStates: Set<String> = [
        "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "GR", "HU", "IE", "IT", "LV", "LT", "LU", "MT", "NL",
        "PL", "PT", "RO", "SK", "SI", "ES", "SE",
    ]

    /// The warnings about `client` and their `cases` on `today`; a case is expected to have a
    /// goal and a consultation `planWeeks` weeks after it was opened.
    public static func findings(
        client: Client.Profile,
        cases: [CaseFile.Record],
        today: CalendarDate,
        planWeeks: Int
    ) -> [Finding] {
        var found: [Finding] = []
        func warn(_ warning: DataQualityWarning, _ field: String, case caseID: UUID? = nil) {
            found.append(Finding(warning: warning, clientID: client.id, caseID: caseID, field: field))
        }
        if client.targetGroup == .refugeeFollowUpHousing, client.citizenships.contains(where: euMemberStates.contains) {
            warn(.euCitizenAsRefugee, "citizenships")
        }
        if client.targetGroup == .displacedFromUkraine, !client.citizenships.isEmpty, !client.citizenships.contains("UA") {
            warn(.displacedFromUkraineWithoutUkrainianCitizenship, "citizenships")
        }
        if (client.citizenshipStatus ?? (client.citizenships.isEmpty ? .notAsked : .known)) == .notAsked {
            warn(.citizenshipNotAsked, "citizenship_status")
        }
        if client.yearOfBirth == nil { warn(.yearOfBirthMissing, "year_of_birth") }
        if let municipality = client.municipality, !Municipalities.isKey(municipality, inDistrict: client.districtID) {
            warn(.municipalityNotAKey, "municipality")
        }
        for record in cases {
            let due = record.openedOn.adding(days: 7 * planWeeks)
            if record.periodStart != nil, !client.targetGroup.livesInFollowUpHousing {
                warn(.periodWithoutFollowUpHousing, "period_start", case: record.id)
            }
            guard !record.isClosed else { continue }
            if record.periodStart == nil, client.targetGroup.livesInFollowUpHousing, due <= today {
                warn(.periodStartMissing, "period_start", case: record.id)
            }
            if let end = record.periodEnd, end < today { warn(.periodEndedCaseOpen, "period_end", case: record.id) }
            if record.goals.isEmpty, due <= today { warn(.noGoalAfterPlanWeeks, "goals", case: record.id) }
            if record.consultationCount == 0, due <= today {
                warn(.noConsultationAfterPlanWeeks, "consultations", case: record.id)
            }
        }
        return found
    }
}

/// The kinds of data-quality warning.
public enum DataQualityWarning: String, TabulatedCodeList {
    case euCitizenAsRefugee = "eu_citizen_as_refugee"
    case displacedFromUkraineWithoutUkrainianCitizenship = "displaced_from_ukraine_without_ukrainian_citizenship"
    case citizenshipNotAsked = "citizenship_not_asked"
    case yearOfBirthMissing = "year_of_birth_missing"
    case municipalityNotAKey = "municipality_not_a_key"
    case periodWithoutFollowUpHousing = "period_without_follow_up_housing"
    case periodStartMissing = "period_start_missing"
    case periodEndedCaseOpen = "period_ended_case_open"
    case noGoalAfterPlanWeeks = "no_goal_after_plan_weeks"
    case noConsultationAfterPlanWeeks = "no_consultation_after_plan_weeks"

    /// The list's stable name.
    public static let listName = "data_quality_warning"
    /// The labels.
    public static let labels: [Self: (german: String, english: String)] = [
        .euCitizenAsRefugee: ("EU-Staatsangehörigkeit in der Zielgruppe Geflüchtete", "EU citizen in the refugee target group"),
        .displacedFromUkraineWithoutUkrainianCitizenship: (
            "Vertriebene aus der Ukraine ohne ukrainische Staatsangehörigkeit",
            "displaced from Ukraine without Ukrainian citizenship"
        ),
        .citizenshipNotAsked: ("Staatsangehörigkeit nicht erfragt", "citizenship not asked"),
        .yearOfBirthMissing: ("Geburtsjahr fehlt", "year of birth missing"),
        .municipalityNotAKey: ("Wohnort ist kein Gemeindeschlüssel", "municipality is no official key"),
        .periodWithoutFollowUpHousing: (
            "Beratungszeitraum ohne Anschlussunterbringung (Zielgruppe)",
            "counselling period for a target group without follow-up housing"
        ),
        .periodStartMissing: ("Beginn der Anschlussunterbringung fehlt", "start of follow-up housing missing"),
        .periodEndedCaseOpen: ("Beratungszeitraum abgelaufen, Fall offen", "counselling period ended, case open"),
        .noGoalAfterPlanWeeks: ("kein Ziel vereinbart nach Planfrist", "no goal agreed after the planning weeks"),
        .noConsultationAfterPlanWeeks: ("kein Beratungskontakt nach Planfrist", "no consultation after the planning weeks"),
    ]
}
