public import Configuration
import Foundation
public import Logging
import Synchronization

/// A log handler that writes each entry as one JSON object per line to standard error, for log
/// collectors (`log.format json`): `time` (RFC 3339, milliseconds, UTC), `level`, `logger`,
/// `message`, then the metadata's keys. Numbers in metadata stay numbers; a metadata key that
/// would hide one of the four is written with a `meta_` prefix.
public struct JSONLogHandler: LogHandler {
    /// The logger's label.
    public let label: String
    /// The least level written.
    public var logLevel: Logger.Level = .info
    /// Metadata written with every entry of this logger.
    public var metadata: Logger.Metadata = [:]

    private static let output = Mutex<Void>(())
    private static let reserved: Set<String> = ["time", "level", "logger", "message"]

    /// A handler for the logger labelled `label`.
    public init(label: String) {
        self.label = label
    }

    /// The metadata value of `key`.
    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    /// Writes one entry.
    public func log(event: LogEvent) {
        let line = Self.line(
            time: Date(),
            level: event.level,
            label: label,
            message: event.message.description,
            metadata: metadata.merging(event.metadata ?? [:]) { $1 }
        )
        Self.output.withLock { _ in
            FileHandle.standardError.write(Data((line + "\n").utf8))
        }
    }

    /// One entry as a line of JSON.
    static func line(time: Date, level: Logger.Level, label: String, message: String, metadata: Logger.Metadata) -> String {
        var fields = [
            ("time", quoted(Date.ISO8601FormatStyle(includingFractionalSeconds: true).format(time))),
            ("level", quoted(level.rawValue)), ("logger", quoted(label)), ("message", quoted(message)),
        ]
        for key in metadata.keys.sorted() {
            guard let value = metadata[key] else { continue }
            fields.append((reserved.contains(key) ? "meta_" + key : key, json(value)))
        }
        return "{" + fields.map { quoted($0.0) + ":" + $0.1 }.joined(separator: ",") + "}"
    }

    private static func json(_ value: Logger.Metadata.Value) -> String {
        switch value {
        case .string(let text): quoted(text)
        case .stringConvertible(let number as any BinaryInteger): "\(number)"
        case .stringConvertible(let number as Double) where number.isFinite: "\(number)"
        case .stringConvertible(let other): quoted(other.description)
        case .array(let values): "[" + values.map(json).joined(separator: ",") + "]"
        case .dictionary(let members):
            "{" + members.keys.sorted().map { quoted($0) + ":" + json(members[$0] ?? .string("")) }.joined(separator: ",") + "}"
        }
    }

    private static func quoted(_ text: String) -> String {
        var result = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            case _ where scalar.value < 0x20: result += String(format: "\\u%04x", scalar.value)
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result + "\""
    }
}

/// Sets up the process's logging from `log.format`: `text` (the default: swift-log's lines on
/// standard error) or `json` (``JSONLogHandler``). Call it once, before the first logger is made.
///
/// - Throws: ``ConfigurationError`` for another format.
public func bootstrapLogging(reader: ConfigReader) throws {
    switch reader.string(forKey: "log.format", default: "text") {
    case "text": break
    case "json": LoggingSystem.bootstrap { JSONLogHandler(label: $0) }
    case let other: throw ConfigurationError("log.format must be text or json, not \(other).")
    }
}
