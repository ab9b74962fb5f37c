import NIOCore
import NIOPosix

// Swift concurrency runs on NIO's event loops, so a query costs no hop between thread pools.
// This must happen on the main thread before any task starts.
let onEventLoops = NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
print(onEventLoops ? "Swift concurrency on NIO event loops." : "Swift concurrency on its default pool.")
do {
    let command = try AppendBenchmark.parse()
    try await command.run()
} catch {
    AppendBenchmark.exit(withError: error)
}
