import Casework
import CommandHandling
import EventStore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import PostgresNIO
import TestSupport
import Testing

@testable import WegweiserServer

@Suite("Nothing outlives its purpose: idempotency keys expire and hold keyed hashes; the retention rule erases", .postgres)
struct HousekeepingTests {
    @Test("given two nodes, while one does a round the other's round is skipped; when it is done, the next round runs")
    func oneNodeAtATime() async throws {
        let database = try await TestPostgres.shared.database()
        let logger = Logger(label: "test")
        try await database.withClient { first in
            try await database.withClient { second in
                let (entered, enteredSignal) = AsyncStream<Void>.makeStream()
                let (release, releaseSignal) = AsyncStream<Void>.makeStream()
                async let holding = onOneNode(7, client: first, logger: logger) {
                    enteredSignal.yield()
                    for await _ in release { return }
                }
                for await _ in entered { break }
                let skipped = try await onOneNode(7, client: second, logger: logger) {}
                releaseSignal.finish()
                #expect(try await holding)
                #expect(!skipped)
                #expect(try await onOneNode(7, client: second, logger: logger) {})
            }
        }
    }

    let provider = TestIdentityProvider.shared
    let logger = Logger(label: "test")

    /// A token for the demo staff member signing in as `subject`.
    func token(_ subject: String) throws -> String { try provider.token(forDemo: subject) }

    /// The housekeeping of the test application on `pool`, retention after `years`.
    func housekeeping(_ pool: PostgresClient, now: @escaping @Sendable () -> Date, years: Int = 3) throws -> HousekeepingService {
        let master = try MasterKey(base64: TestApp.masterKey)
        let handler = CommandHandler(
            store: EventStore(client: pool, logger: logger),
            keys: KeyStore(client: pool, master: master, logger: logger),
            logger: logger
        )
        return HousekeepingService(
            idempotency: IdempotencyPolicy(master: master),
            retention: Retention(erasures: ErasureCommands(directory: DirectoryCommands(handler: handler)), years: years),
            client: pool,
            interval: .seconds(3_600),
            now: now,
            schemaReady: {},
            logger: logger
        )
    }

    @Test("a stored request hash is an HMAC, not the SHA-256 of the request; after 24 hours the key is forgotten and swept away")
    func idempotencyKeys() async throws {
        let (app, database) = try await TestApp.makeWithDatabase()
        let worker = try token("demo-worker-a")
        try await app.test(.router) { http in
            @Sendable func registration() -> [String: Any] {
                [
                    "given_name": "Amal", "family_name": "Haddad", "date_of_birth": "1990-07-14",
                    "target_group": "refugee_follow_up_housing",
                ]
            }
            let key: HTTPFields = [HTTPField.Name("Idempotency-Key")!: "register-1"]
            let first = try await http.send(.post, "/clients", token: worker, body: registration(), headers: key)
            #expect(first.status == .created)
            let again = try await http.send(.post, "/clients", token: worker, body: registration(), headers: key)
            #expect(again.json["id"] as? String == first.json["id"] as? String, "within the lifetime: the same client")

            // The same request to an installation with another master key stores another hash:
            // the hash is keyed, so a stored one confirms no guess without the key.
            let stored = try await database.withClient { pool in
                try await pool.query("SELECT request_hash FROM idempotency_keys").collect().first?.decode(String.self)
            }
            let otherKey = Data(repeating: 9, count: 32).base64EncodedString()
            let (otherApp, otherDatabase) = try await TestApp.makeWithDatabase(
                extra: ["keys.master": .init(.string(otherKey), isSecret: true)]
            )
            try await otherApp.test(.router) { other in
                let made = try await other.send(.post, "/clients", token: worker, body: registration(), headers: key)
                #expect(made.status == .created)
            }
            let storedElsewhere = try await otherDatabase.withClient { pool in
                try await pool.query("SELECT request_hash FROM idempotency_keys").collect().first?.decode(String.self)
            }
            #expect(stored?.count == 64)
            #expect(storedElsewhere?.count == 64)
            #expect(stored != storedElsewhere)

            // A day and a bit later the key is forgotten: the same key is a new request.
            _ = try await database.withClient { pool in
                try await pool.query("UPDATE idempotency_keys SET created_at = now() - interval '25 hours'")
            }
            let later = try await http.send(.post, "/clients", token: worker, body: registration(), headers: key)
            #expect(later.status == .created)
            #expect(later.json["id"] as? String != first.json["id"] as? String)
            try await database.withClient { pool in
                try await pool.query("UPDATE idempotency_keys SET created_at = now() - interval '25 hours'")
                try await housekeeping(pool, now: { Date() }).round()
                let left = try await pool.query("SELECT count(*)::int FROM idempotency_keys").collect().first?.decode(Int.self)
                #expect(left == 0, "the sweep removes forgotten keys")
            }
        }
    }

    @Test(
        "three years after the last closure a person is erased by a request and its confirmation; open cases and recent closures stay"
    )
    func retention() async throws {
        let (app, database) = try await TestApp.makeWithDatabase()
        let worker = try token("demo-worker-a")
        try await app.test(.router) { http in
            func person(_ family: String, closedOn: String?) async throws -> String {
                let client = try #require(
                    try await http.send(
                        .post,
                        "/clients",
                        token: worker,
                        body: ["given_name": "X", "family_name": family, "target_group": "refugee_follow_up_housing"]
                    ).json["id"] as? String
                )
                let caseID = try #require(
                    try await http.send(
                        .post,
                        "/cases",
                        token: worker,
                        body: ["client_id": client, "opening": "direct_intake", "opened_on": "2021-01-05"]
                    ).json["id"] as? String
                )
                if let closedOn {
                    let closure = try await http.send(
                        .put,
                        "/cases/\(caseID)/closure",
                        token: worker,
                        body: ["reason": "moved_out_of_district", "closed_on": closedOn]
                    )
                    #expect(closure.status == .ok)
                }
                return client
            }
            let old = try await person("Altfall", closedOn: "2022-06-30")
            let recent = try await person("Neufall", closedOn: "2025-06-30")
            let open = try await person("Offen", closedOn: nil)

            let today = try #require(CalendarDate("2026-11-30"))
            let noon = try Date("2026-11-30T12:00:00Z", strategy: .iso8601)
            try await database.withClient { pool in
                let service = try housekeeping(pool, now: { noon })
                let due = try await service.retention?.due(today: today) ?? []
                #expect(due.map(\.clientID.apiString) == [old])
                #expect(due.first?.lastClosedOn == "2022-06-30")
                try await service.round()
                #expect(try await service.retention?.due(today: today).isEmpty == true, "erased once")
            }
            let erased = try await http.send(.get, "/clients/\(old)", token: worker)
            #expect(erased.status == .notFound || erased.json["erased"] as? Bool == true)
            for kept in [recent, open] {
                let client = try await http.send(.get, "/clients/\(kept)", token: worker)
                #expect(client.json["erased"] as? Bool == false, "\(kept)")
            }
            let requests = try await http.send(.get, "/erasure-requests", token: try token("demo-dpo"))
            let made = try #require((requests.json["items"] as? [[String: Any]])?.first)
            #expect(made["requested_by"] as? String == "system:retention")
            #expect(made["confirmed_by"] as? String == "system:retention-rule")
            #expect(made["status"] as? String == "erased")
        }
    }
}
