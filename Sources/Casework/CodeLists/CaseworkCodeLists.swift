/// Who a client is counselled as; the list can grow (Lörrach asks for labour migrants too).
public enum TargetGroup: String, TabulatedCodeList {
    case refugeeFollowUpHousing = "refugee_follow_up_housing", displacedFromUkraine = "displaced_from_ukraine"
    case euLabourMigrant = "eu_labour_migrant", thirdCountryLabourMigrant = "third_country_labour_migrant"

    /// The list's stable name.
    public static let listName = "target_group"
    /// The labels.
    public static let labels: [Self: (german: String, english: String)] = [
        .refugeeFollowUpHousing: ("Geflüchtete in der Anschlussunterbringung", "refugee in follow-up housing"),
        .displacedFromUkraine: ("Vertriebene aus der Ukraine", "displaced person from Ukraine"),
        .euLabourMigrant: ("EU-Arbeitsmigrant*in", "EU labour migrant"),
        .thirdCountryLabourMigrant: ("Arbeitsmigrant*in aus Drittstaaten", "third-country labour migrant"),
    ]

    /// Whether people of the group live in follow-up housing, so their cases have a counselling
    /// period: refugees, and people displaced from Ukraine, whom the districts allocate to it
    /// too. Labour migrants come for work and find their own homes (seed 004, line 105).
    public var livesInFollowUpHousing: Bool {
        switch self {
        case .refugeeFollowUpHousing, .displacedFromUkraine: true
        case .euLabourMigrant, .thirdCountryLabourMigrant: false
        }
    }
}

/// Gender as the client states it.
public enum Gender: String, TabulatedCodeList {
    case female, male, diverse, notStated = "not_stated"

    /// The list's stable name.
    public static let listName = "gender"
    /// The labels.
    public static let labels: [Self: (german: String, english: String)] = [
        .female: ("weiblich", "female"), .male: ("männlich", "male"), .diverse: ("divers", "diverse"),
        .notStated: ("keine Angabe", "not stated"),
    ]
}

/// Family status.
public enum FamilyStatus: String, TabulatedCodeList {
    case single, married, partnership, separated, divorced, widowed

    /// The list's stable name.
    public static let listName = "family_status"
    /// The labels.
    public static let labels: [Self: (german: String, english: String)] = [
        .single: ("ledig", "single"), .married: ("verheiratet", "married"),
        .partnership: ("eingetragene Partnerschaft", "registered partnership"), .separated: ("getrennt lebend", "separated"),
        .divorced: ("geschieden", "divorced"), .widowed: ("verwitwet", "widowed"),
    ]
}

/// Where a case worker refers a client to.
public enum ReferralTarget: String, TabulatedCodeList {
    case jobcenter, employmentAgency = "employment_agency", immigrationOffice = "immigration_office"
    case migrationCounselling = "migration_counselling_mbe", youthMigrationService = "youth_migration_service_jmd"
    case debtCounselling = "debt_counselling", recognitionCounselling = "recognition_counselling"
    case schoolOrKita = "school_or_kita", club, volunteerCircle = "volunteer_circle"
    case socialWelfareOffice = "social_welfare_office", youthWelfareOffice = "youth_welfare_office", bamf, other

    /// The list's stable name.
    public static let listName = "referral_target"
    /// The labels.
    public static let labels: [Self: (german: String, english: String)] = [
        .jobcenter: ("Jobcenter", "Jobcenter"), .employmentAgency: ("Agentur für Arbeit", "employment agency"),
        .immigrationOffice: ("Ausländerbehörde", "immigration office"),
        .migrationCounselling: ("Migrationsberatung für Erwachsene (MBE)", "migration counselling for adults (MBE)"),
        .youthMigrationService: ("Jugendmigrationsdienst (JMD)", "youth migration service (JMD)"),
        .debtCounselling: ("Schuldnerberatung", "debt counselling"),
        .recognitionCounselling: ("Anerkennungsberatung", "recognition counselling"),
        .schoolOrKita: ("Schule oder Kita", "school or Kita"), .club: ("Verein", "club"),
        .volunteerCircle: ("Helferkreis", "volunteer circle"),
        .socialWelfareOffice: ("Sozialamt", "social welfare office"), .youthWelfareOffice: ("Jugendamt", "youth welfare office"),
        .bamf: ("Bundesamt für Migration und Flüchtlinge (BAMF)", "Federal Office for Migration and Refugees (BAMF)"),
        .other: ("Sonstige", "other"),
    ]
}

