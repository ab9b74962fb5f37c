public import Foundation

/// A program a test starts, signals and waits for: `posix_spawn` and `waitpid`, with its
/// output in a file, so that tests do not depend on Foundation's `Process` bookkeeping.
public final class ChildProcess: Sendable {
    /// The process id.
    public let pid: pid_t
    /// The file that receives standard output and error.
    public let outputFile: String

    private init(pid: pid_t, outputFile: String) {
        self.pid = pid
        self.outputFile = outputFile
    }

    /// Starts `executable` with `arguments`, the current environment changed by `environment`
    /// (a `nil` value removes a variable), and standard input from `/dev/null`.
    public static func start(
        _ executable: String,
        _ arguments: [String],
        environment: [String: String?] = [:],
        outputFile: String
    ) throws -> ChildProcess {
        var variables = ProcessInfo.processInfo.environment
        for (name, value) in environment { variables[name] = value }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputFile, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = variables.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, executable, &actions, nil, argv, envp)
        guard result == 0 else { throw POSIXError(POSIXErrorCode(rawValue: result) ?? .EIO) }
        return ChildProcess(pid: pid, outputFile: outputFile)
    }

    /// What the process wrote so far.
    public var output: String { (try? String(contentsOfFile: outputFile, encoding: .utf8)) ?? "" }

    /// Sends `signal` (e.g. `SIGINT`, as Ctrl-C does).
    public func send(_ signal: Int32) {
        kill(pid, signal)
    }

    /// Waits up to `timeout` for the process to end and returns its exit status (128 + signal
    /// if a signal ended it), or `nil` if it still runs.
    public func wait(timeout: Duration) async throws -> Int32? {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            var status: Int32 = 0
            if waitpid(pid, &status, WNOHANG) == pid {
                return (status & 0x7F) == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        return nil
    }

    /// Whether process `pid` runs: a zombie that nobody reaped yet does not.
    public static func isRunning(_ pid: pid_t) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let state = stat.split(separator: ")").last?.split(separator: " ").first
        else { return false }
        return state != "Z"
    }
}
