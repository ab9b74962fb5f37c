import ArgumentParser
import Configuration
import WegweiserServer

/// `wegweiser token`: prints a development token.
struct Token: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print a token from the development signer (see `wegweiser demo`).",
        discussion: """
            The token is valid for the server that runs with the development signer in the same \
            folder. Example: curl -H "Authorization: Bearer $(wegweiser token --role case_worker \
            --staff demo-worker-a)" http://127.0.0.1:8080/me
            """
    )

    @Option(help: "The role the token grants: case_worker, team_lead, coordinator, auditor, jobcenter, admin, …")
    var role: String

    @Option(help: "The staff member's sign-in subject (the demo staff: demo-worker-a, demo-lead, demo-admin, …).")
    var staff: String

    @Option(help: "The district the token is for.")
    var district = "08337"

    @Option(help: "How long the token is valid, in hours.")
    var hours = 8.0

    @OptionGroup var flags: ConfigurationFlags

    func run() async throws {
        let reader = try await ConfigReader.wegweiser(arguments: flags.settings)
        print(
            try await developmentToken(reader: reader, subject: staff, role: role, district: district, lifetime: hours * 3600)
        )
    }
}
