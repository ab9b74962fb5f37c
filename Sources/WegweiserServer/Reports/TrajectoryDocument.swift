import Casework
import Foundation
import Projections
import WegweiserAPI

/// A cohort's course with what it was asked for and known at: what JSON, CSV and the printed
/// page render.
struct TrajectoryDocument {
    /// The course.
    var trajectory: Trajectory
    /// The measure.
    var measure: ObservationField
    /// The district.
    var districtID: String
    /// Whose cohort.
    var scope: KeyFigures.Scope
    /// The recording time reproduced.
    var knownAt: Date
    /// Counts below this were withheld (0: none).
    var suppressedBelow: Int

    /// The course as CSV for German spreadsheet programs: one line per point and answer.
    var csv: String {
        var lines = [
            "Verlauf;\(measure.germanLabel)", "Definition;\(trajectory.definition)",
            "Kohorte;Beginn \(trajectory.cohortFrom) bis \(trajectory.cohortTo)",
            "Personen;\(trajectory.cohort.map(String.init) ?? "")", "Stichtag;\(trajectory.asOf)",
            "Stand der Erfassung;\(KeyFigureDocument.timestamp(knownAt))", "",
            "Monate;Personen;Schlüssel;Bezeichnung;Anzahl;Hinweis",
        ]
        for point in trajectory.points {
            for row in point.rows {
                lines.append(
                    [
                        String(point.months), point.people.map(String.init) ?? "", row.key, row.de,
                        row.count.map(String.init) ?? "", row.suppressed ? "unter \(suppressedBelow), nicht ausgewiesen" : "",
                    ]
                    .joined(separator: ";")
                )
            }
        }
        return "\u{FEFF}" + lines.joined(separator: "\r\n") + "\r\n"
    }

