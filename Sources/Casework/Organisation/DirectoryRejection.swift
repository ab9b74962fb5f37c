import Foundation

/// Why a change to the organisation structure (districts, organisations, teams, staff) was
/// refused.
public enum DirectoryRejection: Error, Equatable, Sendable {
    /// The object exists already.
    case alreadyExists
    /// There is no such object.
    case notFound
    /// The object is deactivated and cannot change any more.
    case deactivated
    /// A value breaks a rule; `field` is its snake_case name.
    case invalid(field: String, reason: String)
}

extension String {
    /// The text without surrounding white space, or `nil` if nothing is left or it is longer
    /// than `maximumLength` characters.
    func trimmedNonEmpty(maximumLength: Int = 200) -> String? {
        let trimmed = trimmingCharacters(in: .whitespacesAndNewlines)
        return trimmed.isEmpty || trimmed.count > maximumLength ? nil : trimmed
    }
}

/// A required name: trimmed, 1–200 characters.
func validName(_ name: String, field: String = "name") throws(DirectoryRejection) -> String {
    guard let name = name.trimmedNonEmpty() else {
        throw .invalid(field: field, reason: "must be 1 to 200 characters")
    }
    return name
}
