public import Casework
public import CommandHandling
public import Configuration
import EventStore
import Foundation
public import Hummingbird
public import Logging
import OpenAPIHummingbird
import OpenAPIRuntime
import PostgresNIO
import Projections
import ServiceLifecycle
import UnixSignals
import WegweiserAPI

/// Builds the Wegweiser application from configuration.
///
/// Configuration keys (environment variable / command-line flag in brackets):
/// - `http.host` (`HTTP_HOST`, `--http-host`): the address to listen on (default `127.0.0.1`).
/// - `http.port` (`HTTP_PORT`, `--http-port`): the port (default 8080).
/// - `log.level` (`LOG_LEVEL`, `--log-level`): trace, debug, info (default), notice, warning, error.
/// - `demo.data` (`DEMO_DATA`): load the demo districts, organisations, teams and staff at start.
/// - the database keys of ``DatabaseSettings``, the key settings of ``MasterKeySettings`` and
///   the token settings of `AuthSettings` (`auth.…`).
///
/// Without a database URL this starts the local cluster before it returns; the cluster is
/// stopped when the application's services shut down. Pending migrations are applied before
/// the server accepts requests. The hash-chain sequencer runs beside the server, from the
/// moment the migrations have run.
public func buildApplication(reader: ConfigReader) async throws -> some ApplicationProtocol {
    try await buildApplication(reader: reader, now: { Date() })
}

