import Casework
import CommandHandling
import EventStore
import Foundation
import PostgresNIO
import Projections
import WegweiserAPI

extension APIHandler {
    /// Where cases with nothing due sort in a caseload by what is due next: last.
    static let nothingDue = CalendarDate(year: 9999, month: 12, day: 31)!

    func listCases(_ input: Operations.ListCases.Input) async throws -> Operations.ListCases.Output {
        let principal = try Principal.required()
        let page = try Input.page(cursor: input.query.cursor, limit: input.query.limit)
        var assignees: [UUID]
        // A lead reads their own team's closed cases; any other caseload's only for the reading
        // period after closure.
        var ownTeam = principal.role == .teamLead
        if let assignee = input.query.assigneeId {
            let id = try Input.uuid(assignee, at: "#/query/assignee_id")
            let staff = try await directory.find(.staffMember, id: id.uuidString, as: StaffMember.Record.self)
            guard let staff,
                AccessPolicy.mayWorkCaseload(of: id, team: staff.state.profile.teamID, district: staff.districtID, principal)
            else { throw Problem.notFound("No caseload of \(id.apiString) here.") }
            ownTeam = ownTeam && principal.teamID != nil && staff.state.profile.teamID == principal.teamID
            assignees = [id]
        } else {
            assignees = AccessPolicy.defaultCaseloads(principal, teamMembers: try await teamMembers(of: principal))
        }
        let openOnly = input.query.includeClosed != true
        let closedSince = ownTeam ? nil : now().addingTimeInterval(-AccessPolicy.closedCaseReading)
        let items: [Casebook.CaseRow]
        let next: String?
        var names: [UUID: String] = [:]
        switch input.query.sort ?? .name {
        case .id, .nextDue:
            let order: Casebook.CaseOrder =
                input.query.sort == .id
                ? .id(after: page.after?.id)
                : .nextDue(after: page.after.map { (CalendarDate($0.dayText) ?? Self.nothingDue, $0.id) })
            let rows = try await casebook.cases(
                districtID: principal.districtID,
                assignees: assignees,
                openOnly: openOnly,
                closedSince: closedSince,
                order: order,
                limit: page.limit + 1
            )
            (items, next) = Input.paged(rows, limit: page.limit) { row in
                input.query.sort == .id
                    ? PageCursor(id: row.record.id)
                    : PageCursor(day: row.record.nextDueOn ?? Self.nothingDue, id: row.record.id)
            }
            names = try await clientNames(of: items)
        case .name:
            // Names are encrypted: the whole caseload is read, its names opened and sorted.
            let rows = try await casebook.cases(
                districtID: principal.districtID,
                assignees: assignees,
                openOnly: openOnly,
                closedSince: closedSince,
                order: .id(after: nil),
                limit: Self.clientSearchLimit + 1
            )
            guard rows.count <= Self.clientSearchLimit else {
                throw Problem.unprocessable(
                    "More than \(Self.clientSearchLimit) cases to sort by name; use sort=next_due or sort=id, or name an assignee.",
                    errors: [.init(pointer: "#/query/sort", detail: "too many cases to sort by name")]
                )
            }
            let profiles = try await openedProfiles(try await casebook.clients(Array(Set(rows.map(\.record.clientID)))))
            var sortKeys: [UUID: (String, String)] = [:]
            for (profile, _) in profiles {
                guard let personal = profile.personal else { continue }
                sortKeys[profile.id] = (NameMatching.folded(personal.familyName), NameMatching.folded(personal.givenName))
                names[profile.id] = Self.displayName(personal)
            }
            let sorted = rows.sorted { lhs, rhs in
                let left = sortKeys[lhs.record.clientID] ?? ("\u{10FFFF}", "")
                let right = sortKeys[rhs.record.clientID] ?? ("\u{10FFFF}", "")
                return (left.0, left.1, lhs.record.id.uuidString) < (right.0, right.1, rhs.record.id.uuidString)
            }
            let offset = Int(clamping: max(page.after?.number ?? 0, 0))
            items = Array(sorted.dropFirst(offset).prefix(page.limit))
            next =
                offset + items.count < sorted.count
                ? PageCursor(number: Int64(offset + items.count), id: items.last?.record.id ?? UUID()).text : nil
        }
        try await accessLog.record(
            principal,
            persons: items.map { "client:\($0.record.clientID.apiString)" },
            district: principal.districtID
        )
        let today = CalendarDate(now())
        return .ok(
            .init(
                body: .json(
                    .init(
                        items: items.map { .init($0.record, today: today, clientName: names[$0.record.clientID]) },
                        nextCursor: next
                    )
                )
            )
        )
    }

