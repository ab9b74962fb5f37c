import Casework
import EventStore
import Foundation
import Projections
import WegweiserAPI

extension APIHandler {
    /// The most people a data-quality report considers.
    static let dataQualityLimit = 20_000

    func getDataQuality(_ input: Operations.GetDataQuality.Input) async throws -> Operations.GetDataQuality.Output {
        let principal = try Principal.required()
        let page = try Input.page(cursor: input.query.cursor, limit: input.query.limit)
        var rows: [Casebook.ClientRow]
        if principal.role == .coordinator {
            rows = try await casebook.clients(districtID: principal.districtID, limit: Self.dataQualityLimit + 1)
        } else {
            let holders = [principal.staffID] + principal.covering + (try await teamMembers(of: principal))
            rows = try await casebook.clients(
                districtID: principal.districtID,
                holders: holders,
                matching: .init(tokens: [], yearOfBirth: nil, citizenship: nil),
                limit: Self.dataQualityLimit + 1
            )
        }
        guard rows.count <= Self.dataQualityLimit else {
            throw Problem.unprocessable(
                "More than \(Self.dataQualityLimit) people to check; this installation needs the report as a read model.",
                errors: [.init(pointer: "#/query", detail: "too many people")]
            )
        }
        if principal.role != .coordinator { rows = try await readable(rows, principal) }
        let cases = Dictionary(grouping: try await casebook.cases(ofClients: rows.map(\.id), limit: 10 * Self.dataQualityLimit)) {
            $0.record.clientID
        }
        let today = CalendarDate(now())
        var findings: [DataQuality.Finding] = []
        for row in rows {
            findings += DataQuality.findings(
                client: try Self.baseProfile(row),
                cases: (cases[row.id] ?? []).map(\.record),
                today: today,
                planWeeks: planWeeks
            )
        }
        if let only = input.query.warning { findings = findings.filter { $0.warning.rawValue == only.rawValue } }
        let counts = Dictionary(grouping: findings, by: \.warning).map { warning, found in
            Components.Schemas.DataQualityReport.CountsPayloadPayload(
                warning: .init(rawValue: warning.rawValue) ?? .citizenshipNotAsked,
                count: Int32(found.count)
            )
        }
        .sorted { $0.warning.rawValue < $1.warning.rawValue }
        guard principal.role != .coordinator else { return .ok(.init(body: .json(.init(counts: counts, items: [])))) }
        let offset = Int(clamping: max(page.after?.number ?? 0, 0))
        let shown = Array(findings.dropFirst(offset).prefix(page.limit))
        let next =
            offset + shown.count < findings.count
            ? PageCursor(number: Int64(offset + shown.count), id: shown.last?.clientID ?? UUID()).text : nil
        try await accessLog.record(
            principal,
            persons: Array(Set(shown.map(\.clientID))).map { Self.subject(ofClient: $0) },
            district: principal.districtID
        )
        let items = shown.map { finding in
            Components.Schemas.DataQualityReport.ItemsPayloadPayload(
                warning: .init(rawValue: finding.warning.rawValue) ?? .citizenshipNotAsked,
                clientId: finding.clientID.apiString,
                caseId: finding.caseID?.apiString,
                field: finding.field
            )
        }
        return .ok(.init(body: .json(.init(counts: counts, items: items, nextCursor: next))))
    }

    /// The profile of `row` without its personal part (which stays sealed): the base data.
    static func baseProfile(_ row: Casebook.ClientRow) throws -> Client.Profile {
        var stored = row.profile
        stored["personal"] = nil
        return try EventCoding.decode(Data(stored.jsonText().utf8))
    }
}

extension APIHandler {
    func getDataCompleteness(_ input: Operations.GetDataCompleteness.Input) async throws -> Operations.GetDataCompleteness.Output
    {
        let principal = try Principal.required()
        var teamID = try input.query.teamId.map { try Input.uuid($0, at: "#/query/team_id") }
        if principal.role == .teamLead {
            guard let own = principal.teamID, teamID == nil || teamID == own else {
                throw Problem.notFound("No team whose data quality you may read.")
            }
            teamID = own
        } else if let id = teamID,
            try await directory.find(.team, id: id.uuidString, as: Team.Record.self)?.districtID != principal.districtID
        {
            throw Problem.notFound("No team \(id.apiString) here.")
        }
        let today = CalendarDate(now())
        let groups = try await keyFigures.completeness(
            districtID: principal.districtID,
            teamID: teamID,
            today: today,
            planWeeks: planWeeks
        )
        let names = try await staffNames(in: principal.districtID)
        let rows = groups.map {
            Components.Schemas.DataCompleteness.GroupsPayloadPayload($0, name: $0.staffID.flatMap { names[$0] })
        }
        return .ok(.init(body: .json(.init(asOf: today.description, planWeeks: Int32(planWeeks), groups: rows))))
    }
}

extension Components.Schemas.DataCompleteness.GroupsPayloadPayload {
    /// The contract's form of one group's completeness.
    init(_ group: KeyFigures.Completeness, name: String?) {
        func share(_ count: Int) -> Double { group.people == 0 ? 0 : Double(count) / Double(group.people) }
        let fields = group.fields.map { field in
            FieldsPayloadPayload(
                field: .init(rawValue: field.field.rawValue) ?? .germanLevel,
                neverRecorded: Int32(clamping: field.neverRecorded),
                onlyNoAnswer: Int32(clamping: field.onlyNoAnswer),
                stale: Int32(clamping: field.stale),
                neverRecordedShare: share(field.neverRecorded),
                onlyNoAnswerShare: share(field.onlyNoAnswer),
                staleShare: share(field.stale)
            )
        }
        self.init(
            teamId: group.teamID?.apiString,
            staffMemberId: group.staffID?.apiString,
            name: name,
            people: Int32(clamping: group.people),
            casesWithoutPlan: Int32(clamping: group.casesWithoutPlan),
            fields: fields
        )
    }
}
