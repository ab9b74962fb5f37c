import ArgumentParser
import Casework
import Configuration
import Foundation
import Logging
import Projections
import WegweiserServer

/// `wegweiser key-figures`: the key-figure report of one district or of every district the
/// database holds, for the operator of an installation that serves several (the state-wide
/// figures), as JSON on standard output.
struct KeyFiguresCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "key-figures",
        abstract: "Print the key-figure report of one district or of all districts as JSON.",
        discussion: """
            The same computation as GET /key-figures, without a sign-in: for the operator. Counts \
            below --reports-suppression-threshold (default 3) are withheld, as for a coordinator. \
            Example: wegweiser key-figures --all-districts --from 2026-01-01 --as-of 2026-06-30 \
            --database-url postgres://…
            """
    )

    @Option(help: "The district (five-digit official key).")
    var district: String?

    @Flag(help: "Every district the database holds.")
    var allDistricts = false

    @Option(help: "The cut-off day (YYYY-MM-DD); default today.")
    var asOf: String?

    @Option(help: "The first day of the period; default the cut-off's 1 January.")
    var from: String?

    @Option(help: "The last day of the period; default the cut-off day.")
    var to: String?

    @Option(help: "The recording time to reproduce (RFC 3339); default now.")
    var knownAt: String?

    @Option(help: "The report definition's version; default the current one.")
    var definition: String?

    @OptionGroup var flags: ConfigurationFlags

    func validate() throws {
        guard (district != nil) != allDistricts else { throw ValidationError("Give --district or --all-districts.") }
        for (name, value) in [("as-of", asOf), ("from", from), ("to", to)] {
            if let value, CalendarDate(value) == nil { throw ValidationError("--\(name) is not a day (YYYY-MM-DD): \(value)") }
        }
        if let knownAt, (try? Date(knownAt, strategy: .iso8601)) == nil {
            throw ValidationError("--known-at is not an RFC 3339 time: \(knownAt)")
        }
        if let definition, ReportDefinition.named(definition) == nil {
            throw ValidationError(
                "No report definition \(definition); there are \(ReportDefinition.all.map(\.version).joined(separator: ", "))."
            )
        }
    }

    func run() async throws {
        let reader = try await ConfigReader.wegweiser(arguments: flags.settings)
        let logger = makeLogger(label: "wegweiser.key-figures", reader: reader)
        let definition = definition.flatMap(ReportDefinition.named) ?? ReportDefinition.current
        let today = CalendarDate(Date())
        let cutOff = asOf.flatMap(CalendarDate.init) ?? today
        let (first, last) = KeyFigures.Question.period(
            asOf: cutOff,
            from: from.flatMap(CalendarDate.init),
            to: to.flatMap(CalendarDate.init)
        )
        guard cutOff <= today, first <= last, last <= cutOff else {
            throw ValidationError("The days must keep from <= to <= as-of <= today.")
        }
        let threshold = reader.int(forKey: "reports.suppression.threshold", default: 3)
        try await withDatabase(reader: reader, logger: logger) { client in
            let answer = try await KeyFigures(client: client, logger: logger).count(
                .init(
                    districtID: district,
                    scope: .district,
                    from: first,
                    to: last,
                    asOf: cutOff,
                    knownAt: knownAt.flatMap { try? Date($0, strategy: .iso8601) }
                )
            )
            var report = KeyFigureReport(counts: answer.counts, definition: definition, from: first, to: last, asOf: cutOff)
            if threshold > 0 { report = report.suppressed(below: threshold) }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            encoder.dateEncodingStrategy = .iso8601
            let printed = Printed(
                district: district ?? "all",
                knownAt: answer.knownAt,
                laterFacts: answer.laterFacts,
                suppressedBelow: threshold,
                report: report
            )
            print(String(decoding: try encoder.encode(printed), as: UTF8.self))
        }
    }

    /// What the command prints.
    struct Printed: Encodable {
        var district: String
        var knownAt: Date
        var laterFacts: Int
        var suppressedBelow: Int
        var report: KeyFigureReport

        enum CodingKeys: String, CodingKey {
            case district
            case knownAt = "known_at"
            case laterFacts = "later_facts"
            case suppressedBelow = "suppressed_below"
            case report
        }
    }
}
