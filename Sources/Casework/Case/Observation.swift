public import Foundation

/// A kind of soft data that changes over time and is recorded as dated observations, never
/// overwritten: the current value is the latest observation, the history stays.
public enum ObservationField: String, TabulatedCodeList {
    case germanLevel = "german_level", courseAttendance = "course_attendance", schooling
    case vocationalQualification = "vocational_qualification", recognition, employment, benefits, housing
    case residenceStatus = "residence_status"

    /// The list's stable name.
    public static let listName = "observation_field"
    /// The labels.
    public static let labels: [Self: (german: String, english: String)] = [
        .germanLevel: ("Deutschkenntnisse", "German level"), .courseAttendance: ("Kursbesuch", "course attendance"),
        .schooling: ("Schulbildung", "schooling"), .vocationalQualification: ("Berufsabschluss", "vocational qualification"),
        .recognition: ("Anerkennung ausländischer Abschlüsse", "recognition of a foreign degree"),
        .employment: ("Erwerbstätigkeit", "employment"), .benefits: ("Leistungsbezug", "benefits"),
        .housing: ("Wohnsituation", "housing"), .residenceStatus: ("Aufenthaltsstatus", "residence status"),
    ]

    /// The codes a value of this field may take.
    public var codes: [String] {
        switch self {
        case .germanLevel: GermanLevel.allCases.map(\.code)
        case .courseAttendance: CourseAttendance.allCases.map(\.code)
        case .schooling: Schooling.allCases.map(\.code)
        case .vocationalQualification: VocationalQualification.allCases.map(\.code)
        case .recognition: Recognition.allCases.map(\.code)
        case .employment: Employment.allCases.map(\.code)
        case .benefits: Benefits.allCases.map(\.code)
        case .housing: Housing.allCases.map(\.code)
        case .residenceStatus: ResidenceStatus.allCases.map(\.code)
        }
    }
}

/// What an observation holds: a value of the field's code list, or exactly one of the three
/// kinds of "no value", which are kept apart and never counted as empty.
public enum ObservationValue: Sendable, Hashable, Codable {
    /// A code of the field's list.
    case value(String)
    /// The client declined to answer.
    case declined
    /// Not asked yet.
    case notAsked
    /// Asked, but nobody knows.
    case unknown

    /// The stored form: `{"status": "value", "code": "b1"}` or `{"status": "declined"}` etc.
    private enum CodingKeys: String, CodingKey { case status, code }

    /// Reads the stored form.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        switch try container.decode(String.self, forKey: .status) {
        case "value": self = .value(try container.decode(String.self, forKey: .code))
        case "declined": self = .declined
        case "not_asked": self = .notAsked
        case "unknown": self = .unknown
        case let other:
            throw DecodingError.dataCorruptedError(forKey: .status, in: container, debugDescription: "unknown status \(other)")
        }
    }

    /// Writes the stored form.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .value(let code):
            try container.encode("value", forKey: .status)
            try container.encode(code, forKey: .code)
        case .declined: try container.encode("declined", forKey: .status)
        case .notAsked: try container.encode("not_asked", forKey: .status)
        case .unknown: try container.encode("unknown", forKey: .status)
        }
    }
}

/// One dated observation.
public struct Observation: Codable, Sendable, Equatable {
    /// Its id.
    public var id: UUID
    /// What was observed.
    public var field: ObservationField
    /// The value, or which kind of no value.
    public var value: ObservationValue
    /// The day it holds for.
    public var observedOn: CalendarDate

    /// An observation.
    public init(id: UUID, field: ObservationField, value: ObservationValue, observedOn: CalendarDate) {
        self.id = id
        self.field = field
        self.value = value
        self.observedOn = observedOn
    }
}
