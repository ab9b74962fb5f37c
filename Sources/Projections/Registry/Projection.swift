public import Casework
public import EventStore
public import Logging
public import PostgresNIO

/// A read model fed from the log: it names the tables it alone writes and the events it reads,
/// and brings its tables up to date with a batch of events on a connection.
///
/// Registered once in ``ReadModels``: an inline projection runs in the transaction that appends
/// the events (its readers see their own writes), an asynchronous one from a subscription whose
/// checkpoint is stored in the same transaction as its effects. Either can be rebuilt from the
/// whole log with ``Rebuild``. Its SQL names its tables without a schema, so a rebuild can point
/// them at fresh copies.
public protocol Projection: Sendable {
    /// The name `wegweiser rebuild NAME` knows it by.
    var name: String { get }
    /// The tables it alone writes, in the order they are switched in after a rebuild.
    var tables: [String] { get }
    /// Whether it reads events of the stored type `eventType`.
    func handles(_ eventType: String) -> Bool
    /// Brings its tables up to date with `events` (in log order, only types it handles).
    func apply(_ events: [RecordedEvent], in context: ProjectionContext) async throws
    /// Readies the empty copies of its tables for a replay of the whole log (a rebuild), for
    /// work cheaper done once at the end than per batch. By default nothing.
    func replayBegins(in context: ProjectionContext) async throws
    /// Completes that work once the replay has caught up with the log, before the events that
    /// arrive meanwhile are applied and the copies switched in. By default nothing.
    func replayCaughtUp(in context: ProjectionContext) async throws
}

extension Projection {
    /// Nothing to ready.
    public func replayBegins(in context: ProjectionContext) async throws {}
    /// Nothing to complete.
    public func replayCaughtUp(in context: ProjectionContext) async throws {}
}

/// Where a projection writes: the connection (inside the transaction that appends the events,
/// or that stores a subscription's checkpoint) and what the writer knows already.
public struct ProjectionContext: Sendable {
    /// The connection to write on.
    public let connection: PostgresConnection
    /// The logger for the queries.
    public let logger: Logger
    /// The folded states the writer decided on, by stream id, with their version: a projection
    /// that keeps folded state starts from these instead of reading its row again.
    public var known: [String: KnownState]
    /// The per-person keys, for the projections that must read personal parts (the search
    /// index); `nil` where none is given, and then such a projection refuses to run.
    public let keys: KeyStore?
    /// The events' typed forms, shared by the projections of one batch.
    private let decoded = DecodedEvents()

    /// A context on `connection`, for one batch of events.
    public init(connection: PostgresConnection, logger: Logger, keys: KeyStore? = nil, known: [String: KnownState] = [:]) {
        self.connection = connection
        self.logger = logger
        self.keys = keys
        self.known = known
    }

    /// `events` in their domain form `Event`, each decoded once for all projections of the
    /// batch.
    public func projected<Event: DomainEvent>(_ events: [RecordedEvent], as type: Event.Type) throws -> [Projected<Event>] {
        try decoded.projected(events, as: type)
    }
}

/// A stream's folded state as the writer holds it, and the version it was folded to.
public struct KnownState: Sendable {
    /// The state (of the stream's decider).
    public var state: any Sendable
    /// The stream version it was folded to.
    public var version: Int64

    /// A known state.
    public init(state: any Sendable, version: Int64) {
        self.state = state
        self.version = version
    }
}
