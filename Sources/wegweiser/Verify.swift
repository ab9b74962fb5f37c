import ArgumentParser
import Configuration
import EventStore
import WegweiserServer

/// `wegweiser verify`: recomputes the hash chain over the event log.
struct Verify: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Recompute the hash chain over the event log and report its head or the first broken link.",
        discussion: "Exits with status 1 if a link is broken. Reads only; the server may run meanwhile."
    )

    @OptionGroup var flags: ConfigurationFlags

    func run() async throws {
        let reader = try await ConfigReader.wegweiser(arguments: flags.settings)
        let logger = makeLogger(label: "wegweiser.verify", reader: reader)
        try await withDatabase(reader: reader, logger: logger) { client in
            let verification = try await ChainVerifier(client: client, logger: logger).verify()
            if let broken = verification.broken {
                let event = broken.globalPosition.map { " (event at global position \($0))" } ?? ""
                print("BROKEN at log position \(broken.position)\(event): \(broken.reason).")
                print("Intact before it: \(verification.verifiedCount) link(s).")
                throw ExitCode(1)
            }
            if let head = verification.head {
                print(
                    "Intact: \(verification.verifiedCount) link(s); head at log position \(head.position), sha256 \(head.hash)."
                )
            } else {
                print("Intact: nothing sealed yet.")
            }
        }
    }
}
