import Crypto
import EventStore
import Foundation
import PostgresNIO
import TestSupport
import Testing

@Suite("Hash chain and per-person keys", .postgres)
struct ChainAndKeysTests {
    @Test("verify recomputes the chain and names the position of an altered row")
    func tamperingIsFound() async throws {
        try await Fixture.withStore { store in
            for _ in 0..<3 {
                try await store.append(to: Fixture.stream(), expecting: .noStream, events: [Fixture.event(), Fixture.event()])
            }
            try await Fixture.waitUntilVisible(6, in: store)
            let sequencer = ChainSequencer(store: store, batchSize: 4)
            #expect(try await sequencer.sealNextBatch() == 4)
            #expect(try await sequencer.sealNextBatch() == 2)
            #expect(try await sequencer.sealNextBatch() == 0)
            let verifier = ChainVerifier(client: store.client, logger: Fixture.logger)
            let intact = try await verifier.verify(batchSize: 4)
            #expect(intact.isIntact)
            #expect(intact.verifiedCount == 6)
            #expect(intact.head?.position == 6)

            // The fourth event in log order, altered behind the trigger's back.
            var target: Int64 = 0
            for try await position in try await store.client.query(
                "SELECT global_position FROM event_chain WHERE log_position = 4"
            )
            .decode(Int64.self) {
                target = position
            }
            try await store.client.withTransaction(logger: Fixture.logger) { connection in
                try await connection.query("ALTER TABLE events DISABLE TRIGGER events_append_only", logger: Fixture.logger)
                try await connection.query(
                    "UPDATE events SET payload = '{\"note\": \"forged\"}' WHERE global_position = \(target)",
                    logger: Fixture.logger
                )
                try await connection.query("ALTER TABLE events ENABLE TRIGGER events_append_only", logger: Fixture.logger)
            }
            let tampered = try await verifier.verify(batchSize: 4)
            #expect(tampered.broken?.position == 4)
            #expect(tampered.broken?.globalPosition == target)
            #expect(tampered.verifiedCount == 3)
        }
    }

    @Test("after erase(subject) its parts do not decrypt, others do, and the chain still verifies")
    func cryptoShredding() async throws {
        try await Fixture.withStore { store in
            let keys = KeyStore(client: store.client, master: .random(), logger: Fixture.logger)
            var sealed: [(subject: String, eventID: UUID, value: SealedValue)] = []
            for subject in ["client-a", "client-b"] {
                let id = UUID()
                let value = try await keys.seal(Data("Name of \(subject)".utf8), subject: subject, eventID: id)
                sealed.append((subject, id, value))
                let event = NewEvent(id: id, type: "test.registered", payload: .object(["name": try JSONValue(encoding: value)]))
                try await store.append(to: Fixture.stream(subject), expecting: .noStream, events: [event])
            }
            let ciphertext = try await store.client.query("SELECT payload::text FROM events")
            for try await payload in ciphertext.decode(String.self) {
                #expect(!payload.contains("Name of"), "no plaintext in the log")
            }
            try await Fixture.waitUntilVisible(2, in: store)
            #expect(try await ChainSequencer(store: store).sealNextBatch() == 2)

            try await keys.erase(subject: "client-a")

            await #expect(throws: KeyStoreError.erased(subject: "client-a")) {
                try await keys.open(sealed[0].value, eventID: sealed[0].eventID)
            }
            #expect(try await keys.open(sealed[1].value, eventID: sealed[1].eventID) == Data("Name of client-b".utf8))
            let both = try await keys.open([(sealed[0].value, sealed[0].eventID), (sealed[1].value, sealed[1].eventID)])
            #expect(both[0] == nil)
            #expect(both[1] == Data("Name of client-b".utf8))
            await #expect(throws: KeyStoreError.erased(subject: "client-a")) {
                try await keys.seal(Data("new".utf8), subject: "client-a", eventID: UUID())
            }
            let verification = try await ChainVerifier(client: store.client, logger: Fixture.logger).verify()
            #expect(verification.isIntact)
            #expect(verification.verifiedCount == 2)
        }
    }

    @Test("a sealed value is bound to its event and subject")
    func sealedValuesAreBound() async throws {
        try await Fixture.withStore { store in
            let keys = KeyStore(client: store.client, master: .random(), logger: Fixture.logger)
            let id = UUID()
            let value = try await keys.seal(Data("secret".utf8), subject: "client-a", eventID: id)
            await #expect(throws: KeyStoreError.tampered(subject: "client-a")) {
                try await keys.open(value, eventID: UUID())
            }
            let otherKeys = KeyStore(client: store.client, master: .random(), logger: Fixture.logger)
            await #expect(throws: KeyStoreError.self) {
                try await otherKeys.open(value, eventID: id)
            }
        }
    }
}
