public import Foundation

/// A program started with `posix_spawn` and waited for with `waitpid`.
///
/// Used instead of Foundation's `Process`, whose exit notification was seen to hang when
/// several processes run at once. Output goes to a file the child opens itself: a pipe's write
/// end could leak into a process spawned meanwhile by another thread (such as a server) and
/// never reach end-of-file.
public struct ChildProcess: Sendable {
    /// The process id.
    public let pid: pid_t
    /// The file that receives standard output and error.
    public let outputFile: String

    /// Starts `command` (an absolute path and its arguments) with standard input from
    /// `/dev/null` and standard output and error appended to `outputFile`.
    ///
    /// - Parameters:
    ///   - environment: Changes to this process's environment; a `nil` value removes a variable.
    ///   - newSession: Give the child a session of its own, so that signals for our terminal
    ///     (Ctrl-C) do not reach it.
    public static func spawn(
        _ command: [String],
        environment: [String: String?] = [:],
        outputFile: String,
        newSession: Bool = false
    ) throws -> ChildProcess {
        var variables = ProcessInfo.processInfo.environment
        for (name, value) in environment { variables[name] = value }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputFile, O_WRONLY | O_CREAT | O_APPEND, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // The child starts with no blocked signals and default dispositions: otherwise it
        // inherits the spawning thread's mask and our ignored SIGPIPE, and e.g. pgbench never
        // sees the SIGALRM that ends its run.
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGPIPE, SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGALRM, SIGCHLD, SIGUSR1, SIGUSR2] {
            sigaddset(&defaults, signal)
        }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        // POSIX_SPAWN_SETSID is a glibc extension Swift does not import.
        let setSession: Int32 = 0x80
        let flags = Int32(POSIX_SPAWN_SETSIGMASK) | Int32(POSIX_SPAWN_SETSIGDEF) | (newSession ? setSession : 0)
        posix_spawnattr_setflags(&attributes, Int16(flags))
        let argv = command.map { strdup($0) } + [nil]
        let envp = variables.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, command[0], &actions, &attributes, argv, envp)
        guard result == 0 else {
            throw LocalPostgresError.commandFailed(
                command: command.joined(separator: " "),
                status: result,
                output: String(cString: strerror(result))
            )
        }
        return ChildProcess(pid: pid, outputFile: outputFile)
    }

    /// What the process wrote so far.
    public var output: String { (try? String(contentsOfFile: outputFile, encoding: .utf8)) ?? "" }

    /// Sends `signal`, e.g. `SIGINT` as Ctrl-C does.
    public func send(_ signal: Int32) {
        kill(pid, signal)
    }

    /// Waits for the process to end and returns its exit status (128 + signal if a signal
    /// ended it). Waits on a thread of its own, blocking no Swift concurrency thread.
    public func wait() async -> Int32 {
        await withCheckedContinuation { continuation in
            Thread {
                var status: Int32 = 0
                while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
                continuation.resume(returning: Self.exitStatus(status))
            }
            .start()
        }
    }

    /// Waits up to `timeout` and returns the exit status, or `nil` if the process still runs.
    public func wait(timeout: Duration) async throws -> Int32? {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let status = exitStatus() { return status }
            try await Task.sleep(for: .milliseconds(20))
        }
        return exitStatus()
    }

    /// The exit status if the process has ended (it is reaped then), else `nil`.
    public func exitStatus() -> Int32? {
        var status: Int32 = 0
        return waitpid(pid, &status, WNOHANG) == pid ? Self.exitStatus(status) : nil
    }

    /// Whether process `pid` runs: a zombie that nobody reaped yet does not.
    public static func isRunning(_ pid: pid_t) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let state = stat.split(separator: ")").last?.split(separator: " ").first
        else { return false }
        return state != "Z"
    }

    /// WIFEXITED / WEXITSTATUS, which Swift does not import: a signal counts as 128 + signal.
    private static func exitStatus(_ status: Int32) -> Int32 {
        (status & 0x7F) == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
    }
}
