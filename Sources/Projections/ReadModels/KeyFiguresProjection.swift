import Casework
public import EventStore
import Foundation
import PostgresNIO

/// Keeps the facts key figures count (`report_facts`), each with its effective day and its
/// recording time, and what attributing them needs: each staff member's organisation and team,
/// each case's person and holder, each version of a person's base data. Corrections mark the
/// corrected fact superseded from their recording time and add the corrected one, so a report
/// as known at an earlier time still finds the fact as it was.
///
/// It reads only its own tables and the events, so it rebuilds on its own and a rebuild gives
/// the same rows. Inline: a report counts what was recorded up to the request. Nothing it meets
/// in the log stops a write: a fact it cannot attribute is left out and logged.
public struct KeyFiguresProjection: Projection {
    /// `key_figures`.
    public let name = "key_figures"
    /// Its tables (`report_fact_totals` kept by triggers on `report_facts`).
    public let tables = ["report_staff", "report_cases", "report_people", "report_facts", "report_fact_totals"]

    /// The projection.
    public init() {}

    /// `staff_member.*`, `client.*` and `case.*` events.
    public func handles(_ eventType: String) -> Bool {
        eventType.hasPrefix("case.") || eventType.hasPrefix("client.") || eventType.hasPrefix("staff_member.")
    }

    /// Turns the events into facts in memory, reading once what they refer to, and writes each
    /// table in one statement.
    public func apply(_ events: [RecordedEvent], in context: ProjectionContext) async throws {
        var batch = FactBatch()
        let cases = try context.projected(events.filter { $0.type.hasPrefix("case.") }, as: CaseFile.Event.self)
        let clients = try context.projected(events.filter { $0.type.hasPrefix("client.") }, as: Client.Event.self)
        let staff = try context.projected(events.filter { $0.type.hasPrefix("staff_member.") }, as: StaffMember.Event.self)
        try await batch.load(cases: cases, in: context)
        var byID: [UUID: Projected<CaseFile.Event>] = [:]
        for event in cases { byID[event.recorded.id] = event }
        var clientsByID: [UUID: Projected<Client.Event>] = [:]
        for event in clients { clientsByID[event.recorded.id] = event }
        var staffByID: [UUID: Projected<StaffMember.Event>] = [:]
        for event in staff { staffByID[event.recorded.id] = event }
        for recorded in events {
            if let event = byID[recorded.id] {
                batch.apply(event, logger: context)
            } else if let event = clientsByID[recorded.id] {
                switch event.event {
                case .registered(let profile), .changed(let profile): batch.person(profile, at: recorded)
                }
            } else if let event = staffByID[recorded.id] {
                switch event.event {
                case .appointed(let profile), .changed(let profile):
                    batch.staff[profile.id] = .init(profile)
                    batch.changedStaff.insert(profile.id)
                case .deactivated: break
                }
            }
        }
        try await batch.save(in: context)
    }

    /// Replays without the triggers that keep `report_fact_totals`.
    public func replayBegins(in context: ProjectionContext) async throws {
        try await context.connection.query(
            """
            ALTER TABLE report_facts DISABLE TRIGGER report_facts_count_inserted,
                                     DISABLE TRIGGER report_facts_count_superseded
            """,
            logger: context.logger
        )
    }

    /// Counts the replayed facts into `report_fact_totals` at once, and turns the triggers on
    /// for what follows.
    public func replayCaughtUp(in context: ProjectionContext) async throws {
        try await context.connection.query("SELECT report_fact_totals_refill()", logger: context.logger)
        try await context.connection.query(
            """
            ALTER TABLE report_facts ENABLE TRIGGER report_facts_count_inserted,
                                     ENABLE TRIGGER report_facts_count_superseded
            """,
            logger: context.logger
        )
    }
}

/// A staff member's place, for attributing facts.
struct StaffPlace: Codable, Equatable {
    var districtID: String
    var organisationID: UUID
    var teamID: UUID?
    var fullTimeEquivalent: Double

    init(districtID: String, organisationID: UUID, teamID: UUID?, fullTimeEquivalent: Double) {
        self.districtID = districtID
        self.organisationID = organisationID
        self.teamID = teamID
        self.fullTimeEquivalent = fullTimeEquivalent
    }