    func openCase(_ input: Operations.OpenCase.Input) async throws -> Operations.OpenCase.Output {
        guard case .json(let body) = input.body else { throw Problem.badRequest("Expected a JSON body.") }
        let principal = try Principal.required()
        let idempotency = try idempotencyKey(input.headers.idempotencyKey, operation: "openCase", body: body)
        let clientID = try Input.uuid(body.clientId, at: "/client_id")
        let existing = try await casebook.cases(ofClient: clientID)
        let refused = Problem.unprocessable(
            "/client_id names no client you may open a case for.",
            errors: [.init(pointer: "/client_id", detail: "no client you may open a case for")]
        )
        guard let client = try await casebook.client(clientID), client.districtID == principal.districtID else { throw refused }
        let (registrant, clientSeats) = try await seats(ofClient: client, cases: existing)
        let current = AccessPolicy.currentCase(of: clientSeats) ?? registrant
        let time = now()
        let mayOpen =
            current.closedAt == nil
            ? AccessPolicy.access(to: current, district: client.districtID, principal, now: time) == .work
            : AccessPolicy.mayReopen(current, isLatest: true, district: client.districtID, principal, now: time)
        guard mayOpen else { throw refused }
        let absentColleague = AccessPolicy.absentColleague(for: current, principal)
        let replay = { (previous: String) async throws -> Operations.OpenCase.Output in
            let (row, _) = try await visibleCase(previous, for: .read)
            try await accessLog.record(principal, persons: [Self.subject(ofClient: clientID)], district: row.record.districtID)
            return .created(
                .init(
                    headers: .init(eTag: Self.etag(row.version), location: "/cases/\(row.record.id.apiString)"),
                    body: .json(.init(row.record, today: CalendarDate(now())))
                )
            )
        }
        return try await idempotent(idempotency, replay: replay) {
            guard !existing.contains(where: { !$0.record.isClosed }) else {
                throw Problem.conflict("The client has an open case; reopen or use that one.")
            }
            let requested = try body.assigneeId.map { try Input.uuid($0, at: "/assignee_id") }
            if let absentColleague, let requested, requested != absentColleague {
                throw Problem.unprocessable(
                    "A case opened under a substitution grant belongs to the absent colleague.",
                    errors: [.init(pointer: "/assignee_id", detail: "must be the absent colleague")]
                )
            }
            let assignee = try await assignee(requested ?? absentColleague ?? principal.staffID, principal)
            let caseID = UUID()
            let opening = try CaseFile.Opening(body, caseID: caseID, districtID: principal.districtID, assigneeID: assignee.id)
            let outcome = try await writing("case") {
                try await caseCommands.handle(
                    .open(opening),
                    case: caseID,
                    clientID: clientID,
                    districtID: principal.districtID,
                    today: CalendarDate(now()),
                    metadata: .currentRequest(),
                    alsoRecord: creation(of: caseID, idempotency: idempotency, answering: principal, aboutClient: clientID)
                )
            }
            guard let record = outcome.state else { throw Problem.internalError() }
            return .created(
                .init(
                    headers: .init(eTag: Self.etag(outcome.version), location: "/cases/\(record.id.apiString)"),
                    body: .json(.init(record, today: CalendarDate(now())))
                )
            )
        }
    }

    func getCase(_ input: Operations.GetCase.Input) async throws -> Operations.GetCase.Output {
        let (row, principal) = try await visibleCase(input.path.caseId, for: .read)
        try await accessLog.record(
            principal,
            persons: ["client:\(row.record.clientID.apiString)"],
            district: row.record.districtID
        )
        let names = try await clientNames(of: [row])
        if input.query.asOf != nil || input.query.knownAt != nil {
            let (replayed, version) = try await replayedCase(row.record.id, asOf: input.query.asOf, knownAt: input.query.knownAt)
            var shaped = replayed
            shaped.clientName = names[row.record.clientID]
            return .ok(.init(headers: .init(eTag: Self.etag(version)), body: .json(shaped)))
        }
        var shaped = Components.Schemas.Case(row.record, today: CalendarDate(now()), clientName: names[row.record.clientID])
        let handover = try await caseItems.find(caseID: row.record.id, kind: .handover, itemID: row.record.id)
        let extensions = try await caseItems.list(caseID: row.record.id, kind: .periodExtension, after: 0, limit: 100)
        let opened = try await openingSealedParts((handover.map { [$0.body] } ?? []) + extensions.map(\.body))
        if handover != nil {
            shaped.handover = try opened[0].lowercasingUUIDs.decoded(as: Components.Schemas.Case.HandoverPayload.self)
        }
        shaped.extensions = try opened.dropFirst(handover == nil ? 0 : 1).map {
            try $0.lowercasingUUIDs.decoded(as: Components.Schemas.Case.ExtensionsPayloadPayload.self)
        }
        return .ok(.init(headers: .init(eTag: Self.etag(row.version)), body: .json(shaped)))
    }

