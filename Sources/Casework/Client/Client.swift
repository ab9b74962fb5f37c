public import Foundation

/// A person in counselling: base data in the clear (for key figures), and name, exact date of
/// birth and contact data in the `personal` part, which the server encrypts under the client's
/// own key.
public enum Client: Decider {
    /// What is recorded of a client; also the payload of ``Event/registered(_:)`` and
    /// ``Event/changed(_:)``.
    public struct Profile: Codable, Sendable, Equatable {
        /// The client's id.
        public var id: UUID
        /// The district.
        public var districtID: String
        /// The year of birth (from the exact date where known).
        public var yearOfBirth: Int?
        /// Gender.
        public var gender: Gender?
        /// Citizenships, ISO 3166-1 alpha-2 (`SY`, `AF`, `UA`, …).
        public var citizenships: [String]
        /// Languages spoken, ISO 639-1 (`ar`, `fa`, `uk`, …).
        public var languages: [String]
        /// Family status.
        public var familyStatus: FamilyStatus?
        /// The municipality the client lives in.
        public var municipality: String?
        /// The day of arrival in the district.
        public var arrivedOn: CalendarDate?
        /// The target group.
        public var targetGroup: TargetGroup
        /// What is known of the citizenship besides `citizenships` (`nil` in profiles stored
        /// before it was kept: `known` if countries are named, else not asked).
        public var citizenshipStatus: CitizenshipStatus? = nil
        /// Name, exact date of birth and contact data; `nil` once the client is erased.
        public var personal: PersonalData?

        /// A profile.
        public init(
            id: UUID,
            districtID: String,
            yearOfBirth: Int?,
            gender: Gender?,
            citizenships: [String],
            languages: [String],
            familyStatus: FamilyStatus?,
            municipality: String?,
            arrivedOn: CalendarDate?,
            targetGroup: TargetGroup,
            citizenshipStatus: CitizenshipStatus? = nil,
            personal: PersonalData?
        ) {
            self.id = id
            self.districtID = districtID
            self.yearOfBirth = yearOfBirth
            self.gender = gender
            self.citizenships = citizenships
            self.languages = languages
            self.familyStatus = familyStatus
            self.municipality = municipality
            self.arrivedOn = arrivedOn
            self.targetGroup = targetGroup
            self.citizenshipStatus = citizenshipStatus
            self.personal = personal
        }
    }

    /// The encrypted part of a profile.
    public struct PersonalData: Codable, Sendable, Equatable {
        /// Given names.
        public var givenName: String
        /// Family name.
        public var familyName: String
        /// The exact date of birth, where known.
        public var dateOfBirth: CalendarDate?
        /// Phone number.
        public var phone: String?
        /// E-mail address.
        public var email: String?
        /// Postal address.
        public var address: String?
        /// An identifier of the person in another register (the foreigners' authority's file
        /// number, the Jobcenter's customer number), for finding them.
        public var externalID: String? = nil

        /// Personal data.
        public init(
            givenName: String,
            familyName: String,
            dateOfBirth: CalendarDate?,
            phone: String?,
            email: String?,
            address: String?,
            externalID: String? = nil
        ) {
            self.givenName = givenName
            self.familyName = familyName
            self.dateOfBirth = dateOfBirth
            self.phone = phone
            self.email = email
            self.address = address
            self.externalID = externalID
        }
    }

    /// The client, or `nil` before registration.
    public typealias State = Profile?

    /// What may be asked of a client's record.
    public enum Command: Sendable, Equatable {
        /// Registers the client on `today`.
        case register(Profile, today: CalendarDate)
        /// Replaces the profile (id and district stay) on `today`.
        case change(Profile, today: CalendarDate)
    }

    /// What happened to a client's record.
    public enum Event: Sendable, Equatable {
        /// Stored as `client.registered`.
        case registered(Profile)
        /// Stored as `client.changed`: the whole new profile.
        case changed(Profile)
    }

    /// Why a command was refused.
    public enum Rejection: Error, Equatable, Sendable {
        /// The client exists already.
        case alreadyRegistered
        /// There is no such client.
        case notFound
        /// A value breaks a rule; `field` is its snake_case name.
        case invalid(field: String, reason: String)
    }

    /// Not registered yet.
    public static let initialState: State = nil