    init(_ profile: StaffMember.Profile) {
        districtID = profile.districtID
        organisationID = profile.organisationID
        teamID = profile.teamID
        fullTimeEquivalent = profile.fullTimeEquivalent
    }
}

/// A case's person and holder.
struct CaseHolder: Equatable {
    var clientID: UUID
    var districtID: String
    var staffID: UUID
    var organisationID: UUID?
    var teamID: UUID?
}

/// One row of `report_facts`.
struct FactRow: Codable {
    var position: Int64
    var ordinal: Int
    var districtID: String
    var organisationID: UUID?
    var teamID: UUID?
    var staffID: UUID
    var caseID: UUID
    var clientID: UUID
    var kind: String
    var itemID: UUID?
    var parentID: UUID?
    var key: String?
    var answer: String?
    var value: String?
    var amount: Int?
    var effectiveOn: String
    var recordedAt: Date
    var supersededAt: Date?
}

/// One batch's work: what it read, what it will write.
struct FactBatch {
    /// Staff places known (read, or changed in this batch).
    var staff: [UUID: StaffPlace] = [:]
    /// Staff members whose place this batch changed.
    var changedStaff: Set<UUID> = []
    /// Case holders known (read, or changed in this batch).
    var holders: [UUID: CaseHolder] = [:]
    /// Cases whose holder this batch changed.
    var changedHolders: Set<UUID> = []
    /// The live fact of each goal, consultation, referral, observation and period start (by
    /// case id): new in this batch (an index into `rows`) or read.
    var live: [UUID: Live] = [:]
    /// A consultation's referrals.
    var referrals: [UUID: [UUID]] = [:]
    /// Facts to insert.
    var rows: [FactRow] = []
    /// Read facts a correction superseded: position, ordinal, when.
    var superseded: [(position: Int64, ordinal: Int, at: Date)] = []
    /// Base-data versions to insert.
    var people: [(profile: Client.Profile, recorded: RecordedEvent)] = []

    /// Where an item's live fact is.
    enum Live {
        case new(Int)
        case stored(FactRow)
    }

