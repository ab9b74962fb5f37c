import Foundation
import OpenAPIRuntime

/// How the API reads and writes timestamps (`format: date-time`): it reads RFC 3339 with or
/// without fractional seconds and with any offset (`2026-11-05T10:00:00Z`,
/// `2026-11-05T10:00:00.000Z` as JavaScript's `toISOString()` sends it,
/// `2026-11-05T11:00:00+01:00`, lower-case `t` and `z`), and answers in one form, UTC to the
/// whole second (`2026-11-05T10:00:00Z`). Fractions of a second are dropped on input, as the log
/// keeps whole seconds, so an answer shows what was stored. Dates that do not exist
/// (`2026-02-30`) are refused, not rolled over.
struct TimestampTranscoder: DateTranscoder {
    func encode(_ date: Date) throws -> String {
        date.formatted(Date.ISO8601FormatStyle(timeZone: .gmt))
    }

    func decode(_ text: String) throws -> Date {
        guard let seconds = Self.secondsSince1970(text) else {
            throw DecodingError.dataCorrupted(
                .init(codingPath: [], debugDescription: "not an RFC 3339 timestamp, e.g. 2026-11-05T10:00:00Z")
            )
        }
        return Date(timeIntervalSince1970: TimeInterval(seconds))
    }

    /// `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)` as whole seconds since 1970 UTC, or `nil`.
    static func secondsSince1970(_ text: String) -> Int64? {
        let bytes = Array(text.utf8)
        guard bytes.count >= 20, bytes.count <= 64 else { return nil }
        func number(_ range: Range<Int>) -> Int? {
            var value = 0
            for index in range {
                guard index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) else { return nil }
                value = value * 10 + Int(bytes[index] - UInt8(ascii: "0"))
            }
            return value
        }
        func byte(_ index: Int, is characters: String) -> Bool { index < bytes.count && characters.utf8.contains(bytes[index]) }
        guard let year = number(0..<4), byte(4, is: "-"), let month = number(5..<7), byte(7, is: "-"),
            let day = number(8..<10), byte(10, is: "Tt"), let hour = number(11..<13), byte(13, is: ":"),
            let minute = number(14..<16), byte(16, is: ":"), let second = number(17..<19),
            (1...12).contains(month), (1...Self.days(inMonth: month, of: year)).contains(day), hour < 24, minute < 60, second < 60
        else { return nil }
        var index = 19
        if byte(index, is: ".") {
            index += 1
            let digits = index
            while number(index..<index + 1) != nil { index += 1 }
            guard index > digits else { return nil }
        }
        var offset = 0
        if byte(index, is: "Zz") {
            index += 1
        } else if byte(index, is: "+-"), let hours = number(index + 1..<index + 3), byte(index + 3, is: ":"),
            let minutes = number(index + 4..<index + 6), hours < 24, minutes < 60
        {
            offset = (hours * 60 + minutes) * 60 * (bytes[index] == UInt8(ascii: "-") ? -1 : 1)
            index += 6
        } else {
            return nil
        }
        guard index == bytes.count else { return nil }
        return Int64(Self.daysSince1970(year: year, month: month, day: day)) * 86_400
            + Int64(hour * 3600 + minute * 60 + second - offset)
    }

    private static func days(inMonth month: Int, of year: Int) -> Int {
        switch month {
        case 2: year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Days from 1970-01-01 to the date in the proleptic Gregorian calendar (Howard Hinnant's
    /// `days_from_civil`).
    private static func daysSince1970(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }
}
