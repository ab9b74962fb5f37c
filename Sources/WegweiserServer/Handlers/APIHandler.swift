import EventStore
import Logging
import PostgresNIO
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
    /// The logger for work outside a request.
    let logger: Logger
}