    /// The case `id` replayed from its events as it stood on `asOf` (default today) as known at
    /// `knownAt` (default now), naming the events used, with its version after the last of them.
    ///
    /// - Throws: 422 for a day or time in the future, 404 if the case was not opened by then.
    func replayedCase(_ id: UUID, asOf: String?, knownAt: Date?) async throws -> (Components.Schemas.Case, Int64) {
        let today = CalendarDate(now())
        let day = try asOf.map { try Input.date($0, at: "#/query/as_of") } ?? today
        let time = knownAt ?? now()
        guard day <= today else {
            throw Problem.unprocessable(
                "as_of must not be after today.",
                errors: [.init(pointer: "#/query/as_of", detail: "in the future")]
            )
        }
        guard time <= now() else {
            throw Problem.unprocessable(
                "known_at must not be in the future.",
                errors: [.init(pointer: "#/query/known_at", detail: "in the future")]
            )
        }
        let recorded = try await eventStore.read(stream: "case-\(id.uuidString)").map(Projected<CaseFile.Event>.init)
        let (state, used) = CaseFile.replay(recorded.map { ($0.event, $0.recorded.recordedAt) }, asOf: day, knownAt: time)
        guard let record = state else { throw Problem.notFound("The case was not opened by \(day) as known at that time.") }
        var shaped = Components.Schemas.Case(record, today: day)
        let items = try await CaseItemsProjection.items(of: used.map { recorded[$0] }, caseID: id)
            .filter { $0.item.body["withdrawn"] == nil }  // as the listings leave them out
        let opened = try await openingSealedParts(items.map(\.item.body))
        shaped.replay = .init(
            asOf: day.description,
            knownAt: time,
            items: try zip(items, opened).map { item, body in
                var shown = body.lowercasingUUIDs
                shown["kind"] = .string(item.kind.rawValue)
                return try shown.decoded(as: Components.Schemas.Case.ReplayPayload.ItemsPayloadPayload.self)
            },
            events: used.map {
                .init(
                    version: recorded[$0].recorded.streamVersion,
                    _type: recorded[$0].recorded.type,
                    recordedAt: recorded[$0].recorded.recordedAt
                )
            }
        )
        return (shaped, used.last.map { recorded[$0].recorded.streamVersion } ?? 0)
    }

    func replaceCaseAssignment(
        _ input: Operations.ReplaceCaseAssignment.Input
    ) async throws -> Operations.ReplaceCaseAssignment.Output {
        guard case .json(let body) = input.body else { throw Problem.badRequest("Expected a JSON body.") }
        let (row, principal) = try await visibleCase(input.path.caseId)
        guard let seat = try await seats(of: [row]).first,
            AccessPolicy.mayReassign(seat, district: row.record.districtID, principal)
        else { throw Problem.forbidden("Only the lead of the assignee's team reassigns a case.") }
        let newAssignee = try await assignee(try Input.uuid(body.assigneeId, at: "/assignee_id"), principal)
        let on = try body.assignedOn.map { try Input.date($0, at: "/assigned_on") } ?? CalendarDate(now())
        let (record, version, _) = try await changeCase(
            row,
            ifMatch: input.headers.ifMatch,
            command: .assign(assigneeID: newAssignee.id, on: on)
        )
        return .ok(.init(headers: .init(eTag: Self.etag(version)), body: .json(.init(record, today: CalendarDate(now())))))
    }

