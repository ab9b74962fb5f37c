import Foundation
public import Logging
public import PostgresNIO

/// The database role the server connects as, and exactly what it may do: append to the log and
/// read it, keep the stores' state and write the read models — never change or remove an
/// event, never alter the schema, never disable a trigger. It owns nothing.
///
/// The schema belongs to whoever runs the migrations (the owner); ``grant(on:logger:)`` hands
/// the application role its privileges after every migration, so a table a new migration adds
/// is covered at once. Every table of the schema must appear in exactly one of the lists below
/// (a test checks it): a table the lists forget is one the server cannot use.
public struct ApplicationRole: Sendable, Equatable {
    /// The role's name.
    public let name: String

    /// The name unless configured otherwise (`database.app.role`).
    public static let defaultName = "wegweiser_app"

    /// Tables the application reads and appends to, and nothing else: the log, its chains and
    /// checkpoints, and the access log. Triggers refuse changes even by their owner; without
    /// ownership the application cannot disable those triggers.
    public static let appendOnlyTables = ["events", "event_chain", "district_chain", "chain_checkpoints", "access_log"]

    /// Tables of the stores' own state, with what the application may do to each: stream
    /// versions and folded state, the per-person keys (an erased key is overwritten with
    /// nothing, never deleted), the subscriptions' checkpoints, and the idempotency records
    /// (expired ones are deleted).
    public static let stateTables: [(table: String, privileges: String)] = [
        ("streams", "SELECT, INSERT, UPDATE"),
        ("subject_keys", "SELECT, INSERT, UPDATE"),
        ("subscription_checkpoints", "SELECT, INSERT, UPDATE"),
        ("idempotency_keys", "SELECT, INSERT, DELETE"),
        ("schema_migrations", "SELECT"),
    ]

    /// The read models: tables the projections fill from the log, which the application reads
    /// and writes. `wegweiser rebuild`, run by the owner, replaces them with copies that carry
    /// the same grants. (The application does not own them: PostgreSQL lets a role own a table
    /// only where it may create tables, and a role that may create in the owner's schema can
    /// plant functions there that the owner's migrations would run.)
    public static let readModelTables = [
        "directory", "clients", "cases", "case_items", "client_search", "households", "household_members",
        "report_staff", "report_cases", "report_people", "report_facts", "report_fact_totals", "published_reports",
    ]

    /// The role called `name`.
    ///
    /// - Throws: ``ApplicationRoleError/invalidName(_:)`` unless the name is a plain lower-case
    ///   identifier (it is written into SQL).
    public init(name: String) throws {
        guard (1...63).contains(name.utf8.count), name.first.map({ $0.isLetter || $0 == "_" }) == true,
            name.allSatisfy({ ($0.isASCII && ($0.isLowercase || $0.isNumber)) || $0 == "_" })
        else { throw ApplicationRoleError.invalidName(name) }
        self.name = name
    }

    /// The statements that give the role its privileges, taking away any others it had on the
    /// schema's tables. Run by the owner of the tables.
    public var grants: [String] {
        var statements = [
            "GRANT USAGE ON SCHEMA public TO \(name)",
            "REVOKE CREATE ON SCHEMA public FROM \(name)",
        ]
        for table in Self.appendOnlyTables {
            statements.append("REVOKE ALL ON \(table) FROM \(name)")
            statements.append("GRANT SELECT, INSERT ON \(table) TO \(name)")
        }
        for (table, privileges) in Self.stateTables {
            statements.append("REVOKE ALL ON \(table) FROM \(name)")
            statements.append("GRANT \(privileges) ON \(table) TO \(name)")
        }
        for table in Self.readModelTables {
            statements.append("REVOKE ALL ON \(table) FROM \(name)")
            statements.append("GRANT SELECT, INSERT, UPDATE, DELETE ON \(table) TO \(name)")
        }
        return statements
    }

    /// The statement that creates the role: it logs in, and may do nothing beyond what
    /// ``grants`` gives it.
    public func creation(password: String) -> String {
        "CREATE ROLE \(name) LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD "
            + Self.literal(password)
    }

    /// The statement that sets the role's password.
    public func passwordChange(to password: String) -> String {
        "ALTER ROLE \(name) PASSWORD " + Self.literal(password)
    }

    /// Whether the role exists.
    public func exists(on connection: PostgresConnection, logger: Logger) async throws -> Bool {
        let rows = try await connection.query("SELECT 1 FROM pg_roles WHERE rolname = \(name)", logger: logger)
        for try await _ in rows { return true }
        return false
    }

    /// Gives the role its privileges on the current schema (see ``grants``); run after the
    /// migrations, in their transaction or after it.
    public func grant(on connection: PostgresConnection, logger: Logger) async throws {
        for statement in grants {
            // Built from our own table names and a checked role name: no input.
            try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
        }
    }

    /// A string literal for SQL (PostgreSQL does not bind parameters in utility statements such
    /// as `CREATE ROLE`).
    static func literal(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "''") + "'"
    }
}

/// Why an application role cannot be used.
public enum ApplicationRoleError: Error, CustomStringConvertible, Equatable {
    /// The name is not a plain lower-case SQL identifier.
    case invalidName(String)

    /// One line that says what is wrong.
    public var description: String {
        switch self {
        case .invalidName(let name):
            "database.app.role '\(name)' must be a lower-case identifier (letters, digits, _; at most 63 bytes)"
        }
    }
}
