import Casework
import CommandHandling
import Foundation
import Logging
import PostgresNIO
import ServiceLifecycle

/// Forgets what must not outlive its purpose, every `interval` beside the server: expired
/// `Idempotency-Key`s, and (unless `retention.enabled` is off) the personal data of people
/// whose last case was closed longer ago than the retention period. One node of the
/// installation at a time does a round (``onOneNode(_:client:logger:_:)``).
struct HousekeepingService: Service {
    /// The idempotency keys' policy.
    let idempotency: IdempotencyPolicy
    /// The retention rule, or `nil` when switched off.
    let retention: Retention?
    /// The database.
    let client: PostgresClient
    /// How long between rounds.
    let interval: Duration
    /// The clock.
    let now: @Sendable () -> Date
    /// Returns once the schema is migrated.
    let schemaReady: @Sendable () async -> Void
    let logger: Logger

    /// The lock that lets one node of the installation do a round at a time ("WWHOUSEK").
    static let advisoryLock: Int64 = 0x5757_484F_5553_454B

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
                    logger.error("housekeeping failed", metadata: ["error": "\(String(reflecting: error))"])
                }
            }
        }
    }

    /// One round: the sweep, then the retention rule.
    func round() async throws {
        let forgotten = try await idempotency.sweep(on: client, logger: logger)
        if forgotten > 0 { logger.info("idempotency keys forgotten", metadata: ["count": "\(forgotten)"]) }
        guard let retention else { return }
        let due = try await retention.due(today: CalendarDate(now()))
        let erased = try await retention.erase(due, at: now())
        if erased > 0 { logger.notice("retention period ended: people erased", metadata: ["count": "\(erased)"]) }
    }
}
