import Casework
import Foundation
import Projections

/// Who may do what: the one place that decides.
///
/// Two levels, both checked on every request:
/// - by operation: ``roles(for:)`` lists the roles that may call each operation of
///   `openapi.yaml` (the spec's `x-roles` say the same; a test keeps them equal). Any other role
///   gets 403. An operation missing here is closed to everyone.
/// - by object: the `may…`/`…Scope` functions say which objects a principal sees. Objects
///   outside the scope answer 404, exactly like objects that do not exist, so existence does
///   not leak across districts, providers or caseloads.
enum AccessPolicy {
    /// Operations that need no token.
    static let publicOperations: Set<String> = [
        "getLiveness", "getReadiness", "getOpenAPIDocument", "getDevelopmentJWKS",
    ]

    /// The roles that may call each authenticated operation.
    static let operations: [String: Set<StaffRole>] = {
        let everyone = Set(StaffRole.allCases)
        let structureReaders = everyone.subtracting([.jobcenter])
        let structureWriters: Set<StaffRole> = [.admin, .operator]
        let staffReaders: Set<StaffRole> = [.caseWorker, .teamLead, .auditor, .admin, .dataProtectionOfficer, .operator]
        let grantReaders: Set<StaffRole> = [.caseWorker, .teamLead, .auditor, .dataProtectionOfficer]
        var table: [String: Set<StaffRole>] = [
            "getMe": everyone,
            "listDistricts": structureReaders, "getDistrict": structureReaders,
            "createDistrict": [.operator], "replaceDistrict": [.operator], "deactivateDistrict": [.operator],
            "listSubstitutions": grantReaders, "getSubstitution": grantReaders,
            "createSubstitution": [.teamLead], "revokeSubstitution": [.teamLead],
            "listAccessLog": [.auditor, .dataProtectionOfficer],
            "getCodeLists": everyone,
            "replaceCaseAssignment": [.teamLead],
        ]
        for operation in [
            "createClient", "getClient", "replaceClient", "listClientConsultations", "listCases", "openCase", "getCase",
            "startCounsellingPeriod",
            "extendCounsellingPeriod", "closeCase", "reopenCase", "listAssessments", "createAssessment", "listGoals",
            "createGoal", "replaceGoal", "replaceGoalStatus", "listPlanReviews", "createPlanReview", "replacePlanAgreement",
            "listConsultations",
            "createConsultation", "replaceReferralOutcome", "listObservations", "createObservation", "listConsents",
            "createConsent", "withdrawConsent",
        ] {
            table[operation] = [.caseWorker, .teamLead]
        }
        for resource in ["Organisation", "Team"] {
            table["list\(resource)s"] = structureReaders
            table["get\(resource)"] = structureReaders
        }
        table["listStaffMembers"] = staffReaders
        table["getStaffMember"] = staffReaders
        for resource in ["Organisation", "Team", "StaffMember"] {
            for verb in ["create", "replace", "deactivate"] { table["\(verb)\(resource)"] = structureWriters }
        }
        return table
    }()

    /// The roles that may call `operationID`; empty for an operation not in the table.
    static func roles(for operationID: String) -> Set<StaffRole> {
        operations[operationID] ?? []
    }

    // MARK: Districts and the structure within them

    /// The district a principal's listings are limited to: their own, or `nil` (all) for an
    /// operator, who may narrow it with `requested`.
    static func districtScope(_ principal: Principal, requested: String?) -> String? {
        principal.role == .operator ? requested : principal.districtID
    }

    /// Whether `principal` sees objects of `districtID`.
    static func maySee(district districtID: String, _ principal: Principal) -> Bool {
        principal.role == .operator || principal.districtID == districtID
    }

    /// Whether `principal` may change the structure (organisations, teams, staff) of
    /// `districtID`: its administrators, and operators.
    static func mayManage(district districtID: String, _ principal: Principal) -> Bool {
        principal.role == .operator || (principal.role == .admin && principal.districtID == districtID)
    }

    /// Whether `principal` may give a staff member `role` or change the record of one who has
    /// it: operators reach every district, so only operators appoint or change operators.
    static func mayAssign(role: StaffRole, _ principal: Principal) -> Bool {
        role != .operator || principal.role == .operator
    }

    // MARK: Staff members

    /// The staff members `principal` sees, as directory conditions: administrators, auditors
    /// and data protection officers their district's (operators every district's); team leads
    /// themselves and their team; case workers themselves and the colleagues they cover now.
    static func staffScope(_ principal: Principal) -> [[Directory.Condition]] {
        let me = principal.staffID.uuidString
        switch principal.role {
        case .admin, .auditor, .dataProtectionOfficer, .operator:
            return []
        case .teamLead:
            let own = [me] + principal.covering.map(\.uuidString)
            guard let team = principal.teamID else { return [[.id(in: own)]] }
            return [[.id(in: own), .field(["profile", "team_id"], equals: team.uuidString)]]
        case .caseWorker:
            return [[.id(in: [me] + principal.covering.map { $0.uuidString })]]
        case .coordinator, .jobcenter:
            return [[]]
        }
    }

