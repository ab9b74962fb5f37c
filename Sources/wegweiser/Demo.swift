import ArgumentParser
import Configuration
import Hummingbird
import WegweiserServer

/// `wegweiser demo`: the server on the embedded PostgreSQL with demo data and the development
/// signer, for trying the API without an identity provider.
struct Demo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the API with demo data and development tokens (`wegweiser token`), on the embedded PostgreSQL.",
        discussion: """
            Same as `serve --auth-development-signer true --demo-data true`. The development signer is \
            refused with an external database. Never use it in production.
            """
    )

    @OptionGroup var flags: ConfigurationFlags

    func run() async throws {
        let reader = try await ConfigReader.wegweiser(
            arguments: flags.settings,
            defaults: ["auth.development.signer": true, "demo.data": true]
        )
        let app = try await buildApplication(reader: reader)
        try await runUntilSignalled(app, reader: reader)
    }
}
