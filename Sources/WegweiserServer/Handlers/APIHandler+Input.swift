import Casework
import Foundation

/// Reading request values that the generated types leave as strings, with problem answers
/// that point at the value.
enum Input {
    /// The UUID in `text`.
    ///
    /// - Throws: 400 pointing at `pointer`.
    static func uuid(_ text: String, at pointer: String) throws -> UUID {
        guard let id = UUID(uuidString: text) else {
            throw Problem.badRequest("\(pointer) is not a UUID.", errors: [.init(pointer: pointer, detail: "not a UUID")])
        }
        return id
    }

    /// The date `YYYY-MM-DD` in `text`.
    ///
    /// - Throws: 400 pointing at `pointer`.
    static func date(_ text: String, at pointer: String) throws -> CalendarDate {
        guard let date = CalendarDate(text) else {
            throw Problem.badRequest(
                "\(pointer) is not a date.",
                errors: [.init(pointer: pointer, detail: "not a YYYY-MM-DD date")]
            )
        }
        return date
    }

    /// The page a listing asks for: where the page before ended, and how many.
    ///
    /// - Throws: 400 for a limit outside 1–200 (a cursor's form is checked against the contract
    ///   before; every well-formed cursor is a position).
    static func page(cursor: String?, limit: Int32?) throws -> (after: PageCursor?, limit: Int) {
        let limit = Int(limit ?? 50)
        guard (1...200).contains(limit) else {
            throw Problem.badRequest(
                "limit must be 1 to 200.",
                errors: [.init(pointer: "#/query/limit", detail: "must be 1 to 200")]
            )
        }
        guard let cursor else { return (nil, limit) }
        guard let after = PageCursor(cursor) else {
            throw Problem.badRequest(
                "cursor is not one this server gave out.",
                errors: [.init(pointer: "#/query/cursor", detail: "not a cursor of this server")]
            )
        }
        return (after, limit)
    }

    /// The page of `items` (fetched with one more than `limit`) and the cursor for the next.
    static func paged<Item>(_ items: [Item], limit: Int, key: (Item) -> PageCursor) -> (items: [Item], next: String?) {
        guard items.count > limit else { return (items, nil) }
        let page = Array(items.prefix(limit))
        return (page, page.last.map { key($0).text })
    }
}
