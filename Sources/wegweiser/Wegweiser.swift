import ArgumentParser

/// The `wegweiser` command: runs the server and its maintenance tasks.
@main
struct Wegweiser: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "wegweiser",
        abstract: "Case management for Integrationsmanagement, over an append-only event log.",
        discussion: """
            Every subcommand reads its configuration from flags (e.g. --http-port 8081), environment \
            variables (HTTP_PORT=8081) and an optional .env file, in that order. Without --database-url / \
            DATABASE_URL it runs on a private PostgreSQL it starts itself in .wegweiser/postgres.
            """,
        subcommands: [
            Serve.self, Demo.self, Token.self, Migrate.self, SetupRoles.self, RebuildCommand.self, Verify.self,
            KeyFiguresCommand.self, Erase.self, ImportCommand.self, ImportExampleCommand.self, FirstAdmin.self,
            RotateMasterKey.self,
            RetentionCommand.self,
        ]
    )
}