/// ``buildApplication(reader:)`` with the clock requests are judged by (tests move it).
func buildApplication(reader: ConfigReader, now: @escaping @Sendable () -> Date) async throws -> some ApplicationProtocol {
    let logger = makeLogger(label: "wegweiser", reader: reader)
    let migrator = try Migrator.bundled()

    let settings = try DatabaseSettings(reader: reader)
    let masterKey = try MasterKeySettings.masterKey(reader: reader, localDirectory: settings.localDirectory)
    let auth = try AuthSettings(reader: reader, localDirectory: settings.localDirectory)
    let limits = try ServerLimits(reader: reader)
    var (clientConfiguration, local) = try await settings.start(logger: logger)
    // Named, so that `/metrics` can count this instance's connections in pg_stat_activity.
    let connectionName = "wegweiser \(ProcessInfo.processInfo.hostName.prefix(40)) \(getpid())"
    clientConfiguration.options.additionalStartupParameters += [
        ("statement_timeout", "\(limits.statementTimeout.milliseconds)"),
        // A transaction left open between two statements (a stalled task, never a slow client:
        // bodies are read before any transaction begins) is ended by the server.
        ("idle_in_transaction_session_timeout", "\(limits.statementTimeout.milliseconds)"),
        ("application_name", connectionName),
    ]
    var services: [any Service] = local.map { [LocalPostgresService(server: $0)] } ?? []
    let database = PostgresClient(configuration: clientConfiguration, backgroundLogger: logger)
    let databaseWatch = DatabaseWatch(configuration: clientConfiguration, logger: logger)
    services.append(databaseWatch)
    let eventStore = EventStore(client: database, logger: logger)
    services.append(database)
    // The sequencer starts once the migrations before the server starts have run.
    let (migrated, migrationsDone) = AsyncStream<Void>.makeStream()
    services.append(
        ChainSequencer(store: eventStore) {
            for await _ in migrated { return }
        }
    )

    let handler = APIHandler(
        database: database,
        migrator: migrator,
        eventStore: eventStore,
        keys: KeyStore(client: database, master: masterKey, logger: logger),
        checkpointSigner: try MasterKeySettings.checkpointSigner(reader: reader, master: masterKey),
        idempotency: IdempotencyPolicy(lifetime: try idempotencyLifetime(reader: reader), master: masterKey),
        developmentSigner: auth.developmentSigner,
        targetGroups: try targetGroups(reader: reader),
        coverAcrossOrganisations: reader.bool(forKey: "access.cover.across.organisations", default: false),
        planWeeks: try planWeeks(reader: reader),
        reportThreshold: try reportThreshold(reader: reader),
        changeStreamLifetime: try changeStreamLifetime(reader: reader),
        metricsToken: reader.string(forKey: "metrics.token", isSecret: true).flatMap { $0.isEmpty ? nil : $0 },
        connectionName: connectionName,
        poolSize: clientConfiguration.options.maximumConnections,
        now: now,
        logger: logger
    )
    let authentication = AuthenticationMiddleware(
        authenticator: try await auth.authenticator(
            directory: handler.directory,
            signIns: handler.signIns,
            metrics: handler.metrics,
            logger: logger
        ),
        now: now,
        logger: logger,
        metricsToken: handler.metricsToken
    )
    let (checkpointsMigrated, checkpointsMigrationsDone) = AsyncStream<Void>.makeStream()
    services.append(
        CheckpointService(
            checkpoints: handler.checkpoints,
            interval: try checkpointInterval(reader: reader),
            now: now,
            schemaReady: { for await _ in checkpointsMigrated { return } },
            client: database,
            logger: logger
        )
    )
    let (housekeepingMigrated, housekeepingMigrationsDone) = AsyncStream<Void>.makeStream()
    services.append(
        HousekeepingService(
            idempotency: handler.idempotency,
            retention: try retentionRule(reader: reader, erasures: handler.erasures),
            client: database,
            interval: .seconds(3_600),
            now: now,
            schemaReady: { for await _ in housekeepingMigrated { return } },
            logger: logger
        )
    )
    services.append(handler.accessLog.writer)
    services.append(SignIns.Listener(signIns: handler.signIns, client: database, logger: logger))
    let tracing = try RequestTracing.configured(reader: reader, logger: logger)
    if let tracing { services.append(tracing.exporter) }
    let router = try buildRouter(
        handler: handler,
        authentication: authentication,
        limits: limits,
        cors: try CORSPolicy(reader: reader),
        databaseWatch: databaseWatch,
        tracing: tracing
    )
    var app = Application(
        router: router,
        server: .http1(
            configuration: .init(
                additionalChannelHandlers: [ClientGoneHandler()],
                idleTimeout: .milliseconds(limits.idleTimeout.milliseconds),
                httpDecoderConfiguration: .init(
                    maxHeaderFieldSize: 64 * 1024,
                    maxHeaderListSize: 64 * 1024,
                    maxHeaderFieldCount: 200
                )
            )
        ),
        configuration: ApplicationConfiguration(reader: reader.scoped(to: "http")),
        services: services,
        logger: logger
    )
    let loadDemoData = reader.bool(forKey: "demo.data", default: false)
    let demoDistrict = try demoDistrictSettings(reader: reader, today: CalendarDate(now()))
    // The synthetic district loads while the server already answers, once the demo staff are in.
    let (staffLoaded, staffLoadedSignal) = AsyncStream<Void>.makeStream()
    if loadDemoData && demoDistrict.people > 0 {
        app.addServices(DemoDistrict.Loader(handler: handler, settings: demoDistrict, start: staffLoaded))
    }
    let applicationRole = try ApplicationRole(reader: reader)
    app.beforeServerStarts {
        try await migrator.migrate(on: database, grantingTo: applicationRole, logger: logger)
        for done in [migrationsDone, checkpointsMigrationsDone, housekeepingMigrationsDone] {
            done.yield()
            done.finish()
        }
        if loadDemoData {
            try await DemoData.load(using: handler)
            staffLoadedSignal.yield()
        }
        staffLoadedSignal.finish()
    }
    return app
}

/// `caseload.plan.weeks`: weeks after intake by which a case's plan should be agreed (1 to 52,
/// default 8).
func planWeeks(reader: ConfigReader) throws -> Int {
    let weeks = reader.int(forKey: "caseload.plan.weeks", default: 8)
    guard (1...52).contains(weeks) else {
        throw ConfigurationError("caseload.plan.weeks must be 1 to 52, not \(weeks).")
    }
    return weeks
}