    func startCounsellingPeriod(
        _ input: Operations.StartCounsellingPeriod.Input
    ) async throws -> Operations.StartCounsellingPeriod.Output {
        guard case .json(let body) = input.body else { throw Problem.badRequest("Expected a JSON body.") }
        let (row, _) = try await visibleCase(input.path.caseId)
        guard let client = try await casebook.client(row.record.clientID) else { throw Problem.internalError() }
        let targetGroup = try Self.baseProfile(client).targetGroup
        let (record, version, _) = try await changeCase(
            row,
            ifMatch: input.headers.ifMatch,
            command: try CaseFile.Command(body, targetGroup: targetGroup)
        )
        return .ok(.init(headers: .init(eTag: Self.etag(version)), body: .json(.init(record, today: CalendarDate(now())))))
    }

    func extendCounsellingPeriod(
        _ input: Operations.ExtendCounsellingPeriod.Input
    ) async throws -> Operations.ExtendCounsellingPeriod.Output {
        guard case .json(let body) = input.body else { throw Problem.badRequest("Expected a JSON body.") }
        let (record, version, _) = try await changeCase(
            input.path.caseId,
            ifMatch: input.headers.ifMatch,
            command: .extendPeriod(
                months: Int(body.months),
                reason: ExtensionReason(rawValue: body.reason.rawValue) ?? .other,
                text: body.text,
                on: try Input.date(body.decidedOn, at: "/decided_on")
            )
        )
        return .created(
            .init(
                headers: .init(eTag: Self.etag(version), location: "/cases/\(record.id.apiString)"),
                body: .json(.init(record, today: CalendarDate(now())))
            )
        )
    }

    func closeCase(_ input: Operations.CloseCase.Input) async throws -> Operations.CloseCase.Output {
        guard case .json(let body) = input.body else { throw Problem.badRequest("Expected a JSON body.") }
        let command = try CaseFile.Command(body)
        guard case .close(let reason, _, let closedOn) = command else { throw Problem.internalError() }
        // The same closure sent again (a retry) answers the case as it is, also to whoever may
        // only read it now that it is closed; any other change of a closed case stays 409.
        let (row, principal) = try await visibleCase(input.path.caseId, for: .read)
        if let closure = row.record.closure, closure.reason == reason, closure.closedOn == closedOn {
            try await accessLog.record(
                principal,
                persons: [Self.subject(ofClient: row.record.clientID)],
                district: row.record.districtID
            )
            return .ok(
                .init(headers: .init(eTag: Self.etag(row.version)), body: .json(.init(row.record, today: CalendarDate(now()))))
            )
        }
        let (record, version, _) = try await changeCase(
            input.path.caseId,
            ifMatch: input.headers.ifMatch,
            command: command
        )
        return .ok(.init(headers: .init(eTag: Self.etag(version)), body: .json(.init(record, today: CalendarDate(now())))))
    }

    func reopenCase(_ input: Operations.ReopenCase.Input) async throws -> Operations.ReopenCase.Output {
        guard case .json(let body) = input.body else { throw Problem.badRequest("Expected a JSON body.") }
        let (row, principal) = try await visibleCase(input.path.caseId, for: .read)
        let cases = try await casebook.cases(ofClient: row.record.clientID)
        guard !cases.contains(where: { !$0.record.isClosed }) else {
            throw Problem.conflict("The client has an open case already.")
        }
        let clientSeats = try await seats(of: cases)
        let isLatest = AccessPolicy.currentCase(of: clientSeats)?.closedAt == row.closedAt
        guard let seat = zip(cases, clientSeats).first(where: { $0.0.record.id == row.record.id })?.1,
            AccessPolicy.mayReopen(seat, isLatest: isLatest, district: row.record.districtID, principal, now: now())
        else {
            throw Problem.forbidden(
                "Only the lead of the assignee's team, or the assignee soon after the closure, reopens the client's latest case."
            )
        }
        let (record, version, _) = try await changeCase(
            row,
            ifMatch: input.headers.ifMatch,
            command: .reopen(reason: body.reason, on: try Input.date(body.reopenedOn, at: "/reopened_on"))
        )
        return .created(
            .init(
                headers: .init(eTag: Self.etag(version), location: "/cases/\(record.id.apiString)"),
                body: .json(.init(record, today: CalendarDate(now())))
            )
        )
    }

    /// Runs `command` on the case `id` if the caller may work it (else 404, or 409 when they
    /// may only read the closed case); `alsoRecord` commits with the events.
    func changeCase(
        _ id: String,
        ifMatch: String?,
        command: CaseFile.Command,
        requiring access: AccessPolicy.Access = .work,
        alsoRecord: @escaping CommandHandler.Bookkeeping<CaseFile.State> = { _, _ in }
    ) async throws -> (record: CaseFile.Record, version: Int64, outcome: CommandHandler.Outcome<CaseFile.State>) {
        try await changeCase(try await visibleCase(id, for: access).0, ifMatch: ifMatch, command: command, alsoRecord: alsoRecord)
    }

