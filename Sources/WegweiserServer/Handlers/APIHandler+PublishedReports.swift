import Casework
import CommandHandling
import Crypto
import EventStore
import Foundation
import OpenAPIRuntime
import Projections
import WegweiserAPI

extension APIHandler {
    func publishReport(_ input: Operations.PublishReport.Input) async throws -> Operations.PublishReport.Output {
        guard case .json(let body) = input.body else { throw Problem.badRequest("Expected a JSON body.") }
        let principal = try Principal.required()
        let idempotency = try idempotencyKey(input.headers.idempotencyKey, operation: "publishReport", body: body)
        /// The answer: the report as published, verified.
        func answer(_ id: UUID) async throws -> Operations.PublishReport.Output {
            let (published, _) = try await verifiedReport(id, principal)
            return .created(.init(headers: .init(location: "/published-reports/\(id.apiString)"), body: .json(published)))
        }
        return try await idempotent(idempotency, replay: { try await answer(try Input.uuid($0, at: "#/header/Idempotency-Key")) })
        {
            let question = try await keyFigureQuestion(
                .init(
                    asOf: body.asOf,
                    from: body.from,
                    to: body.to,
                    knownAt: body.knownAt,
                    definition: body.definition,
                    organisationID: body.organisationId,
                    teamID: body.teamId,
                    staffMemberID: body.staffMemberId
                ),
                principal,
                at: "/"
            )
            let document = try await keyFigureDocument(question, principal)
            let id = UUID()
            let record = Publication.Record(
                id: id,
                districtID: principal.districtID,
                scopeKind: document.scopeParts.kind,
                scopeID: document.scopeParts.id,
                knownAt: document.knownAt,
                suppressedBelow: document.suppressedBelow,
                recipient: body.recipient,
                publishedOn: CalendarDate(now()),
                figures: document.report,
                figuresHash: try Self.figuresHash(of: document)
            )
            _ = try await writing("published report") {
                try await directoryCommands.handler.handle(
                    Publication.self,
                    stream: StreamName(id: "report-\(id.uuidString)", category: "report", tenant: principal.districtID),
                    command: .publish(record),
                    metadata: .currentRequest(),
                    load: { _, _ in nil }
                ) { [logger] _, connection in
                    try await idempotency?.record(resourceID: id.uuidString, on: connection, logger: logger)
                }
            }
            return try await answer(id)
        }
    }

    func listPublishedReports(
        _ input: Operations.ListPublishedReports.Input
    ) async throws -> Operations.ListPublishedReports.Output {
        let principal = try Principal.required()
        let page = try Input.page(cursor: input.query.cursor, limit: input.query.limit)
        let rows = try await publishedReports.list(
            districtID: principal.districtID,
            after: page.after?.number ?? 0,
            limit: page.limit + 1
        )
        let shown = rows.prefix(page.limit)
        let next = rows.count > page.limit ? shown.last.map { PageCursor(number: $0.position, id: $0.record.id).text } : nil
        let items = shown.map { row in
            Components.Schemas.PublishedReportSummary(
                id: row.record.id.apiString,
                recipient: row.record.recipient,
                publishedOn: row.record.publishedOn.description,
                publishedAt: row.recordedAt,
                publishedBy: row.publishedBy,
                definition: row.record.figures.definition,
                from: row.record.figures.from.description,
                to: row.record.figures.to.description,
                asOf: row.record.figures.asOf.description,
                knownAt: row.record.knownAt,
                figuresHash: row.record.figuresHash
            )
        }
        return .ok(.init(body: .json(.init(items: Array(items), nextCursor: next))))
    }

    func getPublishedReport(_ input: Operations.GetPublishedReport.Input) async throws -> Operations.GetPublishedReport.Output {
        let principal = try Principal.required()
        let id = try Input.uuid(input.path.reportId, at: "#/path/report_id")
        let (published, sent) = try await verifiedReport(id, principal)
        switch Self.preferred(input.headers.accept) {
        case .csv: return .ok(.init(body: .csv(HTTPBody(sent.csv))))
        case .html: return .ok(.init(body: .html(HTTPBody(sent.html))))
        default: return .ok(.init(body: .json(published)))
        }
    }

    /// The published report `id` of the caller's district with its figures recomputed from the
    /// log (same question, definition and threshold) and compared by hash, as are the figures as
    /// stored; and the figures as sent.
    private func verifiedReport(
        _ id: UUID,
        _ principal: Principal
    ) async throws -> (Components.Schemas.PublishedReport, KeyFigureDocument) {
        guard let row = try await publishedReports.find(id, districtID: principal.districtID) else {
            throw Problem.notFound("No published report \(id.apiString) here.")
        }
        let record = row.record
        guard let definition = ReportDefinition.named(record.figures.definition) else {
            throw Problem.conflict("The report's definition \(record.figures.definition) is no longer built in.")
        }
        let scope: KeyFigures.Scope =
            switch (record.scopeKind, record.scopeID) {
            case ("organisation", let id?): .organisation(id)
            case ("team", let id?): .team(id)
            case ("staff_member", let id?): .staffMember(id)
            default: .district
            }
        let recomputed = try await keyFigureDocument(
            KeyFigureQuestion(
                counts: .init(
                    districtID: record.districtID,
                    scope: scope,
                    from: record.figures.from,
                    to: record.figures.to,
                    asOf: record.figures.asOf,
                    knownAt: record.knownAt
                ),
                definition: definition,
                suppressedBelow: record.suppressedBelow
            ),
            principal
        )
        var sent = recomputed
        sent.report = record.figures
        let hash = try Self.figuresHash(of: recomputed)
        // The figures shown must be the ones hashed, and the log must still give them.
        let sentHash = try Self.figuresHash(of: sent)
        let matches = hash == record.figuresHash && sentHash == record.figuresHash
        let published = Components.Schemas.PublishedReport(
            id: record.id.apiString,
            recipient: record.recipient,
            publishedOn: record.publishedOn.description,
            publishedAt: row.recordedAt,
            publishedBy: row.publishedBy,
            figuresHash: record.figuresHash,
            report: .init(sent),
            verification: .init(recomputedHash: hash, matches: matches, checkedAt: now())
        )
        return (published, sent)
    }

    /// SHA-256 (hex) over the canonical JSON (sorted keys, snake_case, RFC 3339 seconds) of
    /// what a report answered and its figures; the late facts are left out, as they change.
    static func figuresHash(of document: KeyFigureDocument) throws -> String {
        struct Canonical: Encodable {
            var districtID: String
            var scopeKind: String
            var scopeID: String?
            var knownAt: Date
            var suppressedBelow: Int
            var figures: KeyFigureReport
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.dateEncodingStrategy = .iso8601
        let canonical = Canonical(
            districtID: document.districtID,
            scopeKind: document.scopeParts.kind,
            scopeID: document.scopeParts.id?.apiString,
            knownAt: document.knownAt,
            suppressedBelow: document.suppressedBelow,
            figures: document.report
        )
        return SHA256.hash(data: try encoder.encode(canonical)).map { String(format: "%02x", $0) }.joined()
    }
}

extension Publication.Rejection: ProblemConvertible {
    var problem: Problem {
        switch self {
        case .alreadyPublished: .conflict("The report was published already.")
        case .invalid(let field, let reason):
            .unprocessable("\(field) \(reason).", errors: [.init(pointer: "/\(field)", detail: reason)])
        }
    }
}