/// The retention rule: `retention.years.after.closure` (1 to 30, default 3) years after a
/// person's last case was closed their data is erased; `retention.enabled` (default true)
/// switches the scheduled erasure off (`wegweiser retention` still lists and erases).
public func retentionRule(reader: ConfigReader, erasures: ErasureCommands) throws -> Retention? {
    guard reader.bool(forKey: "retention.enabled", default: true) else { return nil }
    return try retention(reader: reader, erasures: erasures)
}

/// The retention rule of `retention.years.after.closure`, whether or not it is scheduled.
public func retention(reader: ConfigReader, erasures: ErasureCommands) throws -> Retention {
    let years = reader.int(forKey: "retention.years.after.closure", default: 3)
    guard (1...30).contains(years) else {
        throw ConfigurationError("retention.years.after.closure must be 1 to 30, not \(years).")
    }
    return Retention(erasures: erasures, years: years)
}

/// `changes.stream.seconds`: how long one change stream runs before the caller reconnects and
/// is authenticated again (1 to 3,600, default 60).
func changeStreamLifetime(reader: ConfigReader) throws -> Duration {
    let seconds = reader.int(forKey: "changes.stream.seconds", default: 60)
    guard (1...3_600).contains(seconds) else {
        throw ConfigurationError("changes.stream.seconds must be 1 to 3600, not \(seconds).")
    }
    return .seconds(seconds)
}

/// `idempotency.ttl.hours`: how long an `Idempotency-Key` is remembered (1 to 720, default 24).
func idempotencyLifetime(reader: ConfigReader) throws -> Duration {
    let hours = reader.int(forKey: "idempotency.ttl.hours", default: 24)
    guard (1...720).contains(hours) else {
        throw ConfigurationError("idempotency.ttl.hours must be 1 to 720, not \(hours).")
    }
    return .seconds(hours * 3600)
}

/// `audit.checkpoint.interval.seconds`: how often each district whose chain moved on gets a
/// signed checkpoint (60 to 86,400, default 3,600).
func checkpointInterval(reader: ConfigReader) throws -> Duration {
    let seconds = reader.int(forKey: "audit.checkpoint.interval.seconds", default: 3_600)
    guard (60...86_400).contains(seconds) else {
        throw ConfigurationError("audit.checkpoint.interval.seconds must be 60 to 86400, not \(seconds).")
    }
    return .seconds(seconds)
}

/// `demo.district.people` (0 to 200,000, default 0: none), `demo.district.events` (events per
/// person, 12 to 1,000, default 60) and `demo.district.seed`: the synthetic district the demo
/// data adds.
func demoDistrictSettings(reader: ConfigReader, today: CalendarDate) throws -> DemoDistrict.Settings {
    let people = reader.int(forKey: "demo.district.people", default: 0)
    let events = reader.int(forKey: "demo.district.events", default: 60)
    guard (0...200_000).contains(people), (12...1000).contains(events) else {
        throw ConfigurationError("demo.district.people must be 0 to 200000 and demo.district.events 12 to 1000.")
    }
    return .init(
        people: people,
        eventsPerPerson: events,
        seed: UInt64(max(reader.int(forKey: "demo.district.seed", default: 1), 0)),
        today: today
    )
}

/// `reports.suppression.threshold`: counts from 1 to this minus one are withheld from readers
/// who may not see individuals (1 to 100, default 3; 1 withholds nothing).
func reportThreshold(reader: ConfigReader) throws -> Int {
    let threshold = reader.int(forKey: "reports.suppression.threshold", default: 3)
    guard (1...100).contains(threshold) else {
        throw ConfigurationError("reports.suppression.threshold must be 1 to 100, not \(threshold).")
    }
    return threshold
}

