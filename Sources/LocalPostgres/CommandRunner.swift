import Foundation

/// Starts programs, as the cluster's system user when we are root, and waits for them.
///
/// Uses `posix_spawn` and `waitpid` directly rather than Foundation's `Process`, whose exit
/// notification was seen to hang when several processes run at once. Output goes to a file the
/// child opens itself: a pipe's write end could leak into a process spawned meanwhile by
/// another thread (such as a server) and never reach end-of-file. Waiting happens on a thread
/// of its own, so no Swift concurrency thread is blocked.
struct CommandRunner: Sendable {
    /// The user to run as, or `nil` for ourselves.
    let user: HostUser?

    /// The exit status and the combined standard output and error of a finished command.
    struct Result: Sendable {
        let status: Int32
        let output: String
    }

    /// Runs `executable` to completion.
    func run(_ executable: String, _ arguments: [String]) async throws -> Result {
        let outputFile = FileManager.default.temporaryDirectory.appendingPathComponent("wegweiser-cmd-\(UUID().uuidString)").path
        defer { unlink(outputFile) }
        let pid = try spawn(executable, arguments, outputFile: outputFile, newSession: false)
        let status = await Self.wait(for: pid)
        let output = FileManager.default.contents(atPath: outputFile) ?? Data()
        return Result(status: status, output: String(decoding: output, as: UTF8.self))
    }

    /// Runs `executable` and throws ``LocalPostgresError/commandFailed(command:status:output:)``
    /// unless it exits with 0.
    func check(_ executable: String, _ arguments: [String]) async throws {
        let result = try await run(executable, arguments)
        guard result.status == 0 else {
            throw LocalPostgresError.commandFailed(
                command: ([executable] + arguments).joined(separator: " "),
                status: result.status,
                output: result.output
            )
        }
    }

    /// Starts `executable` in `/` with standard input from `/dev/null` and standard output and
    /// error appended to `outputFile`. With `newSession`, the child gets a session of its own,
    /// so that signals for our terminal (Ctrl-C) do not reach it.
    func spawn(_ executable: String, _ arguments: [String], outputFile: String, newSession: Bool) throws -> pid_t {
        // `setpriv` switches user and then execs, so the pid we get is the program's own; the
        // shell that starts the program in `/` execs too.
        var command = ["/bin/sh", "-c", #"cd / && exec "$0" "$@""#, executable] + arguments
        if let user {
            command = [Self.systemTool("setpriv"), "--reuid=\(user.uid)", "--regid=\(user.gid)", "--init-groups"] + command
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputFile, O_WRONLY | O_CREAT | O_APPEND, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        if newSession {
            // POSIX_SPAWN_SETSID (glibc, GNU extension not imported into Swift).
            posix_spawnattr_setflags(&attributes, 0x80)
        }
        let argv = command.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, command[0], &actions, &attributes, argv, environ)
        guard result == 0 else {
            throw LocalPostgresError.commandFailed(
                command: command.joined(separator: " "),
                status: result,
                output: String(cString: strerror(result))
            )
        }
        return pid
    }

    /// Waits for our child `pid` to end and returns its exit status (128 + signal if a signal
    /// ended it).
    static func wait(for pid: pid_t) async -> Int32 {
        await withCheckedContinuation { continuation in
            Thread {
                var status: Int32 = 0
                while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
                continuation.resume(returning: exitStatus(status))
            }
            .start()
        }
    }

    /// The exit status of our child `pid` if it has ended (and is now reaped), else `nil`.
    static func exited(_ pid: pid_t) -> Int32? {
        var status: Int32 = 0
        return waitpid(pid, &status, WNOHANG) == pid ? exitStatus(status) : nil
    }

    /// WIFEXITED / WEXITSTATUS, which Swift does not import: a signal counts as 128 + signal.
    private static func exitStatus(_ status: Int32) -> Int32 {
        (status & 0x7F) == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
    }

    /// The path of a system tool such as `setpriv` or `useradd`, which may be missing from a
    /// minimal `PATH`.
    static func systemTool(_ name: String) -> String {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        let folders = path.split(separator: ":").map(String.init) + ["/usr/sbin", "/sbin", "/usr/bin", "/bin"]
        return folders.map { $0 + "/" + name }.first { FileManager.default.isExecutableFile(atPath: $0) } ?? name
    }
}
