import Casework
import EventStore
import Foundation
import Yams

/// What `openapi.yaml` declares of every input, enforced before a handler sees the request, each
/// violation answered with a JSON pointer (`/notes/0`, `#/query/limit`): types, required
/// properties, enumerations, the formats `date`, `date-time` and `uuid`, `pattern`,
/// `maxLength`/`minLength` of strings, `maxItems`/`minItems` of arrays, `maxProperties` of
/// objects and `minimum`/`maximum` of numbers, in bodies, query, header and path parameters,
/// through `$ref`, `allOf`, `oneOf` and `anyOf`.
///
/// The contract is the one source of these rules: a field gets its bound by declaring it in the
/// spec, and a test checks that every string, array and open object there declares one. The
/// generated decoding checks the same again; what passes here decodes there.
struct ContractBounds: Sendable {
    /// What one operation takes.
    struct Operation: Sendable {
        /// The schema of the JSON body, if it has one.
        var body: JSONValue?
        /// The schemas of its parameters by location (`query`, `header`, `path`) and name.
        var parameters: [Parameter]
    }

    /// A declared parameter.
    struct Parameter: Sendable {
        /// `query`, `header` or `path`.
        var location: String
        /// Its name as sent.
        var name: String
        /// Its schema.
        var schema: JSONValue
        /// Whether the request must carry it.
        var required: Bool
    }

    /// One value outside its bounds.
    struct Violation: Sendable, Equatable {
        /// Where: a JSON pointer into the body (`/notes/0`) or `#/query/name`.
        var pointer: String
        /// What is wrong, e.g. `at most 200 characters`.
        var detail: String
    }

    /// The whole document.
    let document: JSONValue
    /// The operations by `operationId`.
    let operations: [String: Operation]
    /// Each path template's segments (`{name}` matches any one segment) and its methods.
    let routes: [(segments: [Substring], methods: [String])]
    /// Every `pattern` of the document, compiled once.
    let patterns: [String: Pattern]

    /// The bounds of the contract in `yaml`.
    init(yaml: String) throws {
        let document = try YAMLDecoder().decode(JSONValue.self, from: yaml)
        var operations: [String: Operation] = [:]
        var routes: [(segments: [Substring], methods: [String])] = []
        guard case .object(let paths)? = document["paths"] else { throw ContractError("openapi.yaml has no paths") }
        for (path, item) in paths {
            guard case .object(let methods) = item else { continue }
            let verbs = ["get", "put", "post", "delete", "options", "head", "patch", "trace"]
            routes.append((path.split(separator: "/"), methods.keys.filter(verbs.contains).map { $0.uppercased() }.sorted()))
            let shared = Self.parameters(item["parameters"], in: document)
            for (method, operation) in methods where method != "parameters" {
                guard case .string(let id)? = operation["operationId"] else { continue }
                let body = Self.resolve(operation["requestBody"], in: document)?["content"]?["application/json"]?["schema"]
                operations[id] = Operation(
                    body: body,
                    parameters: shared + Self.parameters(operation["parameters"], in: document)
                )
            }
        }
        self.document = document
        self.operations = operations
        self.routes = routes
        self.patterns = try Self.patterns(in: document)
    }

    /// The methods the contract has at `path` (empty if it has no such path).
    func methods(at path: String) -> [String] {
        let segments = path.split(separator: "/")
        let route = routes.first { route in
            route.segments.count == segments.count
                && zip(route.segments, segments).allSatisfy { template, segment in
                    template == segment || (template.hasPrefix("{") && template.hasSuffix("}"))
                }
        }
        return route?.methods ?? []
    }

    /// The bounds of the contract this server was built from.
    static let bundled: ContractBounds = {
        do {
            return try ContractBounds(yaml: String(decoding: OpenAPIDocument.contents, as: UTF8.self))
        } catch {
            // The document is embedded at build time and parsed by a test; it cannot be missing.
            fatalError("openapi.yaml embedded in the binary cannot be read: \(error)")
        }
    }()

    /// The violations of the parameters of `operationID` given as `values(location, name)`.
    func violations(ofParameters operationID: String, values: (String, String) -> String?) -> [Violation] {
        guard let operation = operations[operationID] else { return [] }
        var found: [Violation] = []
        for parameter in operation.parameters {
            guard let value = values(parameter.location, parameter.name) else {
                if parameter.required {
                    found.append(.init(pointer: "#/\(parameter.location)/\(parameter.name)", detail: "required"))
                }
                continue
            }
            let schema = resolve(parameter.schema)
            // Parameters arrive as text: a number or a flag is read as one, else it stays text
            // and fails the type check.
            let instance: JSONValue =
                switch schema?["type"] {
                case .string("integer")?: Int64(value).map(JSONValue.integer) ?? .string(value)
                case .string("boolean")?: ["true": JSONValue.bool(true), "false": .bool(false)][value] ?? .string(value)
                default: .string(value)
                }
            check(instance, against: parameter.schema, at: "#/\(parameter.location)/\(parameter.name)", into: &found)
        }
        return found
    }

