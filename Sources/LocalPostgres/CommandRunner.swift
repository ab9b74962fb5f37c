import Foundation

/// Runs programs for the cluster: as its system user when we are root, starting in `/`.
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
        let child = try spawn(executable, arguments, outputFile: outputFile, newSession: false)
        let status = await child.wait()
        return Result(status: status, output: child.output)
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

    /// Starts `executable` in `/` (a folder every user can enter) as ``user``.
    func spawn(_ executable: String, _ arguments: [String], outputFile: String, newSession: Bool) throws -> ChildProcess {
        // `setpriv` switches user and then execs, and so does the shell that changes to `/`:
        // the child's pid is the program's own.
        var command = ["/bin/sh", "-c", #"cd / && exec "$0" "$@""#, executable] + arguments
        if let user {
            command = [Self.systemTool("setpriv"), "--reuid=\(user.uid)", "--regid=\(user.gid)", "--init-groups"] + command
        }
        return try ChildProcess.spawn(command, outputFile: outputFile, newSession: newSession)
    }

    /// The path of a system tool such as `setpriv` or `useradd`, which may be missing from a
    /// minimal `PATH`.
    static func systemTool(_ name: String) -> String {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        let folders = path.split(separator: ":").map(String.init) + ["/usr/sbin", "/sbin", "/usr/bin", "/bin"]
        return folders.map { $0 + "/" + name }.first { FileManager.default.isExecutableFile(atPath: $0) } ?? name
    }
}
