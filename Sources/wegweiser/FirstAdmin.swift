import ArgumentParser
import Casework
import CommandHandling
import Configuration
import EventStore
import Foundation
import Projections
import WegweiserServer

/// `wegweiser first-admin`: appoints the first administrator (or operator) of a district of a
/// new installation, whom nobody could appoint through the API because nobody can sign in yet.
struct FirstAdmin: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "first-admin",
        abstract: "Appoint the first administrator or operator of a district (a new installation).",
        discussion: """
            Registers the district and its organisation if they are missing and appoints the staff \
            member whose identity-provider subject (Keycloak: the user's id) is --subject, through the \
            command path. Refused once the district has an active administrator or operator: from \
            then on they appoint others through the API. Example: wegweiser first-admin --district \
            08337 --district-name "Landkreis Waldshut" --organisation "Landratsamt Waldshut" --subject \
            3f0c…-… --name "A. Admin" --as "IT Landratsamt" --database-url postgres://…
            """
    )

    @Option(help: "The district (five-digit official key).") var district: String
    @Option(help: "The district's name, if it is not registered yet (1 to 200 characters).") var districtName: String?
    @Option(help: "The organisation the staff member belongs to (registered as the district office if missing).")
    var organisation: String
    @Option(help: "The staff member's sign-in subject (the token's sub), 1 to 255 characters.") var subject: String
    @Option(help: "The staff member's name, 1 to 200 characters.") var name: String
    @Option(help: "admin or operator.") var role = "admin"
    @Option(name: .customLong("as"), help: "Who appoints: the operator's name (recorded as actor).") var actor: String
    @OptionGroup var flags: ConfigurationFlags

    func validate() throws {
        guard district.count == 5, district.allSatisfy(\.isNumber) else {
            throw ValidationError("--district is a five-digit key.")
        }
        for (option, value, limit) in [
            ("--district-name", districtName ?? "x", 200), ("--organisation", organisation, 200), ("--subject", subject, 255),
            ("--name", name, 200), ("--as", actor, 200),
        ] where value.trimmingCharacters(in: .whitespaces).isEmpty || value.count > limit {
            throw ValidationError("\(option) is 1 to \(limit) characters.")
        }
        guard ["admin", "operator"].contains(role) else { throw ValidationError("--role is admin or operator.") }
    }

    func run() async throws {
        let reader = try await ConfigReader.wegweiser(arguments: flags.settings)
        let logger = makeLogger(label: "wegweiser.first-admin", reader: reader)
        let masterKey = try MasterKeySettings.masterKey(
            reader: reader,
            localDirectory: try DatabaseSettings(reader: reader).localDirectory
        )
        let command = self
        try await withDatabase(reader: reader, logger: logger) { client in
            guard try await Migrator.bundled().status(on: client, logger: logger).isCurrent else {
                print("The database schema is not current; run `wegweiser migrate` first.")
                throw ExitCode(1)
            }
            let commands = DirectoryCommands(
                handler: CommandHandler(
                    store: EventStore(client: client, logger: logger),
                    keys: KeyStore(client: client, master: masterKey, logger: logger),
                    logger: logger
                )
            )
            // Two runs at once would both find no admin: one waits for the other.
            try await client.withGuardedConnection { connection in
                try await connection.query("SELECT pg_advisory_lock(hashtext('wegweiser first-admin'))", logger: logger)
                do {
                    try await command.appoint(using: commands, directory: Directory(client: client, logger: logger))
                } catch {
                    _ = try? await connection.query("SELECT pg_advisory_unlock_all()", logger: logger)
                    throw error
                }
                try await connection.query("SELECT pg_advisory_unlock_all()", logger: logger)
            }
        }
    }

    /// Registers what is missing and appoints the staff member.
    private func appoint(using commands: DirectoryCommands, directory: Directory) async throws {
        let metadata = EventMetadata(actor: "operator:\(actor)", role: "operator", source: "first-admin")
        let today = CalendarDate(Date())
        let staff = try await directory.list(.staffMember, as: StaffMember.Record.self, districtID: district, limit: 10_000)
        // Also one appointed from a later day counts: they will appoint the others.
        if let present = staff.first(where: {
            [.admin, .operator].contains($0.state.profile.role) && $0.state.active
                && $0.state.profile.activeUntil.map { $0 >= today } != false
        }) {
            print(
                "District \(district) has an active \(present.state.profile.role.rawValue) already (\(present.id.lowercased())): "
                    + "they appoint staff through the API (POST /staff-members)."
            )
            throw ExitCode(1)
        }
        if try await directory.find(.district, id: district, as: District.Record.self) == nil {
            guard let districtName else {
                print("District \(district) is not registered: give its name with --district-name.")
                throw ExitCode(1)
            }
            _ = try await commands.handle(
                District.self,
                kind: .district,
                id: district,
                districtID: district,
                command: .register(id: district, name: districtName),
                metadata: metadata
            )
            print("Registered district \(district) (\(districtName)).")
        }
        let organisations = try await directory.list(
            .organisation,
            as: Organisation.Record.self,
            districtID: district,
            limit: 10_000
        )
        var organisationID = organisations.first { $0.state.name == organisation && $0.state.active }?.state.id
        if organisationID == nil {
            let id = UUID()
            _ = try await commands.handle(
                Organisation.self,
                kind: .organisation,
                id: id.uuidString,
                districtID: district,
                command: .register(id: id, districtID: district, name: organisation, kind: .districtOffice),
                metadata: metadata
            )
            organisationID = id
            print("Registered organisation \(organisation) (\(id.uuidString.lowercased())).")
        }
        let id = UUID()
        let profile = StaffMember.Profile(
            id: id,
            districtID: district,
            organisationID: organisationID ?? id,
            teamID: nil,
            name: name,
            role: StaffRole(rawValue: role) ?? .admin,
            fullTimeEquivalent: 1,
            activeFrom: today,
            activeUntil: nil,
            subject: subject
        )
        do {
            _ = try await commands.handle(
                StaffMember.self,
                kind: .staffMember,
                id: id.uuidString,
                districtID: district,
                command: .appoint(profile),
                metadata: metadata
            )
        } catch let rejection as DirectoryRejection {
            print("Refused: \(rejection).")
            throw ExitCode(1)
        } catch CommandFailure.duplicate {
            print("A staff member with the subject \(subject) exists already.")
            throw ExitCode(1)
        }
        print(
            "Appointed \(name) as \(role) of district \(district): staff member \(id.uuidString.lowercased()), subject \(subject)."
        )
    }
}
