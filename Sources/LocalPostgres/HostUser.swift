import Foundation

/// The operating-system user PostgreSQL runs as when we run as root (it refuses to run as root).
struct HostUser: Sendable {
    /// The user's name.
    let name: String
    let uid: uid_t
    let gid: gid_t

    /// `nil` when we are not root (PostgreSQL then runs as ourselves); otherwise `name`,
    /// created as a system user if missing.
    static func switchTarget(systemUser name: String) async throws -> HostUser? {
        guard geteuid() == 0 else { return nil }
        if getpwnam(name) == nil {
            let result = try await CommandRunner(user: nil).run(
                CommandRunner.systemTool("useradd"),
                [
                    "--system", "--user-group", "--no-create-home", "--home-dir", "/nonexistent", "--shell", "/usr/sbin/nologin",
                    name,
                ]
            )
            guard result.status == 0 || getpwnam(name) != nil else {
                throw LocalPostgresError.commandFailed(command: "useradd \(name)", status: result.status, output: result.output)
            }
        }
        guard let entry = getpwnam(name) else {
            throw LocalPostgresError.commandFailed(command: "getpwnam \(name)", status: 1, output: "no such user")
        }
        return HostUser(name: name, uid: entry.pointee.pw_uid, gid: entry.pointee.pw_gid)
    }

    /// Gives `path` to this user.
    func handOver(_ path: String) throws {
        guard chown(path, uid, gid) == 0 else {
            throw LocalPostgresError.commandFailed(
                command: "chown \(path)",
                status: errno,
                output: String(cString: strerror(errno))
            )
        }
    }
}
