import Casework
import EventStore
import Foundation
import Projections
import WegweiserAPI

extension APIHandler {
    /// The most people a search considers before it asks to be narrowed: names are sorted after
    /// they are opened, so every match is opened.
    static let clientSearchLimit = 5000

    func listClients(_ input: Operations.ListClients.Input) async throws -> Operations.ListClients.Output {
        let principal = try Principal.required()
        let page = try Input.page(cursor: input.query.cursor, limit: input.query.limit)
        let query = input.query
        if let name = query.name, NameMatching.parts(name).isEmpty {
            throw Problem.unprocessable(
                "name has no letters or digits to search for.",
                errors: [.init(pointer: "#/query/name", detail: "no letters or digits")]
            )
        }
        let terms = ClientSearch.terms(
            name: query.name,
            dateOfBirth: try query.dateOfBirth.map { try Input.date($0, at: "#/query/date_of_birth") },
            externalID: query.externalId
        )
        let filter = Casebook.ClientFilter(
            tokens: terms.map { keys.searchKeys.token($0, district: principal.districtID) },
            yearOfBirth: query.yearOfBirth.map(Int.init),
            citizenship: query.citizenship
        )
        let holders = [principal.staffID] + principal.covering + (try await teamMembers(of: principal))
        let candidates = try await casebook.clients(
            districtID: principal.districtID,
            holders: holders,
            matching: filter,
            limit: Self.clientSearchLimit + 1
        )
        guard candidates.count <= Self.clientSearchLimit else {
            throw Problem.unprocessable(
                "More than \(Self.clientSearchLimit) people match; narrow the search by name, date of birth or citizenship.",
                errors: [.init(pointer: "#/query/name", detail: "too many matches")]
            )
        }
        let visible = try await readable(candidates, principal)
        // Each name is folded once (folding is the costly part of comparing), then sorted.
        let people = try await openedProfiles(visible).compactMap { profile, erased -> (Client.Profile, Client.PersonalData)? in
            guard !erased, let personal = profile.personal else { return nil }
            return (profile, personal)
        }
        .map { person in
            (person, NameMatching.folded(person.1.familyName), NameMatching.folded(person.1.givenName), person.0.id.uuidString)
        }
        .sorted { ($0.1, $0.2, $0.3) < ($1.1, $1.2, $1.3) }
        .map(\.0)
        let offset = Int(clamping: max(page.after?.number ?? 0, 0))
        let shown = Array(people.dropFirst(offset).prefix(page.limit))
        let next =
            offset + shown.count < people.count
            ? PageCursor(number: Int64(offset + shown.count), id: shown.last?.0.id ?? UUID()).text : nil
        try await accessLog.record(
            principal,
            persons: shown.map { Self.subject(ofClient: $0.0.id) },
            district: principal.districtID
        )
        let homes = try await households.current(of: shown.map(\.0.id))
        let items = shown.map { Components.Schemas.Client($0.0, erased: false, household: homes[$0.0.id]) }
        return .ok(.init(body: .json(.init(items: items, nextCursor: next))))
    }

    /// The clients of `rows` that `principal` may read now, by the access policy.
    func readable(_ rows: [Casebook.ClientRow], _ principal: Principal) async throws -> [Casebook.ClientRow] {
        let granted = try await access(toClients: rows, principal).access
        return rows.filter { (granted[$0.id] ?? .none) >= .read }
    }

    /// What `principal` may do now with each client of `rows` (as for one client: through
    /// their current case, or as the worker who registered them), with every client's cases;
    /// the cases and the teams of all of them are read in two queries.
    func access(
        toClients rows: [Casebook.ClientRow],
        _ principal: Principal
    ) async throws -> (access: [UUID: AccessPolicy.Access], cases: [UUID: [Casebook.CaseRow]]) {
        guard !rows.isEmpty else { return ([:], [:]) }
        let cases = Dictionary(grouping: try await casebook.cases(ofClients: rows.map(\.id), limit: 100_000)) {
            $0.record.clientID
        }
        let teams = try await currentTeams(of: rows.map(\.registeredBy) + cases.values.joined().map(\.record.assigneeID))
        let time = now()
        var granted: [UUID: AccessPolicy.Access] = [:]
        for row in rows {
            let registrant = AccessPolicy.CaseSeat(
                assignee: row.registeredBy,
                team: teams[row.registeredBy] ?? nil,
                closedAt: nil
            )
            let seats = (cases[row.id] ?? []).map { Self.seat(of: $0, teams: teams) }
            granted[row.id] = AccessPolicy.access(
                toClient: row.districtID,
                registrant: registrant,
                cases: seats,
                principal,
                now: time
            )
        }
        return (granted, cases)
    }
}