    /// Whether `principal` sees the staff member `staff`.
    static func maySee(_ staff: StaffMember.Record, _ principal: Principal) -> Bool {
        guard maySee(district: staff.profile.districtID, principal) else { return false }
        switch principal.role {
        case .admin, .auditor, .dataProtectionOfficer, .operator:
            return true
        case .teamLead:
            return staff.profile.id == principal.staffID || principal.covering.contains(staff.profile.id)
                || (principal.teamID != nil && staff.profile.teamID == principal.teamID)
        case .caseWorker:
            return staff.profile.id == principal.staffID || principal.covering.contains(staff.profile.id)
        case .coordinator, .jobcenter:
            return false
        }
    }

    // MARK: Caseloads and substitution

    /// Whether `principal` may work the caseload of the staff member `owner`, who is now a
    /// member of team `teamID` in `districtID`: their own; as team lead, their team's; the
    /// caseloads a substitution grant covers now.
    static func mayWorkCaseload(of owner: UUID, team teamID: UUID?, district districtID: String, _ principal: Principal) -> Bool {
        guard principal.districtID == districtID else { return false }
        switch principal.role {
        case .caseWorker:
            return owner == principal.staffID || principal.covering.contains(owner)
        case .teamLead:
            return owner == principal.staffID || principal.covering.contains(owner)
                || (principal.teamID != nil && teamID == principal.teamID)
        default:
            return false
        }
    }

    /// Whether `principal` sees the client registered by `registeredBy` whose cases are
    /// assigned to `caseloads` (each assignee with their current team): one of those
    /// caseloads is theirs to work, or, before any case exists, they registered the client.
    static func maySeeClient(
        districtID: String,
        registeredBy: UUID,
        caseloads: [(assignee: UUID, team: UUID?)],
        _ principal: Principal
    ) -> Bool {
        guard principal.districtID == districtID else { return false }
        if caseloads.isEmpty { return registeredBy == principal.staffID }
        return caseloads.contains { mayWorkCaseload(of: $0.assignee, team: $0.team, district: districtID, principal) }
    }

    /// The caseloads a listing of `principal` shows when it names no assignee: their own, and
    /// for a team lead those of `teamMembers` (their team's current members).
    static func defaultCaseloads(_ principal: Principal, teamMembers: [UUID]) -> [UUID] {
        principal.role == .teamLead ? [principal.staffID] + teamMembers : [principal.staffID]
    }

    /// The grants `principal` sees, as directory conditions: a team lead their team's; a case
    /// worker those that cover them or that they hold; auditors and data protection officers
    /// their district's.
    static func substitutionScope(_ principal: Principal) -> [[Directory.Condition]] {
        let me = principal.staffID.uuidString
        switch principal.role {
        case .auditor, .dataProtectionOfficer:
            return []
        case .teamLead:
            return [[.field(["grant", "team_id"], equals: principal.teamID?.uuidString ?? "")]]
        case .caseWorker:
            return [[.field(["grant", "absent_id"], equals: me), .field(["grant", "substitute_id"], equals: me)]]
        default:
            return [[]]
        }
    }

    /// Whether `principal` sees the grant `record`.
    static func maySee(_ record: Substitution.Record, _ principal: Principal) -> Bool {
        guard principal.districtID == record.grant.districtID else { return false }
        switch principal.role {
        case .auditor, .dataProtectionOfficer: return true
        case .teamLead: return principal.teamID == record.grant.teamID
        case .caseWorker: return [record.grant.absentID, record.grant.substituteID].contains(principal.staffID)
        default: return false
        }
    }

    /// Whether `principal` may grant or revoke cover for members of `teamID`: its lead.
    static func mayGrantSubstitution(team teamID: UUID?, _ principal: Principal) -> Bool {
        principal.role == .teamLead && teamID != nil && principal.teamID == teamID
    }

    // MARK: The access log

    /// Why a role reads personal data, as written to the access log.
    static func purpose(of role: StaffRole) -> String {
        switch role {
        case .caseWorker, .teamLead: "casework"
        case .admin, .operator: "administration"
        case .auditor: "audit"
        case .dataProtectionOfficer: "data protection supervision"
        case .coordinator: "coordination"
        case .jobcenter: "jobcenter hand-off"
        }
    }
}
