import Casework
import CommandHandling
import EventStore
import Foundation
import OpenAPIRuntime
import Projections
import WegweiserAPI

extension APIHandler {
    // MARK: Plan status

    func getCasePlanStatus(_ input: Operations.GetCasePlanStatus.Input) async throws -> Operations.GetCasePlanStatus.Output {
        let (row, principal) = try await visibleCase(input.path.caseId, for: .read)
        try await accessLog.record(
            principal,
            persons: [Self.subject(ofClient: row.record.clientID)],
            district: row.record.districtID
        )
        let record = row.record
        let today = CalendarDate(now())
        let counts = Dictionary(grouping: record.goals) { "\($0.area.rawValue) \($0.status.rawValue)" }
        let status = Components.Schemas.PlanStatus(
            caseId: record.id.apiString,
            planAgreed: record.planAgreement != nil,
            planAgreedOn: record.planAgreement?.agreedOn.description,
            goals: counts.keys.sorted().compactMap { key in
                guard let goal = counts[key]?.first else { return nil }
                return Components.Schemas.GoalCount(
                    area: .init(rawValue: goal.area.rawValue) ?? .everydayLife,
                    status: .init(rawValue: goal.status.rawValue) ?? .agreed,
                    count: Int32(counts[key]?.count ?? 0)
                )
            },
            openGoals: Int32(record.openGoals.count),
            goalsDueForReview: Int32(record.openGoals.filter { $0.reviewOn.map { $0 <= today } == true }.count),
            nextReviewOn: record.nextReviewOn?.description,
            lastReviewOn: record.lastReviewOn?.description,
            periodStart: record.periodStart?.description,
            periodEnd: record.periodEnd?.description,
            periodWarning: record.periodWarning(on: today)
        )
        return .ok(.init(headers: .init(eTag: Self.etag(row.version)), body: .json(status)))
    }

    // MARK: Caseloads

    func getCaseload(_ input: Operations.GetCaseload.Input) async throws -> Operations.GetCaseload.Output {
        let principal = try Principal.required()
        let level: AccessPolicy.CaseloadLevel
        let id: String
        switch (input.query.level, input.query.id) {
        case (let requested?, let requestedID?):
            level = AccessPolicy.CaseloadLevel(rawValue: requested.rawValue) ?? .district
            id = requestedID
        case (nil, nil):
            (level, id) = AccessPolicy.ownCaseload(principal)
        default:
            throw Problem.unprocessable(
                "level and id come together.",
                errors: [.init(pointer: input.query.level == nil ? "#/query/level" : "#/query/id", detail: "needs the other")]
            )
        }
        let notFound = Problem.notFound("No caseload \(level.rawValue) \(id) here.")
        let members: [StaffMember.Record]
        switch level {
        case .staffMember:
            guard let staffID = UUID(uuidString: id),
                let member = try await directory.find(.staffMember, id: staffID.uuidString, as: StaffMember.Record.self),
                member.districtID == principal.districtID,
                AccessPolicy.mayRead(caseload: .staffMember(staffID, team: member.state.profile.teamID), principal)
            else { throw notFound }
            members = [member.state]
        case .team:
            guard let teamID = UUID(uuidString: id),
                try await directory.find(.team, id: teamID.uuidString, as: Team.Record.self)?.districtID == principal.districtID,
                AccessPolicy.mayRead(caseload: .team(teamID), principal)
            else { throw notFound }
            members = try await staff(
                of: principal.districtID,
                where: [[.field(["profile", "team_id"], equals: teamID.uuidString)]]
            )
        case .organisation:
            guard let organisationID = UUID(uuidString: id),
                try await directory.find(.organisation, id: organisationID.uuidString, as: Organisation.Record.self)?.districtID
                    == principal.districtID,
                AccessPolicy.mayRead(caseload: .organisation(organisationID), principal)
            else { throw notFound }
            members = try await staff(
                of: principal.districtID,
                where: [[.field(["profile", "organisation_id"], equals: organisationID.uuidString)]]
            )
        case .district:
            guard id == principal.districtID, AccessPolicy.mayRead(caseload: .district, principal) else { throw notFound }
            members = try await staff(of: principal.districtID, where: [])
        }
        let time = now()
        let today = CalendarDate(time)
        // Only the grants that cover a member of the caseload, not every grant ever given.
        let grants = try await directory.list(
            .substitution,
            as: Substitution.Record.self,
            districtID: principal.districtID,
            where: [members.map { .field(["grant", "absent_id"], equals: $0.profile.id.uuidString) }],
            limit: 10_000
        )
        let fullTime = members.filter { $0.isActive(on: today) && [.caseWorker, .teamLead].contains($0.profile.role) }
            .map(\.profile.fullTimeEquivalent).reduce(0, +)
        let figures = try await caseloads.figures(
            districtID: principal.districtID,
            assignees: members.map(\.profile.id),
            covered: grants.map(\.state).filter { $0.isActive(at: time) }.map(\.grant.absentID),
            today: today,
            planWeeks: planWeeks
        )
        return .ok(
            .init(
                body: .json(
                    .init(
                        level: .init(rawValue: level.rawValue) ?? .district,
                        id: id.lowercased(),
                        on: today.description,
                        openCases: Int32(figures.openCases),
                        fullTimeEquivalents: fullTime,
                        casesPerFullTimeEquivalent: fullTime > 0 ? Double(figures.openCases) / fullTime : nil,
                        casesWithoutAgreedPlan: Int32(figures.withoutAgreedPlan),
                        planWeeks: Int32(planWeeks),
                        goalsDueForReview: Int32(figures.goalsDueForReview),
                        periodsEndingWithin90Days: Int32(figures.periodsEnding),
                        casesCoveredBySubstitution: Int32(figures.covered),
                        plansAgreed: Int32(figures.plansAgreed),
                        goals: figures.goals.map(Components.Schemas.GoalCount.init)
                    )
                )
            )
        )
    }

