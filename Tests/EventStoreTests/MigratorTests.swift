import Foundation
import Logging
import PostgresNIO
import TestSupport
import Testing

@testable import EventStore

@Suite("Migrations", .postgres)
struct MigratorTests {
    let logger = Logger(label: "migrator-tests")

    static let first = try! Migration(fileName: "0001_counter.sql", sql: "CREATE TABLE counter (n int NOT NULL);")
    static let second = try! Migration(
        fileName: "0002_count_once.sql",
        sql: "INSERT INTO counter VALUES (1); -- runs exactly once\nCOMMENT ON TABLE counter IS 'one row; always';"
    )
    static let third = try! Migration(fileName: "0003_more.sql", sql: "ALTER TABLE counter ADD COLUMN note text;")

    @Test("each migration is applied exactly once, in order, and recorded with its checksum")
    func appliedOnce() async throws {
        let database = try await TestPostgres.shared.database(migrated: false)
        let migrator = try Migrator(migrations: [Self.second, Self.first])
        try await database.withClient { client in
            let firstRun = try await migrator.migrate(on: client, logger: logger)
            let secondRun = try await migrator.migrate(on: client, logger: logger)
            #expect(firstRun.map(\.version) == [1, 2])
            #expect(secondRun.isEmpty)
            #expect(try await Self.counterRows(client) == 1)
            let recorded = try await client.query("SELECT version, name, checksum FROM schema_migrations ORDER BY version")
            var rows: [(Int, String, String)] = []
            for try await row in recorded.decode((Int, String, String).self) { rows.append(row) }
            #expect(rows.map(\.0) == [1, 2])
            #expect(rows.map(\.1) == ["counter", "count_once"])
            #expect(rows.map(\.2) == [Self.first.checksum, Self.second.checksum])
        }
    }

    @Test("two migrators started at the same time apply nothing twice")
    func concurrentMigrators() async throws {
        let database = try await TestPostgres.shared.database(migrated: false)
        let migrator = try Migrator(migrations: [Self.first, Self.second, Self.third])
        let logger = logger
        try await database.withClient { one in
            try await database.withClient { two in
                async let a = migrator.migrate(on: one, logger: logger)
                async let b = migrator.migrate(on: two, logger: logger)
                let applied = try await [a, b].map { $0.map(\.version) }
                #expect(applied.contains([1, 2, 3]))
                #expect(applied.contains([]))
                #expect(try await Self.counterRows(one) == 1)
            }
        }
    }

    @Test("an applied file that was edited is refused by name, and nothing else is applied")
    func editedFileRefused() async throws {
        let database = try await TestPostgres.shared.database(migrated: false)
        try await database.withClient { client in
            try await Migrator(migrations: [Self.first, Self.second]).migrate(on: client, logger: logger)
            let edited = try Migration(fileName: "0002_count_once.sql", sql: "INSERT INTO counter VALUES (2);")
            let migrator = try Migrator(migrations: [Self.first, edited, Self.third])
            let error = await #expect(throws: MigrationError.self) {
                try await migrator.migrate(on: client, logger: logger)
            }
            #expect(error?.description.contains("0002_count_once.sql") == true)
            let status = try await migrator.status(on: client, logger: logger)
            #expect(status.problem != nil)
            #expect(!status.isCurrent)
            let noteColumn = try await client.query(
                "SELECT count(*) FROM information_schema.columns WHERE table_name = 'counter' AND column_name = 'note'"
            )
            for try await count in noteColumn.decode(Int.self) { #expect(count == 0) }
        }
    }

    @Test("a database migrated by a newer build is refused")
    func newerDatabaseRefused() async throws {
        let database = try await TestPostgres.shared.database(migrated: false)
        try await database.withClient { client in
            try await Migrator(migrations: [Self.first, Self.second]).migrate(on: client, logger: logger)
            await #expect(throws: MigrationError.unknownApplied(version: 2, name: "count_once")) {
                try await Migrator(migrations: [Self.first]).migrate(on: client, logger: logger)
            }
        }
    }

    @Test("file names must be NNNN_name.sql and versions unique")
    func fileNames() throws {
        #expect(throws: MigrationError.invalidFileName("1_x.sql")) { try Migration(fileName: "1_x.sql", sql: "") }
        #expect(throws: MigrationError.invalidFileName("0001_x.txt")) { try Migration(fileName: "0001_x.txt", sql: "") }
        #expect(throws: MigrationError.duplicateVersion(1)) {
            try Migrator(migrations: [Self.first, Migration(fileName: "0001_other.sql", sql: "")])
        }
    }

    @Test("the bundled Schema folder applies to an empty database and reports current")
    func bundledSchema() async throws {
        let database = try await TestPostgres.shared.database(migrated: false)
        let migrator = try Migrator.bundled()
        #expect(migrator.migrations.first?.fileName == "0001_event_store.sql")
        try await database.withClient { client in
            let before = try await migrator.status(on: client, logger: logger)
            #expect(before.pending.count == migrator.migrations.count)
            try await migrator.migrate(on: client, logger: logger)
            let after = try await migrator.status(on: client, logger: logger)
            #expect(after.isCurrent)
            #expect(after.appliedVersion == migrator.migrations.last?.version)
        }
    }

    @Test("every file of Schema/ is embedded in the build, byte for byte")
    func schemaFolderEmbedded() throws {
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Schema")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".sql") }.sorted()
        #expect(Migration.schemaFiles.map(\.0) == files)
        for (name, bytes) in Migration.schemaFiles {
            #expect(try Data(contentsOf: folder.appendingPathComponent(name)) == Data(bytes), "\(name) differs from Schema/")
        }
    }

    static func counterRows(_ client: PostgresClient) async throws -> Int {
        var count = 0
        for try await value in try await client.query("SELECT count(*) FROM counter").decode(Int.self) { count = value }
        return count
    }
}
