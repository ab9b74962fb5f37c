import EventStore
import Foundation
import Testing

@Suite("JSON values")
struct JSONValueTests {
    @Test("written text reads back as the same value, escapes included")
    func roundTrip() throws {
        let value = JSONValue.object([
            "quote \" and backslash \\": .string("line\nbreak\ttab\r\u{01} ü € 🙂 / slash"),
            "numbers": .array([.integer(-9_007_199_254_740_993), .double(1.5), .double(-0.25), .integer(0)]),
            "flags": .array([.bool(true), .bool(false), .null]),
            "nested": .object(["empty": .object([:]), "list": .array([])]),
        ])
        let text = value.jsonText()
        #expect(try JSONValue(jsonText: text) == value)
        #expect(try JSONSerialization.jsonObject(with: Data(text.utf8)) is [String: Any], "valid JSON for other parsers too")
    }

    @Test("keys are written sorted, so equal values give equal text")
    func sortedKeys() {
        let text = JSONValue.object(["b": .integer(2), "a": .integer(1), "c": .object(["z": .null, "y": .null])]).jsonText()
        #expect(text == #"{"a":1,"b":2,"c":{"y":null,"z":null}}"#)
    }
}
