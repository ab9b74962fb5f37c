/// Why the local cluster could not be set up, started or stopped. Each description is one
/// line that says what to do.
public enum LocalPostgresError: Error, CustomStringConvertible, Equatable {
    /// No PostgreSQL server binaries were found.
    case binariesNotFound(searched: [String])
    /// The system user PostgreSQL must run as cannot reach the cluster folder.
    case folderNotReachable(path: String, user: String)
    /// A command failed.
    case commandFailed(command: String, status: Int32, output: String)
    /// The server did not start.
    case startFailed(directory: String, output: String)
    /// The server did not stop.
    case stopFailed(directory: String, output: String)
    /// Another server still runs in the folder.
    case alreadyRunning(directory: String, processID: Int32)
    /// A database name that is not a plain identifier.
    case invalidDatabaseName(String)
    /// The cluster exists but its password file is missing or unreadable.
    case passwordMissing(path: String)

    /// One line that says what went wrong and what to do.
    public var description: String {
        switch self {
        case .binariesNotFound(let searched):
            "PostgreSQL server binaries not found (searched \(searched.joined(separator: ", "))): "
                + "install them with `apt-get install -y postgresql`, or configure DATABASE_URL to use an existing server"
        case .folderNotReachable(let path, let user):
            "the PostgreSQL system user '\(user)' cannot reach \(path): every parent folder must be traversable "
                + "(chmod o+x), or set --postgres-directory to a folder such as /var/lib/wegweiser"
        case .commandFailed(let command, let status, let output):
            "`\(command)` failed with status \(status): \(Self.lastLines(output))"
        case .startFailed(let directory, let output):
            "PostgreSQL in \(directory) did not start: \(Self.lastLines(output))"
        case .stopFailed(let directory, let output):
            "PostgreSQL in \(directory) did not stop: \(Self.lastLines(output))"
        case .alreadyRunning(let directory, let processID):
            "a PostgreSQL server (pid \(processID)) is still running in \(directory): stop the other wegweiser using it, "
                + "or stop it with `kill -INT \(processID)`"
        case .invalidDatabaseName(let name):
            "'\(name)' is not a valid database name: use lower-case letters, digits and underscores"
        case .passwordMissing(let path):
            "the local cluster's password file \(path) is missing: restore it, or remove the cluster folder to start afresh"
        }
    }

    private static func lastLines(_ output: String) -> String {
        output.split(whereSeparator: \.isNewline).suffix(3).joined(separator: " | ")
    }
}
