import EventStore
import Foundation
import PostgresNIO
import TestSupport
import Testing

@Suite("Appending to the event log", .postgres)
struct AppendTests {
    @Test("16 writers expecting the same version: exactly one wins each version, versions have no gaps")
    func concurrentWritersOnOneStream() async throws {
        try await Fixture.withStore { store in
            let stream = Fixture.stream()
            for round in 0..<5 {
                let expected: ExpectedVersion = round == 0 ? .noStream : .exactly(Int64(round))
                let outcomes = try await withThrowingTaskGroup(of: Result<AppendResult, EventStoreError>.self) { group in
                    for writer in 0..<16 {
                        group.addTask {
                            do {
                                return .success(
                                    try await store.append(
                                        to: stream,
                                        expecting: expected,
                                        events: [Fixture.event("r\(round) w\(writer)")]
                                    )
                                )
                            } catch let error as EventStoreError {
                                return .failure(error)
                            }
                        }
                    }
                    return try await group.reduce(into: []) { $0.append($1) }
                }
                let winners = outcomes.compactMap { try? $0.get() }
                #expect(winners.count == 1, "round \(round)")
                #expect(winners.first?.streamVersion == Int64(round + 1))
                for case .failure(let error) in outcomes {
                    #expect(error == .wrongExpectedVersion(stream: stream.id, expected: expected, actual: Int64(round + 1)))
                }
            }
            let versions = try await store.read(stream: stream.id).map(\.streamVersion)
            #expect(versions == [1, 2, 3, 4, 5])
        }
    }

