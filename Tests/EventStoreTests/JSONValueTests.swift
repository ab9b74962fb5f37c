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

    @Test("texts are read as other JSON parsers read them: escapes, surrogate pairs, numbers, white space")
    func readsLikeOthers() throws {
        #expect(
            try JSONValue(jsonText: #" { "a" : [ 1 , -0 , 2.5e3 , 1E-2 , 12345678901234567890 ] } "#)
                == .object([
                    "a": .array([.integer(1), .integer(0), .double(2500), .double(0.01), .double(12_345_678_901_234_567_890)])
                ])
        )
        #expect(try JSONValue(jsonText: #""\u00fc\ud83d\ude42\/\b\f\n\r\t\"\\""#) == .string("ü🙂/\u{08}\u{0C}\n\r\t\"\\"))
        #expect(try JSONValue(jsonText: #"{"a":1,"a":2}"#) == .object(["a": .integer(2)]), "the last of a repeated member wins")
        #expect(try JSONValue(jsonText: "null") == .null)
        #expect(try JSONValue(jsonText: "\n\t true \r") == .bool(true))
    }

    @Test(
        "what is not exactly one JSON value is refused, as other parsers refuse it",
        arguments: [
            "", " ", "{", "}", "[,1]", "{\"a\" 1}", "{a:1}", "{\"a\":1}x", "[1] [2]", "01", "-", "1.",
            ".5", "1e", "+1", "NaN", "Infinity", "1e999", "tru", "nul", "'a'", "\"a", "\"\\x\"", "\"\\u12\"", "\"\\ud83d\"",
            "\"\\ude42\"", "\"tab\there\"", "[\"a\" \"b\"]",
        ]
    )
    func refusesNonJSON(text: String) {
        #expect(throws: JSONTextError.self) { try JSONValue(jsonText: text) }
        #expect(
            (try? JSONSerialization.jsonObject(with: Data(text.utf8), options: .fragmentsAllowed)) == nil,
            "others refuse it too"
        )
    }

    @Test("a trailing comma is refused (RFC 8259), although Foundation's parsers let it pass", arguments: ["[1,]", "{\"a\":1,}"])
    func refusesTrailingCommas(text: String) {
        #expect(throws: JSONTextError.self) { try JSONValue(jsonText: text) }
    }

    @Test("nesting deeper than 512 levels is refused instead of exhausting the stack")
    func boundsDepth() throws {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(throws: JSONTextError.self) { try JSONValue(jsonText: deep) }
        let fine = String(repeating: "[", count: 512) + String(repeating: "]", count: 512)
        _ = try JSONValue(jsonText: fine)
    }
}
