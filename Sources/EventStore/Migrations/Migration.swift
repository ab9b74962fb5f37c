import Crypto
import Foundation

/// One forward-only schema change: a numbered SQL file such as `0001_event_store.sql`.
///
/// Applied once, in version order, and recorded with its SHA-256 so that a file edited after
/// it was applied is noticed and refused.
public struct Migration: Sendable, Equatable {
    /// The number in front of the file name.
    public let version: Int
    /// The file name, e.g. `0001_event_store.sql`.
    public let fileName: String
    /// The SQL text; may hold several statements.
    public let sql: String

    /// The name part of the file name, e.g. `event_store`.
    public var name: String {
        String(fileName.dropFirst(5).dropLast(4))
    }

    /// The SHA-256 of the file's bytes, hex-encoded.
    public var checksum: String {
        SHA256.hash(data: Data(sql.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// A migration from a file name of the form `NNNN_name.sql` and its text.
    ///
    /// - Throws: ``MigrationError/invalidFileName(_:)`` for any other name.
    public init(fileName: String, sql: String) throws {
        let parts = fileName.split(separator: "_", maxSplits: 1)
        guard fileName.hasSuffix(".sql"), parts.count == 2, parts[0].count == 4, let version = Int(parts[0]), version > 0,
            parts[1].count > 4
        else { throw MigrationError.invalidFileName(fileName) }
        self.version = version
        self.fileName = fileName
        self.sql = sql
    }

    /// The migrations of `Schema/` that this build carries, embedded in the binary.
    public static func bundled() throws -> [Migration] {
        try schemaFiles.map { name, bytes in try Migration(fileName: name, sql: String(decoding: bytes, as: UTF8.self)) }
    }

    /// Every file of `Schema/`, embedded by SwiftPM (`embedInCode`), which names each by its
    /// file name. Add a line for each new migration; a test checks that this list and the
    /// folder agree.
    static let schemaFiles: [(String, [UInt8])] = [
        ("0001_event_store.sql", PackageResources._001_event_store_sql),
        ("0002_directory_and_access_log.sql", PackageResources._002_directory_and_access_log_sql),
        ("0003_casework.sql", PackageResources._003_casework_sql),
        ("0004_access_ends_with_the_work.sql", PackageResources._004_access_ends_with_the_work_sql),
        ("0005_directory_notifies.sql", PackageResources._005_directory_notifies_sql),
        ("0006_projections.sql", PackageResources._006_projections_sql),
        ("0007_transfers_and_corrections.sql", PackageResources._007_transfers_and_corrections_sql),
        ("0008_client_search.sql", PackageResources._008_client_search_sql),
        ("0009_households.sql", PackageResources._009_households_sql),
        ("0010_key_figures.sql", PackageResources._010_key_figures_sql),
        ("0011_key_figure_totals.sql", PackageResources._011_key_figure_totals_sql),
        ("0012_jobcenter_handoffs.sql", PackageResources._012_jobcenter_handoffs_sql),
        ("0013_district_chains_and_checkpoints.sql", PackageResources._013_district_chains_and_checkpoints_sql),
        ("0014_erasure_requests.sql", PackageResources._014_erasure_requests_sql),
        ("0015_idempotency_expiry.sql", PackageResources._015_idempotency_expiry_sql),
    ]
}
