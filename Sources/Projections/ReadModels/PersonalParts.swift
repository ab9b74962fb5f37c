public import EventStore
public import Foundation
public import Logging
public import PostgresNIO

/// What erasing a person does to the read models, beside destroying their key: the sealed
/// personal parts of their client record and of their cases' items are removed (the search
/// tokens go with the key, by trigger). The log keeps its sealed parts: unreadable without the
/// key, and a rebuild brings back nothing anyone can open.
public enum PersonalParts {
    /// Removes the sealed parts of `subject` from the client `clientID`'s row and their cases'
    /// items, on `connection` (in the erasure's transaction).
    public static func remove(subject: String, clientID: UUID, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query(
            "UPDATE clients SET profile = profile - 'personal' WHERE id = \(clientID) AND profile ? 'personal'",
            logger: logger
        )
        let rows = try await connection.query(
            """
            SELECT case_id, kind, item_id, body::text FROM case_items
            WHERE case_id IN (SELECT id FROM cases WHERE client_id = \(clientID))
            """,
            logger: logger
        )
        var changed: [(caseID: UUID, kind: String, itemID: UUID, body: String)] = []
        for try await (caseID, kind, itemID, text) in rows.decode((UUID, String, UUID, String).self) {
            let body = try JSONValue(jsonText: text)
            let stripped = body.removingSealedParts(of: subject) ?? .object([:])
            if stripped != body { changed.append((caseID, kind, itemID, stripped.jsonText())) }
        }
        guard !changed.isEmpty else { return }
        try await connection.query(
            """
            UPDATE case_items i SET body = c.body::jsonb
            FROM unnest(\(changed.map(\.caseID))::uuid[], \(changed.map(\.kind))::text[], \(changed.map(\.itemID))::uuid[],
                        \(changed.map(\.body))::text[]) AS c(case_id, kind, item_id, body)
            WHERE i.case_id = c.case_id AND i.kind = c.kind AND i.item_id = c.item_id
            """,
            logger: logger
        )
    }
}

extension JSONValue {
    /// The value without the sealed parts (`{"subject", "sealed", ...}`) of `subject`; `nil` if
    /// the value is one.
    func removingSealedParts(of subject: String) -> JSONValue? {
        switch self {
        case .object(let members):
            if members["sealed"] != nil, members["subject"] == .string(subject) { return nil }
            return .object(members.compactMapValues { $0.removingSealedParts(of: subject) })
        case .array(let elements):
            return .array(elements.compactMap { $0.removingSealedParts(of: subject) })
        default:
            return self
        }
    }
}