/// The routes: every operation of `openapi.yaml`, behind the CORS, request-id, logging, problem
/// and size-limit middleware; each operation within the load limits (answered 503 at once while
/// `databaseWatch` says the database is gone), authenticated and checked
/// against the access policy unless it is public, and its inputs within the contract's bounds;
/// each request a span when `tracing` is on.
func buildRouter(
    handler: APIHandler,
    authentication: AuthenticationMiddleware,
    limits: ServerLimits,
    cors: CORSPolicy = .off,
    databaseWatch: DatabaseWatch? = nil,
    tracing: RequestTracing? = nil
) throws -> Router<AppRequestContext> {
    let router = Router(context: AppRequestContext.self)
    router.addMiddleware {
        // Outermost, so that every answer to an allowed origin is readable, errors included.
        CORSMiddleware(policy: cors)
        RequestIDMiddleware()
        RequestLogMiddleware(metrics: handler.metrics, tracing: tracing)
        ProblemMiddleware()
        RawHeaderMiddleware()
        RequestLimitsMiddleware(uriLimit: limits.uriLimit, headerLimit: limits.headerLimit, bodyLimit: limits.bodyLimit)
        ClientConnectionMiddleware()
    }
    try handler.registerHandlers(
        on: router,
        configuration: OpenAPIRuntime.Configuration(dateTranscoder: TimestampTranscoder(), jsonEncodingOptions: [.sortedKeys]),
        middlewares: [
            LoadSheddingMiddleware(
                limit: limits.requestsInFlight,
                deadline: limits.deadline,
                shutdownGrace: limits.shutdownGrace,
                database: databaseWatch
            ),
            // Who is asking comes first: a request without a valid token is answered 401 before
            // its body is read or its input looked at.
            authentication,
            InputBoundsMiddleware(bounds: .bundled, bodyLimit: limits.bodyLimit),
        ]
    )
    return router
}

/// The target groups of `casework.target.groups` (comma-separated codes; default all).
///
/// - Throws: ``ConfigurationError`` for an unknown code.
public func targetGroups(reader: ConfigReader) throws -> Set<TargetGroup> {
    guard let list = reader.string(forKey: "casework.target.groups"), !list.isEmpty else { return Set(TargetGroup.allCases) }
    return Set(
        try list.split(separator: ",").map { code in
            let code = code.trimmingCharacters(in: .whitespaces)
            guard let group = TargetGroup(rawValue: code) else {
                throw ConfigurationError(
                    "casework.target.groups: \(code) is no target group; use \(TargetGroup.allCases.map(\.rawValue).joined(separator: ", "))"
                )
            }
            return group
        }
    )
}

/// Why a configuration value cannot be used.
public struct ConfigurationError: Error, CustomStringConvertible {
    /// What is wrong and what to set.
    public let description: String

    init(_ description: String) { self.description = description }
}

/// A logger at the configured `log.level`.
public func makeLogger(label: String, reader: ConfigReader) -> Logger {
    var logger = Logger(label: label)
    logger.logLevel = reader.string(forKey: "log.level", as: Logger.Level.self, default: .info)
    return logger
}

/// Runs `app` until SIGINT or SIGTERM. Requests in flight get `http.shutdown.grace.seconds`
/// to finish (see ``LoadSheddingMiddleware``); if the whole graceful shutdown (the server, then
/// the log's writers, then the database) takes more than ten seconds beyond that, it is
/// cancelled, so a signal always stops the process.
public func runUntilSignalled(_ app: some ApplicationProtocol, reader: ConfigReader) async throws {
    let limits = try ServerLimits(reader: reader)
    var configuration = ServiceGroupConfiguration(
        services: [app],
        gracefulShutdownSignals: [.sigterm, .sigint],
        logger: app.logger
    )
    configuration.maximumGracefulShutdownDuration = limits.shutdownGrace + .seconds(10)
    configuration.maximumCancellationDuration = .seconds(3)
    try await ServiceGroup(configuration: configuration).run()
}
