import Casework
import CommandHandling
import EventStore
import Foundation
import PostgresNIO
import Projections
import WegweiserAPI

extension APIHandler {
    /// The key subject of a client: their data key encrypts all their personal data.
    static func subject(ofClient id: UUID) -> String { ClientCommands.subject(of: id) }

    func createClient(_ input: Operations.CreateClient.Input) async throws -> Operations.CreateClient.Output {
        guard case .json(let body) = input.body else { throw Problem.badRequest("Expected a JSON body.") }
        let principal = try Principal.required()
        let idempotency = try idempotencyKey(input.headers.idempotencyKey, operation: "createClient", body: body)
        let id = UUID()
        let profile = try Client.Profile(body, id: id, districtID: principal.districtID)
        try requireCounselled(profile.targetGroup)
        return try await idempotent(idempotency, replay: createdClient) {
            let outcome = try await writing("client") {
                try await clientCommands.handle(
                    .register(profile, today: CalendarDate(now())),
                    client: id,
                    districtID: principal.districtID,
                    metadata: .currentRequest(),
                    alsoRecord: creation(of: id, idempotency: idempotency, answering: principal, aboutClient: id)
                )
            }
            guard let record = outcome.state else { throw Problem.internalError() }
            return .created(
                .init(
                    headers: .init(eTag: Self.etag(outcome.version), location: "/clients/\(id.apiString)"),
                    body: .json(.init(record, erased: false))
                )
            )
        }
    }

    func getClient(_ input: Operations.GetClient.Input) async throws -> Operations.GetClient.Output {
        let (profile, erased, version) = try await visibleClient(input.path.clientId)
        let household = try await households.current(of: [profile.id])[profile.id]
        return .ok(
            .init(headers: .init(eTag: Self.etag(version)), body: .json(.init(profile, erased: erased, household: household)))
        )
    }

    func replaceClient(_ input: Operations.ReplaceClient.Input) async throws -> Operations.ReplaceClient.Output {
        guard case .json(let body) = input.body else { throw Problem.badRequest("Expected a JSON body.") }
        let (current, principal) = try await visibleClientRow(input.path.clientId, for: .work)
        try await accessLog.record(
            principal,
            persons: ["client:\(current.id.apiString)"],
            district: current.districtID
        )
        let profile = try Client.Profile(body, id: current.id, districtID: current.districtID)
        try requireCounselled(profile.targetGroup)
        let outcome = try await writing("client") {
            try await clientCommands.handle(
                .change(profile, today: CalendarDate(now())),
                client: current.id,
                districtID: current.districtID,
                expecting: try Self.condition(ifMatch: input.headers.ifMatch),
                metadata: .currentRequest()
            )
        }
        guard let record = outcome.state else { throw Problem.internalError() }
        let household = try await households.current(of: [record.id])[record.id]
        return .ok(
            .init(
                headers: .init(eTag: Self.etag(outcome.version)),
                body: .json(.init(record, erased: false, household: household))
            )
        )
    }

    /// 422 unless this installation counsels `group`.
    private func requireCounselled(_ group: TargetGroup) throws {
        guard targetGroups.contains(group) else {
            throw Problem.unprocessable(
                "This installation does not counsel the target group \(group.rawValue).",
                errors: [.init(pointer: "/target_group", detail: "not a target group of this installation")]
            )
        }
    }

    /// The answer to a retried create: the client as it is now.
    private func createdClient(_ id: String) async throws -> Operations.CreateClient.Output {
        let (profile, erased, version) = try await visibleClient(id)
        let household = try await households.current(of: [profile.id])[profile.id]
        return .created(
            .init(
                headers: .init(eTag: Self.etag(version), location: "/clients/\(id.lowercased())"),
                body: .json(.init(profile, erased: erased, household: household))
            )
        )
    }

    /// The client `id` with their personal data opened (and the read logged), if the caller
    /// sees them; else 404.
    func visibleClient(_ id: String) async throws -> (profile: Client.Profile, erased: Bool, version: Int64) {
        let (row, principal) = try await visibleClientRow(id)
        try await accessLog.record(
            principal,
            persons: ["client:\(row.id.apiString)"],
            district: row.districtID
        )
        guard let (profile, erased) = try await openedProfiles([row]).first else { throw Problem.internalError() }
        return (profile, erased, row.version)
    }

