import ArgumentParser
import Configuration
import EventStore
import Foundation
import Projections
import WegweiserServer

/// `wegweiser rebuild`: rebuilds read models from the event log while the server keeps serving.
struct RebuildCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rebuild",
        abstract: "Rebuild read models from the event log into new tables and switch them in.",
        discussion: """
            Replays the whole log into fresh copies of the read models' tables, then switches them in \
            with one short transaction; the server may keep running and writing meanwhile. Run it as the \
            schema's owner (the copies keep the application role's grants). Prints the \
            progress (events, events/s, time left). Read models: \
            \(ReadModels.standard.all.map(\.name).joined(separator: ", ")).
            """
    )

    @Flag(help: "Rebuild every read model (the default without names).")
    var all = false

    /// Read model names come first, before any configuration flag: `rebuild cases --log-level info`.
    @OptionGroup var flags: ConfigurationFlags

    /// The read models named before the first flag.
    var names: [String] { Array(flags.settings.prefix { !$0.hasPrefix("-") }) }

    /// The configuration flags after the names.
    var settings: [String] { Array(flags.settings.drop { !$0.hasPrefix("-") }) }

    func validate() throws {
        let unknown = names.filter { ReadModels.standard.named($0) == nil }
        guard unknown.isEmpty else {
            throw ValidationError(
                "No read model \(unknown.joined(separator: ", ")); there are "
                    + ReadModels.standard.all.map(\.name).joined(separator: ", ") + "."
            )
        }
        guard !(all && !names.isEmpty) else { throw ValidationError("Name read models or give --all, not both.") }
    }

    func run() async throws {
        let reader = try await ConfigReader.wegweiser(arguments: settings)
        let logger = makeLogger(label: "wegweiser.rebuild", reader: reader)
        let projections = names.isEmpty ? ReadModels.standard.all : names.compactMap { ReadModels.standard.named($0) }
        let masterKey = try MasterKeySettings.masterKey(
            reader: reader,
            localDirectory: try DatabaseSettings(reader: reader).localDirectory
        )
        try await withDatabase(reader: reader, logger: logger) { client in
            let status = try await Migrator.bundled().status(on: client, logger: logger)
            guard status.isCurrent else {
                print("The database schema is not current; run `wegweiser migrate` first.")
                throw ExitCode(1)
            }
            let tables = projections.flatMap(\.tables)
            let owns = try await client.query(
                "SELECT coalesce(bool_and(pg_has_role(tableowner, 'USAGE')), false) FROM pg_tables WHERE tablename = ANY(\(tables))",
                logger: logger
            )
            for try await (mayReplace, ) in owns.decode((Bool,).self) where !mayReplace {
                print(
                    "Only the owner of the read models' tables may replace them: run rebuild with the schema owner's database URL."
                )
                throw ExitCode(1)
            }
            let store = EventStore(client: client, logger: logger)
            print("Rebuilding \(projections.map(\.name).joined(separator: ", ")).")
            let interactive = isatty(STDOUT_FILENO) != 0
            let keys = KeyStore(client: client, master: masterKey, logger: logger)
            let done = try await Rebuild(store: store, projections: projections, keys: keys, logger: logger).run { progress in
                guard interactive, !progress.switched else { return }
                let left = progress.remaining.map { " · \(Int(($0 / .seconds(1)).rounded())) s left" } ?? ""
                print(
                    "\r\(progress.events) of ~\(progress.total) events · \(Int(progress.rate)) events/s\(left)\u{1B}[K",
                    terminator: ""
                )
                fflush(nil)
            }
            if interactive { print("") }
            let seconds = Double(done.elapsed.components.seconds) + Double(done.elapsed.components.attoseconds) / 1e18
            print(
                "Rebuilt from \(done.events) events in \(String(format: "%.1f", seconds)) s "
                    + "(\(Int(done.rate)) events/s) and switched in."
            )
        }
    }
}
