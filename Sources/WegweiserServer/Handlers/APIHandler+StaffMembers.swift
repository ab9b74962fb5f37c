import Casework
import Foundation
import Projections
import WegweiserAPI

extension APIHandler {
    func listStaffMembers(_ input: Operations.ListStaffMembers.Input) async throws -> Operations.ListStaffMembers.Output {
        let principal = try Principal.required()
        let page = try Input.page(cursor: input.query.cursor, limit: input.query.limit)
        var conditions = AccessPolicy.staffScope(principal)
        if let team = input.query.teamId {
            conditions.append([.field(["profile", "team_id"], equals: try Input.uuid(team, at: "#/query/team_id").uuidString)])
        }
        let entries = try await directory.list(
            .staffMember,
            as: StaffMember.Record.self,
            districtID: AccessPolicy.districtScope(principal, requested: input.query.districtId),
            where: conditions,
            after: page.after?.id.uuidString,
            limit: page.limit + 1
        )
        let (items, next) = Input.paged(entries, limit: page.limit, key: { PageCursor(idText: $0.id) })
        try await accessLog.record(
            principal,
            staffMembers: items.map { ($0.state.profile.id, $0.districtID) }
        )
        return .ok(.init(body: .json(.init(items: items.map { .init($0.state, today: CalendarDate(now())) }, nextCursor: next))))
    }

    func createStaffMember(_ input: Operations.CreateStaffMember.Input) async throws -> Operations.CreateStaffMember.Output {
        guard case .json(let body) = input.body else { throw Problem.badRequest("Expected a JSON body.") }
        let principal = try Principal.required()
        let organisation = try await managedOrganisation(body.organisationId, principal)
        try Self.requireAssignable(StaffRole(body.role), principal)
        let id = UUID()
        let profile = StaffMember.Profile(
            id: id,
            districtID: organisation.districtID,
            organisationID: organisation.state.id,
            teamID: try await team(body.teamId, of: organisation.state),
            name: body.name,
            role: StaffRole(body.role),
            fullTimeEquivalent: body.fullTimeEquivalent,
            activeFrom: try Input.date(body.activeFrom, at: "/active_from"),
            activeUntil: try body.activeUntil.map { try Input.date($0, at: "/active_until") },
            subject: body.subject
        )
        try await requireUnusedSubject(body.subject, except: nil)
        let (staff, version) = try await execute(
            StaffMember.self,
            kind: .staffMember,
            id: id.uuidString,
            districtID: organisation.districtID,
            command: .appoint(profile)
        )
        try await accessLog.record(principal, staffMembers: [(id, organisation.districtID)])
        return .created(
            .init(
                headers: .init(eTag: Self.etag(version), location: "/staff-members/\(id.apiString)"),
                body: .json(.init(staff, today: CalendarDate(now())))
            )
        )
    }

    func getStaffMember(_ input: Operations.GetStaffMember.Input) async throws -> Operations.GetStaffMember.Output {
        let principal = try Principal.required()
        let entry = try await visibleStaffMember(input.path.staffMemberId, managing: false)
        try await accessLog.record(
            principal,
            staffMembers: [(entry.state.profile.id, entry.districtID)]
        )
        return .ok(
            .init(headers: .init(eTag: Self.etag(entry.version)), body: .json(.init(entry.state, today: CalendarDate(now()))))
        )
    }

