import EventStore
import Foundation
import Logging
import ServiceLifecycle

/// Takes a signed checkpoint of every district whose chain moved on since its last one, every
/// `interval` (`audit.checkpoint.interval.seconds`), beside the server.
struct CheckpointService: Service {
    /// The checkpoints.
    let checkpoints: Checkpoints
    /// How long between rounds.
    let interval: Duration
    /// The clock checkpoints are dated by.
    let now: @Sendable () -> Date
    /// Returns once the schema is migrated.
    let schemaReady: @Sendable () async -> Void
    let logger: Logger

    func run() async throws {
        await cancelWhenGracefulShutdown {
            await schemaReady()
            while !Task.isCancelled {
                do {
                    try await Task.sleep(for: interval)
                    for district in try await checkpoints.districtsDue() {
                        let checkpoint = try await checkpoints.take(tenant: district, at: now(), reason: "scheduled")
                        logger.info(
                            "checkpoint signed",
                            metadata: ["district": "\(district)", "position": "\(checkpoint.district.position)"]
                        )
                    }
                } catch is CancellationError {
                    return
                } catch {
                    logger.error("taking checkpoints failed", metadata: ["error": "\(String(reflecting: error))"])
                }
            }
        }
    }
}