    /// The stored client `id` (nothing opened, nothing logged) if the caller has `access` to
    /// them now: 404 when they have none, 409 when they may only read (the client's case is
    /// closed).
    func visibleClientRow(_ id: String, for access: AccessPolicy.Access = .read) async throws -> (Casebook.ClientRow, Principal) {
        let principal = try Principal.required()
        let id = try Input.uuid(id, at: "#/path/client_id")
        guard let row = try await casebook.client(id), row.districtID == principal.districtID else {
            throw Problem.notFound("No client \(id.apiString) here.")
        }
        let granted = try await self.access(toClients: [row], principal).access[row.id] ?? .none
        guard granted >= access else {
            guard granted == .none else {
                throw Problem.conflict("The client's case is closed; reopen it to change their data.")
            }
            throw Problem.notFound("No client \(id.apiString) here.")
        }
        return (row, principal)
    }

    func listClientConsultations(
        _ input: Operations.ListClientConsultations.Input
    ) async throws -> Operations.ListClientConsultations.Output {
        let (row, principal) = try await visibleClientRow(input.path.clientId)
        let page = try Input.page(cursor: input.query.cursor, limit: input.query.limit)
        let after = page.after.map { (heldOn: $0.dayText, id: $0.id) }
        let cases = try await casebook.cases(ofClient: row.id).map(\.record.id)
        let found = try await caseItems.consultations(ofCases: cases, after: after, limit: page.limit + 1)
        let (items, next) = Input.paged(found, limit: page.limit) { item in
            guard case .string(let heldOn)? = item.body["held_on"], let day = CalendarDate(heldOn) else {
                return PageCursor(id: item.id)
            }
            return PageCursor(day: day, id: item.id)
        }
        try await accessLog.record(
            principal,
            persons: ["client:\(row.id.apiString)"],
            district: row.districtID
        )
        let opened = try await openingSealedParts(items.map(\.body))
        let consultations = try opened.map { try $0.lowercasingUUIDs.decoded(as: Components.Schemas.Consultation.self) }
        return .ok(.init(body: .json(.init(items: consultations, nextCursor: next))))
    }

    /// The profiles of `rows` with their personal parts opened (in one round trip for the
    /// keys), and whether each client was erased. Callers log the reads.
    func openedProfiles(_ rows: [Casebook.ClientRow]) async throws -> [(profile: Client.Profile, erased: Bool)] {
        let bound = rows.map { row in
            var profile = row.profile
            if profile["personal"]?["sealed"] != nil { profile["personal"]?["event_id"] = .string(row.sealedIn.uuidString) }
            return profile
        }
        return try await openingSealedParts(bound).map { profile in
            (try EventCoding.decode(Data(profile.jsonText().utf8)), profile["personal"] == nil)
        }
    }

    /// The names of the clients of `cases`, by client id; an erased client has none. Callers
    /// log the reads.
    func clientNames(of cases: [Casebook.CaseRow]) async throws -> [UUID: String] {
        let rows = try await casebook.clients(Array(Set(cases.map(\.record.clientID))))
        var names: [UUID: String] = [:]
        for (profile, _) in try await openedProfiles(rows) {
            names[profile.id] = profile.personal.map(Self.displayName)
        }
        return names
    }

    /// How a person's name is shown: given and family name.
    static func displayName(_ personal: Client.PersonalData) -> String {
        [personal.givenName, personal.familyName].filter { !$0.isEmpty }.joined(separator: " ")
    }
}

extension Client.Profile {
    /// The domain profile of a request body.
    init(_ body: Components.Schemas.ClientInput, id: UUID, districtID: String) throws {
        self.init(
            id: id,
            districtID: districtID,
            yearOfBirth: body.yearOfBirth.map(Int.init),
            gender: body.gender.flatMap { Gender(rawValue: $0.rawValue) },
            citizenships: body.citizenships ?? [],
            languages: body.languages ?? [],
            familyStatus: body.familyStatus.flatMap { FamilyStatus(rawValue: $0.rawValue) },
            municipality: body.municipality,
            arrivedOn: try body.arrivedOn.map { try Input.date($0, at: "/arrived_on") },
            targetGroup: TargetGroup(rawValue: body.targetGroup.rawValue) ?? .refugeeFollowUpHousing,
            citizenshipStatus: body.citizenshipStatus.flatMap { CitizenshipStatus(rawValue: $0.rawValue) },
            personal: .init(
                givenName: body.givenName ?? "",
                familyName: body.familyName,
                dateOfBirth: try body.dateOfBirth.map { try Input.date($0, at: "/date_of_birth") },
                phone: body.phone,
                email: body.email,
                address: body.address,
                externalID: body.externalId
            )
        )
    }
}

