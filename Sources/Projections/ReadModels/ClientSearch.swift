public import Casework
public import EventStore
public import Foundation
public import Logging
public import PostgresNIO

/// Keeps `client_search`: for each client, keyed tokens of the folded and the phonetic form of
/// every part of their names, of their date of birth and of their identifier in another
/// register (see ``NameMatching`` and ``SearchKeys``). It opens the personal part with the
/// client's key, so it needs ``ProjectionContext/keys``; an erased client has no tokens (and
/// erasing one removes them, by a trigger on the keys).
public struct ClientSearchProjection: Projection {
    /// `client_search`.
    public let name = "client_search"
    /// The one table.
    public let tables = ["client_search"]

    /// The projection.
    public init() {}

    /// `client.*` events.
    public func handles(_ eventType: String) -> Bool {
        eventType.hasPrefix("client.")
    }

    /// Replaces each client's tokens with those of their latest profile.
    public func apply(_ events: [RecordedEvent], in context: ProjectionContext) async throws {
        guard let keys = context.keys else { throw ClientSearch.KeysMissing() }
        let ring = keys.ring(on: context.connection)
        for (_, stream) in events.groupedByStream() {
            guard let latest = try context.projected(stream, as: Client.Event.self).last else { continue }
            let profile: Client.Profile
            switch latest.event {
            case .registered(let registered), .changed(let registered): profile = registered
            }
            var tokens: [String] = []
            var subject = ""
            if case .string(let sealedSubject)? = latest.sealed?["subject"], case .string(let sealed)? = latest.sealed?["sealed"]
            {
                subject = sealedSubject
                do {
                    let plaintext = try await ring.open(
                        SealedValue(subject: subject, sealed: sealed),
                        eventID: latest.recorded.id
                    )
                    let personal: Client.PersonalData = try EventCoding.decode(plaintext)
                    tokens = ClientSearch.terms(of: personal).map { keys.searchKeys.token($0, district: profile.districtID) }
                } catch KeyStoreError.erased {
                    tokens = []
                }
            }
            try await context.connection.query(
                "DELETE FROM client_search WHERE client_id = \(profile.id)",
                logger: context.logger
            )
            guard !tokens.isEmpty else { continue }
            try await context.connection.query(
                """
                INSERT INTO client_search (client_id, district_id, subject, token)
                SELECT \(profile.id), \(profile.districtID), \(subject), token FROM unnest(\(Array(Set(tokens)))::text[]) AS token
                """,
                logger: context.logger
            )
        }
    }
}

/// What a search looks for, and the candidates it finds in `client_search`.
public enum ClientSearch {
    /// The search index cannot be kept without the keys that open personal parts.
    public struct KeysMissing: Error, CustomStringConvertible {
        /// What to do.
        public var description: String { "the client search index needs the master key to read names" }
    }

    /// The terms of `personal` that the index holds: `n:` and `p:` for the folded and the
    /// phonetic form of each name part, `d:` the date of birth, `x:` the folded external id.
    public static func terms(of personal: Client.PersonalData) -> [String] {
        var terms: [String] = []
        for part in NameMatching.parts(personal.givenName + " " + personal.familyName) {
            terms.append("n:" + part)
            let phonetic = NameMatching.phonetic(part)
            if !phonetic.isEmpty { terms.append("p:" + phonetic) }
        }
        if let day = personal.dateOfBirth { terms.append("d:\(day)") }
        if let external = personal.externalID.map(NameMatching.folded), !external.isEmpty { terms.append("x:" + external) }
        return terms
    }

    /// The terms a search for `name`, `dateOfBirth` and `externalID` must all find: the
    /// phonetic form of each name part (so "Mohammed" finds "Muhammad"; a part without letters
    /// by its folded form), the day, the folded id.
    public static func terms(name: String?, dateOfBirth: CalendarDate?, externalID: String?) -> [String] {
        var terms: [String] = []
        for part in NameMatching.parts(name ?? "") {
            let phonetic = NameMatching.phonetic(part)
            terms.append(phonetic.isEmpty ? "n:" + part : "p:" + phonetic)
        }
        if let dateOfBirth { terms.append("d:\(dateOfBirth)") }
        if let external = externalID.map(NameMatching.folded), !external.isEmpty { terms.append("x:" + external) }
        return terms
    }
}
