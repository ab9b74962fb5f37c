import Casework
import Foundation

extension KeyFigureDocument {
    /// The figures as a printable page (German): what was asked, then each section as a table
    /// beside a bar chart drawn as inline SVG on the server, so the page needs no script, no
    /// font and no network and can be pasted into a council paper.
    var html: String {
        var body = """
            <h1>\(Self.escape(definition.titleDe))</h1>
            <table class="meta">
            <tr><th>Definition</th><td>\(Self.escape(report.definition))</td></tr>
            <tr><th>Kreis</th><td>\(Self.escape(districtID))</td></tr>
            <tr><th>Bereich</th><td>\(Self.escape(scopeParts.kind))\(scopeParts.id.map { " " + $0.apiString } ?? "")</td></tr>
            <tr><th>Zeitraum</th><td>\(Self.german(report.from)) bis \(Self.german(report.to))</td></tr>
            <tr><th>Stichtag</th><td>\(Self.german(report.asOf))</td></tr>
            <tr><th>Stand der Erfassung</th><td>\(Self.escape(Self.timestamp(knownAt)))</td></tr>
            <tr><th>Später erfasste Fakten</th><td>\(laterFacts)</td></tr>
            </table>

            """
        if suppressedBelow > 1 {
            body += "<p class=\"note\">Zahlen von 1 bis \(suppressedBelow - 1) werden nicht ausgewiesen (–).</p>\n"
        }
        for section in report.sections {
            body += "<section>\n<h2>\(Self.escape(section.de))</h2>\n"
            body += section.onCutOff ? "<p class=\"note\">Personen in Begleitung am Stichtag</p>\n" : ""
            body += "<div class=\"pair\">\n" + table(section) + chart(section) + "</div>\n</section>\n"
        }
        return """
            <!DOCTYPE html>
            <html lang="de">
            <head>
            <meta charset="utf-8">
            <title>\(Self.escape(definition.titleDe)) – \(Self.escape(districtID)) – \(report.asOf)</title>
            <style>
            body { font-family: sans-serif; font-size: 10pt; color: #111; margin: 1.5cm; }
            h1 { font-size: 14pt; } h2 { font-size: 11pt; margin: 0.8em 0 0.3em; }
            table { border-collapse: collapse; } th, td { padding: 1px 6px; text-align: left; }
            td.n { text-align: right; font-variant-numeric: tabular-nums; }
            table.figures td, table.figures th { border-bottom: 1px solid #ddd; }
            .pair { display: flex; gap: 1.5em; align-items: flex-start; }
            .note { color: #555; font-size: 9pt; margin: 0 0 0.3em; }
            section { break-inside: avoid; page-break-inside: avoid; }
            @page { size: A4; margin: 1.5cm; }
            @media print { body { margin: 0; } }
            </style>
            </head>
            <body>
            \(body)</body>
            </html>

            """
    }

    /// A section's rows as a table.
    private func table(_ section: KeyFigureReport.Section) -> String {
        let amounts = section.rows.contains { $0.amount != nil }
        var html =
            "<table class=\"figures\"><tr><th></th><th>Anzahl</th>" + (amounts ? "<th>Stunden/Monate</th>" : "") + "</tr>\n"
        for row in section.rows {
            let count = row.count.map(String.init) ?? "–"
            var amount = ""
            if amounts {
                let value =
                    section.key == "consultations" ? row.amount.map { Self.hours($0) } : row.amount.map(String.init)
                amount = "<td class=\"n\">\(value ?? "–")</td>"
            }
            html += "<tr><td>\(Self.escape(row.de))</td><td class=\"n\">\(count)</td>\(amount)</tr>\n"
        }
        return html + "</table>\n"
    }

    /// A section's rows (without the total) as horizontal bars.
    private func chart(_ section: KeyFigureReport.Section) -> String {
        let rows = section.rows.filter { $0.key != "total" && $0.key != "goals_reached" }
        let largest = max(rows.compactMap(\.count).max() ?? 0, 1)
        let barHeight = 14
        let labelWidth = 190
        let barWidth = 260
        let height = rows.count * (barHeight + 4) + 4
        var svg =
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(labelWidth + barWidth + 50)\" height=\"\(height)\" role=\"img\" aria-label=\"\(Self.escape(section.de))\">\n"
        for (index, row) in rows.enumerated() {
            let y = 4 + index * (barHeight + 4)
            let width = Int((Double(row.count ?? 0) / Double(largest) * Double(barWidth)).rounded())
            let label = Self.escape(String(row.de.prefix(32)))
            svg += "<text x=\"\(labelWidth - 4)\" y=\"\(y + barHeight - 3)\" font-size=\"9\" text-anchor=\"end\">\(label)</text>"
            svg += "<rect x=\"\(labelWidth)\" y=\"\(y)\" width=\"\(width)\" height=\"\(barHeight)\" fill=\"#3b6ea5\"/>"
            svg +=
                "<text x=\"\(labelWidth + width + 4)\" y=\"\(y + barHeight - 3)\" font-size=\"9\">\(row.count.map(String.init) ?? "–")</text>\n"
        }
        return svg + "</svg>\n"
    }

    /// Minutes as hours with one decimal, German style.
    private static func hours(_ minutes: Int) -> String {
        String(format: "%.1f", Double(minutes) / 60).replacingOccurrences(of: ".", with: ",")
    }

    /// A day as `30.11.2026`.
    private static func german(_ day: CalendarDate) -> String {
        String(format: "%02d.%02d.%04d", day.day, day.month, day.year)
    }

    /// Text for HTML.
    static func escape(_ text: String) -> String {
        var escaped = ""
        for character in text {
            switch character {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&#39;"
            default: escaped.append(character)
            }
        }
        return escaped
    }
}
