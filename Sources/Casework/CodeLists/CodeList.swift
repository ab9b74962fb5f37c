/// A fixed list of values with stable stored codes and labels in German and English, served by
/// the API so every front end and every report uses the same values.
///
/// Codes are stored in events and key figures: never rename or reuse one; add new ones.
public protocol CodeList: CaseIterable, Hashable, Sendable, Codable, RawRepresentable where RawValue == String {
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

/// A code list whose labels are a table: one line per code.
public protocol TabulatedCodeList: CodeList {
    /// The German and English label of each code.
    static var labels: [Self: (german: String, english: String)] { get }
}

extension TabulatedCodeList {
    /// The German label.
    public var germanLabel: String { Self.labels[self]?.german ?? rawValue }
    /// The English label.
    public var englishLabel: String { Self.labels[self]?.english ?? rawValue }
}
