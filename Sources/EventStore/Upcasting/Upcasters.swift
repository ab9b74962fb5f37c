/// Pure functions that turn a stored payload of an old schema version into the current one,
/// applied on every read, so the log is never rewritten.
///
/// Register one step per version: `register("case.opened", from: 1) { payload in ... }` turns
/// version 1 into version 2. Reading applies the steps in order until none is left.
public struct Upcasters: Sendable {
    /// One step: a payload of version `n` in, a payload of version `n + 1` out.
    public typealias Step = @Sendable (JSONValue) throws -> JSONValue

    private var steps: [String: [Int: Step]] = [:]

    /// No upcasters: every payload is read as stored.
    public init() {}

    /// Registers the step from `version` to `version + 1` for events of `type`.
    public mutating func register(_ type: String, from version: Int, _ step: @escaping Step) {
        steps[type, default: [:]][version] = step
    }

    /// The current schema version of `type`: one past its last step, or 1.
    public func currentVersion(of type: String) -> Int {
        (steps[type]?.keys.max()).map { $0 + 1 } ?? 1
    }

    /// `payload` of `type` at `version`, brought to the newest version.
    public func upcast(_ type: String, version: Int, payload: JSONValue) throws -> (version: Int, payload: JSONValue) {
        var version = version
        var payload = payload
        while let step = steps[type]?[version] {
            payload = try step(payload)
            version += 1
        }
        return (version, payload)
    }
}
