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
        let dryRun = dryRun
        try await withErasures(flags: flags, label: "wegweiser.retention") { reader, erasures, _ in
            let rule = try retention(reader: reader, erasures: erasures)
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
