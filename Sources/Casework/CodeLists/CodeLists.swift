/// German language level on the Common European Framework of Reference.
public enum GermanLevel: String, CodeList {
    case belowA1 = "below_a1", a1, a2, b1, b2, c1, c2

    /// The list's stable name.
    public static let listName = "german_level"

    /// The German label.
    public var germanLabel: String {
        switch self {
        case .belowA1: "keine Kenntnisse / unter A1"
        default: rawValue.uppercased()
        }
    }

    /// The English label.
    public var englishLabel: String {
        switch self {
        case .belowA1: "none / below A1"
        default: rawValue.uppercased()
        }
    }
}

/// Where a person lives.
public enum Housing: String, CodeList {
    case privateFlat = "private_flat", municipalFlat = "municipal_flat", sharedAccommodation = "shared_accommodation"
    case preliminaryAccommodation = "preliminary_accommodation", homelessShelter = "homeless_shelter"

    /// The list's stable name.
    public static let listName = "housing"

    /// The German label.
    public var germanLabel: String {
        switch self {
        case .privateFlat: "Privatwohnung"
        case .municipalFlat: "von der Gemeinde angemietete Wohnung"
        case .sharedAccommodation: "Gemeinschaftsunterkunft der Gemeinde (Anschlussunterbringung)"
        case .preliminaryAccommodation: "vorläufige Unterbringung des Landkreises (VU)"
        case .homelessShelter: "Obdachlosenunterkunft"
        }
    }

    /// The English label.
    public var englishLabel: String {
        switch self {
        case .privateFlat: "private flat"
        case .municipalFlat: "flat rented by the municipality"
        case .sharedAccommodation: "municipal shared accommodation (follow-up housing)"
        case .preliminaryAccommodation: "the district's preliminary accommodation"
        case .homelessShelter: "homeless shelter"
        }
    }
}

/// Benefits a person receives.
public enum Benefits: String, CodeList {
    case asylbLG = "asylblg", sgbII = "sgb_ii", sgbIII = "sgb_iii", sgbXII = "sgb_xii", none

    /// The list's stable name.
    public static let listName = "benefits"

    /// The German label.
    public var germanLabel: String {
        switch self {
        case .asylbLG: "Leistungen nach AsylbLG"
        case .sgbII: "Bürgergeld (SGB II)"
        case .sgbIII: "Arbeitslosengeld (SGB III)"
        case .sgbXII: "Sozialhilfe (SGB XII)"
        case .none: "keine"
        }
    }

    /// The English label.
    public var englishLabel: String {
        switch self {
        case .asylbLG: "benefits under the Asylum Seekers' Benefits Act"
        case .sgbII: "citizen's income (SGB II)"
        case .sgbIII: "unemployment benefit (SGB III)"
        case .sgbXII: "social assistance (SGB XII)"
        case .none: "none"
        }
    }
}

/// A person's work situation.
public enum Employment: String, CodeList {
    case none, miniJob = "mini_job", apprenticeship, employed, selfEmployed = "self_employed", course = "course_or_measure"
    case internship, workOpportunity = "work_opportunity_agh", introductoryQualification = "introductory_qualification_eq"
    case studies

    /// The list's stable name.
    public static let listName = "employment"

    /// The German label.
    public var germanLabel: String {
        switch self {
        case .none: "keine Beschäftigung"
        case .miniJob: "Minijob"
        case .apprenticeship: "Ausbildung"
        case .employed: "sozialversicherungspflichtig beschäftigt"
        case .selfEmployed: "selbstständig"
        case .course: "Kurs / Maßnahme"
        case .internship: "Praktikum"
        case .workOpportunity: "Arbeitsgelegenheit (AGH)"
        case .introductoryQualification: "Einstiegsqualifizierung (EQ)"
        case .studies: "Studium"
        }
    }

    /// The English label.
    public var englishLabel: String {
        switch self {
        case .none: "not employed"
        case .miniJob: "mini-job"
        case .apprenticeship: "apprenticeship"
        case .employed: "employed"
        case .selfEmployed: "self-employed"
        case .course: "course / measure"
        case .internship: "internship"
        case .workOpportunity: "work opportunity (AGH)"
        case .introductoryQualification: "introductory qualification (EQ)"
        case .studies: "studies"
        }
    }
}

/// The areas of life that needs, goals and consultation topics belong to.
public enum LifeArea: String, CodeList {
    case language, education, work, housing, health, familyAndChildren = "family_and_children"
    case financesAndDebts = "finances_and_debts", residenceLaw = "residence_law"
    case socialParticipation = "social_participation", everydayLife = "everyday_life"

    /// The list's stable name.
    public static let listName = "life_area"

