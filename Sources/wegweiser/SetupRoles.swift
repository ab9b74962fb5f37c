import ArgumentParser
import Configuration
import Crypto
import EventStore
import Foundation
import Logging
import PostgresNIO
import WegweiserServer

/// `wegweiser setup-roles`: creates the application role the server connects as, applies the
/// migrations as the schema's owner and gives the role exactly its privileges.
struct SetupRoles: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "setup-roles",
        abstract: "Create the application role, apply the migrations as the owner and grant the role its privileges.",
        discussion: """
            Run it with the schema owner's database URL (a role that owns the database and may create \
            roles, e.g. one made by `CREATE ROLE wegweiser_owner LOGIN CREATEROLE; CREATE DATABASE \
            wegweiser OWNER wegweiser_owner;`). It creates the application role (database.app.role, \
            default wegweiser_app) if it is missing, with the password of database.app.password \
            (DATABASE_APP_PASSWORD) or a generated one it prints once; sets the password if one is \
            given for an existing role; applies pending migrations; and grants the role SELECT and \
            INSERT on the log, what the stores' state needs and the read models. The server then \
            connects as that role. `wegweiser migrate` keeps the grants current after upgrades. \
            With --print-sql it prints the statements instead and connects to nothing.
            """
    )

    @Flag(help: "Print the SQL a database administrator would run, and connect to nothing.")
    var printSQL = false

    @OptionGroup var flags: ConfigurationFlags

    func run() async throws {
        let reader = try await ConfigReader.wegweiser(arguments: flags.settings)
        let logger = makeLogger(label: "wegweiser.setup-roles", reader: reader)
        let role = try ApplicationRole(reader: reader)
        let given = reader.string(forKey: "database.app.password", isSecret: true).flatMap { $0.isEmpty ? nil : $0 }
        if printSQL {
            print(
                """
                -- As a superuser: the owner of the schema, who runs the migrations.
                CREATE ROLE wegweiser_owner LOGIN CREATEROLE PASSWORD '…';
                CREATE DATABASE wegweiser OWNER wegweiser_owner;
                -- As wegweiser_owner, in the database wegweiser: the application role.
                \(role.creation(password: "…"));
                -- Then `wegweiser migrate` as wegweiser_owner applies the migrations and runs:
                \(role.grants.map { $0 + ";" }.joined(separator: "\n"))
                """
            )
            return
        }
        let password = given ?? Self.generatedPassword()
        try await withDatabase(reader: reader, logger: logger) { client in
            let created = try await client.withConnection { connection in
                if try await role.exists(on: connection, logger: logger) {
                    if given != nil {
                        // A utility statement: the password cannot be bound, it is quoted as a literal.
                        try await connection.query(PostgresQuery(unsafeSQL: role.passwordChange(to: password)), logger: logger)
                    }
                    return false
                }
                try await connection.query(PostgresQuery(unsafeSQL: role.creation(password: password)), logger: logger)
                return true
            }
            let applied = try await Migrator.bundled().migrate(on: client, grantingTo: role, logger: logger)
            print(created ? "Created role \(role.name)." : "Role \(role.name) exists.")
            if !applied.isEmpty { print("Applied \(applied.map(\.fileName).joined(separator: ", ")).") }
            print("Granted \(role.name) its privileges: it may append to the log and read it, and write the read models.")
            if created && given == nil {
                print("Its generated password (shown once): \(password)")
            }
        }
    }

    /// 32 random bytes, URL-safe base64, so it can stand in a database URL as it is.
    static func generatedPassword() -> String {
        SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }.base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