    /// Reads the holders of the batch's cases, the places of the staff they name and the live
    /// facts its events refer to, one statement each.
    mutating func load(cases events: [Projected<CaseFile.Event>], in context: ProjectionContext) async throws {
        var caseIDs: Set<UUID> = []
        var staffIDs: Set<UUID> = []
        var items: Set<UUID> = []
        for projected in events {
            guard let caseID = Self.caseID(projected.recorded.streamID) else { continue }
            caseIDs.insert(caseID)
            switch projected.event {
            case .opened(let opened): staffIDs.insert(opened.assigneeID)
            case .assigned(let assigned): staffIDs.insert(assigned.assigneeID)
            case .transferred(let transfer): staffIDs.insert(transfer.toAssigneeID)
            case .goalStatusChanged(let change): items.insert(change.goalID)
            case .goalRevised(let revised): items.insert(revised.goal.id)
            case .referralOutcomeRecorded(let outcome): items.insert(outcome.referralID)
            case .followUpHousingStarted: items.insert(caseID)
            case .corrected(let correction): items.insert(correction.itemID ?? caseID)
            default: break
            }
        }
        let connection = context.connection
        if !caseIDs.isEmpty {
            // Each holder's place comes along: a fact goes to the holder's team and
            // organisation of the day it is recorded.
            let rows = try await connection.query(
                """
                SELECT c.case_id, c.client_id, c.district_id, c.staff_id, c.organisation_id, c.team_id,
                       s.district_id, s.organisation_id, s.team_id, s.full_time_equivalent
                FROM report_cases c LEFT JOIN report_staff s USING (staff_id)
                WHERE c.case_id = ANY(\(Array(caseIDs)))
                """,
                logger: context.logger
            )
            for try await (caseID, clientID, districtID, staffID, organisationID, teamID, staffDistrict, place, team, fte)
                in rows.decode((UUID, UUID, String, UUID, UUID?, UUID?, String?, UUID?, UUID?, Double?).self)
            {
                holders[caseID] = CaseHolder(
                    clientID: clientID,
                    districtID: districtID,
                    staffID: staffID,
                    organisationID: organisationID,
                    teamID: teamID
                )
                if let staffDistrict, let place, let fte {
                    staff[staffID] = StaffPlace(
                        districtID: staffDistrict,
                        organisationID: place,
                        teamID: team,
                        fullTimeEquivalent: fte
                    )
                }
            }
        }
        staffIDs.subtract(staff.keys)
        if !staffIDs.isEmpty {
            let rows = try await connection.query(
                """
                SELECT staff_id, district_id, organisation_id, team_id, full_time_equivalent
                FROM report_staff WHERE staff_id = ANY(\(Array(staffIDs)))
                """,
                logger: context.logger
            )
            for try await (staffID, districtID, organisationID, teamID, fte) in rows.decode(
                (UUID, String, UUID, UUID?, Double).self
            ) {
                staff[staffID] = StaffPlace(
                    districtID: districtID,
                    organisationID: organisationID,
                    teamID: teamID,
                    fullTimeEquivalent: fte
                )
            }
        }
        if !items.isEmpty {
            let rows = try await connection.query(
                """
                SELECT json_build_object(
                    'position', position, 'ordinal', ordinal, 'districtID', district_id, 'organisationID', organisation_id,
                    'teamID', team_id, 'staffID', staff_id, 'caseID', case_id, 'clientID', client_id, 'kind', kind,
                    'itemID', item_id, 'parentID', parent_id, 'key', key, 'answer', answer, 'value', value, 'amount', amount,
                    'effectiveOn', effective_on::text, 'recordedAt', extract(epoch FROM recorded_at))::text
                FROM report_facts
                WHERE (item_id = ANY(\(Array(items))) OR parent_id = ANY(\(Array(items))))
                  AND superseded_at IS NULL AND kind <> 'goal_status' AND kind <> 'referral_outcome'
                ORDER BY position, ordinal
                """,
                logger: context.logger
            )
            for try await (json, ) in rows.decode((String,).self) {
                let row = try Self.decoder.decode(FactRow.self, from: Data(json.utf8))
                guard let item = row.itemID else { continue }
                live[item] = .stored(row)
                if let parent = row.parentID { referrals[parent, default: []].append(item) }
            }
        }
    }

    /// Records a version of a person's base data.
    mutating func person(_ profile: Client.Profile, at recorded: RecordedEvent) {
        people.append((profile, recorded))
    }

