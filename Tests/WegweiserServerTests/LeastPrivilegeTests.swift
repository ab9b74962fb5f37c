import Configuration
import EventStore
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import PostgresNIO
import Projections
import TestSupport
import Testing

@testable import WegweiserServer

/// The server connects as the application role (every HTTP test does, see ``TestApp``); these
/// tests show what that role cannot do, even if the application were taken over.
@Suite("Least privilege: the application role appends to the log and cannot change it", .postgres)
struct LeastPrivilegeTests {
    /// What a compromised application might try, each refused by PostgreSQL with
    /// `insufficient_privilege` (42501).
    static let attempts = [
        "UPDATE events SET payload = '{}'::jsonb",
        "DELETE FROM events",
        "TRUNCATE events",
        "ALTER TABLE events DISABLE TRIGGER events_append_only",
        "DROP TRIGGER events_append_only ON events",
        "ALTER TABLE events ADD COLUMN note text",
        "SET session_replication_role = replica",
        "UPDATE event_chain SET hash = hash",
        "DELETE FROM district_chain",
        "DELETE FROM chain_checkpoints",
        "UPDATE access_log SET purpose = 'nothing'",
        "DELETE FROM subject_keys",
        "UPDATE schema_migrations SET checksum = 'edited'",
        "DROP TABLE clients",
        "ALTER TABLE clients ADD COLUMN note text",
        "CREATE TABLE public.planted (id int)",
        "CREATE FUNCTION public.reject_nothing() RETURNS int LANGUAGE sql AS 'SELECT 1'",
    ]

    @Test(
        "given a server connected as the application role that has written, when that role tries to change, remove or unguard the log, then PostgreSQL refuses each attempt and the chain still verifies"
    )
    func logCannotBeChanged() async throws {
        let (app, database) = try await TestApp.makeWithDatabase()
        try await app.test(.router) { http in
            let token = try TestIdentityProvider.shared.token(forDemo: "demo-worker-a")
            _ = try await http.openCase(of: "Haddad", on: "2025-03-01", token: token)
        }
        let before = try await database.withClient { try await Self.eventCount($0) }
        #expect(before > 0, "the server wrote as the application role")

        var application = try PostgresClient.Configuration(url: database.applicationURL + "?sslmode=disable")
        application.options.maximumConnections = 1
        let refused = try await TestDatabase.withClient(application) { client in
            for try await (user, ) in try await client.query("SELECT current_user::text").decode((String,).self) {
                try #require(user == ApplicationRole.defaultName)
            }
            var refused: [String] = []
            for statement in Self.attempts {
                do {
                    try await client.query(PostgresQuery(unsafeSQL: statement))
                    Issue.record("the application role could run: \(statement)")
                } catch let error as PSQLError {
                    #expect(error.serverInfo?[.sqlState] == "42501", "\(statement): \(String(reflecting: error))")
                    refused.append(statement)
                }
            }
            return refused
        }
        #expect(refused.count == Self.attempts.count)

        try await database.sealChains()
        let (after, verification) = try await database.withClient { client in
            (try await Self.eventCount(client), try await ChainVerifier(client: client, logger: Logger(label: "test")).verify())
        }
        #expect(after == before)
        #expect(verification.isIntact)
    }

    @Test(
        "every table of the schema has exactly one place in the application role's privileges; the read models are the projections' tables"
    )
    func everyTableIsClassified() async throws {
        let database = try await TestPostgres.shared.database()
        let tables = try await database.withClient { client in
            var tables: [String] = []
            let rows = try await client.query("SELECT tablename::text FROM pg_tables WHERE schemaname = 'public'")
            for try await (table, ) in rows.decode((String,).self) { tables.append(table) }
            return tables
        }
        let lists = [
            ApplicationRole.appendOnlyTables, ApplicationRole.stateTables.map(\.table), ApplicationRole.readModelTables,
        ]
        let classified = lists.flatMap { $0 }
        #expect(classified.count == Set(classified).count, "a table is in two lists")
        #expect(Set(classified) == Set(tables))
        #expect(Set(ApplicationRole.readModelTables) == Set(ReadModels.standard.all.flatMap(\.tables)))
    }

    @Test(
        "given pending migrations, a server connected as the application role refuses to start and says to migrate as the owner; once the owner has migrated, it starts"
    )
    func pendingMigrationsNeedTheOwner() async throws {
        let database = try await TestPostgres.shared.database(migrated: false)
        let refusing = try await buildApplication(reader: TestApp.reader(database: database, extra: ["demo.data": false]))
        let error = await #expect(throws: MigrationError.self) {
            try await refusing.test(.router) { _ in }
        }
        #expect(error?.description.contains("wegweiser migrate") == true)

        _ = try await database.withClient { client in
            try await Migrator.bundled().migrate(
                on: client,
                grantingTo: ApplicationRole(name: ApplicationRole.defaultName),
                logger: Logger(label: "test")
            )
        }
        let app = try await buildApplication(reader: TestApp.reader(database: database, extra: ["demo.data": false]))
        try await app.test(.router) { http in
            // Ready once its first look at the schema answers in time (a loaded machine may
            // need a few tries at the 2 s readiness deadline).
            var status = HTTPResponse.Status.serviceUnavailable
            for _ in 0..<20 where status != .ok {
                status = try await http.execute(uri: "/health/ready", method: .get) { $0.status }
                if status != .ok { try await Task.sleep(for: .milliseconds(500)) }
            }
            #expect(status == .ok)
        }
    }

    static func eventCount(_ client: PostgresClient) async throws -> Int {
        for try await (count, ) in try await client.query("SELECT count(*)::int FROM events").decode((Int,).self) {
            return count
        }
        return 0
    }
}
