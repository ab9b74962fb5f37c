import Casework
import Foundation

extension KeyFigureDocument {
    /// The figures as CSV for German spreadsheet programs: UTF-8 with a byte-order mark (so
    /// umlauts survive), `;` between fields, CRLF line ends, a few lines naming what was asked
    /// and then one line per row. A withheld count is empty with its note.
    var csv: String {
        var lines: [[String]] = [
            ["Kennzahlen", definition.titleDe],
            ["Definition", report.definition],
            ["Kreis", districtID],
            ["Bereich", scopeParts.kind + (scopeParts.id.map { " " + $0.apiString } ?? "")],
            ["Zeitraum", "\(report.from) bis \(report.to)"],
            ["Stichtag", report.asOf.description],
            ["Stand der Erfassung", Self.timestamp(knownAt)],
            ["Später erfasste Fakten", String(laterFacts)],
            [],
            ["Abschnitt", "Schlüssel", "Bezeichnung", "Anzahl", "Minuten oder Monate", "Hinweis", "section", "label"],
        ]
        for section in report.sections {
            for row in section.rows {
                lines.append([
                    section.de, row.key, row.de, row.count.map(String.init) ?? "", row.amount.map(String.init) ?? "",
                    row.suppressed ? "unter \(suppressedBelow), nicht ausgewiesen" : "", section.key, row.en,
                ])
            }
        }
        return "\u{FEFF}" + lines.map { $0.map(Self.field).joined(separator: ";") }.joined(separator: "\r\n") + "\r\n"
    }

    /// One field: quoted where it holds a separator, quote or line break; a text a spreadsheet
    /// would read as a formula is prefixed with an apostrophe.
    private static func field(_ text: String) -> String {
        var text = text
        if let first = text.first, "=+-@".contains(first), Int(text) == nil { text = "'" + text }
        guard text.contains(where: { ";\"\r\n".contains($0) }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// A recording time in RFC 3339 UTC with microseconds.
    static func timestamp(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: date)
    }
}