    /// Runs `command` on the case of `row`, whose access the caller has checked, and logs the
    /// answer (the case, or an item of it) as personal data of the client, in the write's own
    /// transaction.
    func changeCase(
        _ row: Casebook.CaseRow,
        ifMatch: String?,
        command: CaseFile.Command,
        alsoRecord: @escaping CommandHandler.Bookkeeping<CaseFile.State> = { _, _ in }
    ) async throws -> (record: CaseFile.Record, version: Int64, outcome: CommandHandler.Outcome<CaseFile.State>) {
        let principal = try Principal.required()
        let clientID = row.record.clientID
        let districtID = row.record.districtID
        let outcome = try await writing("case") {
            try await caseCommands.handle(
                command,
                case: row.record.id,
                clientID: clientID,
                districtID: districtID,
                today: CalendarDate(now()),
                expecting: try ifMatch.map(Self.condition(ifMatch:)),
                metadata: .currentRequest()
            ) { [accessLog] outcome, connection in
                try await alsoRecord(outcome, connection)
                try await accessLog.record(
                    principal,
                    persons: [Self.subject(ofClient: clientID)],
                    district: districtID,
                    on: connection
                )
            }
        }
        guard let record = outcome.state else { throw Problem.internalError() }
        return (record, outcome.version, outcome)
    }

    /// The case `id` if the caller has `access` to it now: 404 when they have none (as if it
    /// did not exist), 409 when they may only read it (it is closed).
    func visibleCase(_ id: String, for access: AccessPolicy.Access = .work) async throws -> (Casebook.CaseRow, Principal) {
        let principal = try Principal.required()
        let id = try Input.uuid(id, at: "#/path/case_id")
        guard let row = try await casebook.caseRow(id), let seat = try await seats(of: [row]).first else {
            throw Problem.notFound("No case \(id.apiString) here.")
        }
        let granted = AccessPolicy.access(to: seat, district: row.record.districtID, principal, now: now())
        guard granted >= access else {
            guard granted == .none else { throw Problem.conflict("The case is closed; reopen it first.") }
            throw Problem.notFound("No case \(id.apiString) here.")
        }
        return (row, principal)
    }

    /// The cases of `rows` as the access policy sees them: assignee, the assignee's current
    /// team, when the closure was recorded.
    func seats(of rows: [Casebook.CaseRow]) async throws -> [AccessPolicy.CaseSeat] {
        let teams = try await currentTeams(of: rows.map(\.record.assigneeID))
        return rows.map { Self.seat(of: $0, teams: teams) }
    }

    /// The client `row` with its `cases` as the access policy sees them: the worker who
    /// registered them (in whose caseload the client is until a case exists) and the cases.
    func seats(
        ofClient row: Casebook.ClientRow,
        cases: [Casebook.CaseRow]
    ) async throws -> (registrant: AccessPolicy.CaseSeat, cases: [AccessPolicy.CaseSeat]) {
        let teams = try await currentTeams(of: cases.map(\.record.assigneeID) + [row.registeredBy])
        return (
            .init(assignee: row.registeredBy, team: teams[row.registeredBy] ?? nil, closedAt: nil),
            cases.map { Self.seat(of: $0, teams: teams) }
        )
    }

    /// The case of `row` as the access policy sees it, with its assignee's team from `teams`.
    static func seat(of row: Casebook.CaseRow, teams: [UUID: UUID?]) -> AccessPolicy.CaseSeat {
        .init(assignee: row.record.assigneeID, team: teams[row.record.assigneeID] ?? nil, closedAt: row.closedAt)
    }

    /// The current teams of the staff members `ids` (absent for one that does not exist).
    func currentTeams(of ids: [UUID]) async throws -> [UUID: UUID?] {
        let unique = Array(Set(ids))
        guard !unique.isEmpty else { return [:] }
        let staff = try await directory.list(
            .staffMember,
            as: StaffMember.Record.self,
            where: [[.id(in: unique.map(\.uuidString))]],
            limit: unique.count
        )
        return Dictionary(staff.map { ($0.state.profile.id, $0.state.profile.teamID) }, uniquingKeysWith: { first, _ in first })
    }

