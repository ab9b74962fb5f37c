import LocalPostgres
import ServiceLifecycle

/// Keeps a started local cluster for the life of the application and stops it after every
/// service declared after it has shut down (the ServiceGroup stops services in reverse order).
struct LocalPostgresService: Service {
    let server: RunningPostgres

    func run() async throws {
        // Returns on graceful shutdown; throws CancellationError when the group is cancelled.
        // Either way the cluster must stop.
        try? await gracefulShutdown()
        try await server.stop()
    }
}
