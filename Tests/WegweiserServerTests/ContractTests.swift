import Casework
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

    @Test("the spec's role and organisation kind enums list the code lists' codes")
    func enums() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let spec = try String(contentsOf: root.appendingPathComponent("openapi.yaml"), encoding: .utf8)
        #expect(spec.contains("enum: [\(StaffRole.allCases.map(\.rawValue).joined(separator: ", "))]"))
        #expect(spec.contains("enum: [\(OrganisationKind.allCases.map(\.rawValue).joined(separator: ", "))]"))
    }
}
