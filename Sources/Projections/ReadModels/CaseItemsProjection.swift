public import Casework
public import EventStore
public import Foundation

/// Keeps the ``CaseItems``: each part of a case a front end lists, shaped as the API shows it
/// from the typed events, free text still sealed. Inline: a POST answers the item it made.
public struct CaseItemsProjection: Projection {
    /// `case_items`.
    public let name = "case_items"
    /// The one table.
    public let tables = ["case_items"]

    /// The projection.
    public init() {}

    /// `case.*` events.
    public func handles(_ eventType: String) -> Bool {
        eventType.hasPrefix("case.")
    }

    /// Adds or changes the item each event makes or changes, and stores them in one statement.
    public func apply(_ events: [RecordedEvent], in context: ProjectionContext) async throws {
        var batch = Batch()
        for projected in try context.projected(events, as: CaseFile.Event.self) {
            guard let caseID = UUID(uuidString: String(projected.recorded.streamID.dropFirst("case-".count))) else { continue }
            try await apply(projected, caseID: caseID, to: &batch, in: context)
        }
        try await CaseItems.save(batch.items, in: context)
    }

    /// The items a batch of events made or changed, each once, in the order first touched.
    private struct Batch {
        private(set) var items: [CaseItems.Stored] = []
        private var index: [Key: Int] = [:]

        private struct Key: Hashable {
            var caseID: UUID
            var kind: CaseItems.Kind
            var itemID: UUID
        }

        /// The item as this batch left it, if it touched it.
        func item(_ kind: CaseItems.Kind, caseID: UUID, itemID: UUID) -> CaseItems.Item? {
            index[Key(caseID: caseID, kind: kind, itemID: itemID)].map { items[$0].item }
        }

        /// The consultation of this batch that made `referralID`.
        func consultation(caseID: UUID, referralID: UUID) -> CaseItems.Item? {
            let id = JSONValue.string(referralID.uuidString)
            return items.last {
                guard $0.caseID == caseID, $0.kind == .consultation, case .array(let referrals)? = $0.item.body["referrals"]
                else { return false }
                return referrals.contains { $0["id"] == id }
            }?.item
        }

        /// Stores `item` (replacing this batch's earlier version of it).
        mutating func put(_ kind: CaseItems.Kind, caseID: UUID, item: CaseItems.Item) {
            let key = Key(caseID: caseID, kind: kind, itemID: item.id)
            if let position = index[key] {
                items[position].item = item
            } else {
                index[key] = items.count
                items.append(CaseItems.Stored(kind: kind, caseID: caseID, item: item))
            }
        }
    }

    /// The items of one case as `events` of its stream make them, from nothing and without
    /// reading the table: the case's items at any point of its history (a replay passes the
    /// events it uses).
    public static func items(
        of events: [Projected<CaseFile.Event>],
        caseID: UUID
    ) async throws -> [(kind: CaseItems.Kind, item: CaseItems.Item)] {
        var batch = Batch()
        for projected in events { try await CaseItemsProjection().apply(projected, caseID: caseID, to: &batch, in: nil) }
        return batch.items.map { ($0.kind, $0.item) }
    }

