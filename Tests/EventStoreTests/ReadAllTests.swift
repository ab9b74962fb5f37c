import EventStore
import Foundation
import PostgresNIO
import Synchronization
import TestSupport
import Testing

@Suite("Reading the whole log and subscribing", .postgres)
struct ReadAllTests {
    @Test("16 writers on their own streams all succeed; a subscriber gets every event exactly once, a late commit included")
    func subscriberSeesEverythingOnce() async throws {
        try await Fixture.withStore { store in
            let subscription = Subscription(name: "counting", store: store, batchSize: 50, pollInterval: .milliseconds(100))
            let deliveries = Deliveries()
            let subscriber = Task {
                try await subscription.run { batch, _ in await deliveries.add(batch) }
            }

            // The deliberate case: a transaction takes the lower global position and commits
            // only after another one with a higher position has committed.
            let late = Fixture.event("late")
            let early = Fixture.event("early")
            let lateAppended = Doorbell()
            let earlyCommitted = Doorbell()
            let lateGeneration = lateAppended.generation
            let earlyGeneration = earlyCommitted.generation
            let lateTransaction = Task {
                try await store.client.withTransaction(logger: Fixture.logger) { connection in
                    let result = try await store.append(
                        to: Fixture.stream(),
                        expecting: .noStream,
                        events: [late],
                        on: connection
                    )
                    lateAppended.ring()
                    await earlyCommitted.wait(after: earlyGeneration, timeout: .seconds(30))
                    // Give the subscriber time to read past the early event if it could.
                    try await Task.sleep(for: .milliseconds(400))
                    return result
                }
            }
            await lateAppended.wait(after: lateGeneration, timeout: .seconds(30))
            let earlyResult = try await store.append(to: Fixture.stream(), expecting: .noStream, events: [early])
            let visibleWhileOpen = try await store.readAll(after: .start, limit: 10_000).map(\.id)
            earlyCommitted.ring()

            let writers = 16
            let perWriter = 25
            let results = try await withThrowingTaskGroup(of: [AppendResult].self) { group in
                for _ in 0..<writers {
                    group.addTask {
                        let stream = Fixture.stream()
                        var results: [AppendResult] = []
                        for index in 0..<perWriter {
                            let expected: ExpectedVersion = index == 0 ? .noStream : .exactly(Int64(index))
                            results.append(try await store.append(to: stream, expecting: expected, events: [Fixture.event()]))
                        }
                        return results
                    }
                }
                return try await group.reduce(into: []) { $0 += $1 }
            }
            let lateResult = try await lateTransaction.value
            #expect(results.count == writers * perWriter)
            #expect(lateResult.positions[0] < earlyResult.positions[0], "the late transaction holds the lower position")
            #expect(!visibleWhileOpen.contains(early.id), "the watermark holds back what committed after an open writer")

            let total = writers * perWriter + 2
            for _ in 0..<300 where await deliveries.count < total {
                try await Task.sleep(for: .milliseconds(50))
            }
            subscriber.cancel()
            if case .failure(let error) = await subscriber.result, !(error is CancellationError) {
                Issue.record("the subscriber failed: \(String(reflecting: error))")
            }
            let delivered = await deliveries.events
            #expect(delivered.count == total)
            #expect(Set(delivered.map(\.id)).count == total, "no event twice")
            #expect(delivered.contains { $0.id == late.id })
            #expect(delivered.contains { $0.id == early.id })
            #expect(delivered.map(\.checkpoint) == delivered.map(\.checkpoint).sorted(), "in reading order")
            #expect(try await subscription.checkpoint() == delivered.last?.checkpoint)
        }
    }

    @Test("a handler that fails keeps neither its writes nor the checkpoint; the batch comes again")
    func exactlyOnceEffects() async throws {
        try await Fixture.withStore { store in
            try await store.client.query("CREATE TABLE seen (event_id uuid PRIMARY KEY)")
            let events = (0..<3).map { _ in Fixture.event() }
            try await store.append(to: Fixture.stream(), expecting: .noStream, events: events)
            try await Fixture.waitUntilVisible(3, in: store)
            let subscription = Subscription(name: "effects", store: store)
            let attempts = Mutex(0)
            let handler: Subscription.Handler = { batch, connection in
                for event in batch {
                    try await connection.query("INSERT INTO seen VALUES (\(event.id))", logger: Fixture.logger)
                }
                let attempt = attempts.withLock { value in
                    value += 1
                    return value
                }
                if attempt == 1 { throw CancellationError() }
            }
            await #expect(throws: (any Error).self) { try await subscription.catchUp(handler) }
            #expect(try await Fixture.count("SELECT count(*) FROM seen", on: store.client) == 0)
            #expect(try await subscription.checkpoint() == .start)
            #expect(try await subscription.catchUp(handler) == 3)
            #expect(try await Fixture.count("SELECT count(*) FROM seen", on: store.client) == 3)
            #expect(try await subscription.catchUp(handler) == 0)
        }
    }

    @Test("an upcaster brings an old payload to the current version on read")
    func upcasting() async throws {
        var upcasters = Upcasters()
        upcasters.register("test.named", from: 1) { payload in
            var payload = payload
            payload["full_name"] = payload["name"]
            payload["name"] = nil
            return payload
        }
        try await Fixture.withStore(upcasters: upcasters) { store in
            let stream = Fixture.stream()
            let old = NewEvent(id: UUID(), type: "test.named", schemaVersion: 1, payload: .object(["name": .string("Amal")]))
            try await store.append(to: stream, expecting: .noStream, events: [old])
            let read = try #require(try await store.read(stream: stream.id).first)
            #expect(read.schemaVersion == 2)
            #expect(read.payload == .object(["full_name": .string("Amal")]))
            #expect(store.upcasters.currentVersion(of: "test.named") == 2)
            let stored = try await store.client.query("SELECT schema_version, payload::text FROM events")
            for try await (version, payload) in stored.decode((Int, String).self) {
                #expect(version == 1, "the log is never rewritten")
                #expect(payload.contains("\"name\""))
            }
        }
    }
}