    /// The German label.
    public var germanLabel: String {
        switch self {
        case .language: "Sprache"
        case .education: "Bildung"
        case .work: "Arbeit"
        case .housing: "Wohnen"
        case .health: "Gesundheit"
        case .familyAndChildren: "Familie und Kinder"
        case .financesAndDebts: "Finanzen und Schulden"
        case .residenceLaw: "Aufenthaltsrecht"
        case .socialParticipation: "gesellschaftliche Teilhabe und Ehrenamt"
        case .everydayLife: "Alltag"
        }
    }

    /// The English label.
    public var englishLabel: String {
        switch self {
        case .language: "language"
        case .education: "education"
        case .work: "work"
        case .housing: "housing"
        case .health: "health"
        case .familyAndChildren: "family and children"
        case .financesAndDebts: "finances and debts"
        case .residenceLaw: "residence law"
        case .socialParticipation: "social participation and volunteering"
        case .everydayLife: "everyday life"
        }
    }
}

/// Why counselling ended: exactly one of these closes a case.
public enum ClosureReason: String, CodeList {
    case goalsReached = "goals_reached", movedAway = "moved_out_of_district", periodEnded = "counselling_period_ended"
    case declined = "declined_further_counselling", unreachable, deceased
    case regularServicesUsed = "regular_services_used", naturalised, departed, movedWithinDistrict = "moved_within_district"
    case other

    /// The list's stable name.
    public static let listName = "closure_reason"

    /// The German label.
    public var germanLabel: String {
        switch self {
        case .goalsReached: "Ziele erreicht"
        case .regularServicesUsed: "Regeldienste werden genutzt"
        case .naturalised: "eingebürgert"
        case .departed: "ausgereist"
        case .movedWithinDistrict: "innerhalb des Kreises verzogen"
        case .movedAway: "aus dem Kreis verzogen"
        case .periodEnded: "Beratungszeitraum beendet"
        case .declined: "weitere Beratung abgelehnt"
        case .unreachable: "nicht erreichbar"
        case .deceased: "verstorben"
        case .other: "Sonstiges (mit Begründung)"
        }
    }

    /// The English label.
    public var englishLabel: String {
        switch self {
        case .goalsReached: "goals reached"
        case .regularServicesUsed: "regular services used"
        case .naturalised: "naturalised"
        case .departed: "left Germany"
        case .movedWithinDistrict: "moved within the district"
        case .movedAway: "moved out of the district"
        case .periodEnded: "counselling period ended"
        case .declined: "declined further counselling"
        case .unreachable: "unreachable"
        case .deceased: "deceased"
        case .other: "other (with a reason)"
        }
    }
}

/// Where a consultation took place.
public enum ConsultationPlace: String, CodeList {
    case office, homeVisit = "home_visit", phone, video, accompaniment, other

    /// The list's stable name.
    public static let listName = "consultation_place"

    /// The German label.
    public var germanLabel: String {
        switch self {
        case .office: "Büro"
        case .homeVisit: "Hausbesuch"
        case .phone: "Telefon"
        case .video: "Video"
        case .accompaniment: "Begleitung zu Behörden und Stellen (Behördenbegleitung)"
        case .other: "Sonstiges"
        }
    }

    /// The English label.
    public var englishLabel: String {
        switch self {
        case .office: "office"
        case .homeVisit: "home visit"
        case .phone: "phone"
        case .video: "video"
        case .accompaniment: "accompaniment to authorities and services"
        case .other: "other"
        }
    }
}

/// Every code list, for serving them and for checking them.
public enum CodeLists {
    /// Each list's name with its codes and labels, in a fixed order.
    public static let all: [(name: String, entries: [(code: String, german: String, english: String)])] = [
        entries(GermanLevel.self), entries(Housing.self), entries(Benefits.self), entries(Employment.self),
        entries(LifeArea.self), entries(ClosureReason.self), entries(ConsultationPlace.self), entries(TargetGroup.self),
        entries(Gender.self), entries(FamilyStatus.self), entries(ReferralTarget.self), entries(GoalStatus.self),
        entries(StepOwner.self), entries(ConsentPurpose.self), entries(ConsentForm.self), entries(CaseOpening.self),
        entries(Schooling.self), entries(VocationalQualification.self), entries(Recognition.self),
        entries(ResidenceStatus.self), entries(CourseAttendance.self), entries(ObservationField.self),
        entries(ExtensionReason.self), entries(ConsentCategory.self), entries(ReferralOutcome.self),
        entries(OrganisationKind.self), entries(StaffRole.self), entries(HouseholdRole.self),
        entries(CitizenshipStatus.self), entries(DataQualityWarning.self),
        (Municipalities.listName, Municipalities.names.sorted { $0.key < $1.key }.map { ($0.key, $0.value, $0.value) }),
    ]

    private static func entries<List: CodeList>(_ list: List.Type) -> (String, [(String, String, String)]) {
        (List.listName, List.allCases.map { ($0.code, $0.germanLabel, $0.englishLabel) })
    }
}
