import Casework
import Foundation
import OpenAPIRuntime
import Projections
import WegweiserAPI

extension APIHandler {
    func getKeyFigures(_ input: Operations.GetKeyFigures.Input) async throws -> Operations.GetKeyFigures.Output {
        let principal = try Principal.required()
        let query = input.query
        let time = now()
        let today = CalendarDate(time)
        guard let definition = query.definition.map(ReportDefinition.named) ?? ReportDefinition.current else {
            throw Problem.notFound("No report definition \(query.definition ?? "").")
        }
        let asOf = try query.asOf.map { try Input.date($0, at: "#/query/as_of") } ?? today
        let to = try query.to.map { try Input.date($0, at: "#/query/to") } ?? asOf
        let from =
            try query.from.map { try Input.date($0, at: "#/query/from") } ?? CalendarDate(year: asOf.year, month: 1, day: 1)
            ?? asOf
        if asOf > today {
            throw Problem.unprocessable(
                "The cut-off day lies in the future.",
                errors: [.init(pointer: "#/query/as_of", detail: "after today")]
            )
        }
        if to > asOf {
            throw Problem.unprocessable(
                "The period ends after the cut-off day.",
                errors: [.init(pointer: "#/query/to", detail: "after as_of")]
            )
        }
        if from > to {
            throw Problem.unprocessable(
                "The period begins after it ends.",
                errors: [.init(pointer: "#/query/from", detail: "after to")]
            )
        }
        if let knownAt = query.knownAt, knownAt > time {
            throw Problem.unprocessable(
                "known_at lies in the future.",
                errors: [.init(pointer: "#/query/known_at", detail: "after now")]
            )
        }
        let scope = try await keyFigureScope(query, principal)
        let answer = try await keyFigures.count(
            .init(districtID: principal.districtID, scope: scope, from: from, to: to, asOf: asOf, knownAt: query.knownAt)
        )
        var report = KeyFigureReport(counts: answer.counts, definition: definition, from: from, to: to, asOf: asOf)
        let seesIndividuals = AccessPolicy.seesIndividuals(principal)
        if !seesIndividuals { report = report.suppressed(below: reportThreshold) }
        let document = KeyFigureDocument(
            report: report,
            definition: definition,
            districtID: principal.districtID,
            scope: scope,
            knownAt: answer.knownAt,
            laterFacts: answer.laterFacts,
            suppressedBelow: seesIndividuals ? 0 : reportThreshold
        )
        switch Self.preferred(input.headers.accept) {
        case .csv: return .ok(.init(body: .csv(HTTPBody(document.csv))))
        case .html: return .ok(.init(body: .html(HTTPBody(document.html))))
        default: return .ok(.init(body: .json(.init(document))))
        }
    }

    func listReportDefinitions(
        _ input: Operations.ListReportDefinitions.Input
    ) async throws -> Operations.ListReportDefinitions.Output {
        _ = try Principal.required()
        return .ok(.init(body: .json(.init(definitions: ReportDefinition.all.map(Components.Schemas.ReportDefinition.init)))))
    }

    /// Whose figures the query asks for, checked against who asks: case workers their own
    /// caseload (the default), team leads their team (the default) or one of its members,
    /// coordinators, auditors and admins the district (the default) or anything in it.
    private func keyFigureScope(
        _ query: Operations.GetKeyFigures.Input.Query,
        _ principal: Principal
    ) async throws -> KeyFigures.Scope {
        let named = [query.organisationId, query.teamId, query.staffMemberId].compactMap(\.self)
        guard named.count <= 1 else {
            throw Problem.unprocessable(
                "Name one of organisation_id, team_id and staff_member_id.",
                errors: [.init(pointer: "#/query", detail: "more than one scope")]
            )
        }
        if let text = query.staffMemberId {
            let id = try Input.uuid(text, at: "#/query/staff_member_id")
            guard let member = try await directory.find(.staffMember, id: id.uuidString, as: StaffMember.Record.self),
                member.districtID == principal.districtID,
                AccessPolicy.mayRead(keyFigures: .staffMember(id, team: member.state.profile.teamID), principal)
            else { throw Problem.notFound("No staff member \(text) whose figures you may read.") }
            return .staffMember(id)
        }
        if let text = query.teamId {
            let id = try Input.uuid(text, at: "#/query/team_id")
            guard try await directory.find(.team, id: id.uuidString, as: Team.Record.self)?.districtID == principal.districtID,
                AccessPolicy.mayRead(keyFigures: .team(id), principal)
            else { throw Problem.notFound("No team \(text) whose figures you may read.") }
            return .team(id)
        }
        if let text = query.organisationId {
            let id = try Input.uuid(text, at: "#/query/organisation_id")
            guard
                try await directory.find(.organisation, id: id.uuidString, as: Organisation.Record.self)?.districtID
                    == principal.districtID,
                AccessPolicy.mayRead(keyFigures: .organisation(id), principal)
            else { throw Problem.notFound("No organisation \(text) whose figures you may read.") }
            return .organisation(id)
        }
        switch principal.role {
        case .caseWorker: return .staffMember(principal.staffID)
        case .teamLead: return principal.teamID.map { .team($0) } ?? .staffMember(principal.staffID)
        default: return .district
        }
    }

