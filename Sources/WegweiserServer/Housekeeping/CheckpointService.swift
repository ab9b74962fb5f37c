import EventStore
import Foundation
import Logging
import PostgresNIO
import ServiceLifecycle

/// Takes a signed checkpoint of every district whose chain moved on since its last one, every
/// `interval` (`audit.checkpoint.interval.seconds`), beside the server; one node of the
/// installation at a time (``onOneNode(_:client:logger:_:)``).
struct CheckpointService: Service {
    /// The checkpoints.
    let checkpoints: Checkpoints
    /// How long between rounds.
    let interval: Duration
    /// The clock checkpoints are dated by.
    let now: @Sendable () -> Date
    /// Returns once the schema is migrated.
    let schemaReady: @Sendable () async -> Void
    /// The database, for the lock.
    let client: PostgresClient
    let logger: Logger

    /// The lock that lets one node of the installation sign at a time ("WWCHECKP").
    static let advisoryLock: Int64 = 0x5757_4348_4543_4B50

    func run() async throws {
        await cancelWhenGracefulShutdown {
            await schemaReady()
            while !Task.isCancelled {
                do {
                    try await Task.sleep(for: interval)
                    try await onOneNode(Self.advisoryLock, client: client, logger: logger) { try await round() }
                } catch is CancellationError {
                    return
                } catch {
                    logger.error("taking checkpoints failed", metadata: ["error": "\(String(reflecting: error))"])
                }
            }
        }
    }

    /// One round: a checkpoint for every district whose chain moved on.
    private func round() async throws {
        for district in try await checkpoints.districtsDue() {
            let checkpoint = try await checkpoints.take(tenant: district, at: now(), reason: "scheduled")
            logger.info(
                "checkpoint signed",
                metadata: ["district": "\(district)", "position": "\(checkpoint.district.position)"]
            )
        }
    }
}
