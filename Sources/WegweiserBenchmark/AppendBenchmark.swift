import ArgumentParser
import EventStore
import Foundation
import LocalPostgres
import Logging
import NIOCore
import NIOPosix
import PostgresNIO

/// Appends per second of one event per transaction through the EventStore API, side by side in
/// one run with the practical limit (pgbench inserting the same row into an equivalent bare
/// table) and with the Python `eventsourcing` library's PostgreSQL recorder, all on one
/// throwaway PostgreSQL cluster with default durability (fsync and synchronous commit on).
struct AppendBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "wegweiser-benchmark",
        abstract: "Measure event appends per second against pgbench and the Python eventsourcing library."
    )

    @Option(help: "Seconds each measurement runs.")
    var seconds = 10

    @Option(help: "Rounds per number of writers: the contenders take turns in each round, and the median round is printed.")
    var rounds = 3

    @Option(help: "Comma-separated numbers of concurrent writers.")
    var writers = "1,8,16"

    @Option(help: "Event loop threads of the Swift client, the writers' connections spread over them (default: one per core).")
    var eventLoops: Int?

    @Option(help: "Streams each writer appends to, picking one at random per append (1: the same stream every time).")
    var streamsPerWriter = 1

    @Option(help: "The Python peer script (needs `pip install eventsourcing[postgres]`).")
    var peerScript = "Deploy/benchmarks/eventsourcing_append.py"

    @Option(help: "The Python interpreter for the peer, found on PATH.")
    var python = "python3"

    /// The numbers of concurrent writers to measure.
    var writerCounts: [Int] {
        writers.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
    }

    func run() async throws {
        var logger = Logger(label: "benchmark")
        logger.logLevel = .warning
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "wegweiser-bench-\(UUID().uuidString.prefix(8))"
        )
        .path
        let cluster = try await LocalPostgres(
            configuration: .init(directory: directory, durable: true, removeWhenStopped: true, maxConnections: 100)
        ).start(logger: logger)
        do {
            try await measure(on: cluster, writerCounts: writerCounts, logger: logger)
        } catch {
            try await cluster.stop()
            throw error
        }
        try await cluster.stop()
    }

    private func measure(on cluster: RunningPostgres, writerCounts: [Int], logger: Logger) async throws {
        try await cluster.createDatabase("bench_wegweiser")
        try await cluster.createDatabase("bench_raw")
        try await cluster.createDatabase("bench_eventsourcing")
        let workload = Workload()
        let wegweiser = WegweiserWriters(cluster: cluster, workload: workload, streamsPerWriter: streamsPerWriter, logger: logger)
        let raw = try await PgbenchWriters(cluster: cluster, workload: workload, logger: logger)
        let peer = PythonPeerWriters(cluster: cluster, workload: workload, python: python, script: peerScript)

        // Warm up both PostgreSQL-side contenders once and give every database statistics, as a
        // running system has them; the Python peer creates its table on first use.
        let warmUp = writerCounts.max() ?? 1
        _ = try await wegweiser.rate(writers: warmUp, seconds: 2)
        _ = try await raw.rate(writers: warmUp, seconds: 2)
        for database in ["bench_wegweiser", "bench_raw"] {
            try await cluster.analyze(database: database, logger: logger)
        }

        print(
            "Appends per second, one event per transaction, fsync and synchronous_commit on, \(seconds) s each; "
                + "the contenders take turns, median of \(rounds) round(s)."
        )
        print(
            "Payload \(workload.payload.utf8.count) bytes of JSON; each Wegweiser writer appends to \(streamsPerWriter) stream(s) "
                + "of its own with an exact expected version; PostgreSQL \(cluster.binaryDirectory)."
        )
        print("")
        let header = [
            "writers", "wegweiser", "raw insert (pgbench)", "eventsourcing (Python)", "wegweiser/raw", "each round",
            "wegweiser/eventsourcing",
        ]
        print(header.joined(separator: " | "))
        print(header.map { String(repeating: "-", count: $0.count) }.joined(separator: " | "))
        for count in writerCounts {
            var ours: [Double] = []
            var limit: [Double] = []
            var theirs: [Double] = []
            // Each measurement starts from a checkpoint, so none pays for flushing the pages
            // another dirtied (a checkpoint in the middle of a run cost a round up to a fifth).
            for _ in 0..<max(1, rounds) {
                try await cluster.checkpoint(logger: logger)
                ours.append(try await wegweiser.rate(writers: count, seconds: seconds))
                try await cluster.checkpoint(logger: logger)
                limit.append(try await raw.rate(writers: count, seconds: seconds))
                try await cluster.checkpoint(logger: logger)
                if let rate = try await peer.rate(writers: count, seconds: seconds) { theirs.append(rate) }
            }
            let ratios = zip(ours, limit).map { 100 * $0 / $1 }
            let row = [
                "\(count)", String(format: "%.0f", median(ours)), String(format: "%.0f", median(limit)),
                theirs.isEmpty ? "n/a" : String(format: "%.0f", median(theirs)),
                String(format: "%.0f %%", 100 * median(ours) / median(limit)),
                ratios.map { String(format: "%.0f", $0) }.joined(separator: ", ") + " %",
                theirs.isEmpty ? "n/a" : String(format: "%.1f×", median(ours) / median(theirs)),
            ]
            print(
                zip(row, header).map { $0.padding(toLength: max($1.count, $0.count), withPad: " ", startingAt: 0) }.joined(
                    separator: " | "
                )
            )
        }
    }
}