    /// The violations of `body` for `operationID`.
    func violations(ofBody body: JSONValue, operationID: String) -> [Violation] {
        guard let schema = operations[operationID]?.body else { return [] }
        var found: [Violation] = []
        check(body, against: schema, at: "", into: &found)
        return found
    }

    /// Whether `operationID` requires `If-Match` (a change that replaces a whole object, so that
    /// it must say which version it replaces).
    func requiresCondition(_ operationID: String) -> Bool {
        operations[operationID]?.parameters.contains { $0.location == "header" && $0.name == "If-Match" && $0.required }
            ?? false
    }

    /// Whether `operationID` takes a JSON body.
    func takesBody(_ operationID: String) -> Bool {
        operations[operationID]?.body != nil
    }

    // MARK: Checking

    private func check(_ value: JSONValue, against schema: JSONValue, at pointer: String, into found: inout [Violation]) {
        guard let schema = resolve(schema) else { return }
        if case .array(let all)? = schema["allOf"] {
            for part in all { check(value, against: part, at: pointer, into: &found) }
        }
        for key in ["oneOf", "anyOf"] {
            guard case .array(let branches)? = schema[key], !branches.isEmpty else { continue }
            let outcomes = branches.map { branch in
                var branchFound: [Violation] = []
                check(value, against: branch, at: pointer, into: &branchFound)
                return branchFound
            }
            if !outcomes.contains(where: \.isEmpty) { found += outcomes.min { $0.count < $1.count } ?? [] }
        }
        if case .string(let type)? = schema["type"], !Self.value(value, isOf: type) {
            found.append(.init(pointer: pointer, detail: Self.article(of: type)))
            return
        }
        if case .array(let allowed)? = schema["enum"], !allowed.contains(value) {
            let listed = allowed.prefix(12).map { $0.jsonText() }.joined(separator: ", ")
            found.append(.init(pointer: pointer, detail: "one of \(listed)\(allowed.count > 12 ? ", …" : "")"))
            return
        }
        switch value {
        case .string(let text):
            if case .string(let format)? = schema["format"], let problem = Self.formatProblem(text, format) {
                found.append(.init(pointer: pointer, detail: problem))
            }
            let length = text.unicodeScalars.count
            if let maximum = schema["maxLength"]?.integer, length > maximum {
                found.append(.init(pointer: pointer, detail: "at most \(maximum) characters"))
            } else if let minimum = schema["minLength"]?.integer, length < minimum {
                found.append(.init(pointer: pointer, detail: "at least \(minimum) characters"))
            } else if case .string(let pattern)? = schema["pattern"], let compiled = patterns[pattern],
                !compiled.matches(text)
            {
                found.append(.init(pointer: pointer, detail: "of the form \(pattern)"))
            }
        case .array(let elements):
            if let maximum = schema["maxItems"]?.integer, elements.count > maximum {
                found.append(.init(pointer: pointer, detail: "at most \(maximum) items"))
                return  // the elements of an over-long array are not looked at
            }
            if let minimum = schema["minItems"]?.integer, elements.count < minimum {
                found.append(.init(pointer: pointer, detail: "at least \(minimum) items"))
            }
            if let items = schema["items"] {
                for (index, element) in elements.enumerated() {
                    check(element, against: items, at: "\(pointer)/\(index)", into: &found)
                }
            }
        case .object(let members):
            if let maximum = schema["maxProperties"]?.integer, members.count > maximum {
                found.append(.init(pointer: pointer, detail: "at most \(maximum) properties"))
                return
            }
            if case .array(let required)? = schema["required"] {
                for case .string(let name) in required where members[name] == nil {
                    found.append(.init(pointer: "\(pointer)/\(Self.escaped(name))", detail: "required"))
                }
            }
            let properties = schema["properties"]
            let additional = schema["additionalProperties"]
            for (name, member) in members.sorted(by: { $0.key < $1.key }) {
                let escaped = Self.escaped(name)
                if let property = properties?[name] {
                    check(member, against: property, at: "\(pointer)/\(escaped)", into: &found)
                } else if case .object? = additional, let additional {
                    check(member, against: additional, at: "\(pointer)/\(escaped)", into: &found)
                }
            }
        case .integer(let number):
            checkRange(Double(number), schema, pointer, &found)
        case .double(let number):
            checkRange(number, schema, pointer, &found)
        case .null, .bool:
            break
        }
    }

