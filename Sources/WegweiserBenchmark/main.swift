import NIOCore
import NIOPosix

do {
    let command = try AppendBenchmark.parse()
    // NIO's default is one event loop per core. (More loops than cores measured worse: with
    // every connection on a loop of its own, each append ends in a wait for events and a
    // thread switch, where a loop serving several connections handles all that are ready.)
    if let eventLoops = command.eventLoops { NIOSingletons.groupLoopCountSuggestion = eventLoops }
    // Swift concurrency runs on NIO's event loops: a writer's task resumes on the loop of the
    // connection that answered, so its queries cost no hop between threads. This must happen
    // on the main thread before any task starts.
    let onEventLoops = NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
    print(
        "\(NIOSingletons.groupLoopCountSuggestion) event loops; "
            + (onEventLoops ? "Swift concurrency on NIO event loops." : "Swift concurrency on its default pool.")
    )
    try await command.run()
} catch {
    AppendBenchmark.exit(withError: error)
}
