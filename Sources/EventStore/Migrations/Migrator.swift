public import Logging
public import PostgresNIO

/// Applies the numbered migrations of `Schema/` to a database, like Flyway: in version order,
/// each exactly once, inside one transaction that holds an advisory lock, recording version,
/// name, SHA-256 and time in `schema_migrations`. Refuses to go on when an applied file was
/// edited since, or when the database knows a migration this build does not.
public struct Migrator: Sendable {
    /// The migrations this migrator knows, in version order.
    public let migrations: [Migration]

    /// The advisory lock every migrator takes, so that concurrent starts apply nothing twice
    /// ("WEGWEISE" in ASCII).
    static let advisoryLock: Int64 = 0x5745_4757_4549_5345

    /// A migrator for `migrations`, which must have distinct versions.
    public init(migrations: [Migration]) throws {
        let sorted = migrations.sorted { $0.version < $1.version }
        for (previous, next) in zip(sorted, sorted.dropFirst()) where previous.version == next.version {
            throw MigrationError.duplicateVersion(next.version)
        }
        self.migrations = sorted
    }

    /// A migrator for the `Schema/` folder this build carries.
    public static func bundled() throws -> Migrator {
        try Migrator(migrations: Migration.bundled())
    }

    /// Applies every pending migration and returns those it applied (none if up to date); then,
    /// if `role` exists and is not who is connected, gives it its privileges (see
    /// ``ApplicationRole/grants``) in the same transaction.
    ///
    /// Writes nothing when the schema is current and no grants are due, so the application
    /// role itself may call it at start-up.
    ///
    /// - Throws: ``MigrationError`` if an applied file changed, the database is newer than
    ///   this build, or the connected role may not apply what is pending; nothing is applied then.
    @discardableResult
    public func migrate(
        on client: PostgresClient,
        grantingTo role: ApplicationRole? = nil,
        logger: Logger
    ) async throws
        -> [Migration]
    {
        let status = try await status(on: client, logger: logger)
        if let problem = status.problem { throw problem }
        let connectedAs = try await Self.currentUser(on: client, logger: logger)
        let grantee = try await Self.grantee(role, on: client, connectedAs: connectedAs, logger: logger)
        if status.pending.isEmpty && grantee == nil { return [] }
        do {
            return try await client.withTransaction(logger: logger) { connection in
                // Migrations may run longer than the server's statement timeout for requests.
                try await connection.query("SET LOCAL statement_timeout = 0", logger: logger)
                try await connection.query("SELECT pg_advisory_xact_lock(\(Self.advisoryLock))", logger: logger)
                try await connection.query(
                    """
                    CREATE TABLE IF NOT EXISTS schema_migrations (
                        version integer PRIMARY KEY,
                        name text NOT NULL,
                        checksum text NOT NULL,
                        applied_at timestamptz NOT NULL DEFAULT now()
                    )
                    """,
                    logger: logger
                )
                let pending = try check(applied: try await Self.applied(on: connection, logger: logger))
                for migration in pending {
                    for statement in SQLStatements.split(migration.sql) {
                        // Migration files are part of this build and reviewed like code.
                        try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                    }
                    try await connection.query(
                        """
                        INSERT INTO schema_migrations (version, name, checksum)
                        VALUES (\(migration.version), \(migration.name), \(migration.checksum))
                        """,
                        logger: logger
                    )
                    logger.info(
                        "migration applied",
                        metadata: ["version": "\(migration.version)", "file": "\(migration.fileName)"]
                    )
                }
                if let grantee { try await grantee.grant(on: connection, logger: logger) }
                return pending
            }
        } catch let error as PostgresTransactionError {
            if let migrationError = error.closureError as? MigrationError { throw migrationError }
            let cause = (error.closureError ?? error.commitError ?? error.beginError) as? PSQLError
            if cause?.serverInfo?[.sqlState] == "42501" {
                throw MigrationError.notPermitted(role: connectedAs, pending: status.pending.count)
            }
            throw error
        }
    }

    /// `role`, if it exists and is not `connectedAs` (a role cannot grant itself the owner's
    /// tables).
    private static func grantee(
        _ role: ApplicationRole?,
        on client: PostgresClient,
        connectedAs: String,
        logger: Logger
    ) async throws -> ApplicationRole? {
        guard let role, role.name != connectedAs else { return nil }
        return try await client.withConnection { try await role.exists(on: $0, logger: logger) } ? role : nil
    }

    /// The role this client connects as.
    static func currentUser(on client: PostgresClient, logger: Logger) async throws -> String {
        for try await (user, ) in try await client.query("SELECT current_user::text", logger: logger).decode((String,).self) {
            return user
        }
        return ""
    }

    /// What is applied, pending or changed, without changing anything.
    public func status(on client: PostgresClient, logger: Logger) async throws -> MigrationStatus {
        let exists = try await client.query("SELECT to_regclass('schema_migrations') IS NOT NULL", logger: logger)
        var tableExists = false
        for try await value in exists.decode(Bool.self) { tableExists = value }
        let applied = tableExists ? try await client.withConnection { try await Self.applied(on: $0, logger: logger) } : []
        do {
            let pending = try check(applied: applied)
            return MigrationStatus(appliedVersion: applied.map(\.version).max() ?? 0, pending: pending, problem: nil)
        } catch let problem as MigrationError {
            return MigrationStatus(appliedVersion: applied.map(\.version).max() ?? 0, pending: [], problem: problem)
        }
    }

    /// Checks the applied rows against the files and returns the pending migrations.
    private func check(applied: [AppliedMigration]) throws -> [Migration] {
        let known = Dictionary(uniqueKeysWithValues: migrations.map { ($0.version, $0) })
        for row in applied {
            guard let migration = known[row.version] else {
                throw MigrationError.unknownApplied(version: row.version, name: row.name)
            }
            guard migration.checksum == row.checksum else {
                throw MigrationError.changedSinceApplied(
                    fileName: migration.fileName,
                    applied: row.checksum,
                    current: migration.checksum
                )
            }
        }
        let appliedVersions = Set(applied.map(\.version))
        return migrations.filter { !appliedVersions.contains($0.version) }
    }

    private static func applied(on connection: PostgresConnection, logger: Logger) async throws -> [AppliedMigration] {
        let rows = try await connection.query(
            "SELECT version, name, checksum FROM schema_migrations ORDER BY version",
            logger: logger
        )
        var applied: [AppliedMigration] = []
        for try await (version, name, checksum) in rows.decode((Int, String, String).self) {
            applied.append(AppliedMigration(version: version, name: name, checksum: checksum))
        }
        return applied
    }
}

/// A row of `schema_migrations`.
private struct AppliedMigration {
    let version: Int
    let name: String
    let checksum: String
}

/// The state of a database's schema compared with this build.
public struct MigrationStatus: Sendable {
    /// The highest applied version (0 if none).
    public let appliedVersion: Int
    /// Migrations this build would apply.
    public let pending: [Migration]
    /// Why the database cannot be migrated by this build, if it cannot.
    public let problem: MigrationError?

    /// Whether every migration is applied unchanged.
    public var isCurrent: Bool { pending.isEmpty && problem == nil }
}