    func replaceStaffMember(_ input: Operations.ReplaceStaffMember.Input) async throws -> Operations.ReplaceStaffMember.Output {
        guard case .json(let body) = input.body else { throw Problem.badRequest("Expected a JSON body.") }
        let principal = try Principal.required()
        let entry = try await visibleStaffMember(input.path.staffMemberId, managing: true)
        let organisation = try await managedOrganisation(body.organisationId, principal)
        try Self.requireAssignable(StaffRole(body.role), principal)
        guard organisation.districtID == entry.districtID else {
            throw Problem.unprocessable(
                "A staff member stays in their district.",
                errors: [.init(pointer: "/organisation_id", detail: "an organisation of another district")]
            )
        }
        try await requireUnusedSubject(body.subject, except: entry.state.profile.id)
        let teamID = try await team(body.teamId, of: organisation.state)
        let current = entry.state.profile
        let activeFrom = try Input.date(body.activeFrom, at: "/active_from")
        let activeUntil = try body.activeUntil.map { try Input.date($0, at: "/active_until") }
        if current.id == principal.staffID {
            for (field, changed) in [
                ("role", StaffRole(body.role) != current.role), ("team_id", teamID != current.teamID),
                ("organisation_id", organisation.state.id != current.organisationID),
                ("subject", body.subject != current.subject), ("active_from", activeFrom != current.activeFrom),
                ("active_until", activeUntil != current.activeUntil),
            ] where changed {
                throw Problem.forbidden("Nobody changes their own \(field); another administrator does.")
            }
        }
        if current.role == .admin, StaffRole(body.role) != .admin {
            try await requireAnotherAdmin(than: current.id, districtID: entry.districtID)
        }
        if organisation.state.id != current.organisationID || (teamID == nil && current.teamID != nil) {
            try await requireNoWork(of: current.id, districtID: entry.districtID)
        }
        let changes = StaffMember.Changes(
            organisationID: organisation.state.id,
            teamID: .some(teamID),
            name: body.name,
            role: StaffRole(body.role),
            fullTimeEquivalent: body.fullTimeEquivalent,
            activeFrom: activeFrom,
            activeUntil: .some(activeUntil),
            subject: body.subject
        )
        let (staff, version) = try await execute(
            StaffMember.self,
            kind: .staffMember,
            id: entry.id,
            districtID: entry.districtID,
            command: .change(changes),
            ifMatch: input.headers.ifMatch
        )
        try await accessLog.record(principal, staffMembers: [(current.id, entry.districtID)])
        return .ok(.init(headers: .init(eTag: Self.etag(version)), body: .json(.init(staff, today: CalendarDate(now())))))
    }

    func deactivateStaffMember(
        _ input: Operations.DeactivateStaffMember.Input
    ) async throws -> Operations.DeactivateStaffMember.Output {
        let principal = try Principal.required()
        let entry = try await visibleStaffMember(input.path.staffMemberId, managing: true)
        guard entry.state.profile.id != principal.staffID else {
            throw Problem.forbidden("Nobody deactivates their own record; another administrator does.")
        }
        let lastDay = try input.query.lastDay.map { try Input.date($0, at: "#/query/last_day") } ?? CalendarDate(now())
        guard lastDay >= entry.state.profile.activeFrom, StaffMember.validityYears.contains(lastDay.year) else {
            throw Problem.unprocessable(
                "The last working day lies between active_from and 2099.",
                errors: [.init(pointer: "#/query/last_day", detail: "before active_from or after 2099")]
            )
        }
        if entry.state.profile.role == .admin {
            try await requireAnotherAdmin(than: entry.state.profile.id, districtID: entry.districtID)
        }
        let (staff, version) = try await execute(
            StaffMember.self,
            kind: .staffMember,
            id: entry.id,
            districtID: entry.districtID,
            command: .deactivate(lastDay: lastDay),
            ifMatch: input.headers.ifMatch
        )
        try await accessLog.record(principal, staffMembers: [(entry.state.profile.id, entry.districtID)])
        return .ok(.init(headers: .init(eTag: Self.etag(version)), body: .json(.init(staff, today: CalendarDate(now())))))
    }

