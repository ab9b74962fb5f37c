import Casework
import EventStore
import Foundation
import Testing

@testable import WegweiserServer

@Suite("openapi.yaml and the code say the same")
struct ContractTests {
    /// `operationId` → `x-roles` (nil for an operation with `security: []`), read from the spec.
    static func specifiedRoles() throws -> [String: Set<String>?] {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let lines = try String(contentsOf: root.appendingPathComponent("openapi.yaml"), encoding: .utf8).split(separator: "\n")
        var result: [String: Set<String>?] = [:]
        var operation: String?
        var isPublic = false
        for line in lines.map({ $0.trimmingCharacters(in: .whitespaces) }) {
            if line.hasPrefix("operationId:") {
                operation = line.dropFirst("operationId:".count).trimmingCharacters(in: .whitespaces)
                isPublic = false
            } else if line == "security: []" {
                isPublic = true
            } else if line.hasPrefix("x-roles:"), let current = operation {
                let list = line.dropFirst("x-roles:".count).trimmingCharacters(in: CharacterSet(charactersIn: " []"))
                let roles = Set(list.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
                result[current] = isPublic ? .some(nil) : .some(roles)
            } else if line.hasPrefix("responses:"), let current = operation, result[current] == nil {
                result[current] = isPublic ? .some(nil) : .some([])
            }
        }
        return result
    }

    @Test("each operation's x-roles equal the access policy; public operations are exactly those without security")
    func rolesMatchPolicy() throws {
        let specified = try Self.specifiedRoles()
        #expect(specified.count >= 30)
        for (operation, roles) in specified {
            if let roles {
                #expect(roles == Set(AccessPolicy.roles(for: operation).map(\.rawValue)), "\(operation)")
                #expect(!AccessPolicy.publicOperations.contains(operation), "\(operation)")
            } else {
                #expect(AccessPolicy.publicOperations.contains(operation), "\(operation)")
            }
        }
        #expect(Set(AccessPolicy.operations.keys).isSubset(of: Set(specified.keys)))
    }

    @Test("every enum marked x-code-list lists exactly that code list's codes; every code list of an input is marked")
    func enums() throws {
        let lists = Dictionary(uniqueKeysWithValues: CodeLists.all.map { ($0.name, $0.entries.map(\.code)) })
        var marked: Set<String> = []
        func walk(_ node: JSONValue, at path: String) {
            switch node {
            case .object(let members):
                if case .string(let name)? = members["x-code-list"] {
                    marked.insert(name)
                    let listed = members["enum"].flatMap { value -> [String]? in
                        guard case .array(let codes) = value else { return nil }
                        return codes.compactMap { code in if case .string(let text) = code { text } else { nil } }
                    }
                    #expect(listed == lists[name], "\(path): x-code-list \(name)")
                }
                for (key, value) in members { walk(value, at: "\(path)/\(key)") }
            case .array(let elements):
                for (index, element) in elements.enumerated() { walk(element, at: "\(path)/\(index)") }
            default:
                break
            }
        }
        walk(ContractBounds.bundled.document, at: "#")
        // The observation fields' lists are named by `field` (a rule the server answers with 422),
        // and municipality keys are checked by their form (a pattern) and district (422), since a
        // well-formed key the list does not name yet is accepted; every other list is an
        // enumeration of the contract.
        let byField: Set<String> = [
            "german_level", "housing", "benefits", "employment", "schooling", "vocational_qualification", "recognition",
            "residence_status", "course_attendance", "municipality",
        ]
        #expect(
            Set(lists.keys).subtracting(byField).isSubset(of: marked),
            "unmarked: \(Set(lists.keys).subtracting(byField).subtracting(marked))"
        )
    }

    @Test("every string, array and open object in the contract declares a maximum")
    func everyInputBounded() throws {
        var unbounded: [String] = []
        func walk(_ node: JSONValue, at path: String) {
            switch node {
            case .object(let members):
                if case .string(let type)? = members["type"] {
                    let isOpen = members["additionalProperties"].map { $0 != .bool(false) } ?? false
                    if type == "string", members["maxLength"] == nil, members["enum"] == nil { unbounded.append(path) }
                    if type == "array", members["maxItems"] == nil { unbounded.append(path) }
                    if type == "object", isOpen, members["maxProperties"] == nil { unbounded.append(path) }
                }
                for (key, value) in members { walk(value, at: "\(path)/\(key)") }
            case .array(let elements):
                for (index, element) in elements.enumerated() { walk(element, at: "\(path)/\(index)") }
            default:
                break
            }
        }
        let bounds = ContractBounds.bundled
        walk(bounds.document, at: "#")
        #expect(unbounded.isEmpty, "unbounded: \(unbounded.sorted().prefix(20))")
        #expect(bounds.operations.count >= 50)
        #expect(bounds.operations["createClient"]?.body != nil)
    }

    @Test("the bounds follow $ref, items and properties, and report JSON pointers")
    func boundsChecked() throws {
        let bounds = ContractBounds.bundled
        let body = try JSONValue(
            jsonText:
                #"{"family_name": "", "target_group": "refugee_follow_up_housing", "citizenships": ["SY", "SYR"], "year_of_birth": 1800}"#
        )
        let found = bounds.violations(ofBody: body, operationID: "createClient").map(\.pointer)
        #expect(found.contains("/family_name"))
        #expect(found.contains("/citizenships/1"))
        #expect(found.contains("/year_of_birth"))
        let query = bounds.violations(ofParameters: "listCases") { location, name in
            location == "query" && name == "limit" ? "500" : nil
        }
        #expect(query == [.init(pointer: "#/query/limit", detail: "at most 200")])
    }
}
