import Foundation

/// What a key-figure report counts and how it groups values: one version of the reviewed files
/// in `Reports/`, embedded at build time. Every report names the version it used, and every
/// version stays computable, so a decree that changes the official list means a new
/// definition, never a change to the log.
public struct ReportDefinition: Sendable, Equatable, Codable {
    /// An age group: age on the cut-off day, `from`–`to` inclusive.
    public struct AgeGroup: Sendable, Equatable, Codable {
        /// The group's stable key.
        public var key: String
        /// The German label.
        public var de: String
        /// The English label.
        public var en: String
        /// The lowest age in the group.
        public var from: Int
        /// The highest age in the group.
        public var to: Int
    }

    /// A band of codes of one observation field, counted as one row.
    public struct Band: Sendable, Equatable, Codable {
        /// The band's stable key.
        public var key: String
        /// The German label.
        public var de: String
        /// The English label.
        public var en: String
        /// The codes in the band.
        public var codes: [String]
    }

    /// The bands of one observation field.
    public struct FieldBands: Sendable, Equatable, Codable {
        /// The field's code (`observation_field`).
        public var field: String
        /// Its bands, in order.
        public var bands: [Band]
    }

    /// The version reports cite, e.g. `2025.1`.
    public var version: String
    /// The German title.
    public var titleDe: String
    /// The English title.
    public var titleEn: String
    /// The first cut-off the definition is meant for.
    public var validFrom: CalendarDate
    /// What it is for and what changed against the one before.
    public var note: String
    /// How many citizenships are shown by name; the rest is one row `other`.
    public var citizenshipTop: Int
    /// The age groups, in order.
    public var ageGroups: [AgeGroup]
    /// Codes of observation fields grouped into bands; fields without bands are shown by code.
    public var bands: [FieldBands]
    /// The closure reasons counted as "goals reached".
    public var goalsReachedClosureReasons: [String]
    /// The goal statuses counted as achieved.
    public var achievedGoalStatuses: [String]
    /// The goal statuses counted as ended.
    public var endedGoalStatuses: [String]

    /// Every definition, oldest first.
    public static let all: [ReportDefinition] = [
        PackageResources.key_figures_2019_1_json, PackageResources.key_figures_2025_1_json,
    ]
    .map { bytes in
        do {
            return try EventCoding.decode(Data(bytes))
        } catch {
            // The files are part of the build and a test reads each of them: a file that does
            // not decode is a programming error, not a runtime condition.
            fatalError("report definition does not decode: \(error)")
        }
    }

    /// The newest definition: the one a report uses unless it names another.
    public static var current: ReportDefinition {
        // `all` is a non-empty literal list.
        all[all.count - 1]
    }

    /// The definition called `version`, or `nil`.
    public static func named(_ version: String) -> ReportDefinition? {
        all.first { $0.version == version }
    }

    /// The bands of `field`, or `nil` where it is shown by code.
    public func bands(of field: String) -> [Band]? {
        bands.first { $0.field == field }?.bands
    }
}
