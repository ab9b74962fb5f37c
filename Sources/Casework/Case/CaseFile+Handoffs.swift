public import Foundation

/// Handing labour-market data to the Jobcenter (Tübingen's form): only under a consent in force
/// for `jobcenter_handoff` that names the receiving Jobcenter organisation, only the categories
/// the consent covers, each hand-off an event of the case (who and when in its metadata, what,
/// to whom and under which consent in its payload), and acknowledged by the Jobcenter as
/// another event. A withdrawn consent stops further hand-offs.
extension CaseFile {
    /// The most characters of a text of a hand-off package.
    public static let handoffTextLimit = 2_000

    /// A hand-off the case worker asks for.
    public struct Handoff: Sendable, Equatable {
        /// Its id.
        public var id: UUID
        /// The consent it is made under.
        public var consentID: UUID
        /// The Jobcenter organisation it goes to.
        public var recipientOrganisationID: UUID
        /// When it is made.
        public var at: Date
        /// What it holds.
        public var package: LabourMarketProfile

        /// A hand-off.
        public init(id: UUID, consentID: UUID, recipientOrganisationID: UUID, at: Date, package: LabourMarketProfile) {
            self.id = id
            self.consentID = consentID
            self.recipientOrganisationID = recipientOrganisationID
            self.at = at
            self.package = package
        }
    }

    /// The labour-market profile of a hand-off: each part belongs to one consent category, and
    /// a part left out is not handed off. Codes are those of the observation fields' lists.
    /// All of it is personal: it travels sealed under the client's key.
    public struct LabourMarketProfile: Codable, Sendable, Equatable {
        /// Name and date of birth, as the client's record holds them (`identity`).
        public var identity: Identity?
        /// Schooling, a code of `schooling` (`schooling`).
        public var schooling: String?
        /// Vocational qualification, a code of `vocational_qualification`.
        public var vocationalQualification: String?
        /// Recognition of a foreign degree, a code of `recognition`.
        public var recognition: String?
        /// German level, a code of `german_level`.
        public var germanLevel: String?
        /// Course attendance, a code of `course_attendance`.
        public var courseAttendance: String?
        /// Work experience, in words (`work_experience`).
        public var workExperience: String?
        /// Occupational goal, in words (`occupational_goal`).
        public var occupationalGoal: String?
        /// Competences, in words (`competences`).
        public var competences: String?

        /// A profile.
        public init(
            identity: Identity? = nil,
            schooling: String? = nil,
            vocationalQualification: String? = nil,
            recognition: String? = nil,
            germanLevel: String? = nil,
            courseAttendance: String? = nil,
            workExperience: String? = nil,
            occupationalGoal: String? = nil,
            competences: String? = nil
        ) {
            self.identity = identity
            self.schooling = schooling
            self.vocationalQualification = vocationalQualification
            self.recognition = recognition
            self.germanLevel = germanLevel
            self.courseAttendance = courseAttendance
            self.workExperience = workExperience
            self.occupationalGoal = occupationalGoal
            self.competences = competences
        }

        /// The parts it holds, each with its category, the field as the API names it, and the
        /// code list of its value (`nil` for text).
        var parts: [(category: ConsentCategory, field: String, value: String, codes: [String]?)] {
            var parts: [(ConsentCategory, String, String, [String]?)] = []
            if let identity { parts.append((.identity, "identity", identity.familyName, nil)) }
            let coded: [(ConsentCategory, String, String?, ObservationField)] = [
                (.schooling, "schooling", schooling, .schooling),
                (.vocationalQualification, "vocational_qualification", vocationalQualification, .vocationalQualification),
                (.recognition, "recognition", recognition, .recognition),
                (.germanLevel, "german_level", germanLevel, .germanLevel),
                (.courseAttendance, "course_attendance", courseAttendance, .courseAttendance),
            ]
            for (category, field, value, list) in coded { if let value { parts.append((category, field, value, list.codes)) } }
            let texts: [(ConsentCategory, String, String?)] = [
                (.workExperience, "work_experience", workExperience),
                (.occupationalGoal, "occupational_goal", occupationalGoal),
                (.competences, "competences", competences),
            ]
            for (category, field, value) in texts { if let value { parts.append((category, field, value, nil)) } }
            return parts
        }

        /// The categories it holds, in the order of the list.
        public var categories: [ConsentCategory] {
            let held = Set(parts.map(\.category))
            return ConsentCategory.allCases.filter(held.contains)
        }
    }

    /// Who a hand-off is about, as the client's record holds it.
    public struct Identity: Codable, Sendable, Equatable {
        /// Given names.
        public var givenName: String
        /// Family name.
        public var familyName: String
        /// The date of birth, where known.
        public var dateOfBirth: CalendarDate?

        /// An identity.
        public init(givenName: String, familyName: String, dateOfBirth: CalendarDate?) {
            self.givenName = givenName
            self.familyName = familyName
            self.dateOfBirth = dateOfBirth
        }
    }