    /// Turns one case event into facts.
    mutating func apply(_ projected: Projected<CaseFile.Event>, logger context: ProjectionContext) {
        let recorded = projected.recorded
        guard let caseID = Self.caseID(recorded.streamID) else { return }
        if case .opened(let opened) = projected.event {
            let place = staff[opened.assigneeID]
            holders[caseID] = CaseHolder(
                clientID: opened.clientID,
                districtID: opened.districtID,
                staffID: opened.assigneeID,
                organisationID: place?.organisationID,
                teamID: place?.teamID
            )
            changedHolders.insert(caseID)
        }
        guard var holder = holders[caseID] else {
            context.logger.warning(
                "key figures: a case event without its opening is left out; rebuild key_figures",
                metadata: ["event": "\(recorded.id)"]
            )
            return
        }
        var ordinal = 0
        func add(_ kind: FactKind, on day: CalendarDate, key: String? = nil, item: UUID? = nil, parent: UUID? = nil) -> Int {
            defer { ordinal += 1 }
            rows.append(
                FactRow(
                    position: recorded.globalPosition,
                    ordinal: ordinal,
                    districtID: holder.districtID,
                    organisationID: staff[holder.staffID]?.organisationID ?? holder.organisationID,
                    teamID: staff[holder.staffID].map(\.teamID) ?? holder.teamID,
                    staffID: holder.staffID,
                    caseID: caseID,
                    clientID: holder.clientID,
                    kind: kind.rawValue,
                    itemID: item,
                    parentID: parent,
                    key: key,
                    effectiveOn: day.description,
                    recordedAt: recorded.recordedAt
                )
            )
            if let item, kind != .goalStatus && kind != .referralOutcome { live[item] = .new(rows.count - 1) }
            return rows.count - 1
        }
        func hold(_ staffID: UUID) {
            let place = staff[staffID]
            holder.staffID = staffID
            holder.organisationID = place?.organisationID
            holder.teamID = place?.teamID
            holders[caseID] = holder
            changedHolders.insert(caseID)
        }
        switch projected.event {
        case .opened(let opened):
            _ = add(.caseOpened, on: opened.openedOn, key: opened.opening.code)
        case .assigned(let assigned):
            hold(assigned.assigneeID)
            _ = add(.caseAssigned, on: assigned.on, key: "assigned")
        case .transferred(let transfer):
            hold(transfer.toAssigneeID)
            _ = add(.caseAssigned, on: transfer.on, key: "transferred")
        case .followUpHousingStarted(let start):
            supersede(caseID, at: recorded.recordedAt)
            _ = add(.periodStarted, on: start.on, item: caseID)
        case .periodExtended(let extended):
            let index = add(.periodExtended, on: extended.on, key: (extended.reason ?? .other).code)
            rows[index].amount = extended.months
        case .assessmentRecorded(let recordedAssessment):
            _ = add(.assessment, on: recordedAssessment.assessment.heldOn)
        case .goalAgreed(let agreed):
            _ = add(
                .goalAgreed,
                on: agreed.goal.agreedOn ?? agreed.goal.statusChangedOn,
                key: agreed.goal.area.code,
                item: agreed.goal.id
            )
        case .goalRevised(let revised):
            // A revision that moves the goal to another area or day replaces its fact.
            let goal = revised.goal
            let day = (goal.agreedOn ?? goal.statusChangedOn).description
            if var row = liveRow(goal.id), row.key != goal.area.code || row.effectiveOn != day {
                supersede(goal.id, at: recorded.recordedAt)
                row.position = recorded.globalPosition
                row.ordinal = ordinal
                row.recordedAt = recorded.recordedAt
                row.supersededAt = nil
                row.key = goal.area.code
                row.effectiveOn = day
                rows.append(row)
                live[goal.id] = .new(rows.count - 1)
                ordinal += 1
            }
        case .goalStatusChanged(let change):
            let index = add(.goalStatus, on: change.on, key: liveRow(change.goalID)?.key, item: change.goalID)
            rows[index].value = change.status.code
        case .planReviewed(let review):
            _ = add(.planReviewed, on: review.on)
        case .planAgreed(let agreement):
            _ = add(.planAgreed, on: agreement.agreedOn)
        case .consultationLogged(let consultation):
            let index = add(.consultation, on: consultation.heldOn, key: consultation.place.code, item: consultation.id)
            rows[index].amount = consultation.durationMinutes
            for referral in consultation.referrals {
                _ = add(.referral, on: consultation.heldOn, key: referral.target.code, item: referral.id, parent: consultation.id)
                referrals[consultation.id, default: []].append(referral.id)
            }
        case .referralOutcomeRecorded(let outcome):
            let index = add(.referralOutcome, on: outcome.on, key: liveRow(outcome.referralID)?.key, item: outcome.referralID)
            rows[index].value = (outcome.outcome ?? .other).code
        case .observationRecorded(let observation):
            let index = add(.observation, on: observation.observedOn, key: observation.field.rawValue, item: observation.id)
            (rows[index].answer, rows[index].value) = Self.stored(observation.value)
        case .consentGiven, .consentWithdrawn, .handedOff, .handoffAcknowledged:
            break
        case .closed(let closed):
            _ = add(.caseClosed, on: closed.closedOn, key: closed.reason.code)
        case .reopened(let reopened):
            _ = add(.caseReopened, on: reopened.on)
        case .corrected(let correction):
            correct(correction, caseID: caseID, recorded: recorded, ordinal: &ordinal)
        }
    }

