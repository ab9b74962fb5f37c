import Casework
import CommandHandling
import Foundation
import Projections
import WegweiserAPI

extension APIHandler {
    func createHousehold(_ input: Operations.CreateHousehold.Input) async throws -> Operations.CreateHousehold.Output {
        guard case .json(let body) = input.body else { throw Problem.badRequest("Expected a JSON body.") }
        let principal = try Principal.required()
        let idempotency = try idempotencyKey(input.headers.idempotencyKey, operation: "createHousehold", body: body)
        var members: [Household.Member] = []
        let formedOn = try Input.date(body.formedOn, at: "/formed_on")
        let ids = try body.members.enumerated().map { index, member in
            try Input.uuid(member.clientId, at: "/members/\(index)/client_id")
        }
        let granted = try await access(toClients: try await casebook.clients(ids), principal).access
        for (index, (member, clientID)) in zip(body.members, ids).enumerated() {
            let pointer = "/members/\(index)/client_id"
            guard granted[clientID] == .work else {
                throw Problem.unprocessable(
                    "\(pointer) names no person you work.",
                    errors: [.init(pointer: pointer, detail: "no person you work")]
                )
            }
            members.append(
                .init(clientID: clientID, role: HouseholdRole(rawValue: member.role.rawValue) ?? .other, joinedOn: formedOn)
            )
        }
        /// The answer: the household as the caller sees it.
        func answer(_ id: UUID) async throws -> Operations.CreateHousehold.Output {
            let (shaped, version) = try await visibleHousehold(id, principal)
            return .created(
                .init(headers: .init(eTag: Self.etag(version), location: "/households/\(id.apiString)"), body: .json(shaped))
            )
        }
        return try await idempotent(idempotency, replay: { try await answer(try Input.uuid($0, at: "#/header/Idempotency-Key")) })
        {
            let id = UUID()
            let clientIDs = members.map(\.clientID)
            if !(try await households.current(of: clientIDs)).isEmpty {
                throw Problem.conflict("A person belongs to another household now; they leave it first.")
            }
            _ = try await writing("household") {
                try await householdCommands.handle(
                    .form(id: id, districtID: principal.districtID, members: members, on: formedOn),
                    household: id,
                    districtID: principal.districtID,
                    today: CalendarDate(now()),
                    metadata: .currentRequest()
                ) { [logger] _, connection in
                    try await idempotency?.record(resourceID: id.uuidString, on: connection, logger: logger)
                }
            }
            return try await answer(id)
        }
    }

    func getHousehold(_ input: Operations.GetHousehold.Input) async throws -> Operations.GetHousehold.Output {
        let principal = try Principal.required()
        let (shaped, version) = try await visibleHousehold(
            try Input.uuid(input.path.householdId, at: "#/path/household_id"),
            principal
        )
        return .ok(.init(headers: .init(eTag: Self.etag(version)), body: .json(shaped)))
    }

    func replaceHouseholdMember(
        _ input: Operations.ReplaceHouseholdMember.Input
    ) async throws -> Operations.ReplaceHouseholdMember.Output {
        guard case .json(let body) = input.body else { throw Problem.badRequest("Expected a JSON body.") }
        let day = try body.joinedOn.map { try Input.date($0, at: "/joined_on") } ?? CalendarDate(now())
        let role = HouseholdRole(rawValue: body.role.rawValue) ?? .other
        let (shaped, version) = try await changeMembership(
            input.path.householdId,
            input.path.clientId,
            ifMatch: input.headers.ifMatch
        ) {
            .join(clientID: $0, role: role, on: day)
        }
        return .ok(.init(headers: .init(eTag: Self.etag(version)), body: .json(shaped)))
    }

    func removeHouseholdMember(
        _ input: Operations.RemoveHouseholdMember.Input
    ) async throws -> Operations.RemoveHouseholdMember.Output {
        let day = try input.query.leftOn.map { try Input.date($0, at: "#/query/left_on") } ?? CalendarDate(now())
        let (shaped, version) = try await changeMembership(
            input.path.householdId,
            input.path.clientId,
            ifMatch: input.headers.ifMatch
        ) {
            .leave(clientID: $0, on: day)
        }
        return .ok(.init(headers: .init(eTag: Self.etag(version)), body: .json(shaped)))
    }

