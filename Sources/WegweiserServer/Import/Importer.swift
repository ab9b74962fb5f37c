public import Casework
public import CommandHandling
public import EventStore
public import Foundation
public import Logging
public import PostgresNIO
public import Projections
import WegweiserAPI

/// Imports people and their case histories from an older system (`wegweiser import`).
///
/// The file is JSON Lines: one record per line, each the body of the API operation that would
/// record it (``Kind``), with the older system's id and references by those ids. ``plan(_:)``
/// checks everything first — the contract's bounds, the mapping to commands, the directory
/// (case workers, recipient organisations) and every decider over each case's whole history —
/// and writes nothing; ``run(_:progress:)`` writes a plan without findings through the command
/// path, per person: the registration, then each case in one transaction. Ids are derived from
/// the district, the source system and the older ids, so a second run finds what the first
/// wrote and writes nothing twice. Events carry `source: import:<source>` and the case's
/// assignee as actor; their effective dates are the historical ones, their recording time now.
public struct Importer: Sendable {
    /// One refused part of the file: its line, the field (a JSON pointer into the line's
    /// object, empty for the whole line) and why.
    public struct Finding: Sendable, Equatable, CustomStringConvertible {
        /// The line, from 1.
        public var line: Int
        /// A JSON pointer into the line's object, e.g. `/body/held_on`; empty for the line.
        public var field: String
        /// Why it is refused.
        public var reason: String

        /// `line 12  /body/held_on  not a date`.
        public var description: String { "line \(line)\t\(field.isEmpty ? "-" : field)\t\(reason)" }
    }

    /// What a file holds and what importing it writes.
    public struct Plan: Sendable {
        /// What is refused (at most ``Importer/findingLimit``); a plan with findings imports nothing.
        public var findings: [Finding]
        /// How many findings there were in all.
        public var findingCount: Int
        /// The records read.
        public var records: Int
        /// The people of the file, in its order.
        var people: [Person]

        /// People the file holds.
        public var peopleInFile: Int { people.count }
        /// People not yet in Wegweiser.
        public var newPeople: Int { people.count { !$0.exists } }
        /// Cases not yet in Wegweiser.
        public var newCases: Int { people.reduce(0) { $0 + $1.cases.count { !$0.exists } } }
        /// Commands the new cases hold (each one or a few events).
        public var newCaseCommands: Int {
            people.reduce(0) { $0 + $1.cases.filter { !$0.exists }.reduce(0) { $0 + $1.commands.count } }
        }
    }

    /// What a run wrote.
    public struct Summary: Sendable {
        /// People registered.
        public var people: Int
        /// Cases written.
        public var cases: Int
        /// Events appended.
        public var events: Int
    }

    /// A person of the file and their cases.
    struct Person: Sendable {
        var line: Int
        var externalID: String
        var profile: Client.Profile
        var exists: Bool
        /// Whether a case record refers to them (also one refused).
        var hasCase = false
        var cases: [PlannedCase] = []
    }

    /// A case of the file and the commands of its history, in the file's order.
    struct PlannedCase: Sendable {
        var line: Int
        var externalID: String
        var id: UUID
        var assignee: StaffMember.Profile
        var commands: [CaseFile.Command] = []
        /// The line of each command.
        var lines: [Int] = []
        var exists = false
    }

    /// The most bytes of one line.
    public static let lineLimit = 65_536
    /// The most bytes of a file.
    public static let fileLimit = 1 << 30
    /// The most findings kept (all are counted).
    public static let findingLimit = 10_000

    /// The district the file's people belong to.
    public let districtID: String
    /// The older system's name (`[a-z0-9-]`, 1 to 40): part of every derived id and of the
    /// events' `source`.
    public let source: String
    /// Today: no effective date may lie after it.
    public let today: CalendarDate
    let targetGroups: Set<TargetGroup>
    let clientCommands: ClientCommands
    let caseCommands: CaseCommands
    let casebook: Casebook
    let directory: Directory
    let logger: Logger

    /// An importer into `districtID` from the system `source`, writing through `handler`, for
    /// an installation that counsels `targetGroups`.
    public init(
        districtID: String,
        source: String,
        today: CalendarDate,
        targetGroups: Set<TargetGroup> = Set(TargetGroup.allCases),
        handler: CommandHandler,
        logger: Logger
    ) {
        self.districtID = districtID
        self.source = source
        self.today = today
        self.targetGroups = targetGroups
        self.clientCommands = ClientCommands(handler: handler)
        self.caseCommands = CaseCommands(handler: handler)
        self.casebook = Casebook(client: handler.store.client, logger: logger)
        self.directory = Directory(client: handler.store.client, logger: logger)
        self.logger = logger
    }