/// Where a goal of the integration plan stands.
public enum GoalStatus: String, TabulatedCodeList {
    case agreed, inProgress = "in_progress", achieved, partlyAchieved = "partly_achieved", notAchieved = "not_achieved", dropped

    /// The list's stable name.
    public static let listName = "goal_status"
    /// The labels.
    public static let labels: [Self: (german: String, english: String)] = [
        .agreed: ("vereinbart", "agreed"), .inProgress: ("in Arbeit", "in progress"), .achieved: ("erreicht", "achieved"),
        .partlyAchieved: ("teilweise erreicht", "partly achieved"), .notAchieved: ("nicht erreicht", "not achieved"),
        .dropped: ("aufgegeben", "dropped"),
    ]

    /// Whether the goal has ended (no further change).
    public var isFinal: Bool { ![.agreed, .inProgress].contains(self) }
}

/// Who does an agreed step.
public enum StepOwner: String, TabulatedCodeList {
    case client, caseWorker = "case_worker", partner

    /// The list's stable name.
    public static let listName = "step_owner"
    /// The labels.
    public static let labels: [Self: (german: String, english: String)] = [
        .client: ("Klient*in", "client"), .caseWorker: ("Integrationsmanager*in", "case worker"),
        .partner: ("Partner", "partner"),
    ]
}

/// What a consent covers.
public enum ConsentPurpose: String, TabulatedCodeList {
    case dataCollection = "data_collection", jobcenterHandoff = "jobcenter_handoff", partnerSharing = "partner_sharing"

    /// The list's stable name.
    public static let listName = "consent_purpose"
    /// The labels.
    public static let labels: [Self: (german: String, english: String)] = [
        .dataCollection: ("Datenerhebung über die Grunddaten hinaus", "data collection beyond base data"),
        .jobcenterHandoff: ("Übermittlung an das Jobcenter", "Jobcenter hand-off"),
        .partnerSharing: ("Weitergabe an einen benannten Partner", "sharing with a named partner"),
    ]
}

/// How a consent or the agreement to a plan was given.
public enum ConsentForm: String, TabulatedCodeList {
    case written, electronic, oral

    /// The list's stable name.
    public static let listName = "consent_form"
    /// The labels.
    public static let labels: [Self: (german: String, english: String)] = [
        .written: ("schriftlich", "written"), .electronic: ("elektronisch", "electronic"), .oral: ("mündlich", "oral"),
    ]
}

/// How a case began.
public enum CaseOpening: String, TabulatedCodeList {
    case handover, directIntake = "direct_intake"

    /// The list's stable name.
    public static let listName = "case_opening"
    /// The labels.
    public static let labels: [Self: (german: String, english: String)] = [
        .handover: ("Übergabe aus der vorläufigen Unterbringung", "hand-over from preliminary accommodation"),
        .directIntake: ("direkte Aufnahme", "direct intake"),
    ]
}

/// School education.
public enum Schooling: String, TabulatedCodeList {
    case none, primary, lowerSecondary = "lower_secondary", upperSecondary = "upper_secondary"
    case universityEntrance = "university_entrance", preparatoryClass = "preparatory_class_vkl"

    /// The list's stable name.
    public static let listName = "schooling"
    /// The labels.
    public static let labels: [Self: (german: String, english: String)] = [
        .none: ("kein Schulbesuch", "no schooling"), .primary: ("Grundschule", "primary school"),
        .lowerSecondary: ("Sekundarstufe I", "lower secondary"), .upperSecondary: ("Sekundarstufe II", "upper secondary"),
        .universityEntrance: ("Hochschulreife", "university entrance qualification"),
        .preparatoryClass: ("besucht eine Vorbereitungsklasse (VKL)", "attends a preparatory class (VKL)"),
    ]
}