    @Test("a conflict carries the actual version and consumes no global position")
    func conflictBurnsNothing() async throws {
        try await Fixture.withStore { store in
            let stream = Fixture.stream()
            let first = try await store.append(to: stream, expecting: .noStream, events: [Fixture.event(), Fixture.event()])
            #expect(first.streamVersion == 2)
            await #expect(throws: EventStoreError.wrongExpectedVersion(stream: stream.id, expected: .noStream, actual: 2)) {
                try await store.append(to: stream, expecting: .noStream, events: [Fixture.event()])
            }
            await #expect(throws: EventStoreError.wrongExpectedVersion(stream: stream.id, expected: .exactly(7), actual: 2)) {
                try await store.append(to: stream, expecting: .exactly(7), events: [Fixture.event()])
            }
            let other = Fixture.stream()
            await #expect(throws: EventStoreError.wrongExpectedVersion(stream: other.id, expected: .exactly(1), actual: 0)) {
                try await store.append(to: other, expecting: .exactly(1), events: [Fixture.event()])
            }
            let next = try await store.append(to: stream, expecting: .exactly(2), events: [Fixture.event()])
            #expect(next.positions == [(first.positions.last ?? 0) + 1])
            let any = try await store.append(to: stream, expecting: .any, events: [Fixture.event()])
            #expect(any.streamVersion == 4)
        }
    }

    @Test("a retried append with the same event ids returns the original result and writes nothing")
    func idempotentRetry() async throws {
        try await Fixture.withStore { store in
            let stream = Fixture.stream()
            let events = [Fixture.event("a"), Fixture.event("b")]
            let original = try await store.append(to: stream, expecting: .noStream, events: events)
            let retry = try await store.append(to: stream, expecting: .noStream, events: events)
            #expect(retry.wasDuplicate)
            #expect(!original.wasDuplicate)
            #expect(retry.positions == original.positions)
            #expect(retry.streamVersion == original.streamVersion)
            #expect(try await Fixture.count("SELECT count(*) FROM events", on: store.client) == 2)

            var changed = events[1]
            changed.payload = .object(["note": .string("something else")])
            await #expect(throws: EventStoreError.eventIDReused(stream: stream.id)) {
                try await store.append(to: stream, expecting: .any, events: [changed])
            }
        }
    }

    @Test("concurrent retries of one append: one writes, the others get the same result back")
    func concurrentRetries() async throws {
        try await Fixture.withStore { store in
            let stream = Fixture.stream()
            let events = [Fixture.event("a"), Fixture.event("b")]
            let results = try await withThrowingTaskGroup(of: AppendResult.self) { group in
                for _ in 0..<8 {
                    group.addTask { try await store.append(to: stream, expecting: .any, events: events) }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(results.filter { !$0.wasDuplicate }.count == 1)
            #expect(Set(results.map(\.positions)).count == 1)
            #expect(Set(results.map(\.streamVersion)) == [2])
            #expect(try await Fixture.count("SELECT count(*) FROM events", on: store.client) == 2)
        }
    }

    @Test("expecting any version, concurrent writers to a new stream all get in, one after another")
    func anyVersionCreatesAndAppends() async throws {
        try await Fixture.withStore { store in
            let stream = Fixture.stream()
            let results = try await withThrowingTaskGroup(of: AppendResult.self) { group in
                for index in 0..<8 {
                    group.addTask { try await store.append(to: stream, expecting: .any, events: [Fixture.event("\(index)")]) }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(results.map(\.streamVersion).sorted() == Array(1...8))
            #expect(results.allSatisfy { !$0.wasDuplicate && $0.positions.count == 1 })
            #expect(try await store.read(stream: stream.id).map(\.streamVersion) == Array(1...8))
        }
    }

    @Test("a stream keeps its tenant")
    func tenantIsFixed() async throws {
        try await Fixture.withStore { store in
            let stream = Fixture.stream(tenant: "08337")
            try await store.append(to: stream, expecting: .noStream, events: [Fixture.event()])
            var elsewhere = stream
            elsewhere.tenant = "08336"
            await #expect(throws: EventStoreError.streamBelongsElsewhere(stream: stream.id)) {
                try await store.append(to: elsewhere, expecting: .any, events: [Fixture.event()])
            }
        }
    }

    @Test("UPDATE, DELETE and TRUNCATE on events fail, and streams are never removed")
    func appendOnly() async throws {
        try await Fixture.withStore { store in
            try await store.append(to: Fixture.stream(), expecting: .noStream, events: [Fixture.event()])
            for statement in [
                "UPDATE events SET event_type = 'forged'", "DELETE FROM events", "TRUNCATE events CASCADE",
                "UPDATE event_chain SET hash = hash", "TRUNCATE event_chain",
                "UPDATE district_chain SET hash = hash", "TRUNCATE district_chain", "DELETE FROM chain_checkpoints",
                "DELETE FROM streams", "TRUNCATE streams",
            ] {
                let error = await #expect(throws: PSQLError.self, "\(statement)") {
                    try await store.client.query(PostgresQuery(unsafeSQL: statement))
                }
                #expect(error?.serverInfo?[.sqlState] == "42501", "\(statement)")
            }
            #expect(try await Fixture.count("SELECT count(*) FROM events", on: store.client) == 1)
        }
    }

    @Test("events read back as they were appended, with every metadata field, one at a time or several at once")
    func readBack() async throws {
        try await Fixture.withStore { store in
            let stream = Fixture.stream()
            let metadata = EventMetadata(
                actor: "staff \"quoted\"",
                role: "case_worker",
                organisation: "org\\7",
                correlationID: "c-1\n",
                causationID: "ev-\u{01}",
                requestID: "r-ü-🙂"
            )
            var first = Fixture.event("hello")
            first.metadata = metadata
            let more = [Fixture.event("two"), Fixture.event("three", type: "test.other")]
            let one = try await store.append(to: stream, expecting: .noStream, events: [first])
            let several = try await store.append(to: stream, expecting: .exactly(1), events: more)
            #expect(one.streamVersion == 1 && one.positions.count == 1)
            #expect(several.streamVersion == 3 && several.positions.count == 2)
            #expect(several.positions[0] < several.positions[1] && one.positions[0] < several.positions[0])
            let read = try await store.read(stream: stream.id)
            #expect(read.map(\.id) == ([first] + more).map(\.id))
            #expect(read.map(\.type) == ["test.noted", "test.noted", "test.other"])
            #expect(read.map(\.payload) == ([first] + more).map(\.payload))
            #expect(read.map(\.metadata) == ([first] + more).map(\.metadata))
            #expect(read.map(\.streamVersion) == [1, 2, 3])
            #expect(read.map(\.globalPosition) == one.positions + several.positions)
        }
    }
}