extension APIHandler {
    func listClientObservations(
        _ input: Operations.ListClientObservations.Input
    ) async throws -> Operations.ListClientObservations.Output {
        let (row, principal) = try await visibleClientRow(input.path.clientId)
        let asOf = try input.query.asOf.map { try Input.date($0, at: "#/query/as_of") } ?? CalendarDate(now())
        // The person's cases, in the order they were opened: one is open at a time, so a later
        // case's observations were recorded after an earlier case's.
        let cases = try await casebook.cases(ofClient: row.id).map(\.record).sorted {
            ($0.openedOn, $0.id.uuidString) < ($1.openedOn, $1.id.uuidString)
        }
        let order = Dictionary(uniqueKeysWithValues: cases.enumerated().map { ($0.element.id, $0.offset) })
        let found = try await caseItems.items(ofCases: cases.map(\.id), kind: .observation, limit: 10_000)
        let kept = found.compactMap { entry -> (caseID: UUID, item: CaseItems.Item, day: CalendarDate)? in
            guard case .string(let observed)? = entry.item.body["observed_on"], let day = CalendarDate(observed), day <= asOf,
                input.query.field.map({ entry.item.body["field"] == .string($0.rawValue) }) ?? true
            else { return nil }
            return (entry.caseID, entry.item, day)
        }
        .sorted { ($0.day, order[$0.caseID] ?? 0, $0.item.position) < ($1.day, order[$1.caseID] ?? 0, $1.item.position) }
        // Per field, the last in that order holds as of the day.
        var current: [JSONValue: UUID] = [:]
        for entry in kept { current[entry.item.body["field"] ?? .null] = entry.item.id }
        try await accessLog.record(principal, persons: ["client:\(row.id.apiString)"], district: row.districtID)
        let items = try kept.map { entry in
            var body = entry.item.body
            body["case_id"] = .string(entry.caseID.uuidString)
            body["current"] = .bool(current[body["field"] ?? .null] == entry.item.id)
            return try body.lowercasingUUIDs.decoded(as: Components.Schemas.ClientObservation.self)
        }
        return .ok(.init(body: .json(.init(items: items))))
    }
}

extension Components.Schemas.Client {
    /// The wire form of a client, in `household` now; personal fields absent when erased.
    init(_ profile: Client.Profile, erased: Bool, household: UUID? = nil) {
        let personal = profile.personal
        self.init(
            id: profile.id.apiString,
            districtId: profile.districtID,
            erased: erased,
            givenName: personal?.givenName,
            familyName: personal?.familyName,
            dateOfBirth: personal?.dateOfBirth?.description,
            yearOfBirth: profile.yearOfBirth.map(Int32.init),
            gender: profile.gender.flatMap { .init(rawValue: $0.rawValue) },
            citizenships: profile.citizenships,
            languages: profile.languages,
            familyStatus: profile.familyStatus.flatMap { .init(rawValue: $0.rawValue) },
            municipality: profile.municipality,
            citizenshipStatus: .init(
                rawValue: (profile.citizenshipStatus ?? (profile.citizenships.isEmpty ? .notAsked : .known)).rawValue
            ),
            arrivedOn: profile.arrivedOn?.description,
            targetGroup: .init(rawValue: profile.targetGroup.rawValue) ?? .refugeeFollowUpHousing,
            householdId: household?.apiString,
            phone: personal?.phone,
            email: personal?.email,
            address: personal?.address,
            externalId: personal?.externalID
        )
    }
}

extension Client.Rejection: ProblemConvertible {
    var problem: Problem {
        switch self {
        case .alreadyRegistered: .conflict("The client exists already.")
        case .notFound: .notFound("No such client.")
        case .invalid(let field, let reason):
            .unprocessable("\(field) \(reason).", errors: [.init(pointer: "/\(field)", detail: reason)])
        }
    }
}