    /// A correction: the corrected facts are superseded from its recording time; each is added
    /// again as corrected, recorded now, attributed as the fact it corrects.
    private mutating func correct(_ correction: CaseFile.Corrected, caseID: UUID, recorded: RecordedEvent, ordinal: inout Int) {
        let item = correction.itemID ?? caseID
        var items = [item]
        if correction.fact == .consultationHeldOn { items += referrals[item] ?? [] }
        for item in items {
            guard var row = liveRow(item) else { continue }
            supersede(item, at: recorded.recordedAt)
            guard correction.fact != .observationWithdrawn else { continue }
            row.position = recorded.globalPosition
            row.ordinal = ordinal
            row.recordedAt = recorded.recordedAt
            row.supersededAt = nil
            if let day = correction.day { row.effectiveOn = day.description }
            if correction.fact == .observation, let value = correction.value { (row.answer, row.value) = Self.stored(value) }
            rows.append(row)
            live[item] = .new(rows.count - 1)
            ordinal += 1
        }
    }

    /// The live fact of `item`.
    private func liveRow(_ item: UUID) -> FactRow? {
        switch live[item] {
        case .new(let index): rows[index]
        case .stored(let row): row
        case nil: nil
        }
    }

    /// Marks the live fact of `item` superseded at `time`.
    private mutating func supersede(_ item: UUID, at time: Date) {
        switch live[item] {
        case .new(let index): rows[index].supersededAt = time
        case .stored(let row): superseded.append((row.position, row.ordinal, time))
        case nil: break
        }
        live[item] = nil
    }

