import Casework
import Foundation
import OpenAPIRuntime
import Projections
import WegweiserAPI

extension APIHandler {
    func getTrajectory(_ input: Operations.GetTrajectory.Input) async throws -> Operations.GetTrajectory.Output {
        let principal = try Principal.required()
        let query = input.query
        guard let measure = ObservationField(rawValue: query.measure.rawValue) else {
            throw Problem.badRequest("measure is not an observation field.")
        }
        let cohortFrom = try Input.date(query.cohortFrom, at: "#/query/cohort_from")
        let cohortTo = try Input.date(query.cohortTo, at: "#/query/cohort_to")
        // The cohort's period stands in for the report's: the same checks of dates, definition
        // and scope.
        let question = try await keyFigureQuestion(
            .init(
                asOf: nil,
                from: query.cohortFrom,
                to: query.cohortTo,
                knownAt: query.knownAt,
                definition: query.definition,
                organisationID: query.organisationId,
                teamID: query.teamId,
                staffMemberID: query.staffMemberId
            ),
            principal,
            at: "#/query/"
        )
        let course = try await keyFigures.course(
            districtID: principal.districtID,
            scope: question.counts.scope,
            field: measure,
            from: cohortFrom,
            to: cohortTo,
            asOf: question.counts.asOf,
            knownAt: query.knownAt
        )
        var trajectory = Trajectory(
            measure: measure,
            cohortFrom: cohortFrom,
            cohortTo: cohortTo,
            asOf: question.counts.asOf,
            cohort: course.cohort,
            points: course.points,
            definition: question.definition
        )
        if question.suppressedBelow > 0 { trajectory = trajectory.suppressed(below: question.suppressedBelow) }
        let document = TrajectoryDocument(
            trajectory: trajectory,
            measure: measure,
            districtID: principal.districtID,
            scope: question.counts.scope,
            knownAt: course.knownAt,
            suppressedBelow: question.suppressedBelow
        )
        switch Self.preferred(input.headers.accept) {
        case .csv: return .ok(.init(body: .csv(HTTPBody(document.csv))))
        case .html: return .ok(.init(body: .html(HTTPBody(document.html))))
        default: return .ok(.init(body: .json(.init(document))))
        }
    }

    func getStaffSheet(_ input: Operations.GetStaffSheet.Input) async throws -> Operations.GetStaffSheet.Output {
        let principal = try Principal.required()
        let query = input.query
        let from = try Input.date(query.from, at: "#/query/from")
        let to = try Input.date(query.to, at: "#/query/to")
        guard from <= to else {
            throw Problem.unprocessable(
                "The period begins after it ends.",
                errors: [.init(pointer: "#/query/from", detail: "after to")]
            )
        }
        var request = KeyFigureRequest(organisationID: query.organisationId, teamID: query.teamId)
        if principal.role == .teamLead && request.organisationID == nil && request.teamID == nil {
            request.teamID = principal.teamID?.apiString
        }
        let scope = try await keyFigureQuestion(request, principal, at: "#/query/").counts.scope
        if case .staffMember = scope, principal.role == .teamLead {
            throw Problem.notFound("A team lead without a team has no staff sheet.")
        }
        let (work, total) = try await keyFigures.staffWork(districtID: principal.districtID, scope: scope, from: from, to: to)
        let names = try await staffNames(in: principal.districtID)
        let sheet = StaffSheet(from: from, to: to, rows: work, total: total, names: names)
        switch Self.preferred(input.headers.accept) {
        case .csv: return .ok(.init(body: .csv(HTTPBody(sheet.csv))))
        default: return .ok(.init(body: .json(.init(sheet))))
        }
    }
}

extension APIHandler {
    /// The names of the staff members of `districtID`, by id (staff data, not client data).
    func staffNames(in districtID: String) async throws -> [UUID: String] {
        let staff = try await directory.list(
            .staffMember,
            as: StaffMember.Record.self,
            districtID: districtID,
            where: [],
            limit: 10_000
        )
        var names: [UUID: String] = [:]
        for member in staff { names[member.state.profile.id] = member.state.profile.name }
        return names
    }
}

/// A staff sheet with the staff members' names.
struct StaffSheet {
    var from: CalendarDate
    var to: CalendarDate
    var rows: [KeyFigures.StaffWork]
    var total: KeyFigures.StaffWork
    var names: [UUID: String]

    /// The sheet as CSV for German spreadsheet programs (`;`, byte-order mark, decimal comma).
    var csv: String {
        func line(_ row: KeyFigures.StaffWork, name: String) -> String {
            [
                name, row.staffID?.apiString ?? "",
                String(format: "%.2f", row.fullTimeEquivalent).replacingOccurrences(of: ".", with: ","),
                String(row.cases), String(row.people), String(row.consultations), String(row.minutes),
            ]
            .map { $0.contains(";") ? "\"\($0)\"" : $0 }.joined(separator: ";")
        }
        var lines = ["Zeitraum;\(from) bis \(to)", "", "Fachkraft;ID;VZÄ;Fälle;Personen;Beratungen;Minuten"]
        lines += rows.map { line($0, name: $0.staffID.flatMap { names[$0] } ?? "") }
        lines.append(line(total, name: "insgesamt"))
        return "\u{FEFF}" + lines.joined(separator: "\r\n") + "\r\n"
    }
}

extension Components.Schemas.StaffSheetRow {
    /// The contract's form of `work`.
    init(_ work: KeyFigures.StaffWork, name: String?) {
        self.init(
            staffMemberId: work.staffID?.apiString,
            name: name,
            organisationId: work.organisationID?.apiString,
            teamId: work.teamID?.apiString,
            fullTimeEquivalent: work.fullTimeEquivalent,
            cases: Int32(clamping: work.cases),
            people: Int32(clamping: work.people),
            consultations: Int32(clamping: work.consultations),
            minutes: Int32(clamping: work.minutes)
        )
    }
}

extension Components.Schemas.StaffSheet {
    /// The contract's form of `sheet`.
    init(_ sheet: StaffSheet) {
        self.init(
            from: sheet.from.description,
            to: sheet.to.description,
            rows: sheet.rows.map { .init($0, name: $0.staffID.flatMap { sheet.names[$0] }) },
            total: .init(sheet.total, name: nil)
        )
    }
}