    /// The staff member `id` if the caller sees them (and, with `managing`, may change them);
    /// else 404.
    private func visibleStaffMember(_ id: String, managing: Bool) async throws -> Directory.Entry<StaffMember.Record> {
        let principal = try Principal.required()
        let id = try Input.uuid(id, at: "#/path/staff_member_id")
        return try await visible(.staffMember, id: id.uuidString, as: StaffMember.Record.self) {
            managing
                ? AccessPolicy.mayManage(district: $0.profile.districtID, principal)
                    && AccessPolicy.mayAssign(role: $0.profile.role, principal)
                : AccessPolicy.maySee($0, principal)
        }
    }

    /// 422 unless `principal` may give a staff member `role`.
    private static func requireAssignable(_ role: StaffRole, _ principal: Principal) throws {
        guard AccessPolicy.mayAssign(role: role, principal) else {
            throw Problem.unprocessable(
                "Only operators appoint operators.",
                errors: [.init(pointer: "/role", detail: "only operators appoint operators")]
            )
        }
    }

    /// The team a request body names: an active team of the staff member's own organisation,
    /// so that an administrator cannot move a provider's staff into the district's teams (and
    /// so into its caseloads) or the reverse.
    private func team(_ id: String?, of organisation: Organisation.Record) async throws -> UUID? {
        guard let id else { return nil }
        let team = try Input.uuid(id, at: "/team_id")
        _ = try await referenced(
            .team,
            id: team.uuidString,
            as: Team.Record.self,
            districtID: organisation.districtID,
            at: "/team_id"
        ) { $0.active && $0.organisationID == organisation.id }
        return team
    }

    /// 409 while `staffID` holds open cases or a substitution grant in force (either side): a
    /// move to another organisation, or out of every team, would carry their caseload across
    /// organisations or out of every lead's reach. Their cases are reassigned and grants
    /// revoked first.
    private func requireNoWork(of staffID: UUID, districtID: String) async throws {
        let open = try await casebook.cases(
            districtID: districtID,
            assignees: [staffID],
            openOnly: true,
            closedSince: nil,
            order: .id(after: nil),
            limit: 1
        )
        let time = now()
        let grants = try await directory.list(
            .substitution,
            as: Substitution.Record.self,
            districtID: districtID,
            where: [
                [
                    .field(["grant", "absent_id"], equals: staffID.uuidString),
                    .field(["grant", "substitute_id"], equals: staffID.uuidString),
                ]
            ],
            limit: 1000
        )
        guard open.isEmpty, !grants.contains(where: { $0.state.isActive(at: time) }) else {
            throw Problem.conflict(
                "The staff member holds open cases or a substitution grant in force; reassign the cases and revoke the grants first."
            )
        }
    }

    /// 409 unless the district has an administrator besides `staffID` who works today and is
    /// not being deactivated: a district is never left without one.
    private func requireAnotherAdmin(than staffID: UUID, districtID: String) async throws {
        let admins = try await directory.list(
            .staffMember,
            as: StaffMember.Record.self,
            districtID: districtID,
            where: [[.field(["profile", "role"], equals: StaffRole.admin.rawValue)], [.field(["active"], equals: "true")]],
            limit: 1000
        )
        let today = CalendarDate(now())
        guard admins.contains(where: { $0.state.profile.id != staffID && $0.state.isActive(on: today) }) else {
            throw Problem.conflict("This is the district's last active administrator; appoint another one first.")
        }
    }

    /// 409 if another active staff member signs in as `subject`.
    private func requireUnusedSubject(_ subject: String, except id: UUID?) async throws {
        let holders = try await directory.list(
            .staffMember,
            as: StaffMember.Record.self,
            where: [[.field(["profile", "subject"], equals: subject)], [.field(["active"], equals: "true")]],
            limit: 2
        )
        if holders.contains(where: { $0.state.profile.id != id }) {
            throw Problem.conflict("Another active staff member already signs in with this subject.")
        }
    }
}

extension StaffRole {
    /// The domain form of a wire role.
    init(_ role: Components.Schemas.Role) {
        // The spec's enum lists every StaffRole; a test keeps them equal.
        self = StaffRole(rawValue: role.rawValue) ?? .caseWorker
    }
}
