import Foundation

/// The files of a local cluster inside its folder.
struct ClusterLayout: Sendable {
    /// The cluster folder.
    let directory: String

    init(directory: String) {
        self.directory = URL(fileURLWithPath: directory).standardizedFileURL.path
    }

    var dataDirectory: String { directory + "/data" }
    var passwordFile: String { directory + "/password" }
    var logFile: String { directory + "/server.log" }

    /// Whether `initdb` has run in the folder.
    var isInitialised: Bool { FileManager.default.fileExists(atPath: dataDirectory + "/PG_VERSION") }

    func readPassword() throws -> String {
        guard let text = try? String(contentsOfFile: passwordFile, encoding: .utf8) else {
            throw LocalPostgresError.passwordMissing(path: passwordFile)
        }
        return text.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Creates the folder (mode 700) owned by the user PostgreSQL runs as, and checks that the
    /// user can reach it through every parent folder.
    func prepare(runner: CommandRunner) async throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try FileManager.default.setAttributes([.posixPermissions: 0o700], ofItemAtPath: directory)
        guard let user = runner.user else { return }
        try user.handOver(directory)
        let probe = try await runner.run("/usr/bin/test", ["-w", directory])
        guard probe.status == 0 else { throw LocalPostgresError.folderNotReachable(path: directory, user: user.name) }
    }

    /// Writes a new random password, readable only by the cluster's owner.
    func writeNewPassword(owner: HostUser?) throws -> String {
        var generator = SystemRandomNumberGenerator()
        let password = (0..<24).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
        let written = FileManager.default.createFile(
            atPath: passwordFile,
            contents: Data((password + "\n").utf8),
            attributes: [.posixPermissions: 0o600]
        )
        guard written else { throw LocalPostgresError.passwordMissing(path: passwordFile) }
        try owner?.handOver(passwordFile)
        return password
    }

    /// Whether the postmaster `pid` reports in its lock file that it accepts connections.
    func isReady(_ pid: pid_t) -> Bool {
        guard let text = try? String(contentsOfFile: dataDirectory + "/postmaster.pid", encoding: .utf8) else { return false }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        return lines.count > 7 && Int32(lines[0]) == pid && lines[7].trimmingCharacters(in: .whitespaces) == "ready"
    }

    /// The postmaster's process id while a server runs in the folder.
    func postmasterPID() -> Int32? {
        guard let text = try? String(contentsOfFile: dataDirectory + "/postmaster.pid", encoding: .utf8),
            let line = text.split(whereSeparator: \.isNewline).first, let pid = Int32(line), pid > 0
        else { return nil }
        return kill(pid, 0) == 0 || errno == EPERM ? pid : nil
    }

    /// Waits up to five seconds for a server left from an earlier run (which its watchdog is
    /// stopping) to go away.
    func waitUntilNotRunning() async throws {
        for _ in 0..<50 {
            guard postmasterPID() != nil else { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        if let pid = postmasterPID() { throw LocalPostgresError.alreadyRunning(directory: dataDirectory, processID: pid) }
    }

    /// The last lines of the server log, to explain a failed start.
    func logTail() -> String {
        guard let text = try? String(contentsOfFile: logFile, encoding: .utf8) else { return "" }
        return "\n" + text.split(whereSeparator: \.isNewline).suffix(5).joined(separator: "\n")
    }
}
