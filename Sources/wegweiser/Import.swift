import ArgumentParser
import Casework
import CommandHandling
import Configuration
import EventStore
import Foundation
import Projections
import WegweiserServer

/// `wegweiser import`: people, cases and their histories from an older system, checked whole
/// before anything is written.
struct ImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import people, cases and their histories from an older system (JSON Lines, see README).",
        discussion: """
            Checks the whole file first: with --dry-run, or when anything is refused, it prints the \
            findings (line, field, reason) and writes nothing. Otherwise it writes each person and \
            their cases through the same command path as the API, showing the progress on a \
            terminal. Ids derive from --district, --source and the older ids, so running the same \
            file again writes nothing twice. Example: wegweiser import people.jsonl --district 08337 \
            --source jobkraftwerk --dry-run --database-url postgres://…
            """
    )

    @Argument(help: "The JSON Lines file.")
    var file: String

    @Option(help: "The district the people belong to (five-digit key).")
    var district: String

    @Option(help: "The older system's name (a-z, 0-9, -): part of every id the import derives; give the same on every run.")
    var source: String

    @Flag(help: "Check the file and print what would be imported or refused; write nothing.")
    var dryRun = false

    @OptionGroup var flags: ConfigurationFlags

    func validate() throws {
        guard district.count == 5, district.allSatisfy(\.isNumber) else {
            throw ValidationError("--district is a five-digit key.")
        }
        guard Importer.isValidSource(source) else {
            throw ValidationError("--source is 1 to 40 of a-z, 0-9 and -, e.g. jobkraftwerk.")
        }
    }

    func run() async throws {
        let url = URL(fileURLWithPath: file)
        let size = (try? FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int) ?? nil
        guard let size else { throw ValidationError("Cannot read \(file).") }
        guard size <= Importer.fileLimit else { throw ValidationError("\(file) is larger than \(Importer.fileLimit) bytes.") }
        let data = try Data(contentsOf: url)
        let reader = try await ConfigReader.wegweiser(arguments: flags.settings)
        let logger = makeLogger(label: "wegweiser.import", reader: reader)
        let masterKey = try MasterKeySettings.masterKey(
            reader: reader,
            localDirectory: try DatabaseSettings(reader: reader).localDirectory
        )
        let groups = try targetGroups(reader: reader)
        let (district, source, dryRun) = (district, source, dryRun)
        try await withDatabase(reader: reader, logger: logger) { client in
            guard try await Migrator.bundled().status(on: client, logger: logger).isCurrent else {
                print("The database schema is not current; run `wegweiser migrate` first.")
                throw ExitCode(1)
            }
            let importer = Importer(
                districtID: district,
                source: source,
                today: CalendarDate(Date()),
                targetGroups: groups,
                handler: CommandHandler(
                    store: EventStore(client: client, logger: logger),
                    keys: KeyStore(client: client, master: masterKey, logger: logger),
                    logger: logger
                ),
                logger: logger
            )
            let started = ContinuousClock.now
            let plan = try await importer.plan(data)
            print(
                "\(plan.records) records: \(plan.peopleInFile) people, of them \(plan.newPeople) new; \(plan.newCases) new cases "
                    + "with \(plan.newCaseCommands) entries (checked in \(String(format: "%.1f", seconds(since: started))) s)."
            )
            guard plan.findings.isEmpty else {
                print("Refused (line, field, reason); nothing was imported:")
                for finding in plan.findings.prefix(1000) { print(finding) }
                if plan.findingCount > 1000 { print("… and \(plan.findingCount - 1000) more.") }
                throw ExitCode(1)
            }
            guard !dryRun else {
                print("Dry run: nothing was imported.")
                return
            }
            let interactive = isatty(STDOUT_FILENO) != 0
            let writing = ContinuousClock.now
            let summary = try await importer.run(plan) { done, total in
                guard interactive, done == total || done % 25 == 0 else { return }
                let elapsed = max(seconds(since: writing), 0.001)
                let line = "\r\(done) of \(total) people · \(Int(Double(done) / elapsed)) people/s\u{1B}[K"
                FileHandle.standardOutput.write(Data(line.utf8))
            }
            if interactive { print("") }
            let elapsed = max(seconds(since: writing), 0.001)
            print(
                "Imported \(summary.people) people, \(summary.cases) cases, \(summary.events) events in "
                    + String(
                        format: "%.1f s (%.0f people/s, %.0f events/s).",
                        elapsed,
                        Double(summary.people) / elapsed,
                        Double(summary.events) / elapsed
                    )
            )
        }
    }
}

/// `wegweiser import-example`: the demo district as an import file.
struct ImportExampleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import-example",
        abstract: "Write the synthetic demo district as an import file (JSON Lines) to standard output.",
        discussion: """
            The people and histories `wegweiser demo` generates, as an older system would export them \
            for `wegweiser import`, assigned to the demo's case workers (district 08337). Example: \
            wegweiser import-example --people 3100 > district.jsonl
            """
    )

    @Option(help: "How many people (1 to 200000).") var people = 3100
    @Option(help: "The seed of the generator.") var seed: UInt64 = 1
    @Option(help: "About how many events per person (12 to 1000).") var events = 60

    func validate() throws {
        guard (1...200_000).contains(people), (12...1000).contains(events) else {
            throw ValidationError("--people is 1 to 200000 and --events 12 to 1000.")
        }
    }

    func run() throws {
        DemoImportFile.lines(people: people, seed: seed, eventsPerPerson: events, today: CalendarDate(Date())) { print($0) }
    }
}

/// Seconds since `start`.
private func seconds(since start: ContinuousClock.Instant) -> Double {
    let elapsed = ContinuousClock.now - start
    return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
}