    /// The course as a printable page: a line per answer over the points (share of the people
    /// who reached each point), drawn as inline SVG, and the table.
    var html: String {
        let points = trajectory.points.filter { ($0.people ?? 0) > 0 }
        let width = 640
        let height = 260
        let left = 50
        let bottom = 30
        let colours = [
            "#3b6ea5", "#e07b39", "#4a9d5b", "#b8405e", "#7a5aa6", "#8c6d46", "#c9a227", "#5f9ea0", "#888888", "#333333",
        ]
        let keys = trajectory.points.first?.rows.map(\.key) ?? []
        func x(_ months: Int) -> Int { left + months * (width - left - 20) / 36 }
        func y(_ share: Double) -> Int { height - bottom - Int(share * Double(height - bottom - 10)) }
        var svg =
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(width + 200)\" height=\"\(height)\" role=\"img\" aria-label=\"\(KeyFigureDocument.escape(measure.germanLabel))\">\n"
        svg += "<line x1=\"\(left)\" y1=\"\(y(0))\" x2=\"\(x(36))\" y2=\"\(y(0))\" stroke=\"#999\"/>"
        svg += "<line x1=\"\(left)\" y1=\"\(y(0))\" x2=\"\(left)\" y2=\"\(y(1))\" stroke=\"#999\"/>\n"
        for months in Trajectory.months {
            svg += "<text x=\"\(x(months))\" y=\"\(height - 10)\" font-size=\"9\" text-anchor=\"middle\">\(months) Mon.</text>"
        }
        for share in [0.0, 0.5, 1.0] {
            svg +=
                "<text x=\"\(left - 4)\" y=\"\(y(share) + 3)\" font-size=\"9\" text-anchor=\"end\">\(Int(share * 100)) %</text>"
        }
        svg += "\n"
        for (index, key) in keys.enumerated() {
            let colour = colours[index % colours.count]
            let coordinates = points.compactMap { point -> String? in
                guard let people = point.people, let count = point.rows.first(where: { $0.key == key })?.count else { return nil }
                return "\(x(point.months)),\(y(Double(count) / Double(people)))"
            }
            guard !coordinates.isEmpty else { continue }
            svg +=
                "<polyline fill=\"none\" stroke=\"\(colour)\" stroke-width=\"2\" points=\"\(coordinates.joined(separator: " "))\"/>"
            let label = KeyFigureDocument.escape(trajectory.points.first?.rows[index].de ?? key)
            svg += "<rect x=\"\(width + 10)\" y=\"\(10 + index * 14)\" width=\"10\" height=\"10\" fill=\"\(colour)\"/>"
            svg += "<text x=\"\(width + 24)\" y=\"\(19 + index * 14)\" font-size=\"9\">\(label)</text>\n"
        }
        svg += "</svg>\n"
        var table = "<table class=\"figures\"><tr><th></th>"
        for point in trajectory.points { table += "<th>\(point.months) Monate</th>" }
        table += "</tr>\n<tr><td>Personen</td>"
        for point in trajectory.points { table += "<td class=\"n\">\(point.people.map(String.init) ?? "–")</td>" }
        table += "</tr>\n"
        for (index, key) in keys.enumerated() {
            table += "<tr><td>\(KeyFigureDocument.escape(trajectory.points.first?.rows[index].de ?? key))</td>"
            for point in trajectory.points {
                table += "<td class=\"n\">\(point.rows.first { $0.key == key }?.count.map(String.init) ?? "–")</td>"
            }
            table += "</tr>\n"
        }
        table += "</table>\n"
        return """
            <!DOCTYPE html>
            <html lang="de">
            <head>
            <meta charset="utf-8">
            <title>Verlauf \(KeyFigureDocument.escape(measure.germanLabel)) – \(KeyFigureDocument.escape(districtID))</title>
            <style>
            body { font-family: sans-serif; font-size: 10pt; color: #111; margin: 1.5cm; }
            h1 { font-size: 14pt; } table { border-collapse: collapse; margin-top: 1em; }
            th, td { padding: 1px 6px; text-align: left; border-bottom: 1px solid #ddd; }
            td.n { text-align: right; font-variant-numeric: tabular-nums; }
            .note { color: #555; font-size: 9pt; }
            @page { size: A4 landscape; margin: 1.5cm; }
            </style>
            </head>
            <body>
            <h1>Verlauf: \(KeyFigureDocument.escape(measure.germanLabel))</h1>
            <p class="note">Kohorte: Beginn der Begleitung \(trajectory.cohortFrom) bis \(trajectory.cohortTo), \
            \(trajectory.cohort.map(String.init) ?? "–") Personen; Definition \(trajectory.definition); Stand der Erfassung \
            \(KeyFigureDocument.timestamp(knownAt)). Anteil der Personen, die den Zeitpunkt erreicht haben.</p>
            \(svg)\(table)</body>
            </html>

            """
    }
}

extension Components.Schemas.Trajectory {
    /// The contract's form of `document`.
    init(_ document: TrajectoryDocument) {
        let course = document.trajectory
        let scope: Components.Schemas.Trajectory.ScopePayload =
            switch document.scope {
            case .district: .init(kind: .district)
            case .organisation(let id): .init(kind: .organisation, id: id.apiString)
            case .team(let id): .init(kind: .team, id: id.apiString)
            case .staffMember(let id): .init(kind: .staffMember, id: id.apiString)
            }
        self.init(
            definition: course.definition,
            measure: course.measure,
            cohortFrom: course.cohortFrom.description,
            cohortTo: course.cohortTo.description,
            asOf: course.asOf.description,
            knownAt: document.knownAt,
            suppressedBelow: Int32(clamping: document.suppressedBelow),
            scope: scope,
            cohort: course.cohort.map { Int32(clamping: $0) },
            points: course.points.map { point in
                .init(
                    months: Int32(clamping: point.months),
                    people: point.people.map { Int32(clamping: $0) },
                    rows: point.rows.map {
                        .init(
                            key: $0.key,
                            de: $0.de,
                            en: $0.en,
                            count: $0.count.map { Int32(clamping: $0) },
                            amount: $0.amount.map { Int32(clamping: $0) },
                            suppressed: $0.suppressed
                        )
                    }
                )
            }
        )
    }
}
