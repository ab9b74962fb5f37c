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
            Same as `serve --auth-development-signer true --demo-data true --demo-district-people 400`: \
            the demo staff and a synthetic district of 400 people over three years (deterministic; \
            `--demo-district-people`, `--demo-district-events` per person and `--demo-district-seed` \
            change it). The development signer is refused with an external database. Never use it in \
            production.
            """
    )

    @OptionGroup var flags: ConfigurationFlags

    func run() async throws {
        let reader = try await ConfigReader.wegweiser(
            arguments: flags.settings,
            defaults: ["auth.development.signer": true, "demo.data": true, "demo.district.people": 400]
        )
        try bootstrapLogging(reader: reader)
        let app = try await buildApplication(reader: reader)
        try await runUntilSignalled(app, reader: reader)
    }
}
