/// What kind of body an organisation is.
public enum OrganisationKind: String, CodeList {
    case districtOffice = "district_office"
    case town
    case municipalAssociation = "municipal_association"
    case welfareOrganisation = "welfare_organisation"
    case jobcenter
    case other

    /// The list's stable name.
    public static let listName = "organisation_kind"

    /// The German label.
    public var germanLabel: String {
        switch self {
        case .districtOffice: "Landratsamt / Stadtverwaltung (Kreis)"
        case .town: "Stadt oder Gemeinde"
        case .municipalAssociation: "Gemeindeverbund"
        case .welfareOrganisation: "Wohlfahrtsverband (Durchführungsauftrag)"
        case .jobcenter: "Jobcenter"
        case .other: "Sonstige"
        }
    }

    /// The English label.
    public var englishLabel: String {
        switch self {
        case .districtOffice: "district office"
        case .town: "town or municipality"
        case .municipalAssociation: "group of municipalities"
        case .welfareOrganisation: "welfare organisation under contract"
        case .jobcenter: "Jobcenter"
        case .other: "other"
        }
    }
}

/// What a staff member does in Wegweiser; decides what they may see.
public enum StaffRole: String, CodeList {
    case caseWorker = "case_worker"
    case teamLead = "team_lead"
    case coordinator
    case auditor
    case jobcenter
    case admin
    case dataProtectionOfficer = "data_protection_officer"
    case `operator`

    /// The list's stable name.
    public static let listName = "staff_role"

    /// The German label.
    public var germanLabel: String {
        switch self {
        case .caseWorker: "Integrationsmanager*in"
        case .teamLead: "Teamleitung"
        case .coordinator: "Koordinationsstelle"
        case .auditor: "Prüfung"
        case .jobcenter: "Jobcenter"
        case .admin: "Administration (Kreis)"
        case .dataProtectionOfficer: "Datenschutzbeauftragte*r"
        case .operator: "Betrieb (Installation)"
        }
    }

    /// The English label.
    public var englishLabel: String {
        switch self {
        case .caseWorker: "case worker"
        case .teamLead: "team lead"
        case .coordinator: "coordination office"
        case .auditor: "auditor"
        case .jobcenter: "Jobcenter"
        case .admin: "district administrator"
        case .dataProtectionOfficer: "data protection officer"
        case .operator: "installation operator"
        }
    }
}