    /// The current members of a team lead's team (none for other roles).
    func teamMembers(of principal: Principal) async throws -> [UUID] {
        guard principal.role == .teamLead, let team = principal.teamID else { return [] }
        return try await directory.list(
            .staffMember,
            as: StaffMember.Record.self,
            districtID: principal.districtID,
            where: [[.field(["profile", "team_id"], equals: team.uuidString)]],
            limit: 1000
        ).map(\.state.profile.id)
    }

    /// The staff member a case is to be assigned to: the caller, a colleague whose caseload a
    /// grant in force lets them work, or as team lead a case worker or lead of their team;
    /// active, in the caller's district.
    private func assignee(_ id: UUID, _ principal: Principal) async throws -> StaffMember.Profile {
        let staff = try await referenced(
            .staffMember,
            id: id.uuidString,
            as: StaffMember.Record.self,
            districtID: principal.districtID,
            at: "/assignee_id"
        ) { staff in
            staff.isActive(on: CalendarDate(now())) && [.caseWorker, .teamLead].contains(staff.profile.role)
                && (staff.profile.id == principal.staffID || principal.covering.contains(staff.profile.id)
                    || (principal.role == .teamLead && principal.teamID != nil && staff.profile.teamID == principal.teamID))
        }
        return staff.state.profile
    }
}

extension Components.Schemas.Case {
    /// The wire form of a case on `today` (for the period warning), with the client's name
    /// where it was read.
    init(_ record: CaseFile.Record, today: CalendarDate, clientName: String? = nil) {
        self.init(
            id: record.id.apiString,
            clientId: record.clientID.apiString,
            districtId: record.districtID,
            assigneeId: record.assigneeID.apiString,
            opening: .init(rawValue: record.opening.rawValue) ?? .directIntake,
            openedOn: record.openedOn.description,
            status: record.isClosed ? .closed : .open,
            periodStart: record.periodStart?.description,
            periodEnd: record.periodEnd?.description,
            periodExtensionMonths: Int32(record.extensionMonths.reduce(0, +)),
            periodWarning: record.periodWarning(on: today),
            closureReason: record.closure.flatMap { .init(rawValue: $0.reason.rawValue) },
            closedOn: record.closure?.closedOn.description,
            goalCount: Int32(record.goals.count),
            consultationCount: Int32(record.consultationCount),
            planAgreement: record.planAgreement.map {
                .init(agreedOn: $0.agreedOn.description, form: .init(rawValue: $0.form.rawValue) ?? .written)
            },
            nextDueOn: record.nextDueOn?.description,
            clientName: clientName
        )
    }
}

extension CaseFile.Rejection: ProblemConvertible {
    var problem: Problem {
        switch self {
        case .alreadyOpen: .conflict("The case exists already.")
        case .notFound: .notFound("No such case.")
        case .closed: .conflict("The case is closed; reopen it first.")
        case .notClosed: .conflict("The case is open.")
        case .periodAlreadyStarted: .conflict("The counselling period has started already.")
        case .periodNotStarted: .conflict("The counselling period has not started yet.")
        case .extensionLimitExceeded(let remaining):
            .unprocessable(
                "Extensions add at most 12 months in total; \(remaining) remain.",
                errors: [.init(pointer: "/months", detail: "at most \(remaining)")]
            )
        case .unknownGoal: .unprocessable("No such goal.", errors: [.init(pointer: "/goal_id", detail: "no such goal")])
        case .goalEnded: .conflict("The goal has ended and cannot change.")
        case .planEmpty: .conflict("The plan has no goal yet.")
        case .unknownReferral:
            .unprocessable("No open referral with this id.", errors: [.init(pointer: "/referral_id", detail: "no open referral")])
        case .unknownConsent:
            .unprocessable("No such consent.", errors: [.init(pointer: "/consent_id", detail: "no such consent")])
        case .handoffRefused(let refusal): refusal.problem
        case .unknownHandoff: .notFound("No such hand-off.")
        case .closureReasonRequired:
            .unprocessable(
                "A closure needs exactly one reason from the closure_reason catalogue.",
                errors: [.init(pointer: "/reason", detail: "not a code of closure_reason")]
            )
        case .duplicateID: .conflict("An id is used already.")
        case .unknownItem:
            .unprocessable(
                "item_id names no item of this kind in this case.",
                errors: [.init(pointer: "/item_id", detail: "no such item of this kind in this case")]
            )
        case .invalid(let field, let reason):
            .unprocessable("\(field) \(reason).", errors: [.init(pointer: "/\(field)", detail: reason)])
        }
    }
}