    func createHouseholdTransfer(
        _ input: Operations.CreateHouseholdTransfer.Input
    ) async throws -> Operations.CreateHouseholdTransfer.Output {
        guard case .json(let body) = input.body else { throw Problem.badRequest("Expected a JSON body.") }
        let principal = try Principal.required()
        let id = try Input.uuid(input.path.householdId, at: "#/path/household_id")
        guard let row = try await households.household(id), row.record.districtID == principal.districtID else {
            throw Problem.notFound("No household \(id.apiString) here.")
        }
        if principal.role != .admin { _ = try await visibleHousehold(id, principal) }
        let open = try await casebook.cases(ofClients: row.record.current.map(\.clientID), limit: 1000).filter {
            !$0.record.isClosed
        }
        var transferable: [Casebook.CaseRow] = []
        for (caseRow, seat) in zip(open, try await seats(of: open))
        where AccessPolicy.mayTransfer(seat, district: caseRow.record.districtID, principal) {
            transferable.append(caseRow)
        }
        guard !transferable.isEmpty else {
            throw Problem.unprocessable(
                "No open case of this household is one you may hand over.",
                errors: [.init(pointer: "#/path/household_id", detail: "no case you may hand over")]
            )
        }
        // Every transfer is decided before any is written, so a refusal (a day before a case
        // was opened, say) leaves the whole family where it was.
        let today = CalendarDate(now())
        let receiver = try await receiver(of: body, district: row.record.districtID)
        let day = try Input.date(body.transferredOn, at: "/transferred_on")
        let moving = transferable.filter { $0.record.assigneeID != receiver.state.profile.id }
        guard !moving.isEmpty else {
            throw Problem.unprocessable(
                "The receiving worker holds every case of this household you may hand over already.",
                errors: [.init(pointer: "/to_assignee_id", detail: "holds the cases already")]
            )
        }
        for caseRow in moving {
            let trial = CaseFile.Command.transfer(
                .init(
                    id: UUID(),
                    toAssigneeID: receiver.state.profile.id,
                    fromOrganisationID: nil,
                    toOrganisationID: nil,
                    on: day,
                    note: nil,
                    documents: []
                )
            )
            do {
                try CaseFile.plausible(trial, today: today)
                _ = try CaseFile.decide(trial, caseRow.record)
            } catch {
                throw error.problem
            }
        }
        var made: [Components.Schemas.Transfer] = []
        for caseRow in moving {
            made.append(try await transfer(caseRow, body, to: receiver, ifMatch: nil).transfer)
        }
        return .created(.init(body: .json(.init(items: made))))
    }

    // MARK: Reading and changing

    /// The household `id` as `principal` sees it (members they may read, with names and cases;
    /// the others counted), with its version; 404 if they may read none of its members. The
    /// people shown are written to the access log.
    func visibleHousehold(_ id: UUID, _ principal: Principal) async throws -> (Components.Schemas.Household, Int64) {
        guard let row = try await households.household(id), row.record.districtID == principal.districtID else {
            throw Problem.notFound("No household \(id.apiString) here.")
        }
        let clients = try await casebook.clients(Array(Set(row.record.members.map(\.clientID))))
        let (granted, cases) = try await access(toClients: clients, principal)
        let visible = clients.filter { (granted[$0.id] ?? .none) >= .read }
        let readable = Set(visible.map(\.id))
        guard !readable.isEmpty else { throw Problem.notFound("No household \(id.apiString) here.") }
        var names: [UUID: String] = [:]
        for (profile, _) in try await openedProfiles(visible) {
            names[profile.id] = profile.personal.map(Self.displayName)
        }
        let shown = row.record.members.filter { readable.contains($0.clientID) }
        try await accessLog.record(
            principal,
            persons: Array(readable).map { Self.subject(ofClient: $0) },
            district: row.record.districtID
        )
        let shaped = Components.Schemas.Household(
            id: row.record.id.apiString,
            districtId: row.record.districtID,
            formedOn: row.record.formedOn.description,
            members: shown.map { member in
                .init(
                    clientId: member.clientID.apiString,
                    role: .init(rawValue: member.role.rawValue) ?? .other,
                    joinedOn: member.joinedOn.description,
                    leftOn: member.leftOn?.description,
                    clientName: names[member.clientID],
                    cases: (cases[member.clientID] ?? []).map {
                        .init(
                            id: $0.record.id.apiString,
                            status: $0.record.isClosed ? .closed : .open,
                            assigneeId: $0.record.assigneeID.apiString
                        )
                    }
                )
            },
            membersOutsideScope: Int32(row.record.members.count - shown.count)
        )
        return (shaped, row.version)
    }

    /// Runs the membership change `command` for the person `clientID` (whom the caller must
    /// work: 404 if they cannot read them, 409 if they may only read them) on household
    /// `householdID` (which they must see through a current or past member: 404 otherwise),
    /// and answers the household.
    private func changeMembership(
        _ householdID: String,
        _ clientID: String,
        ifMatch: String?,
        _ command: (UUID) -> Household.Command
    ) async throws -> (Components.Schemas.Household, Int64) {
        let principal = try Principal.required()
        let id = try Input.uuid(householdID, at: "#/path/household_id")
        let person = try Input.uuid(clientID, at: "#/path/client_id")
        // The household must be one the caller sees (404 otherwise, like one that does not
        // exist), and the person one they read.
        _ = try await visibleHousehold(id, principal)
        let client = try await casebook.clients([person])
        let granted = try await access(toClients: client, principal).access[person] ?? .none
        guard let row = try await households.household(id), granted >= .read else {
            throw Problem.notFound("No household \(id.apiString) here, or no person \(person.apiString) you work.")
        }
        guard granted == .work else {
            throw Problem.conflict("The person's case is closed; reopen it to change their household.")
        }
        let change = command(person)
        if case .join = change, row.record.membership(of: person) == nil,
            let elsewhere = try await households.current(of: [person])[person], elsewhere != id
        {
            throw Problem.conflict("A person belongs to another household now; they leave it first.")
        }
        _ = try await writing("household") {
            try await householdCommands.handle(
                change,
                household: id,
                districtID: row.record.districtID,
                today: CalendarDate(now()),
                expecting: try ifMatch.map(Self.condition(ifMatch:)),
                metadata: .currentRequest()
            )
        }
        return try await visibleHousehold(id, principal)
    }
}

extension Household.Rejection: ProblemConvertible {
    var problem: Problem {
        switch self {
        case .alreadyFormed: .conflict("The household exists already.")
        case .notFound: .notFound("No such household.")
        case .invalid(let field, let reason):
            .unprocessable("\(field) \(reason).", errors: [.init(pointer: "/\(field)", detail: reason)])
        }
    }
}