    /// The staff records of `districtID` that meet `conditions`.
    private func staff(of districtID: String, where conditions: [[Directory.Condition]]) async throws -> [StaffMember.Record] {
        try await directory.list(
            .staffMember,
            as: StaffMember.Record.self,
            districtID: districtID,
            where: conditions,
            limit: 10_000
        )
        .map(\.state)
    }

    // MARK: Audit trails

    func listCaseAuditTrail(_ input: Operations.ListCaseAuditTrail.Input) async throws -> Operations.ListCaseAuditTrail.Output {
        let principal = try Principal.required()
        let row: Casebook.CaseRow
        if AccessPolicy.readsAuditTrails(principal) {
            let id = try Input.uuid(input.path.caseId, at: "#/path/case_id")
            guard let found = try await casebook.caseRow(id), found.record.districtID == principal.districtID else {
                throw Problem.notFound("No case \(id.apiString) here.")
            }
            row = found
        } else {
            row = try await visibleCase(input.path.caseId, for: .read).0
        }
        let (items, next) = try await auditTrail(
            of: [CaseCommands.stream(of: row.record.id, districtID: row.record.districtID).id],
            cursor: input.query.cursor,
            limit: input.query.limit
        )
        try await accessLog.record(
            principal,
            persons: [Self.subject(ofClient: row.record.clientID)],
            district: row.record.districtID
        )
        return .ok(.init(body: .json(.init(items: items, nextCursor: next))))
    }

    func listClientAuditTrail(
        _ input: Operations.ListClientAuditTrail.Input
    ) async throws -> Operations.ListClientAuditTrail.Output {
        let principal = try Principal.required()
        let row: Casebook.ClientRow
        if AccessPolicy.readsAuditTrails(principal) {
            let id = try Input.uuid(input.path.clientId, at: "#/path/client_id")
            guard let found = try await casebook.client(id), found.districtID == principal.districtID else {
                throw Problem.notFound("No client \(id.apiString) here.")
            }
            row = found
        } else {
            row = try await visibleClientRow(input.path.clientId, for: .read).0
        }
        let cases = try await casebook.cases(ofClient: row.id)
        let streams =
            ["client-\(row.id.uuidString)"] + cases.map { CaseCommands.stream(of: $0.record.id, districtID: row.districtID).id }
        let (items, next) = try await auditTrail(of: streams, cursor: input.query.cursor, limit: input.query.limit)
        try await accessLog.record(principal, persons: [Self.subject(ofClient: row.id)], district: row.districtID)
        return .ok(.init(body: .json(.init(items: items, nextCursor: next))))
    }

    /// A page of the audit trail of `streams`.
    private func auditTrail(
        of streams: [String],
        cursor: String?,
        limit: Int32?
    ) async throws -> (items: [Components.Schemas.AuditEntry], next: String?) {
        let page = try Input.page(cursor: cursor, limit: limit)
        let after = page.after?.number ?? 0
        let entries = try await AuditTrail(store: eventStore).entries(of: streams, after: after, limit: page.limit + 1)
        let (items, next) = Input.paged(entries, limit: page.limit) { PageCursor(number: $0.event.globalPosition) }
        return (try items.map(Components.Schemas.AuditEntry.init), next)
    }
}

extension Components.Schemas.GoalCount {
    /// The wire form of a caseload's count of goals in one life area and status (the stored codes
    /// are those of the contract's enumerations, as a test checks).
    init(_ count: Caseloads.GoalCount) {
        self.init(
            area: .init(rawValue: count.area) ?? .everydayLife,
            status: .init(rawValue: count.status) ?? .agreed,
            count: Int32(count.count)
        )
    }
}

extension Components.Schemas.AuditEntry {
    /// The wire form of an entry of the trail.
    init(_ entry: AuditTrail.Entry) throws {
        let metadata = entry.event.metadata
        let actor = metadata.actor.flatMap { $0.hasPrefix("staff_member:") ? String($0.dropFirst("staff_member:".count)) : nil }
        self.init(
            position: entry.event.globalPosition,
            recordedAt: entry.event.recordedAt,
            operation: entry.event.type,
            stream: entry.event.streamID.lowercased(),
            staffMemberId: actor,
            role: metadata.role,
            organisationId: metadata.organisation,
            requestId: metadata.requestID,
            changes: try entry.changes.map { change in
                .init(
                    field: change.field,
                    old: try change.old.map(Self.value),
                    new: try change.new.map(Self.value),
                    sealed: change.sealed ? true : nil
                )
            }
        )
    }

    /// A stored value as the contract's untyped value, UUIDs lowercased as the API writes them.
    private static func value(_ json: JSONValue) throws -> OpenAPIValueContainer {
        try JSONDecoder().decode(OpenAPIValueContainer.self, from: Data(json.lowercasingUUIDs.jsonText().utf8))
    }
}
