import ArgumentParser
import Configuration
import Hummingbird
import WegweiserServer

/// `wegweiser serve`: runs the HTTP API until SIGINT or SIGTERM.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the HTTP API (applies pending migrations first).",
        discussion: "Stops gracefully on SIGINT or SIGTERM, and with it the local PostgreSQL if it started one."
    )

    @OptionGroup var flags: ConfigurationFlags

    func run() async throws {
        let reader = try await ConfigReader.wegweiser(arguments: flags.settings)
        try bootstrapLogging(reader: reader)
        let app = try await buildApplication(reader: reader)
        try await runUntilSignalled(app, reader: reader)
    }
}