    /// Writes what the batch found: staff places, case holders, base-data versions, superseded
    /// marks and new facts, one statement each.
    func save(in context: ProjectionContext) async throws {
        let connection = context.connection
        let logger = context.logger
        func text(_ value: (some CustomStringConvertible)?) -> String { value?.description ?? "" }
        if !changedStaff.isEmpty {
            let places = staff.filter { changedStaff.contains($0.key) }.sorted { $0.key.uuidString < $1.key.uuidString }
            try await connection.query(
                """
                INSERT INTO report_staff (staff_id, district_id, organisation_id, team_id, full_time_equivalent)
                SELECT s.id, s.district_id, s.organisation_id, nullif(s.team_id, '')::uuid, s.fte
                FROM unnest(\(places.map(\.key))::uuid[], \(places.map(\.value.districtID))::text[],
                            \(places.map(\.value.organisationID))::uuid[], \(places.map { text($0.value.teamID) })::text[],
                            \(places.map(\.value.fullTimeEquivalent))::float8[])
                     AS s(id, district_id, organisation_id, team_id, fte)
                ON CONFLICT (staff_id) DO UPDATE
                SET district_id = excluded.district_id, organisation_id = excluded.organisation_id,
                    team_id = excluded.team_id, full_time_equivalent = excluded.full_time_equivalent
                """,
                logger: logger
            )
        }
        if !changedHolders.isEmpty {
            let changed = changedHolders.sorted { $0.uuidString < $1.uuidString }.compactMap { id in holders[id].map { (id, $0) }
            }
            try await connection.query(
                """
                INSERT INTO report_cases (case_id, client_id, district_id, staff_id, organisation_id, team_id)
                SELECT c.id, c.client_id, c.district_id, c.staff_id, nullif(c.organisation_id, '')::uuid, nullif(c.team_id, '')::uuid
                FROM unnest(\(changed.map(\.0))::uuid[], \(changed.map(\.1.clientID))::uuid[], \(changed.map(\.1.districtID))::text[],
                            \(changed.map(\.1.staffID))::uuid[], \(changed.map { text($0.1.organisationID) })::text[],
                            \(changed.map { text($0.1.teamID) })::text[])
                     AS c(id, client_id, district_id, staff_id, organisation_id, team_id)
                ON CONFLICT (case_id) DO UPDATE
                SET staff_id = excluded.staff_id, organisation_id = excluded.organisation_id, team_id = excluded.team_id
                """,
                logger: logger
            )
        }
        if !people.isEmpty {
            try await connection.query(
                """
                INSERT INTO report_people (client_id, position, district_id, recorded_at, target_group, gender, year_of_birth,
                                           citizenship, citizenship_status)
                SELECT p.id, p.position, p.district_id, p.recorded_at, p.target_group, nullif(p.gender, ''),
                       nullif(p.year_of_birth, '')::int, nullif(p.citizenship, ''), nullif(p.citizenship_status, '')
                FROM unnest(\(people.map(\.profile.id))::uuid[], \(people.map(\.recorded.globalPosition))::bigint[],
                            \(people.map(\.profile.districtID))::text[], \(people.map(\.recorded.recordedAt))::timestamptz[],
                            \(people.map(\.profile.targetGroup.code))::text[], \(people.map { text($0.profile.gender?.code) })::text[],
                            \(people.map { text($0.profile.yearOfBirth) })::text[], \(people.map { text($0.profile.citizenships.first) })::text[],
                            \(people.map { text($0.profile.citizenshipStatus?.code) })::text[])
                     AS p(id, position, district_id, recorded_at, target_group, gender, year_of_birth, citizenship, citizenship_status)
                ON CONFLICT DO NOTHING
                """,
                logger: logger
            )
        }
        if !superseded.isEmpty {
            try await connection.query(
                """
                UPDATE report_facts f SET superseded_at = s.at
                FROM unnest(\(superseded.map(\.position))::bigint[], \(superseded.map { Int32($0.ordinal) })::int[],
                            \(superseded.map(\.at))::timestamptz[]) AS s(position, ordinal, at)
                WHERE f.position = s.position AND f.ordinal = s.ordinal
                """,
                logger: logger
            )
        }
        guard !rows.isEmpty else { return }
        try await connection.query(
            """
            INSERT INTO report_facts (position, ordinal, district_id, organisation_id, team_id, staff_id, case_id, client_id,
                                      kind, item_id, parent_id, key, answer, value, amount, effective_on, recorded_at,
                                      superseded_at)
            SELECT f.position, f.ordinal, f.district_id, nullif(f.organisation_id, '')::uuid, nullif(f.team_id, '')::uuid,
                   f.staff_id, f.case_id, f.client_id, f.kind, nullif(f.item_id, '')::uuid, nullif(f.parent_id, '')::uuid,
                   nullif(f.key, ''), nullif(f.answer, ''), nullif(f.value, ''), nullif(f.amount, '')::int,
                   f.effective_on::date, f.recorded_at, CASE WHEN f.superseded THEN f.superseded_at END
            FROM unnest(\(rows.map(\.position))::bigint[], \(rows.map { Int32($0.ordinal) })::int[], \(rows.map(\.districtID))::text[],
                        \(rows.map { text($0.organisationID) })::text[], \(rows.map { text($0.teamID) })::text[],
                        \(rows.map(\.staffID))::uuid[], \(rows.map(\.caseID))::uuid[], \(rows.map(\.clientID))::uuid[],
                        \(rows.map(\.kind))::text[], \(rows.map { text($0.itemID) })::text[], \(rows.map { text($0.parentID) })::text[],
                        \(rows.map { $0.key ?? "" })::text[], \(rows.map { $0.answer ?? "" })::text[], \(rows.map { $0.value ?? "" })::text[],
                        \(rows.map { text($0.amount) })::text[], \(rows.map(\.effectiveOn))::text[],
                        \(rows.map(\.recordedAt))::timestamptz[], \(rows.map { $0.supersededAt != nil })::boolean[],
                        \(rows.map { $0.supersededAt ?? $0.recordedAt })::timestamptz[])
                 AS f(position, ordinal, district_id, organisation_id, team_id, staff_id, case_id, client_id, kind, item_id,
                      parent_id, key, answer, value, amount, effective_on, recorded_at, superseded, superseded_at)
            """,
            logger: logger
        )
    }

    /// An observation value as stored: its kind, and its code where it has one.
    static func stored(_ value: ObservationValue) -> (answer: String, value: String?) {
        switch value {
        case .value(let code): ("value", code)
        case .declined: ("declined", nil)
        case .notAsked: ("not_asked", nil)
        case .unknown: ("unknown", nil)
        }
    }

    /// The case whose stream is `stream` (`case-<id>`).
    static func caseID(_ stream: String) -> UUID? {
        stream.hasPrefix("case-") ? UUID(uuidString: String(stream.dropFirst("case-".count))) : nil
    }

    /// Reads the facts `load` selects as JSON (named as the properties; time in epoch seconds,
    /// which only old facts carry: a correction's copy is recorded anew).
    static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .secondsSince1970
        return decoder
    }()
}
