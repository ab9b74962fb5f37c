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

/// `wegweiser erase`: erasure of a person's data with four eyes, for operators: one operator
/// requests, another confirms; confirming destroys the person's key (as the API's
/// `PUT /erasure-requests/{id}/confirmation` does).
struct Erase: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Erase a person's personal data, with four eyes: request, then confirm as someone else.",
        discussion: """
            Example: wegweiser erase request --district 08337 --client <id> --reason "Art. 17 request of 3 May" \
            --as "A. Admin", then wegweiser erase confirm --district 08337 --request <id> --as "B. Betrieb". The two \
            names must differ. The log keeps its events; their personal parts can no longer be read anywhere.
            """,
        subcommands: [Request.self, Confirm.self]
    )

    /// Records an erasure request.
    struct Request: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Request the erasure of a client's personal data.")

        @Option(help: "The district (five-digit key).") var district: String
        @Option(help: "The client's id.") var client: String
        @Option(help: "Why (no personal data), 1 to 1000 characters.") var reason: String
        @Option(name: .customLong("as"), help: "Who asks: the operator's name.") var actor: String
        @OptionGroup var flags: ConfigurationFlags

        func validate() throws {
            guard UUID(uuidString: client) != nil else { throw ValidationError("--client is not an id: \(client)") }
            guard !actor.trimmingCharacters(in: .whitespaces).isEmpty else { throw ValidationError("--as names who asks.") }
        }

        func run() async throws {
            let clientID = UUID(uuidString: client)!  // checked in validate()
            try await withErasures(flags: flags, label: "wegweiser.erase") { _, erasures, casebook in
                guard let row = try await casebook.client(clientID), row.districtID == district else {
                    print("No client \(client) in district \(district).")
                    throw ExitCode(1)
                }
                let request = Erasure.Request(
                    id: UUID(),
                    districtID: district,
                    clientID: clientID,
                    reason: reason,
                    requestedBy: "operator:\(actor)",
                    requestedAt: Date()
                )
                _ = try await erasures.request(request, metadata: EventMetadata(actor: "operator:\(actor)", role: "operator"))
                print("Erasure requested: \(request.id.uuidString.lowercased()). Someone else confirms it:")
                print(
                    "  wegweiser erase confirm --district \(district) --request \(request.id.uuidString.lowercased()) --as NAME"
                )
            }
        }
    }

    /// Confirms an erasure request, and erases.
    struct Confirm: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Confirm an erasure request and erase the person.")

        @Option(help: "The district (five-digit key).") var district: String
        @Option(help: "The request's id.") var request: String
        @Option(name: .customLong("as"), help: "Who confirms: someone other than the requester.") var actor: String
        @OptionGroup var flags: ConfigurationFlags

        func validate() throws {
            guard UUID(uuidString: request) != nil else { throw ValidationError("--request is not an id: \(request)") }
        }

        func run() async throws {
            let id = UUID(uuidString: request)!  // checked in validate()
            try await withErasures(flags: flags, label: "wegweiser.erase") { _, erasures, _ in
                do {
                    let outcome = try await erasures.confirm(
                        id,
                        districtID: district,
                        by: "operator:\(actor)",
                        at: Date(),
                        metadata: EventMetadata(actor: "operator:\(actor)", role: "operator")
                    )
                    print("Erased: client \(outcome.state?.request.clientID.uuidString.lowercased() ?? "?").")
                } catch let rejection as Erasure.Rejection {
                    switch rejection {
                    case .sameActor: print("Four eyes: someone other than the requester confirms.")
                    case .alreadyConfirmed: print("The request was confirmed before: the person is erased.")
                    default: print("No erasure request \(request) in district \(district).")
                    }
                    throw ExitCode(1)
                } catch CommandFailure.notFound {
                    print("No erasure request \(request) in district \(district).")
                    throw ExitCode(1)
                }
            }
        }
    }
}

/// Runs `body` with the configuration, the erasure commands and the casebook over the
/// configured database (its schema current): what `wegweiser erase` and `wegweiser retention`
/// work with.
func withErasures(
    flags: ConfigurationFlags,
    label: String,
    _ body: @escaping @Sendable (ConfigReader, ErasureCommands, Casebook) async throws -> Void
) async throws {
    let reader = try await ConfigReader.wegweiser(arguments: flags.settings)
    let logger = makeLogger(label: label, reader: reader)
    let masterKey = try MasterKeySettings.masterKey(
        reader: reader,
        localDirectory: try DatabaseSettings(reader: reader).localDirectory
    )
    try await withDatabase(reader: reader, logger: logger) { client in
        guard try await Migrator.bundled().status(on: client, logger: logger).isCurrent else {
            print("The database schema is not current; run `wegweiser migrate` first.")
            throw ExitCode(1)
        }
        let handler = CommandHandler(
            store: EventStore(client: client, logger: logger),
            keys: KeyStore(client: client, master: masterKey, logger: logger),
            logger: logger
        )
        try await body(
            reader,
            ErasureCommands(directory: DirectoryCommands(handler: handler)),
            Casebook(client: client, logger: logger)
        )
    }
}
