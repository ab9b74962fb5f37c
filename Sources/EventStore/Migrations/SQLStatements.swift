import Foundation

/// Splits a migration file into single statements, because the extended query protocol
/// PostgresNIO speaks runs one statement per query.
///
/// Understands what may hide a semicolon: `'…'` strings (with `''` and, in `E'…'`, backslash
/// escapes), `"…"` identifiers, `$tag$…$tag$` bodies, `--` and nested `/* */` comments.
enum SQLStatements {
    static func split(_ sql: String) -> [String] {
        let text = Array(sql.unicodeScalars)
        var statements: [String] = []
        var current = String.UnicodeScalarView()
        var index = 0

        func flush() {
            let statement = String(current).trimmingWhitespace()
            if !isOnlyComments(statement) { statements.append(statement) }
            current = String.UnicodeScalarView()
        }
        func copy(to end: Int) {
            current.append(contentsOf: text[index..<min(end, text.count)])
            index = min(end, text.count)
        }

        while index < text.count {
            let character = text[index]
            let next: Unicode.Scalar? = index + 1 < text.count ? text[index + 1] : nil
            switch character {
            case ";":
                index += 1
                flush()
            case "-" where next == "-":
                copy(to: (text[index...].firstIndex(of: "\n") ?? text.count))
            case "/" where next == "*":
                copy(to: endOfBlockComment(text, from: index))
            case "'":
                let escapes = index > 0 && (text[index - 1] == "E" || text[index - 1] == "e") && !isWordCharacter(text, index - 2)
                copy(to: endOfQuoted(text, from: index, quote: "'", backslashEscapes: escapes))
            case "\"":
                copy(to: endOfQuoted(text, from: index, quote: "\"", backslashEscapes: false))
            case "$":
                if let tag = dollarTag(text, at: index), !isWordCharacter(text, index - 1) {
                    copy(to: endOfDollarQuoted(text, from: index, tag: tag))
                } else {
                    copy(to: index + 1)
                }
            default:
                copy(to: index + 1)
            }
        }
        flush()
        return statements
    }

    private static func isWordCharacter(_ text: [Unicode.Scalar], _ index: Int) -> Bool {
        guard index >= 0, index < text.count else { return false }
        return text[index].properties.isAlphabetic || ("0"..."9").contains(text[index]) || text[index] == "_"
    }

    private static func endOfBlockComment(_ text: [Unicode.Scalar], from start: Int) -> Int {
        var depth = 0
        var index = start
        while index + 1 < text.count {
            if text[index] == "/" && text[index + 1] == "*" {
                depth += 1
                index += 2
            } else if text[index] == "*" && text[index + 1] == "/" {
                depth -= 1
                index += 2
                if depth == 0 { return index }
            } else {
                index += 1
            }
        }
        return text.count
    }

    private static func endOfQuoted(
        _ text: [Unicode.Scalar],
        from start: Int,
        quote: Unicode.Scalar,
        backslashEscapes: Bool
    ) -> Int {
        var index = start + 1
        while index < text.count {
            if backslashEscapes && text[index] == "\\" {
                index += 2
            } else if text[index] == quote {
                if index + 1 < text.count && text[index + 1] == quote {
                    index += 2
                } else {
                    return index + 1
                }
            } else {
                index += 1
            }
        }
        return text.count
    }

    /// The `$tag$` that starts at `index`, if any.
    private static func dollarTag(_ text: [Unicode.Scalar], at index: Int) -> [Unicode.Scalar]? {
        var end = index + 1
        while end < text.count, text[end] != "$" {
            guard isWordCharacter(text, end), !(end == index + 1 && ("0"..."9").contains(text[end])) else { return nil }
            end += 1
        }
        guard end < text.count else { return nil }
        return Array(text[index...end])
    }

    private static func endOfDollarQuoted(_ text: [Unicode.Scalar], from start: Int, tag: [Unicode.Scalar]) -> Int {
        var index = start + tag.count
        while index + tag.count <= text.count {
            if Array(text[index..<index + tag.count]) == tag { return index + tag.count }
            index += 1
        }
        return text.count
    }

    private static func isOnlyComments(_ statement: String) -> Bool {
        var remaining = Substring(statement)
        while !remaining.isEmpty {
            remaining = remaining.drop { $0.isWhitespace }
            if remaining.hasPrefix("--") {
                remaining = remaining.drop { $0 != "\n" }
            } else if remaining.hasPrefix("/*") {
                guard let end = remaining.range(of: "*/") else { return true }
                remaining = remaining[end.upperBound...]
            } else {
                return remaining.isEmpty
            }
        }
        return true
    }
}

extension String {
    fileprivate func trimmingWhitespace() -> String {
        String(self.drop { $0.isWhitespace }.reversed().drop { $0.isWhitespace }.reversed())
    }
}