    /// Whether `value` is of the JSON Schema `type` (`1975.0` is an integer, as JSON Schema and
    /// the generated decoding read it).
    private static func value(_ value: JSONValue, isOf type: String) -> Bool {
        switch (type, value) {
        case ("string", .string), ("integer", .integer), ("number", .integer), ("number", .double), ("boolean", .bool),
            ("array", .array), ("object", .object), ("null", .null):
            true
        case ("integer", .double(let number)): number.rounded() == number && abs(number) < 0x1p53
        default: false
        }
    }

    /// What a value of `type` is called in a violation.
    private static func article(of type: String) -> String {
        switch type {
        case "integer": "an integer"
        case "array": "an array"
        case "object": "an object"
        case "boolean": "true or false"
        default: "a \(type)"
        }
    }

    /// What is wrong with `text` as a string of `format`, or `nil`.
    private static func formatProblem(_ text: String, _ format: String) -> String? {
        switch format {
        case "date": CalendarDate(text) == nil ? "a date such as 2026-11-05" : nil
        case "date-time": TimestampTranscoder.secondsSince1970(text) == nil ? "a timestamp such as 2026-11-05T10:00:00Z" : nil
        case "uuid": UUID(uuidString: text) == nil ? "a UUID" : nil
        default: nil
        }
    }

    /// `name` as a JSON pointer's reference token.
    static func escaped(_ name: String) -> String {
        name.replacingOccurrences(of: "~", with: "~0").replacingOccurrences(of: "/", with: "~1")
    }

    private func checkRange(_ number: Double, _ schema: JSONValue, _ pointer: String, _ found: inout [Violation]) {
        if let maximum = schema["maximum"]?.number, number > maximum {
            found.append(
                .init(pointer: pointer, detail: "at most \(schema["maximum"]?.integer.map(String.init) ?? "\(maximum)")")
            )
        }
        if let minimum = schema["minimum"]?.number, number < minimum {
            found.append(
                .init(pointer: pointer, detail: "at least \(schema["minimum"]?.integer.map(String.init) ?? "\(minimum)")")
            )
        }
    }

    /// `schema` with its `$ref` followed (to the end of a chain of references).
    func resolve(_ schema: JSONValue?) -> JSONValue? {
        Self.resolve(schema, in: document)
    }

    private static func resolve(_ schema: JSONValue?, in document: JSONValue) -> JSONValue? {
        var current = schema
        var hops = 0
        while case .string(let reference)? = current?["$ref"], reference.hasPrefix("#/"), hops < 16 {
            current = reference.dropFirst(2).split(separator: "/").reduce(document as JSONValue?) { node, part in
                node?[part.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")]
            }
            hops += 1
        }
        return current
    }

    /// Every `pattern` in `document`, compiled.
    private static func patterns(in document: JSONValue) throws -> [String: Pattern] {
        var found: [String: Pattern] = [:]
        func walk(_ node: JSONValue) throws {
            switch node {
            case .object(let members):
                if case .string(let pattern)? = members["pattern"], found[pattern] == nil {
                    found[pattern] = try Pattern(pattern)
                }
                for member in members.values { try walk(member) }
            case .array(let elements):
                for element in elements { try walk(element) }
            default: break
            }
        }
        try walk(document)
        return found
    }

    private static func parameters(_ list: JSONValue?, in document: JSONValue) -> [Parameter] {
        guard case .array(let entries)? = list else { return [] }
        return entries.compactMap { entry in
            guard let parameter = resolve(entry, in: document), case .string(let location)? = parameter["in"],
                case .string(let name)? = parameter["name"], let schema = parameter["schema"]
            else { return nil }
            return Parameter(location: location, name: name, schema: schema, required: parameter["required"] == .bool(true))
        }
    }
}

/// A `pattern` of the contract, compiled (an ECMA-262 regular expression as JSON Schema has it;
/// the contract's patterns use only what Foundation's regular expressions read the same way).
struct Pattern: @unchecked Sendable {
    // NSRegularExpression is immutable and documented as safe to share between threads.
    private let expression: NSRegularExpression

    /// The pattern `text`.
    init(_ text: String) throws {
        do {
            expression = try NSRegularExpression(pattern: text)
        } catch {
            throw ContractError("openapi.yaml has a pattern that is no regular expression: \(text)")
        }
    }

    /// Whether `text` has a match (patterns are not anchored unless they say `^…$`).
    func matches(_ text: String) -> Bool {
        expression.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
    }
}

/// `openapi.yaml` cannot be read as a contract.
struct ContractError: Error, CustomStringConvertible {
    /// What is wrong.
    let description: String

    init(_ description: String) { self.description = description }
}

extension JSONValue {
    /// The value as an integer, if it is a whole number.
    fileprivate var integer: Int? {
        switch self {
        case .integer(let value): Int(value)
        case .double(let value) where value.rounded() == value: Int(value)
        default: nil
        }
    }

    /// The value as a number, if it is one.
    fileprivate var number: Double? {
        switch self {
        case .integer(let value): Double(value)
        case .double(let value): value
        default: nil
        }
    }
}
