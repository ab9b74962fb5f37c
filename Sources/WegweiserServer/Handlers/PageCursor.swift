import Casework
import Foundation

/// Where a page of a listing ends: the key of its last item, sent back as `cursor` for the next
/// page.
///
/// On the wire it is 32 base64url characters (24 bytes: a number, then an id). Every such text is
/// a valid position, so the contract can say exactly what it accepts (`pattern` of the `Cursor`
/// parameter) and a well-formed cursor never answers 400; a listing reads the part its key has:
/// - by id (cases, teams, organisations, staff, substitutions): `id`;
/// - by log position (audit trail, access log, a case's items): `number`;
/// - by district code: `number` as the five-digit code;
/// - consultations by date, then id: `number` as the day `YYYYMMDD`, and `id`.
struct PageCursor: Equatable, Sendable {
    /// The numeric part of the key.
    var number: Int64
    /// The id part of the key.
    var id: UUID

    /// A key of a number and an id.
    init(number: Int64 = 0, id: UUID = UUID(uuid: UUID.zero)) {
        self.number = number
        self.id = id
    }

    /// The cursor in `text`, or `nil` unless it is 32 base64url characters.
    init?(_ text: String) {
        guard text.utf8.count == 32, let bytes = Base64URL.decode(text), bytes.count == 24 else { return nil }
        number = bytes.prefix(8).reduce(0) { $0 << 8 | Int64($1) }
        let id = Array(bytes.suffix(16))
        self.id = UUID(
            uuid: (
                id[0], id[1], id[2], id[3], id[4], id[5], id[6], id[7],
                id[8], id[9], id[10], id[11], id[12], id[13], id[14], id[15]
            )
        )
    }

    /// The cursor as sent: 32 base64url characters.
    var text: String {
        var bytes = (0..<8).map { UInt8(truncatingIfNeeded: number >> (56 - 8 * $0)) }
        withUnsafeBytes(of: id.uuid) { bytes.append(contentsOf: $0) }
        return Base64URL.encode(bytes)
    }

    /// The position after the directory object with the id `text` (a UUID).
    init(idText text: String) {
        self.init(id: UUID(uuidString: text) ?? UUID(uuid: UUID.zero))
    }

    /// The position after a district `code` (five digits).
    init(districtCode code: String) {
        self.init(number: Int64(code) ?? 0)
    }

    /// The district code this cursor's number stands for.
    var districtCode: String {
        let digits = String(number.magnitude)
        return String(repeating: "0", count: max(0, 5 - digits.count)) + digits
    }

    /// The position after a consultation held on `day`, with `id`.
    init(day: CalendarDate, id: UUID) {
        self.init(number: Int64(day.year) * 10_000 + Int64(day.month) * 100 + Int64(day.day), id: id)
    }

    /// The day this cursor's number stands for, as `YYYY-MM-DD` text (the order of stored dates;
    /// a number no cursor of this server holds still gives a place in that order).
    var dayText: String {
        let value = min(max(number, 0), 9999_12_31)
        func padded(_ part: Int64, _ width: Int) -> String {
            let digits = String(part)
            return String(repeating: "0", count: width - digits.count) + digits
        }
        return "\(padded(value / 10_000, 4))-\(padded(value / 100 % 100, 2))-\(padded(value % 100, 2))"
    }
}

extension UUID {
    /// The bytes of the nil UUID.
    fileprivate static let zero: uuid_t = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
}