    /// What a case keeps of a hand-off to decide on it.
    public struct HandoffReceipt: Codable, Sendable, Equatable {
        /// The hand-off.
        public var id: UUID
        /// The Jobcenter it went to.
        public var recipientOrganisationID: UUID
        /// When the Jobcenter acknowledged it.
        public var acknowledgedAt: Date?
    }

    /// The payload of ``Event/handedOff(_:)``.
    public struct HandedOff: Codable, Sendable, Equatable {
        /// The hand-off's id.
        public var id: UUID
        /// The consent it was made under.
        public var consentID: UUID
        /// The Jobcenter organisation it went to.
        public var recipientOrganisationID: UUID
        /// The consent categories the package holds.
        public var categories: [ConsentCategory]
        /// When it was made.
        public var at: Date
        /// The package.
        public var personal: LabourMarketProfile?
    }

    /// The payload of ``Event/handoffAcknowledged(_:)``.
    public struct HandoffAcknowledged: Codable, Sendable, Equatable {
        /// The hand-off.
        public var handoffID: UUID
        /// When the Jobcenter acknowledged receipt.
        public var at: Date
    }

    /// Why a hand-off was refused: each reason of the consent rules, named.
    public enum HandoffRefusal: Sendable, Equatable {
        /// The case has no consent with this id.
        case noSuchConsent
        /// The consent is for another purpose than `jobcenter_handoff`.
        case wrongPurpose(ConsentPurpose)
        /// The consent is given only after the hand-off's time.
        case notYetGiven(Date)
        /// The consent expired.
        case expired(Date)
        /// The consent was withdrawn.
        case withdrawn(Date)
        /// The consent names another recipient, or none as an organisation.
        case otherRecipient
        /// The package holds a category the consent does not cover, at the API's `field`.
        case categoryNotCovered(ConsentCategory, field: String)
    }

    /// The events of `handoff` on the open case `record`.
    static func handOff(_ handoff: Handoff, _ record: Record) throws(Rejection) -> [Event] {
        guard !(record.handoffs ?? []).contains(where: { $0.id == handoff.id }) else { throw .duplicateID }
        guard let consent = record.consents.first(where: { $0.id == handoff.consentID }) else {
            throw .handoffRefused(.noSuchConsent)
        }
        guard consent.purpose == .jobcenterHandoff else { throw .handoffRefused(.wrongPurpose(consent.purpose)) }
        if let withdrawn = consent.withdrawnAt, withdrawn <= handoff.at { throw .handoffRefused(.withdrawn(withdrawn)) }
        guard consent.givenAt <= handoff.at else { throw .handoffRefused(.notYetGiven(consent.givenAt)) }
        if let until = consent.validUntil, until <= handoff.at { throw .handoffRefused(.expired(until)) }
        guard consent.recipientOrganisationID == handoff.recipientOrganisationID else {
            throw .handoffRefused(.otherRecipient)
        }
        var package = handoff.package
        package.workExperience = try package.workExperience.flatMap { text throws(Rejection) in
            try bounded(text, "work_experience")
        }
        package.occupationalGoal = try package.occupationalGoal.flatMap { text throws(Rejection) in
            try bounded(text, "occupational_goal")
        }
        package.competences = try package.competences.flatMap { text throws(Rejection) in try bounded(text, "competences") }
        let parts = package.parts
        guard !parts.isEmpty else { throw .invalid(field: "package", reason: "holds nothing to hand off") }
        for part in parts {
            guard consent.categories.contains(part.category.rawValue) else {
                throw .handoffRefused(.categoryNotCovered(part.category, field: "package/\(part.field)"))
            }
            if let codes = part.codes, !codes.contains(part.value) {
                throw .invalid(field: "package/\(part.field)", reason: "\(part.value) is not a code of \(part.field)")
            }
        }
        return [
            .handedOff(
                HandedOff(
                    id: handoff.id,
                    consentID: consent.id,
                    recipientOrganisationID: handoff.recipientOrganisationID,
                    categories: package.categories,
                    at: handoff.at,
                    personal: package
                )
            )
        ]
    }

    /// The events of the Jobcenter `organisationID` acknowledging `handoffID` at `at`: none if
    /// it did before.
    static func acknowledge(handoffID: UUID, by organisationID: UUID, at: Date, _ record: Record) throws(Rejection) -> [Event] {
        guard let handoff = (record.handoffs ?? []).first(where: { $0.id == handoffID }),
            handoff.recipientOrganisationID == organisationID
        else { throw .unknownHandoff }
        guard handoff.acknowledgedAt == nil else { return [] }
        return [.handoffAcknowledged(HandoffAcknowledged(handoffID: handoffID, at: at))]
    }

    /// `text` trimmed (`nil` if empty), or a rejection if longer than ``handoffTextLimit``.
    private static func bounded(_ text: String, _ field: String) throws(Rejection) -> String? {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard trimmed.count <= handoffTextLimit else {
            throw .invalid(field: "package/\(field)", reason: "must be at most \(handoffTextLimit) characters")
        }
        return trimmed.isEmpty ? nil : trimmed
    }
}
