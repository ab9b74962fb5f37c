import ArgumentParser
import Configuration
import SystemPackage

extension ConfigReader {
    /// Wegweiser's configuration: command-line flags first, then environment variables, then
    /// an optional `.env` file in the working directory, then the subcommand's `defaults`.
    static func wegweiser(arguments: [String], defaults: [AbsoluteConfigKey: ConfigValue] = [:]) async throws -> ConfigReader {
        ConfigReader(providers: [
            CommandLineArgumentsProvider(arguments: ["wegweiser"] + arguments),
            EnvironmentVariablesProvider(),
            try await EnvironmentVariablesProvider(environmentFilePath: FilePath(".env"), allowMissing: true),
            InMemoryProvider(values: defaults),
        ])
    }
}

/// The configuration flags a subcommand passes on to the configuration reader.
struct ConfigurationFlags: ParsableArguments {
    @Argument(
        parsing: .allUnrecognized,
        help: ArgumentHelp(
            "Configuration flags, e.g. --http-port 8081 --database-url postgres://… (see README).",
            valueName: "settings"
        )
    )
    var settings: [String] = []
}
