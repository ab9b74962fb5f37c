import EventStore
import Foundation
import Logging
import PostgresNIO
import TestSupport
import Testing

/// Helpers shared by the event store's tests.
enum Fixture {
    static let logger: Logger = {
        var logger = Logger(label: "event-store-tests")
        logger.logLevel = .warning
        return logger
    }()

    /// Runs `body` with an event store on a fresh migrated database.
    static func withStore<T: Sendable>(
        upcasters: Upcasters = Upcasters(),
        _ body: @Sendable (EventStore) async throws -> T
    ) async throws -> T {
        let database = try await TestPostgres.shared.database()
        return try await database.withClient { client in
            try await body(EventStore(client: client, upcasters: upcasters, logger: logger))
        }
    }

    static func stream(_ id: String = UUID().uuidString.lowercased(), tenant: String = "08337") -> StreamName {
        StreamName(id: "test-\(id)", category: "test", tenant: tenant)
    }

    static func event(_ note: String = "noted", type: String = "test.noted", id: UUID = UUID()) -> NewEvent {
        NewEvent(
            id: id,
            type: type,
            payload: .object(["note": .string(note)]),
            metadata: EventMetadata(actor: "tester", requestID: "r-1")
        )
    }

    /// Waits until readers of the whole log see `count` events. Transaction ids are
    /// cluster-wide, so a transaction held open by a parallel test on another database holds
    /// the watermark back for a while.
    static func waitUntilVisible(_ count: Int, in store: EventStore) async throws {
        for _ in 0..<400 {
            if try await store.readAll(after: .start, limit: count + 1).count >= count { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        Issue.record("only \(try await store.readAll(after: .start, limit: count).count) of \(count) events became visible")
    }

    static func count(_ sql: String, on client: PostgresClient) async throws -> Int {
        var count = 0
        for try await value in try await client.query(PostgresQuery(unsafeSQL: sql)).decode(Int.self) { count = value }
        return count
    }
}

/// Collects what a subscription hands over, to count deliveries.
actor Deliveries {
    private(set) var events: [RecordedEvent] = []

    func add(_ batch: [RecordedEvent]) {
        events += batch
    }

    var count: Int { events.count }
}