    /// Whether `source` may name a source system.
    public static func isValidSource(_ source: String) -> Bool {
        (1...40).contains(source.count) && source.allSatisfy { $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "-") }
    }

    /// The Wegweiser id of the record of `kind` the older system calls `externalID`.
    func id(_ kind: Kind, _ externalID: String) -> UUID {
        Self.id(of: kind, externalID, districtID: districtID, source: source)
    }

    /// The Wegweiser id of the record of `kind` that `source` calls `externalID` in `districtID`.
    public static func id(of kind: Kind, _ externalID: String, districtID: String, source: String) -> UUID {
        UUID(naming: "wegweiser-import:\(districtID):\(source):\(kind.rawValue):\(externalID)")
    }

    // MARK: Planning

    /// Reads and checks the JSON Lines `file`; writes nothing.
    public func plan(_ file: Data) async throws -> Plan {
        var reading = Reading(importer: self)
        var number = 0
        var start = file.startIndex
        while start < file.endIndex {
            let end = file[start...].firstIndex(of: UInt8(ascii: "\n")) ?? file.endIndex
            number += 1
            var bytes = file[start..<end]
            start = end < file.endIndex ? file.index(after: end) : end
            if bytes.last == UInt8(ascii: "\r") { bytes = bytes.dropLast() }
            if bytes.allSatisfy({ $0 == 32 || $0 == 9 }) { continue }
            try await reading.read(bytes, line: number)
        }
        try await reading.finish()
        return Plan(
            findings: reading.findings.sorted { ($0.line, $0.field) < ($1.line, $1.field) },
            findingCount: reading.findingCount,
            records: reading.records,
            people: reading.people
        )
    }

    // MARK: Writing

    /// Writes `plan` (which must have no findings): per person not yet there their
    /// registration, then each of their cases not yet there with its whole history in one
    /// transaction, a few people at a time. Calls `progress` with the people done and the total.
    public func run(_ plan: Plan, progress: @Sendable (Int, Int) -> Void = { _, _ in }) async throws -> Summary {
        precondition(plan.findings.isEmpty, "a plan with findings imports nothing")
        let correlation = UUID().uuidString.lowercased()
        var summary = Summary(people: 0, cases: 0, events: 0)
        try await withThrowingTaskGroup(of: Summary.self) { group in
            var started = 0
            var finished = 0
            for person in plan.people {
                if started - finished >= 4, let written = try await group.next() {
                    summary.add(written)
                    finished += 1
                    progress(finished, plan.people.count)
                }
                group.addTask { try await write(person, correlation: correlation) }
                started += 1
            }
            for try await written in group {
                summary.add(written)
                finished += 1
                progress(finished, plan.people.count)
            }
        }
        return summary
    }

    /// One person: their registration and their cases, each case in one transaction.
    private func write(_ person: Person, correlation: String) async throws -> Summary {
        var summary = Summary(people: 0, cases: 0, events: 0)
        guard let first = person.cases.first else { return summary }  // refused when planned
        if !person.exists {
            let outcome = try await clientCommands.handle(
                .register(person.profile, today: today),
                client: person.profile.id,
                districtID: districtID,
                metadata: metadata(first.assignee, correlation: correlation, cause: "client \(person.externalID)")
            )
            summary.people += 1
            summary.events += outcome.stored.count
        }
        for planned in person.cases where !planned.exists {
            let outcome = try await caseCommands.handler.handle(
                Batch<CaseFile>.self,
                stream: CaseCommands.stream(of: planned.id, districtID: districtID),
                command: planned.commands,
                metadata: metadata(planned.assignee, correlation: correlation, cause: "case \(planned.externalID)"),
                personalSubject: ClientCommands.subject(of: person.profile.id),
                load: { _, _ in nil }
            )
            summary.cases += 1
            summary.events += outcome.stored.count
        }
        return summary
    }

    /// The metadata of what the import writes for a case assigned to `assignee`.
    private func metadata(_ assignee: StaffMember.Profile, correlation: String, cause: String) -> EventMetadata {
        EventMetadata(
            actor: "staff_member:\(assignee.id.uuidString.lowercased())",
            role: assignee.role.rawValue,
            organisation: assignee.organisationID.uuidString.lowercased(),
            correlationID: "import:\(correlation)",
            causationID: String(cause.prefix(200)),
            source: "import:\(source)"
        )
    }
}

extension Importer.Summary {
    /// Adds what `other` wrote.
    mutating func add(_ other: Self) {
        people += other.people
        cases += other.cases
        events += other.events
    }
}
