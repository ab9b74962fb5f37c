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

    /// The page a listing asks for: the id after which to go on, and how many.
    ///
    /// - Throws: 400 for a limit outside 1–200 or a cursor this server did not make.
    static func page(cursor: String?, limit: Int32?) throws -> (after: String?, limit: Int) {
        let limit = Int(limit ?? 50)
        guard (1...200).contains(limit) else {
            throw Problem.badRequest(
                "limit must be 1 to 200.",
                errors: [.init(pointer: "#/query/limit", detail: "must be 1 to 200")]
            )
        }
        guard let cursor else { return (nil, limit) }
        guard let data = Base64URL.decode(cursor), let after = String(data: data, encoding: .utf8) else {
            throw Problem.badRequest(
                "cursor is not one this server gave out.",
                errors: [.init(pointer: "#/query/cursor", detail: "not a cursor of this server")]
            )
        }
        return (after, limit)
    }

    /// The id a paging key stands for (the last one of the page before).
    ///
    /// - Throws: 400 for a cursor this server did not make, saying nothing of its form.
    static func id(after key: String) throws -> UUID {
        guard let id = UUID(uuidString: key) else {
            throw Problem.badRequest(
                "cursor is not one this server gave out.",
                errors: [.init(pointer: "#/query/cursor", detail: "not a cursor of this server")]
            )
        }
        return id
    }

    /// The log position a paging key stands for (0: from the start).
    ///
    /// - Throws: 400 for a cursor this server did not make.
    static func position(after key: String?) throws -> Int64 {
        guard let position = Int64(key ?? "0") else {
            throw Problem.badRequest(
                "cursor is not one this server gave out.",
                errors: [.init(pointer: "#/query/cursor", detail: "not a cursor of this server")]
            )
        }
        return position
    }

    /// The page of `items` (fetched with one more than `limit`) and the cursor for the next.
    static func paged<Item>(_ items: [Item], limit: Int, key: (Item) -> String) -> (items: [Item], next: String?) {
        guard items.count > limit else { return (items, nil) }
        let page = Array(items.prefix(limit))
        return (page, page.last.map { Base64URL.encode(Data(key($0).utf8)) })
    }
}