/// Vocational qualification.
public enum VocationalQualification: String, TabulatedCodeList {
    case none, inTraining = "in_training", vocational, academic

    /// The list's stable name.
    public static let listName = "vocational_qualification"
    /// The labels.
    public static let labels: [Self: (german: String, english: String)] = [
        .none: ("keine", "none"), .inTraining: ("in Ausbildung", "in training"),
        .vocational: ("Berufsabschluss", "vocational qualification"), .academic: ("Hochschulabschluss", "academic degree"),
    ]
}

/// Recognition of a foreign degree.
public enum Recognition: String, TabulatedCodeList {
    case notApplicable = "not_applicable", notStarted = "not_started", inProgress = "in_progress", full, partial, refused

    /// The list's stable name.
    public static let listName = "recognition"
    /// The labels.
    public static let labels: [Self: (german: String, english: String)] = [
        .notApplicable: ("kein ausländischer Abschluss", "no foreign degree"),
        .notStarted: ("nicht beantragt", "not applied for"),
        .inProgress: ("Verfahren läuft", "in progress"), .full: ("voll anerkannt", "fully recognised"),
        .partial: ("teilweise anerkannt", "partly recognised"), .refused: ("abgelehnt", "refused"),
    ]
}

/// Residence status.
public enum ResidenceStatus: String, TabulatedCodeList {
    case asylumProcedure = "asylum_procedure", recognisedRefugee = "recognised_refugee"
    case subsidiaryProtection = "subsidiary_protection", banOnDeportation = "ban_on_deportation"
    case temporaryProtection = "temporary_protection", toleration, settlementPermit = "settlement_permit"
    case euFreeMovement = "eu_free_movement", naturalised, other

    /// The list's stable name.
    public static let listName = "residence_status"
    /// The labels.
    public static let labels: [Self: (german: String, english: String)] = [
        .asylumProcedure: ("Aufenthaltsgestattung (Asylverfahren)", "asylum procedure"),
        .recognisedRefugee: ("anerkannt (Asyl / Flüchtlingsschutz)", "recognised refugee"),
        .subsidiaryProtection: ("subsidiärer Schutz", "subsidiary protection"),
        .banOnDeportation: ("Abschiebungsverbot", "ban on deportation"),
        .temporaryProtection: ("vorübergehender Schutz (§ 24 AufenthG)", "temporary protection"),
        .toleration: ("Duldung", "toleration"), .settlementPermit: ("Niederlassungserlaubnis", "settlement permit"),
        .euFreeMovement: ("Freizügigkeit (EU)", "EU free movement"), .naturalised: ("eingebürgert", "naturalised"),
        .other: ("Sonstiges", "other"),
    ]
}

/// Attendance of a language or integration course.
public enum CourseAttendance: String, TabulatedCodeList {
    case none, integrationCourse = "integration_course", jobRelatedCourse = "job_related_course"
    case literacyCourse = "literacy_course", otherCourse = "other_course"

    /// The list's stable name.
    public static let listName = "course_attendance"
    /// The labels.
    public static let labels: [Self: (german: String, english: String)] = [
        .none: ("kein Kurs", "no course"), .integrationCourse: ("Integrationskurs", "integration course"),
        .jobRelatedCourse: ("Berufssprachkurs", "job-related language course"),
        .literacyCourse: ("Alphabetisierungskurs", "literacy course"), .otherCourse: ("anderer Kurs", "other course"),
    ]
}

/// Why a counselling period is extended (VwV: only in justified individual cases, at most a
/// year); reported by code, with a text for `other`.
public enum ExtensionReason: String, TabulatedCodeList {
    case ongoingTraining = "ongoing_training_or_studies", ongoingCourse = "ongoing_course"
    case labourMarketEntry = "labour_market_entry", health, familySituation = "family_situation"
    case residenceProcedure = "residence_procedure", housing, other

