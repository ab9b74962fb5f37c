import NIOCore
import NIOPosix

do {
    let command = try AppendBenchmark.parse()
    // One event loop per writer, as pgbench runs one thread per client (`-j`): a writer whose
    // loop thread the OS has set aside for a PostgreSQL backend then stalls alone, not with
    // half of the others.
    NIOSingletons.groupLoopCountSuggestion = command.eventLoops ?? command.writerCounts.max() ?? 1
    // Swift concurrency runs on NIO's event loops, so a query costs no hop between thread
    // pools. This must happen on the main thread before any task starts.
    let onEventLoops = NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
    print(
        "\(NIOSingletons.groupLoopCountSuggestion) event loops; "
            + (onEventLoops ? "Swift concurrency on NIO event loops." : "Swift concurrency on its default pool.")
    )
    try await command.run()
} catch {
    AppendBenchmark.exit(withError: error)
}
