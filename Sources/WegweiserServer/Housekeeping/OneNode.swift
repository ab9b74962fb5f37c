import EventStore
import Logging
import PostgresNIO

/// Runs `body` on one node of the installation at a time: on the node that takes the
/// advisory lock `key` (a session lock on a connection held meanwhile). Another node that
/// finds it taken skips its round; when the holding node dies, its session ends and the lock
/// with it, so the next round elsewhere takes over.
///
/// - Returns: Whether this node ran `body`.
@discardableResult
func onOneNode(
    _ key: Int64,
    client: PostgresClient,
    logger: Logger,
    _ body: @escaping @Sendable () async throws -> Void
) async throws -> Bool {
    try await client.withGuardedConnection { connection in
        var locked = false
        for try await (value, ) in try await connection.query("SELECT pg_try_advisory_lock(\(key))", logger: logger)
            .decode((Bool,).self)
        {
            locked = value
        }
        guard locked else { return false }
        do {
            try await body()
        } catch {
            _ = try? await connection.query("SELECT pg_advisory_unlock(\(key))", logger: logger)
            throw error
        }
        _ = try await connection.query("SELECT pg_advisory_unlock(\(key))", logger: logger)
        return true
    }
}