    /// The list's stable name.
    public static let listName = "extension_reason"
    /// The labels.
    public static let labels: [Self: (german: String, english: String)] = [
        .ongoingTraining: ("laufende Ausbildung oder laufendes Studium", "training or studies under way"),
        .ongoingCourse: ("laufender Sprach- oder Integrationskurs", "language or integration course under way"),
        .labourMarketEntry: ("Übergang in Arbeit steht bevor", "entry into work is imminent"),
        .health: ("gesundheitliche Gründe", "health"), .familySituation: ("familiäre Situation", "family situation"),
        .residenceProcedure: ("laufendes aufenthaltsrechtliches Verfahren", "residence procedure under way"),
        .housing: ("Wohnsituation ungeklärt", "housing unresolved"),
        .other: ("sonstiger Grund (mit Begründung)", "other (with a reason)"),
    ]
}

/// The data a consent covers: the person's identity and contact data, each field of soft data,
/// the integration plan and the consultations. A hand-off passes only what its consent covers.
public enum ConsentCategory: String, TabulatedCodeList {
    case identity, contactData = "contact_data", germanLevel = "german_level", courseAttendance = "course_attendance"
    case schooling, vocationalQualification = "vocational_qualification", recognition, employment, benefits, housing
    case residenceStatus = "residence_status", integrationPlan = "integration_plan", consultations
    case workExperience = "work_experience", occupationalGoal = "occupational_goal", competences

    /// The list's stable name.
    public static let listName = "consent_category"
    /// The labels.
    public static let labels: [Self: (german: String, english: String)] = [
        .identity: ("Name und Geburtsdatum", "name and date of birth"),
        .contactData: ("Kontaktdaten und Anschrift", "contact data and address"),
        .germanLevel: ("Deutschkenntnisse", "German level"), .courseAttendance: ("Kursbesuch", "course attendance"),
        .schooling: ("Schulbildung", "schooling"), .vocationalQualification: ("Berufsabschluss", "vocational qualification"),
        .recognition: ("Anerkennung ausländischer Abschlüsse", "recognition of a foreign degree"),
        .employment: ("Erwerbstätigkeit", "employment"), .benefits: ("Leistungsbezug", "benefits"),
        .housing: ("Wohnsituation", "housing"), .residenceStatus: ("Aufenthaltsstatus", "residence status"),
        .integrationPlan: ("Integrationsplan und Ziele", "integration plan and goals"),
        .consultations: ("Beratungskontakte", "consultations"),
        .workExperience: ("Berufserfahrung", "work experience"), .occupationalGoal: ("Berufsziel", "occupational goal"),
        .competences: ("Kompetenzen", "competences"),
    ]
}

/// What came of a referral; reported by code, with a text for `other`.
public enum ReferralOutcome: String, TabulatedCodeList {
    case appointmentMade = "appointment_made", attended, notAttended = "not_attended"
    case serviceReceived = "service_received", waitingList = "waiting_list", refusedByService = "refused_by_service"
    case declinedByClient = "declined_by_client", other

    /// The list's stable name.
    public static let listName = "referral_outcome"
    /// The labels.
    public static let labels: [Self: (german: String, english: String)] = [
        .appointmentMade: ("Termin vereinbart", "appointment made"), .attended: ("Termin wahrgenommen", "appointment attended"),
        .notAttended: ("Termin nicht wahrgenommen", "appointment not attended"),
        .serviceReceived: ("angebunden / Leistung erhalten", "service received"),
        .waitingList: ("auf der Warteliste", "on the waiting list"),
        .refusedByService: ("von der Stelle abgelehnt", "refused by the service"),
        .declinedByClient: ("von der Person abgelehnt", "declined by the person"),
        .other: ("sonstiges Ergebnis (mit Beschreibung)", "other (with a description)"),
    ]
}
