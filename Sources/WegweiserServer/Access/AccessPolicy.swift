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
        "getLiveness", "getReadiness", "getOpenAPIDocument", "getDevelopmentJWKS", "getCheckpointKey",
    ]

    /// The operation authenticated by the installation's metrics token (`metrics.token`) instead
    /// of a staff member's token: no role may call it.
    static let metricsOperation = "getMetrics"

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
            "listAuditEvents": [.auditor, .dataProtectionOfficer], "listCheckpoints": [.auditor, .dataProtectionOfficer],
            "createCheckpoint": [.auditor],
            "listChanges": [.caseWorker, .teamLead], "streamChanges": [.caseWorker, .teamLead],
            "createErasureRequest": [.teamLead, .dataProtectionOfficer], "getClientExport": [.dataProtectionOfficer],
            "listErasureRequests": [.dataProtectionOfficer, .auditor], "confirmErasureRequest": [.dataProtectionOfficer],
            "getChainVerification": [.auditor, .dataProtectionOfficer],
            "getCodeLists": everyone,
            "replaceCaseAssignment": [.teamLead],
            "createTransfer": [.teamLead, .admin], "createHouseholdTransfer": [.teamLead, .admin],
            "getCasePlanStatus": [.caseWorker, .teamLead],
            "listCaseAuditTrail": [.caseWorker, .teamLead, .auditor, .dataProtectionOfficer],
            "listClientAuditTrail": [.caseWorker, .teamLead, .auditor, .dataProtectionOfficer],
            "getCaseload": [.caseWorker, .teamLead, .coordinator],
            "getDataQuality": [.caseWorker, .teamLead, .coordinator],
            "getKeyFigures": [.caseWorker, .teamLead, .coordinator, .auditor, .admin],
            "listReportDefinitions": [.caseWorker, .teamLead, .coordinator, .auditor, .admin],
            "publishReport": [.coordinator],
            "getTrajectory": [.caseWorker, .teamLead, .coordinator, .auditor, .admin],
            "getStaffSheet": [.teamLead, .coordinator, .auditor, .admin],
            "getDataCompleteness": [.teamLead, .coordinator],
            "listCaseHandoffs": [.caseWorker, .teamLead], "createHandoff": [.caseWorker, .teamLead],
            "listIncomingHandoffs": [.jobcenter], "getHandoff": [.caseWorker, .teamLead, .jobcenter],
            "acknowledgeHandoff": [.jobcenter],
            "listPublishedReports": [.coordinator, .auditor, .admin], "getPublishedReport": [.coordinator, .auditor, .admin],
        ]
        for operation in [
            "listClients", "createClient", "getClient", "replaceClient", "listClientConsultations", "listClientObservations",
            "listCases",
            "openCase", "getCase",
            "startCounsellingPeriod",
            "extendCounsellingPeriod", "closeCase", "reopenCase", "listAssessments", "createAssessment", "listGoals",
            "createGoal", "replaceGoal", "replaceGoalStatus", "listPlanReviews", "createPlanReview", "replacePlanAgreement",
            "listConsultations",
            "createConsultation", "replaceReferralOutcome", "listObservations", "createObservation", "listConsents",
            "createConsent", "withdrawConsent", "getAssessment", "getGoal", "getPlanReview", "getPlanAgreement",
            "getConsultation", "getObservation", "getConsent", "listTransfers", "getTransfer",
            "listCorrections", "createCorrection", "getCorrection", "createHousehold", "getHousehold",
            "replaceHouseholdMember", "removeHouseholdMember",
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

    /// How long the worker who held a case (or who covers them) may still read it after its
    /// closure was recorded: long enough to finish the paperwork, never to follow the client.
    static let closedCaseReading: TimeInterval = 30 * 86_400

    /// What a principal may do with a case or a client.
    enum Access: Comparable {
        /// Nothing: it answers 404, as if it did not exist.
        case none
        /// Read it, change nothing.
        case read
        /// Read and change it.
        case work
    }

    /// A case as the access policy sees it: whose caseload it is in (the assignee with their
    /// current team) and when its closure was recorded, if it is closed.
    struct CaseSeat {
        /// The case worker it is assigned to.
        var assignee: UUID
        /// The assignee's team now.
        var team: UUID?
        /// When the closure was recorded; `nil` while the case is open.
        var closedAt: Date?
    }

    /// What `principal` may do with a case of `districtID` at `now`:
    /// - an open case: work it if it is in a caseload they may work now (their own, their
    ///   team's as lead, one a grant in force covers);
    /// - a closed case: read it, as the lead of the assignee's team; as the assignee or their
    ///   substitute only for ``closedCaseReading`` after the closure was recorded. Nobody
    ///   changes a closed case (reopening is ``mayReopen(_:isLatest:district:_:now:)``).
    static func access(to seat: CaseSeat, district districtID: String, _ principal: Principal, now: Date) -> Access {
        guard let closedAt = seat.closedAt else {
            return mayWorkCaseload(of: seat.assignee, team: seat.team, district: districtID, principal) ? .work : .none
        }
        guard principal.districtID == districtID else { return .none }
        if principal.role == .teamLead, principal.teamID != nil, seat.team == principal.teamID { return .read }
        let ownOrCovered = seat.assignee == principal.staffID || principal.covering.contains(seat.assignee)
        return ownOrCovered && now < closedAt.addingTimeInterval(closedCaseReading) ? .read : .none
    }

    /// Whether `principal` may reopen the closed case `seat`, or open a new case for its
    /// client: only for the client's latest case (`isLatest`), and only as someone who may read
    /// it now (the lead of the assignee's team, or the assignee or their substitute within
    /// ``closedCaseReading``). A worker whose case was superseded by a colleague's never can.
    static func mayReopen(
        _ seat: CaseSeat,
        isLatest: Bool,
        district districtID: String,
        _ principal: Principal,
        now: Date
    )
        -> Bool
    {
        isLatest && seat.closedAt != nil && access(to: seat, district: districtID, principal, now: now) >= .read
    }

    /// What `principal` may do with the client of `districtID` whose cases are `cases`: what
    /// they may do with the client's current case (the open one, else the latest closed one), so
    /// access follows the current assignment and a former worker sees nothing their successor
    /// records. Before any case exists the client is in the caseload of the worker who
    /// registered them (`registrant`, with their current team): they, their team lead and
    /// whoever covers them work the client.
    static func access(
        toClient districtID: String,
        registrant: CaseSeat,
        cases: [CaseSeat],
        _ principal: Principal,
        now: Date
    ) -> Access {
        access(to: currentCase(of: cases) ?? registrant, district: districtID, principal, now: now)
    }

    /// Whether `principal` may hand the open case `seat` to someone else: the lead of the
    /// assignee's team only, never through a substitution grant (a covering lead would
    /// otherwise move the absent colleague's case into their own team for good).
    static func mayReassign(_ seat: CaseSeat, district districtID: String, _ principal: Principal) -> Bool {
        principal.districtID == districtID && principal.role == .teamLead && principal.teamID != nil
            && seat.team == principal.teamID
    }

    /// Whether `principal` may hand the open case `seat` to another team or organisation of the
    /// district: the lead of the assignee's team (not through a grant, as for reassignment), or
    /// an administrator of the district, who can do so without reading the case (when the
    /// assignee has left and their team has no lead, say).
    static func mayTransfer(_ seat: CaseSeat, district districtID: String, _ principal: Principal) -> Bool {
        mayReassign(seat, district: districtID, principal) || (principal.role == .admin && principal.districtID == districtID)
    }

    /// Who may receive a transferred case: an active case worker or team lead of the case's
    /// district, of any team or organisation.
    static func mayReceiveTransfer(_ staff: StaffMember.Record, district districtID: String, on day: CalendarDate) -> Bool {
        staff.profile.districtID == districtID && staff.isActive(on: day)
            && [.caseWorker, .teamLead].contains(staff.profile.role)
    }

    /// The case a client's access follows: the open one, else the one closed last.
    static func currentCase(of cases: [CaseSeat]) -> CaseSeat? {
        cases.first { $0.closedAt == nil } ?? cases.max { ($0.closedAt ?? .distantPast) < ($1.closedAt ?? .distantPast) }
    }

    /// Who a case opened by `principal` for a client whose latest case is `latest` is assigned
    /// to when they work it only under a substitution grant: the absent colleague, so that
    /// nothing done under a grant outlives it. `nil` when the principal works the client in
    /// their own right.
    static func absentColleague(for latest: CaseSeat?, _ principal: Principal) -> UUID? {
        guard let latest, latest.assignee != principal.staffID, principal.covering.contains(latest.assignee) else { return nil }
        if principal.role == .teamLead, principal.teamID != nil, latest.team == principal.teamID { return nil }
        return latest.assignee
    }

    /// The caseloads a listing of `principal` shows when it names no assignee: their own, and
    /// for a team lead those of `teamMembers` (their team's current members).
    static func defaultCaseloads(_ principal: Principal, teamMembers: [UUID]) -> [UUID] {
        principal.role == .teamLead ? [principal.staffID] + teamMembers : [principal.staffID]
    }

    /// The levels of caseload figures.
    enum CaseloadLevel: String {
        /// One staff member's cases.
        case staffMember = "staff_member"
        /// A team's.
        case team
        /// An organisation's.
        case organisation
        /// The district's.
        case district
    }

    /// A caseload whose figures someone asks for.
    enum Caseload {
        /// The cases of staff member `id`, who is in `team`.
        case staffMember(UUID, team: UUID?)
        /// The cases of the members of a team.
        case team(UUID)
        /// The cases of the staff of an organisation.
        case organisation(UUID)
        /// The cases of the principal's district.
        case district
    }

    /// Whether `principal` reads the figures of `caseload` (of their own district): case
    /// workers their own; team leads their own, their team's and its members'; coordinators
    /// every caseload of their district. Figures carry no names.
    static func mayRead(caseload: Caseload, _ principal: Principal) -> Bool {
        switch (principal.role, caseload) {
        case (.coordinator, _):
            return true
        case (.caseWorker, .staffMember(let id, _)):
            return id == principal.staffID
        case (.teamLead, .staffMember(let id, let team)):
            return id == principal.staffID || (principal.teamID != nil && team == principal.teamID)
        case (.teamLead, .team(let id)):
            return id == principal.teamID
        default:
            return false
        }
    }

    /// Whether `principal` reads the key figures of `caseload` (of their own district): as the
    /// caseload figures, and coordinators, auditors and admins every one of their district.
    static func mayRead(keyFigures caseload: Caseload, _ principal: Principal) -> Bool {
        [.coordinator, .auditor, .admin].contains(principal.role) || mayRead(caseload: caseload, principal)
    }

    /// Whether `principal` may see individuals in figures (the people of the caseloads they
    /// work); for everyone else small counts are withheld.
    static func seesIndividuals(_ principal: Principal) -> Bool {
        [.caseWorker, .teamLead].contains(principal.role)
    }

    /// The caseload figures `principal` reads without naming one: their own (case worker),
    /// their team's (team lead, else their own) or the district's (coordinator).
    static func ownCaseload(_ principal: Principal) -> (CaseloadLevel, String) {
        switch principal.role {
        case .teamLead:
            principal.teamID.map { (.team, $0.apiString) } ?? (.staffMember, principal.staffID.apiString)
        case .coordinator: (.district, principal.districtID)
        default: (.staffMember, principal.staffID.apiString)
        }
    }

    /// Whether `principal` reads every audit trail of their district (auditors and the data
    /// protection officer); others read those of the clients and cases they may read.
    static func readsAuditTrails(_ principal: Principal) -> Bool {
        [.auditor, .dataProtectionOfficer].contains(principal.role)
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

    /// Whether `substitute` may cover `absent`: a colleague of the same organisation; across
    /// organisations (a provider's worker covering the district's, or the reverse) only where
    /// the installation allows it (`access.cover.across.organisations`), since the substitute
    /// then reads case files their employer does not hold.
    static func mayCover(absent: StaffMember.Profile, by substitute: StaffMember.Profile, acrossOrganisations: Bool) -> Bool {
        absent.id != substitute.id && (acrossOrganisations || absent.organisationID == substitute.organisationID)
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