/// The middle value of `values` (the mean of the two middle ones for an even count).
func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    guard !sorted.isEmpty else { return .nan }
    let middle = sorted.count / 2
    return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}

extension RunningPostgres {
    /// Runs `ANALYZE` on `database`.
    func analyze(database: String, logger: Logger) async throws {
        try await withConnection(database: database) { try await $0.query("ANALYZE", logger: logger) }
    }

    /// Writes every dirty page out now (`CHECKPOINT`), for the whole cluster.
    func checkpoint(logger: Logger) async throws {
        try await withConnection(database: "postgres") { try await $0.query("CHECKPOINT", logger: logger) }
    }
}

/// What every contender appends: one event of realistic size per transaction.
struct Workload: Sendable {
    let type = "consultation.recorded"
    let payload: String
    let metadata =
        #"{"actor":"staff-0042","correlation_id":"c-1","organisation":"org-7","request_id":"r-1","role":"case_worker"}"#

    init() {
        let note = Data((0..<180).map { UInt8($0 % 251) }).base64EncodedString()
        payload = """
            {"case_id":"6f1c1a52-93c1-4d4b-9d57-0c1e2f3a4b5c","date":"2026-11-20","duration_minutes":45,\
            "interpreter":"ar","note":{"sealed":"\(note)","subject":"client-6f1c1a52"},"place":"home_visit",\
            "referrals":[{"partner":"jobcenter"}],"topics":["work","housing","language"]}
            """
    }
}

/// Writers that append through ``EventStore``, each holding one connection and appending to
/// streams of its own (one picked at random per append) with an exact expected version.
struct WegweiserWriters {
    let cluster: RunningPostgres
    let workload: Workload
    let streamsPerWriter: Int
    let logger: Logger

