import Casework
import Foundation
import OpenAPIRuntime
import Projections
import WegweiserAPI

extension APIHandler {
    func getKeyFigures(_ input: Operations.GetKeyFigures.Input) async throws -> Operations.GetKeyFigures.Output {
        let principal = try Principal.required()
        let query = input.query
        let question = try await keyFigureQuestion(
            .init(
                asOf: query.asOf,
                from: query.from,
                to: query.to,
                knownAt: query.knownAt,
                definition: query.definition,
                organisationID: query.organisationId,
                teamID: query.teamId,
                staffMemberID: query.staffMemberId
            ),
            principal,
            at: "#/query/"
        )
        let document = try await keyFigureDocument(question, principal)
        switch Self.preferred(input.headers.accept) {
        case .csv: return .ok(.init(body: .csv(HTTPBody(document.csv))))
        case .html: return .ok(.init(body: .html(HTTPBody(document.html))))
        default: return .ok(.init(body: .json(.init(document))))
        }
    }

    /// What a key-figure request names, as the query or a body sends it.
    struct KeyFigureRequest {
        var asOf: String?
        var from: String?
        var to: String?
        var knownAt: Date?
        var definition: String?
        var organisationID: String?
        var teamID: String?
        var staffMemberID: String?
    }

    /// A checked key-figure question: the read model's, and the definition that groups it.
    struct KeyFigureQuestion {
        var counts: KeyFigures.Question
        var definition: ReportDefinition
        /// Counts below this are withheld (0: none).
        var suppressedBelow: Int
    }

    /// The question `request` asks, checked: dates that exist and fit together, a definition
    /// that exists, a scope `principal` may read. Pointers start with `pointer` (`#/query/` or
    /// `/`).
    func keyFigureQuestion(
        _ request: KeyFigureRequest,
        _ principal: Principal,
        at pointer: String
    ) async throws -> KeyFigureQuestion {
        let time = now()
        let today = CalendarDate(time)
        guard let definition = request.definition.map(ReportDefinition.named) ?? ReportDefinition.current else {
            throw Problem.notFound("No report definition \(request.definition ?? "").")
        }
        let asOf = try request.asOf.map { try Input.date($0, at: pointer + "as_of") } ?? today
        let named = try request.to.map { try Input.date($0, at: pointer + "to") }
        let (from, to) = KeyFigures.Question.period(
            asOf: asOf,
            from: try request.from.map { try Input.date($0, at: pointer + "from") },
            to: named
        )
        func refuse(_ field: String, _ detail: String, _ message: String) -> Problem {
            Problem.unprocessable(message, errors: [.init(pointer: pointer + field, detail: detail)])
        }
        if asOf > today { throw refuse("as_of", "after today", "The cut-off day lies in the future.") }
        if to > asOf { throw refuse("to", "after as_of", "The period ends after the cut-off day.") }
        if from > to { throw refuse("from", "after to", "The period begins after it ends.") }
        if let knownAt = request.knownAt, knownAt > time { throw refuse("known_at", "after now", "known_at lies in the future.") }
        return KeyFigureQuestion(
            counts: .init(
                districtID: principal.districtID,
                scope: try await keyFigureScope(request, principal, at: pointer),
                from: from,
                to: to,
                asOf: asOf,
                knownAt: request.knownAt
            ),
            definition: definition,
            suppressedBelow: AccessPolicy.seesIndividuals(principal) ? 0 : reportThreshold
        )
    }

    /// The figures that answer `question`, withheld below its threshold.
    func keyFigureDocument(_ question: KeyFigureQuestion, _ principal: Principal) async throws -> KeyFigureDocument {
        let answer = try await keyFigures.count(question.counts)
        var report = KeyFigureReport(
            counts: answer.counts,
            definition: question.definition,
            from: question.counts.from,
            to: question.counts.to,
            asOf: question.counts.asOf
        )
        if question.suppressedBelow > 0 { report = report.suppressed(below: question.suppressedBelow) }
        return KeyFigureDocument(
            report: report,
            definition: question.definition,
            districtID: principal.districtID,
            scope: question.counts.scope,
            knownAt: answer.knownAt,
            laterFacts: answer.laterFacts,
            suppressedBelow: question.suppressedBelow
        )
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
        _ request: KeyFigureRequest,
        _ principal: Principal,
        at pointer: String
    ) async throws -> KeyFigures.Scope {
        let named = [request.organisationID, request.teamID, request.staffMemberID].compactMap(\.self)
        guard named.count <= 1 else {
            throw Problem.unprocessable(
                "Name one of organisation_id, team_id and staff_member_id.",
                errors: [.init(pointer: pointer + "staff_member_id", detail: "more than one scope")]
            )
        }
        if let text = request.staffMemberID {
            let id = try Input.uuid(text, at: pointer + "staff_member_id")
            guard let member = try await directory.find(.staffMember, id: id.uuidString, as: StaffMember.Record.self),
                member.districtID == principal.districtID,
                AccessPolicy.mayRead(keyFigures: .staffMember(id, team: member.state.profile.teamID), principal)
            else { throw Problem.notFound("No staff member \(text) whose figures you may read.") }
            return .staffMember(id)
        }
        if let text = request.teamID {
            let id = try Input.uuid(text, at: pointer + "team_id")
            guard try await directory.find(.team, id: id.uuidString, as: Team.Record.self)?.districtID == principal.districtID,
                AccessPolicy.mayRead(keyFigures: .team(id), principal)
            else { throw Problem.notFound("No team \(text) whose figures you may read.") }
            return .team(id)
        }
        if let text = request.organisationID {
            let id = try Input.uuid(text, at: pointer + "organisation_id")
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
    static func preferred<ContentType: AcceptableProtocol>(_ accept: [AcceptHeaderContentType<ContentType>]) -> ContentType? {
        accept.sortedByQuality().first?.contentType
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
