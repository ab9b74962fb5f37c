import ArgumentParser
import Casework
import CommandHandling
import Configuration
import EventStore
import Foundation
import Logging
import PostgresNIO
import Projections
import WegweiserServer

/// `wegweiser retention`: lists the people whose retention period has ended and, without
/// `--dry-run`, erases them as the scheduled rule does.
struct RetentionCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retention",
        abstract: "List (--dry-run) or erase the people whose retention period after closure has ended.",
        discussion: """
            A person's data goes --retention-years-after-closure (default 3) years after their last case \
            was closed, none being open. Each erasure is a request by system:retention and its \
            confirmation by system:retention-rule in the log. Example: wegweiser retention --dry-run
            """
    )

    @Flag(help: "Only list who would be erased.") var dryRun = false
    @OptionGroup var flags: ConfigurationFlags

    func run() async throws {
        let reader = try await ConfigReader.wegweiser(arguments: flags.settings)
        let logger = makeLogger(label: "wegweiser.retention", reader: reader)
        let masterKey = try MasterKeySettings.masterKey(
            reader: reader,
            localDirectory: try DatabaseSettings(reader: reader).localDirectory
        )
        let dryRun = dryRun
        try await withDatabase(reader: reader, logger: logger) { client in
            guard try await Migrator.bundled().status(on: client, logger: logger).isCurrent else {
                print("The database schema is not current; run `wegweiser migrate` first.")
                throw ExitCode(1)
            }
            let handler = CommandHandler(
                store: EventStore(client: client, logger: logger),
                keys: KeyStore(client: client, master: masterKey, logger: logger),
                logger: logger
            )
            let rule = try retention(reader: reader, erasures: ErasureCommands(directory: DirectoryCommands(handler: handler)))
            let due = try await rule.due(today: CalendarDate(Date()))
            print("\(due.count) people whose last case was closed more than \(rule.years) years ago:")
            for person in due {
                print(
                    "  client \(person.clientID.uuidString.lowercased()) of \(person.districtID), closed \(person.lastClosedOn)"
                )
            }
            guard !dryRun else { return }
            let erased = try await rule.erase(due, at: Date())
            print("Erased \(erased).")
        }
    }
}