    func rate(writers: Int, seconds: Int) async throws -> Double {
        var configuration = cluster.clientConfiguration(database: "bench_wegweiser")
        configuration.options.minimumConnections = writers
        configuration.options.maximumConnections = writers + 2
        let client = PostgresClient(configuration: configuration, eventLoopGroup: LoopsInTurn(), backgroundLogger: logger)
        return try await withThrowingTaskGroup(of: Int.self) { group in
            group.addTask {
                await client.run()
                return 0
            }
            // Let the pool start before the first lease (PostgresClient warns otherwise), and
            // open every writer's connection before the clock starts: pgbench, too, reports
            // its rate without the time it took to connect.
            try await Task.sleep(for: .milliseconds(100))
            try await Migrator.bundled().migrate(on: client, logger: logger)
            try await withThrowingTaskGroup(of: Void.self) { connecting in
                for _ in 0..<writers {
                    connecting.addTask { try await client.withConnection { _ = try await $0.query("SELECT 1", logger: logger) } }
                }
                try await connecting.waitForAll()
            }
            let store = EventStore(client: client, logger: logger)
            let payload = try JSONValue(jsonText: workload.payload)
            let metadata = try JSONDecoder().decode(EventMetadata.self, from: Data(workload.metadata.utf8))
            let start = ContinuousClock.now
            let deadline = start + .seconds(seconds)
            var appends = 0
            try await withThrowingTaskGroup(of: Int.self) { writersGroup in
                for _ in 0..<writers {
                    writersGroup.addTask {
                        try await client.withConnection { connection in
                            let streams = (0..<max(1, streamsPerWriter)).map { _ in
                                StreamName(id: "bench-\(UUID().uuidString.lowercased())", category: "bench", tenant: "08337")
                            }
                            var versions = [Int64](repeating: 0, count: streams.count)
                            var appends = 0
                            while ContinuousClock.now < deadline {
                                let pick = streams.count == 1 ? 0 : Int.random(in: 0..<streams.count)
                                let event = NewEvent(id: .random(), type: workload.type, payload: payload, metadata: metadata)
                                let expected: ExpectedVersion = versions[pick] == 0 ? .noStream : .exactly(versions[pick])
                                versions[pick] = try await store.append(
                                    to: streams[pick],
                                    expecting: expected,
                                    events: [event],
                                    on: connection
                                )
                                .streamVersion
                                appends += 1
                            }
                            return appends
                        }
                    }
                }
                for try await count in writersGroup { appends += count }
            }
            let elapsed = ContinuousClock.now - start
            group.cancelAll()
            return Double(appends) / elapsed.seconds
        }
    }
}

/// The shared event loops, handed out in turn to the client's connections.
///
/// `MultiThreadedEventLoopGroup.any()` returns the loop it is called on; with Swift concurrency
/// on the event loops, every pooled connection would be opened on the one loop the pool runs on,
/// and all writers would share its thread.
final class LoopsInTurn: EventLoopGroup {
    private let loops = MultiThreadedEventLoopGroup.singleton

    func next() -> any EventLoop { loops.next() }

    func makeIterator() -> EventLoopIterator { loops.makeIterator() }

    func shutdownGracefully(queue: DispatchQueue, _ callback: @escaping @Sendable ((any Error)?) -> Void) {
        loops.shutdownGracefully(queue: queue, callback)
    }
}

/// pgbench inserting the same row into a table shaped like `events` (same columns, keys and
/// indexes) without streams, function or checks: the practical limit of this machine.
struct PgbenchWriters {
    let cluster: RunningPostgres
    let script: String
    let payload: String
    let metadata: String

    init(cluster: RunningPostgres, workload: Workload, logger: Logger) async throws {
        self.cluster = cluster
        try await cluster.withConnection(database: "bench_raw") { connection in
            try await connection.query(
                """
                CREATE TABLE IF NOT EXISTS bare_events (
                    global_position bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                    transaction_id xid8 NOT NULL DEFAULT pg_current_xact_id(),
                    stream_id text NOT NULL, stream_version bigint NOT NULL, event_id uuid NOT NULL UNIQUE,
                    event_type text NOT NULL, schema_version integer NOT NULL, payload jsonb NOT NULL,
                    metadata jsonb NOT NULL, recorded_at timestamptz NOT NULL DEFAULT now(),
                    UNIQUE (stream_id, stream_version)
                )
                """,
                logger: logger
            )
            try await connection.query(
                "CREATE INDEX IF NOT EXISTS bare_events_in_commit_order ON bare_events (transaction_id, global_position)",
                logger: logger
            )
        }
        // Inside the cluster's folder, which is removed with the cluster. Payload and metadata
        // go in as parameters (pgbench -D variables become bind parameters with -M prepared),
        // as every real event's do: a literal would be parsed once when the statement is
        // prepared, an advantage no event store has.
        script = cluster.configuration.directory + "/pgbench-insert.sql"
        payload = workload.payload
        metadata = workload.metadata
        let insert = """
            INSERT INTO bare_events (stream_id, stream_version, event_id, event_type, schema_version, payload, metadata)
            VALUES ('raw-' || gen_random_uuid(), 1, gen_random_uuid(), '\(workload.type)', 1, :payload, :metadata);

            """
        try insert.write(toFile: script, atomically: true, encoding: .utf8)
    }

