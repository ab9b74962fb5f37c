/// A fixed list of values with stable stored codes and labels in German and English, served by
/// the API so every front end and every report uses the same values.
///
/// Codes are stored in events and key figures: never rename or reuse one; add new ones.
public protocol CodeList: CaseIterable, Hashable, Sendable, RawRepresentable where RawValue == String {
    /// The list's stable name, e.g. `german_level`.
    static var listName: String { get }
    /// The German label.
    var germanLabel: String { get }
    /// The English label.
    var englishLabel: String { get }
}

extension CodeList {
    /// The stable stored code.
    public var code: String { rawValue }
}
