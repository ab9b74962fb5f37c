import Foundation

/// The PostgreSQL server programs: the newest `/usr/lib/postgresql/<version>/bin`, else `PATH`.
struct PostgresBinaries: Sendable {
    /// The folder that holds `initdb` and `postgres`.
    let directory: String

    var initdb: String { directory + "/initdb" }
    var postgres: String { directory + "/postgres" }

    static let debianRoot = "/usr/lib/postgresql"

    static func locate(
        debianRoot: String = debianRoot,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> PostgresBinaries {
        let fileManager = FileManager.default
        let versions = ((try? fileManager.contentsOfDirectory(atPath: debianRoot)) ?? [])
            .compactMap { name in Double(name).map { (version: $0, name: name) } }
            .sorted { $0.version > $1.version }
        var candidates = versions.map { "\(debianRoot)/\($0.name)/bin" }
        candidates += (environment["PATH"] ?? "").split(separator: ":").map(String.init)
        for directory in candidates where isServerDirectory(directory) {
            return PostgresBinaries(directory: directory)
        }
        throw LocalPostgresError.binariesNotFound(searched: ["\(debianRoot)/*/bin", "PATH"])
    }

    private static func isServerDirectory(_ directory: String) -> Bool {
        ["initdb", "postgres"].allSatisfy { FileManager.default.isExecutableFile(atPath: directory + "/" + $0) }
    }
}