    /// Adds or changes the items `projected` makes or changes in `batch`; an item the batch has
    /// not touched is looked up in the table of `context` (none without one).
    private func apply(
        _ projected: Projected<CaseFile.Event>,
        caseID: UUID,
        to batch: inout Batch,
        in context: ProjectionContext?
    ) async throws {
        let personal = projected.sealed ?? .null
        if let (kind, itemID, body) = try Self.newItem(
            projected.event,
            eventID: projected.recorded.id,
            caseID: caseID,
            personal: personal,
            metadata: projected.recorded.metadata
        ) {
            batch.put(
                kind,
                caseID: caseID,
                item: CaseItems.Item(id: itemID, position: projected.recorded.streamVersion, body: body)
            )
        }
        /// Changes the item `itemID` of `kind`, as this batch left it or else as stored, if there is one.
        func change(
            _ kind: CaseItems.Kind,
            _ itemID: UUID,
            in batch: inout Batch,
            _ update: (inout JSONValue) -> Void
        ) async throws {
            var found = batch.item(kind, caseID: caseID, itemID: itemID)
            if found == nil, let context {
                found = try await CaseItems.find(caseID: caseID, kind: kind, itemID: itemID, in: context)
            }
            guard var item = found else { return }
            update(&item.body)
            batch.put(kind, caseID: caseID, item: item)
        }
        switch projected.event {
        case .goalRevised(let revised):
            let body = try Self.json(revised.goal)
            try await change(.goal, revised.goal.id, in: &batch) { item in
                let kept = (item["status_reason"], item["recorded_by"], item["revisions"])
                item = body
                item["personal"] = personal
                item["status_reason"] = kept.0
                if let recordedBy = kept.1 { item["recorded_by"] = recordedBy }
                guard case .array(var revisions) = kept.2 ?? .array([]) else { return }
                revisions.append(Self.revision(revised.goal.agreedOn, Self.author(projected.recorded.metadata)))
                item["revisions"] = .array(revisions)
            }
        case .goalStatusChanged(let changed):
            try await change(.goal, changed.goalID, in: &batch) { item in
                item["status"] = .string(changed.status.rawValue)
                item["status_changed_on"] = .string(changed.on.description)
                item["status_reason"] = personal
            }
        case .referralOutcomeRecorded(let recorded):
            var consultation = batch.consultation(caseID: caseID, referralID: recorded.referralID)
            if consultation == nil, let context {
                consultation = try await CaseItems.consultation(caseID: caseID, referralID: recorded.referralID, in: context)
            }
            guard let consultation else { return }
            try await change(.consultation, consultation.id, in: &batch) { body in
                guard case .array(var referrals)? = body["referrals"] else { return }
                for index in referrals.indices where referrals[index]["id"] == .string(recorded.referralID.uuidString) {
                    referrals[index]["outcome"] = .object([
                        "recorded_on": .string(recorded.on.description), "personal": personal,
                        "code": .string((recorded.outcome ?? .other).rawValue),
                    ])
                }
                body["referrals"] = .array(referrals)
            }
        case .corrected(let corrected):
            guard let itemID = corrected.itemID else { return }
            let day = corrected.day.map { JSONValue.string($0.description) }
            switch corrected.fact {
            case .periodStart:
                return
            case .consultationHeldOn:
                try await change(.consultation, itemID, in: &batch) { item in item["held_on"] = day }
            case .goalAgreedOn:
                // As the case's state: the agreement's day, the status day while it is still
                // agreed from then, and the revision entry that recorded the old day.
                let previous = corrected.previousDay.map { JSONValue.string($0.description) }
                try await change(.goal, itemID, in: &batch) { item in
                    item["agreed_on"] = day
                    if item["status"] == .string(GoalStatus.agreed.rawValue), item["status_changed_on"] == previous {
                        item["status_changed_on"] = day
                    }
                    guard case .array(var revisions)? = item["revisions"],
                        let index = revisions.lastIndex(where: { $0["agreed_on"] == previous })
                    else { return }
                    revisions[index]["agreed_on"] = day
                    item["revisions"] = .array(revisions)
                }
            case .observation:
                let value = try corrected.value.map(Self.json)
                try await change(.observation, itemID, in: &batch) { item in
                    item["observed_on"] = day
                    item["value"] = value
                }
            case .observationWithdrawn:
                try await change(.observation, itemID, in: &batch) { item in item["withdrawn"] = .bool(true) }
            }
        case .consentWithdrawn(let withdrawn):
            let withdrawnAt = try Self.json(withdrawn)["withdrawn_at"]
            try await change(.consent, withdrawn.consentID, in: &batch) { item in item["withdrawn_at"] = withdrawnAt }
        case .handoffAcknowledged(let acknowledged):
            let at = try Self.json(acknowledged)["at"]
            let author = Self.author(projected.recorded.metadata)
            try await change(.handoff, acknowledged.handoffID, in: &batch) { item in
                item["acknowledged_at"] = at
                item["acknowledged_by"] = author
            }
        default:
            return
        }
    }

