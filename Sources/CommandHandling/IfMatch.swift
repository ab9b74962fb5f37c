/// What a writer expects of the object's current version (the `If-Match` of RFC 9110, § 13.1.1):
/// that it exists at all (`*`), or that it is one of the listed versions (strong tags only; a
/// weak tag never matches for `If-Match`, so it lists nothing).
public enum IfMatch: Sendable, Equatable {
    /// The object exists, at any version.
    case exists
    /// The object is at one of these versions (none: the condition never holds).
    case oneOf([Int64])

    /// Whether an object at `version` (0: it does not exist) meets the condition.
    public func holds(at version: Int64) -> Bool {
        switch self {
        case .exists: version > 0
        case .oneOf(let versions): version > 0 && versions.contains(version)
        }
    }
}
