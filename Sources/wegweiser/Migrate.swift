import ArgumentParser
import Configuration
import EventStore
import Logging
import PostgresNIO
import WegweiserServer

/// `wegweiser migrate`: applies pending migrations and exits.
struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Apply pending schema migrations and exit.",
        discussion: """
            Run it as the schema's owner. Refuses, naming the file, if an applied migration was edited \
            since it was applied. If the application role (database.app.role, default wegweiser_app) \
            exists, it gets exactly its privileges on every table again (see `wegweiser setup-roles`).
            """
    )

    @OptionGroup var flags: ConfigurationFlags

    func run() async throws {
        let reader = try await ConfigReader.wegweiser(arguments: flags.settings)
        let logger = makeLogger(label: "wegweiser.migrate", reader: reader)
        let migrator = try Migrator.bundled()
        let role = try ApplicationRole(reader: reader)
        try await withDatabase(reader: reader, logger: logger) { client in
            let applied = try await migrator.migrate(on: client, grantingTo: role, logger: logger)
            let head = migrator.migrations.last.map { "\($0.version)" } ?? "none"
            print(
                applied.isEmpty
                    ? "Schema is current (version \(head))." : "Applied \(applied.map(\.fileName).joined(separator: ", "))."
            )
        }
    }
}

/// Runs `body` with a connection pool to the configured database, starting and stopping the
/// local cluster around it when no database URL is configured.
func withDatabase(
    reader: ConfigReader,
    logger: Logger,
    _ body: @escaping @Sendable (PostgresClient) async throws -> Void
) async throws {
    let (configuration, local) = try await DatabaseSettings(reader: reader).start(logger: logger)
    let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
    let outcome: Result<Void, any Error>
    do {
        try await withThrowingDiscardingTaskGroup { group in
            group.addTask { await client.run() }
            try await body(client)
            group.cancelAll()
        }
        outcome = .success(())
    } catch {
        outcome = .failure(error)
    }
    try await local?.stop()
    try outcome.get()
}