    /// The content type the `Accept` header prefers (JSON where it names none we serve).
    static func preferred(
        _ accept: [AcceptHeaderContentType<Operations.GetKeyFigures.AcceptableContentType>]
    ) -> Operations.GetKeyFigures.AcceptableContentType {
        accept.sortedByQuality().first?.contentType ?? .json
    }
}

/// A key-figure report with what it was asked for and known at: what JSON, CSV and the printed
/// page render.
struct KeyFigureDocument {
    /// The figures.
    var report: KeyFigureReport
    /// The definition they were grouped by.
    var definition: ReportDefinition
    /// The district.
    var districtID: String
    /// Whose figures.
    var scope: KeyFigures.Scope
    /// The recording time reproduced.
    var knownAt: Date
    /// Facts recorded after `knownAt` that concern the figures.
    var laterFacts: Int
    /// Counts below this were withheld (0: none).
    var suppressedBelow: Int

    /// The scope's kind and id as the contract names them.
    var scopeParts: (kind: String, id: UUID?) {
        switch scope {
        case .district: ("district", nil)
        case .organisation(let id): ("organisation", id)
        case .team(let id): ("team", id)
        case .staffMember(let id): ("staff_member", id)
        }
    }
}

extension Components.Schemas.KeyFigureReport {
    /// The contract's form of `document`.
    init(_ document: KeyFigureDocument) {
        let report = document.report
        self.init(
            definition: report.definition,
            districtId: document.districtID,
            scope: .init(
                kind: .init(rawValue: document.scopeParts.kind) ?? .district,
                id: document.scopeParts.id?.apiString
            ),
            from: report.from.description,
            to: report.to.description,
            asOf: report.asOf.description,
            knownAt: document.knownAt,
            laterFacts: Int32(clamping: document.laterFacts),
            suppressedBelow: Int32(clamping: document.suppressedBelow),
            sections: report.sections.map { section in
                .init(
                    key: section.key,
                    de: section.de,
                    en: section.en,
                    onCutOff: section.onCutOff,
                    rows: section.rows.map { row in
                        .init(
                            key: row.key,
                            de: row.de,
                            en: row.en,
                            count: row.count.map { Int32(clamping: $0) },
                            amount: row.amount.map { Int32(clamping: $0) },
                            suppressed: row.suppressed
                        )
                    }
                )
            }
        )
    }
}

extension Components.Schemas.ReportDefinition {
    /// The contract's form of `definition`.
    init(_ definition: ReportDefinition) {
        self.init(
            version: definition.version,
            titleDe: definition.titleDe,
            titleEn: definition.titleEn,
            validFrom: definition.validFrom.description,
            note: definition.note,
            citizenshipTop: Int32(clamping: definition.citizenshipTop),
            ageGroups: definition.ageGroups.map {
                .init(key: $0.key, de: $0.de, en: $0.en, from: Int32(clamping: $0.from), to: Int32(clamping: $0.to))
            },
            bands: definition.bands.map { field in
                .init(field: field.field, bands: field.bands.map { .init(key: $0.key, de: $0.de, en: $0.en, codes: $0.codes) })
            },
            goalsReachedClosureReasons: definition.goalsReachedClosureReasons,
            achievedGoalStatuses: definition.achievedGoalStatuses,
            endedGoalStatuses: definition.endedGoalStatuses
        )
    }
}
