/// Why migrations were not applied.
public enum MigrationError: Error, CustomStringConvertible, Equatable {
    /// A file in `Schema/` is not named `NNNN_name.sql`.
    case invalidFileName(String)
    /// Two files share a version number.
    case duplicateVersion(Int)
    /// An applied migration's file was edited since it was applied.
    case changedSinceApplied(fileName: String, applied: String, current: String)
    /// The database has a migration that this build does not know: it was migrated by a newer build.
    case unknownApplied(version: Int, name: String)
    /// The connected role may not apply the pending migrations (the application role cannot).
    case notPermitted(role: String, pending: Int)

    /// One line that says what went wrong and what to do.
    public var description: String {
        switch self {
        case .invalidFileName(let name):
            "migration file '\(name)' is not named NNNN_name.sql"
        case .duplicateVersion(let version):
            "two migration files have version \(version)"
        case .changedSinceApplied(let fileName, let applied, let current):
            "migration \(fileName) was changed after it was applied (applied sha256 \(applied.prefix(12))…, file now "
                + "\(current.prefix(12))…): migrations are never edited, restore the file and add a new migration instead"
        case .unknownApplied(let version, let name):
            "the database has migration \(version) (\(name)) which this build does not know: run a newer wegweiser"
        case .notPermitted(let role, let pending):
            "\(pending) migration(s) pending, and role \(role) may not apply them: run `wegweiser migrate` "
                + "with the schema owner's database URL first"
        }
    }
}