    func rate(writers: Int, seconds: Int) async throws -> Double {
        let output = try await runTool(
            [
                cluster.binaryDirectory + "/pgbench", "-h", cluster.host, "-p", "\(cluster.port)", "-U",
                cluster.configuration.username,
                "-n", "-M", "prepared", "-c", "\(writers)", "-j", "\(writers)", "-T", "\(seconds)", "-f", script,
                "-D", "payload=\(payload)", "-D", "metadata=\(metadata)", "bench_raw",
            ],
            environment: ["PGPASSWORD": cluster.password]
        )
        guard let line = output.split(separator: "\n").first(where: { $0.hasPrefix("tps = ") }),
            let tps = Double(line.dropFirst(6).prefix { $0 != " " })
        else { throw ValidationError("pgbench printed no tps:\n\(output)") }
        return tps
    }
}

/// The Python `eventsourcing` library's `PostgresApplicationRecorder`, one process per writer,
/// each appending to an aggregate of its own.
struct PythonPeerWriters {
    let cluster: RunningPostgres
    let workload: Workload
    let python: String
    let script: String

    /// The peer's rate, or `nil` (with a note) if Python or the library is missing.
    func rate(writers: Int, seconds: Int) async throws -> Double? {
        let payloadFile = FileManager.default.temporaryDirectory.appendingPathComponent(
            "wegweiser-bench-\(UUID().uuidString).json"
        ).path
        try workload.payload.write(toFile: payloadFile, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: payloadFile) }
        let output = try await runTool(
            [
                "/usr/bin/env", python, script, "--host", cluster.host, "--port", "\(cluster.port)", "--user",
                cluster.configuration.username,
                "--dbname", "bench_eventsourcing", "--writers", "\(writers)", "--seconds", "\(seconds)", "--payload-file",
                payloadFile,
                "--topic", workload.type,
            ],
            environment: ["PGPASSWORD": cluster.password],
            check: false
        )
        guard let line = output.split(separator: "\n").first(where: { $0.hasPrefix("appends_per_second=") }),
            let rate = Double(line.dropFirst("appends_per_second=".count))
        else {
            FileHandle.standardError.write(Data("eventsourcing peer did not run:\n\(output)\n".utf8))
            return nil
        }
        return rate
    }
}

/// Runs a tool to completion and returns its output.
func runTool(_ command: [String], environment: [String: String?], check: Bool = true) async throws -> String {
    let outputFile = FileManager.default.temporaryDirectory.appendingPathComponent("wegweiser-bench-\(UUID().uuidString).log")
        .path
    defer { try? FileManager.default.removeItem(atPath: outputFile) }
    let child = try ChildProcess.spawn(command, environment: environment, outputFile: outputFile)
    let status = await child.wait()
    if check && status != 0 { throw ValidationError("\(command[0]) failed (\(status)):\n\(child.output)") }
    return child.output
}

extension UUID {
    /// A random (version 4) UUID from the system's generator. Foundation's `UUID()` opens, reads
    /// and closes /dev/urandom for every id, a twentieth of a writer's time; every caller
    /// chooses its event ids, so this is the writers' cost, not the store's.
    static func random() -> UUID {
        var generator = SystemRandomNumberGenerator()
        var bytes = (generator.next() as UInt64, generator.next() as UInt64)
        return withUnsafeMutableBytes(of: &bytes) { raw in
            raw[6] = raw[6] & 0x0F | 0x40
            raw[8] = raw[8] & 0x3F | 0x80
            return UUID(uuid: raw.load(as: uuid_t.self))
        }
    }
}

extension Duration {
    /// The duration in seconds.
    var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
