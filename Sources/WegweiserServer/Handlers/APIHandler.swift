import Casework
import CommandHandling
import EventStore
import Foundation
import Logging
import PostgresNIO
import Projections
import WegweiserAPI

/// Implements the operations of `openapi.yaml`: maps generated request types to domain calls
/// and domain results back to the documented responses.
struct APIHandler: APIProtocol {
    /// The database pool.
    let database: PostgresClient
    /// The migrations this build carries, to tell whether the schema is current.
    let migrator: Migrator
    /// The event log.
    let eventStore: EventStore
    /// The per-person keys that encrypt personal data in events.
    let keys: KeyStore
    /// Writes to cases.
    let caseCommands: CaseCommands
    /// Writes to households.
    let householdCommands: HouseholdCommands
    /// Writes to clients.
    let clientCommands: ClientCommands
    /// Writes to the organisation structure.
    let directoryCommands: DirectoryCommands
    /// Erasure requests and their confirmation.
    let erasures: ErasureCommands
    /// The organisation structure's read model.
    let directory: Directory
    /// The read models of clients and cases.
    let casebook: Casebook
    /// The listed parts of cases.
    let caseItems: CaseItems
    /// Households and their members.
    let households: Households
    /// Caseload figures.
    let caseloads: Caseloads
    /// Weeks after intake by which a plan should be agreed (`caseload.plan.weeks`).
    let planWeeks: Int
    /// The key figures.
    let keyFigures: KeyFigures
    /// The reports sent out.
    let publishedReports: PublishedReports
    /// Counts from 1 to this minus one are withheld from readers who may not see individuals
    /// (`reports.suppression.threshold`).
    let reportThreshold: Int
    /// Every read of personal data.
    let accessLog: AccessLog
    /// How `Idempotency-Key`s are kept.
    let idempotency: IdempotencyPolicy
    /// The districts' hash chains, for the auditors' feed.
    let districtChain: DistrictChain
    /// Signed checkpoints of the chains.
    let checkpoints: Checkpoints
    /// What changed, for front ends.
    let changeFeed: ChangeFeed
    /// How long one change stream runs before the caller reconnects (`changes.stream.seconds`).
    let changeStreamLifetime: Duration
    /// Who signed in lately; forgotten when the directory changes.
    let signIns = SignIns()
    /// The development signer, when switched on: its keys are served as a JWKS.
    let developmentSigner: DevelopmentSigner?
    /// The target groups this installation counsels (`casework.target.groups`).
    let targetGroups: Set<TargetGroup>
    /// Whether substitution grants may cross organisations (`access.cover.across.organisations`).
    let coverAcrossOrganisations: Bool
    /// What the server counts and measures, served at `/metrics`.
    let metrics: ServerMetrics
    /// The bearer token `/metrics` asks for (`metrics.token`); without one, `/metrics` is off.
    let metricsToken: String?
    /// The name this instance's database connections carry (`application_name`), to count them.
    let connectionName: String
    /// The most connections the pool holds (`database.pool.size`).
    let poolSize: Int
    /// The time of a request; a test moves it.
    let now: @Sendable () -> Date
    /// The logger for work outside a request.
    let logger: Logger

    /// A handler over `database`.
    init(
        database: PostgresClient,
        migrator: Migrator,
        eventStore: EventStore,
        keys: KeyStore,
        checkpointSigner: CheckpointSigner,
        idempotency: IdempotencyPolicy,
        developmentSigner: DevelopmentSigner? = nil,
        targetGroups: Set<TargetGroup> = Set(TargetGroup.allCases),
        coverAcrossOrganisations: Bool = false,
        planWeeks: Int = 8,
        reportThreshold: Int = 3,
        changeStreamLifetime: Duration = .seconds(60),
        metrics: ServerMetrics = ServerMetrics(),
        metricsToken: String? = nil,
        connectionName: String = "wegweiser",
        poolSize: Int = 20,
        now: @escaping @Sendable () -> Date = { Date() },
        logger: Logger
    ) {
        self.database = database
        self.migrator = migrator
        self.eventStore = eventStore
        self.keys = keys
        let commands = CommandHandler(store: eventStore, keys: keys, logger: logger)
        self.caseCommands = CaseCommands(handler: commands)
        self.householdCommands = HouseholdCommands(handler: commands)
        self.clientCommands = ClientCommands(handler: commands)
        self.directoryCommands = DirectoryCommands(handler: commands)
        self.erasures = ErasureCommands(directory: directoryCommands)
        self.directory = Directory(client: database, logger: logger)
        self.casebook = Casebook(client: database, logger: logger)
        self.caseItems = CaseItems(client: database, logger: logger)
        self.households = Households(client: database, logger: logger)
        self.caseloads = Caseloads(client: database, logger: logger)
        self.planWeeks = planWeeks
        self.keyFigures = KeyFigures(client: database, logger: logger)
        self.publishedReports = PublishedReports(client: database, logger: logger)
        self.reportThreshold = reportThreshold
        self.accessLog = AccessLog(client: database, logger: logger)
        self.idempotency = idempotency
        self.districtChain = DistrictChain(client: database, logger: logger)
        self.checkpoints = Checkpoints(chains: districtChain, signer: checkpointSigner, logger: logger)
        self.changeFeed = ChangeFeed(client: database, logger: logger)
        self.changeStreamLifetime = changeStreamLifetime
        self.developmentSigner = developmentSigner
        self.targetGroups = targetGroups
        self.coverAcrossOrganisations = coverAcrossOrganisations
        self.metrics = metrics
        self.metricsToken = metricsToken
        self.connectionName = connectionName
        self.poolSize = poolSize
        self.now = now
        self.logger = logger
    }
}
