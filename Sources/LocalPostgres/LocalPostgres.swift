import Foundation
public import Logging

/// A private PostgreSQL cluster that Wegweiser starts and stops itself.
///
/// Used by `wegweiser serve` when no database URL is configured and by the test support. The
/// cluster lives in one folder:
///
/// ```
/// <directory>/data       the cluster (PGDATA), owned by the user PostgreSQL runs as
/// <directory>/password   the generated password of the cluster's superuser
/// <directory>/server.log PostgreSQL's log
/// ```
///
/// It listens on a free loopback port only (no Unix socket), requires a password, and is
/// stopped by ``RunningPostgres/stop()``. If the process that started it dies without
/// stopping it, a small watchdog stops it within about a second, so no server is left behind.
public struct LocalPostgres: Sendable {
    /// How to set up and run the cluster.
    public struct Configuration: Sendable {
        /// The folder that holds the cluster, its password and its log; created if missing.
        public var directory: String
        /// The database to create (if missing) and connect to.
        public var database: String
        /// The cluster's superuser, which Wegweiser connects as.
        public var username: String
        /// The operating-system user PostgreSQL runs as when we run as root (PostgreSQL
        /// refuses to run as root). Created as a system user if missing.
        public var systemUser: String
        /// `false` turns off fsync and synchronous commit: for throwaway test clusters only.
        public var durable: Bool
        /// Remove ``directory`` when the cluster stops (for throwaway clusters).
        public var removeWhenStopped: Bool
        /// The most client connections the cluster accepts.
        public var maxConnections: Int
        /// The loopback port to listen on; `nil` (the default) picks a free one at each start.
        /// A fixed port lets a restarted cluster be found where it was.
        public var port: Int? = nil

        /// A configuration with Wegweiser's defaults: database and user `wegweiser`, system
        /// user `postgres`, durable, kept when stopped.
        public init(
            directory: String,
            database: String = "wegweiser",
            username: String = "wegweiser",
            systemUser: String = "postgres",
            durable: Bool = true,
            removeWhenStopped: Bool = false,
            maxConnections: Int = 100
        ) {
            self.directory = directory
            self.database = database
            self.username = username
            self.systemUser = systemUser
            self.durable = durable
            self.removeWhenStopped = removeWhenStopped
            self.maxConnections = maxConnections
        }
    }

    /// The configuration this cluster runs with.
    public let configuration: Configuration

    /// Prepares a cluster; nothing happens until ``start(logger:)``.
    public init(configuration: Configuration) {
        self.configuration = configuration
    }

    /// Initialises the cluster if its folder holds none, starts it on a free loopback port,
    /// waits until it accepts connections and creates the database if missing.
    ///
    /// The server runs as a child of this process in a session of its own, so a Ctrl-C for
    /// the terminal reaches only us and we stop it in order.
    ///
    /// - Throws: ``LocalPostgresError`` with a message that says what to do.
    public func start(logger: Logger) async throws -> RunningPostgres {
        let binaries = try PostgresBinaries.locate()
        let runner = CommandRunner(user: try await HostUser.switchTarget(systemUser: configuration.systemUser))
        let layout = ClusterLayout(directory: configuration.directory)
        try await layout.prepare(runner: runner)

        let password: String
        if layout.isInitialised {
            password = try layout.readPassword()
        } else {
            password = try layout.writeNewPassword(owner: runner.user)
            logger.info(
                "initialising local PostgreSQL cluster",
                metadata: ["directory": "\(layout.dataDirectory)", "binaries": "\(binaries.directory)"]
            )
            try await runner.check(
                binaries.initdb,
                [
                    "-D", layout.dataDirectory, "-U", configuration.username, "--pwfile", layout.passwordFile,
                    "--auth", "scram-sha-256", "-E", "UTF8", "--no-locale",
                ] + (configuration.durable ? [] : ["--no-sync"])
            )
        }
        try await layout.waitUntilNotRunning()

        let (server, port) = try await startServer(binaries: binaries, runner: runner, layout: layout, logger: logger)
        let running = RunningPostgres(
            configuration: configuration,
            layout: layout,
            binaryDirectory: binaries.directory,
            server: server,
            watchdog: try Watchdog.launch(layout: layout, removeWhenOwnerDies: configuration.removeWhenStopped),
            port: port,
            password: password,
            logger: logger
        )
        do {
            try await running.createDatabase(configuration.database)
        } catch {
            try? await running.stop()
            throw error
        }
        logger.info(
            "local PostgreSQL started",
            metadata: ["port": "\(port)", "database": "\(configuration.database)", "directory": "\(layout.directory)"]
        )
        return running
    }

    /// Starts the server on the configured port or a free one and waits until it reports ready;
    /// retries with another free port if the chosen one was taken in the meantime.
    private func startServer(
        binaries: PostgresBinaries,
        runner: CommandRunner,
        layout: ClusterLayout,
        logger: Logger
    ) async throws -> (server: ChildProcess, port: Int) {
        var lastFailure = ""
        for _ in 0..<(configuration.port == nil ? 3 : 1) {
            let port = try configuration.port ?? FreePort.find()
            var settings = [
                "listen_addresses=127.0.0.1", "unix_socket_directories=", "max_connections=\(configuration.maxConnections)",
            ]
            if !configuration.durable {
                settings += ["fsync=off", "synchronous_commit=off", "full_page_writes=off"]
            }
            let arguments = ["-D", layout.dataDirectory, "-p", "\(port)"] + settings.flatMap { ["-c", $0] }
            let server = try runner.spawn(binaries.postgres, arguments, outputFile: layout.logFile, newSession: true)
            for _ in 0..<1200 {
                if layout.isReady(server.pid) { return (server, port) }
                if server.exitStatus() != nil { break }
                try await Task.sleep(for: .milliseconds(50))
            }
            if server.exitStatus() == nil {
                // Still not ready after a minute: stop it hard and report.
                server.send(SIGQUIT)
                _ = await server.wait()
            }
            lastFailure = layout.logTail()
            guard lastFailure.contains("could not bind") || lastFailure.contains("already in use") else { break }
            logger.debug("port taken, trying another", metadata: ["port": "\(port)"])
        }
        throw LocalPostgresError.startFailed(directory: layout.dataDirectory, output: lastFailure)
    }
}