    /// The events that answer `command`.
    public static func decide(_ command: Command, _ state: State) throws(Rejection) -> [Event] {
        switch (command, state) {
        case (.register(let profile, let today), nil):
            return [.registered(try validated(profile, today: today))]
        case (.register, .some):
            throw .alreadyRegistered
        case (.change, nil):
            throw .notFound
        case (.change(var profile, let today), .some(let current)):
            (profile.id, profile.districtID) = (current.id, current.districtID)
            profile = try validated(profile, today: today)
            return profile == current ? [] : [.changed(profile)]
        }
    }

    /// The state after `event`.
    public static func evolve(_ state: State, _ event: Event) -> State {
        switch event {
        case .registered(let profile), .changed(let profile): profile
        }
    }

    private static func validated(_ profile: Profile, today: CalendarDate) throws(Rejection) -> Profile {
        var profile = profile
        guard var personal = profile.personal else { throw .invalid(field: "family_name", reason: "a client has a name") }
        personal.givenName = personal.givenName.trimmingCharacters(in: .whitespacesAndNewlines)
        personal.familyName = personal.familyName.trimmingCharacters(in: .whitespacesAndNewlines)
        personal.externalID = personal.externalID?.trimmingCharacters(in: .whitespacesAndNewlines)
        if personal.externalID?.isEmpty == true { personal.externalID = nil }
        guard !personal.familyName.isEmpty, personal.familyName.count <= 200, personal.givenName.count <= 200 else {
            throw .invalid(field: "family_name", reason: "must be 1 to 200 characters")
        }
        if let dateOfBirth = personal.dateOfBirth {
            guard dateOfBirth <= today else { throw .invalid(field: "date_of_birth", reason: "must not be in the future") }
            guard profile.yearOfBirth == nil || profile.yearOfBirth == dateOfBirth.year else {
                throw .invalid(field: "year_of_birth", reason: "must be the year of date_of_birth")
            }
            profile.yearOfBirth = dateOfBirth.year
        }
        if let year = profile.yearOfBirth, !(1900...today.year).contains(year) {
            throw .invalid(field: "year_of_birth", reason: "must be 1900 to \(today.year)")
        }
        let isCode = { (text: String, length: Int, upper: Bool) in
            text.count == length && text.unicodeScalars.allSatisfy { (upper ? "A"..."Z" : "a"..."z").contains($0) }
        }
        if let municipality = profile.municipality, !Municipalities.isKey(municipality, inDistrict: profile.districtID) {
            throw .invalid(
                field: "municipality",
                reason:
                    "must be the official municipality key (AGS, 8 digits) of a municipality of district \(profile.districtID)"
            )
        }
        let status = profile.citizenshipStatus ?? (profile.citizenships.isEmpty ? .notAsked : .known)
        guard (status == .known) == !profile.citizenships.isEmpty else {
            throw .invalid(
                field: "citizenship_status",
                reason: status == .known ? "known needs at least one citizenship" : "\(status.rawValue) names no citizenship"
            )
        }
        profile.citizenshipStatus = status
        for (index, code) in profile.citizenships.enumerated() where !isCode(code, 2, true) || !Countries.codes.contains(code) {
            throw .invalid(field: "citizenships/\(index)", reason: "must be an ISO 3166-1 alpha-2 code such as SY")
        }
        for (index, code) in profile.languages.enumerated() where !isCode(code, 2, false) {
            throw .invalid(field: "languages/\(index)", reason: "must be an ISO 639-1 code such as ar")
        }
        if let arrivedOn = profile.arrivedOn, arrivedOn > today {
            throw .invalid(field: "arrived_on", reason: "must not be in the future")
        }
        profile.personal = personal
        return profile
    }
}

extension Client.Event: DomainEvent {
    /// The stable stored type name.
    public var typeName: String {
        switch self {
        case .registered: "client.registered"
        case .changed: "client.changed"
        }
    }

    /// The payload as JSON.
    public func payload() throws -> Data {
        switch self {
        case .registered(let profile), .changed(let profile): try EventCoding.encode(profile)
        }
    }

    /// The event stored as `typeName` with `payload`.
    public init(typeName: String, payload: Data) throws {
        switch typeName {
        case "client.registered": self = .registered(try EventCoding.decode(payload))
        case "client.changed": self = .changed(try EventCoding.decode(payload))
        default: throw UnknownEventType(typeName: typeName)
        }
    }
}