    /// The item `event` makes, as the API shows it with `personal` as its personal part (sealed
    /// in the table; in the clear in the answer to the write that made it) and who recorded it
    /// (from `metadata`): its kind, id and body. `nil` for an event that makes no item (it
    /// changes one, or none).
    public static func newItem(
        _ event: CaseFile.Event,
        eventID: UUID,
        caseID: UUID,
        personal: JSONValue,
        metadata: EventMetadata
    ) throws -> (kind: CaseItems.Kind, id: UUID, body: JSONValue)? {
        guard var (kind, id, body) = try item(of: event, eventID: eventID, caseID: caseID, personal: personal) else {
            return nil
        }
        let author = Self.author(metadata)
        if let author { body["recorded_by"] = author }
        if kind == .goal, case .goalAgreed(let agreed) = event {
            body["revisions"] = .array([revision(agreed.goal.agreedOn, author)])
        }
        return (kind, id, body)
    }

    /// Who recorded an event, as items show it: the staff member, their role and organisation
    /// (`nil` for events not caused by a staff member, such as migrations).
    static func author(_ metadata: EventMetadata) -> JSONValue? {
        guard let actor = metadata.actor, actor.hasPrefix("staff_member:") else { return nil }
        var author: [String: JSONValue] = ["staff_member_id": .string(String(actor.dropFirst("staff_member:".count)))]
        author["role"] = metadata.role.map(JSONValue.string)
        author["organisation_id"] = metadata.organisation.map(JSONValue.string)
        return .object(author)
    }

    /// One entry of a goal's revision history: the day it was agreed or revised, and by whom
    /// (each where known).
    private static func revision(_ agreedOn: CalendarDate?, _ author: JSONValue?) -> JSONValue {
        var entry: [String: JSONValue] = [:]
        entry["agreed_on"] = agreedOn.map { .string($0.description) }
        entry["recorded_by"] = author
        return .object(entry)
    }

    private static func item(
        of event: CaseFile.Event,
        eventID: UUID,
        caseID: UUID,
        personal: JSONValue
    ) throws -> (kind: CaseItems.Kind, id: UUID, body: JSONValue)? {
        switch event {
        case .opened(let opened) where opened.opening == .handover:
            return (.handover, caseID, .object(["opened_on": .string(opened.openedOn.description), "personal": personal]))
        case .transferred(let transferred):
            var body = try json(transferred)
            body["on"] = nil
            body["transferred_on"] = .string(transferred.on.description)
            body["personal"] = personal
            return (.transfer, transferred.id, body)
        case .periodExtended(let extended):
            return (
                .periodExtension, eventID,
                .object([
                    "id": .string(eventID.uuidString), "months": .integer(Int64(extended.months)),
                    "decided_on": .string(extended.on.description), "personal": personal,
                    "reason": extended.reason.map { .string($0.rawValue) } ?? .string(ExtensionReason.other.rawValue),
                ])
            )
        case .assessmentRecorded(let recorded):
            var body = try json(recorded.assessment)
            body["id"] = .string(eventID.uuidString)
            body["personal"] = personal
            return (.assessment, eventID, body)
        case .goalAgreed(let agreed):
            var body = try json(agreed.goal)
            body["personal"] = personal
            return (.goal, agreed.goal.id, body)
        case .planReviewed(let reviewed):
            return (
                .planReview, eventID,
                .object([
                    "id": .string(eventID.uuidString), "reviewed_on": .string(reviewed.on.description), "personal": personal,
                ])
            )
        case .planAgreed(let agreement):
            return (.planAgreement, caseID, try json(agreement))
        case .consultationLogged(var logged):
            logged.personal = nil
            var body = try json(logged)
            body["personal"] = personal
            return (.consultation, logged.id, body)
        case .observationRecorded(let observation):
            return (.observation, observation.id, try json(observation))
        case .consentGiven(let consent):
            return (.consent, consent.id, try json(consent))
        case .handedOff(var handedOff):
            handedOff.personal = nil
            var body = try json(handedOff)
            body["personal"] = personal
            return (.handoff, handedOff.id, body)
        case .corrected(let corrected):
            var body = try json(corrected)
            body["personal"] = personal
            return (.correction, corrected.id, body)
        default:
            return nil
        }
    }

    /// `value` in the stored form of payloads.
    private static func json(_ value: some Encodable) throws -> JSONValue {
        try JSONValue(jsonText: String(decoding: try EventCoding.encode(value), as: UTF8.self))
    }
}
