import Foundation

/// Corrections: a fact recorded wrongly is corrected by a new event that names the fact before
/// and after; the original stays in the log and in the audit trail, and the state (and every
/// read model) holds the corrected fact.
extension CaseFile {
    /// The correction `id` of `correction` in `record`, with the fact as recorded before.
    static func corrected(
        _ id: UUID,
        _ correction: Correction,
        reason: Text,
        _ record: Record
    ) throws(Rejection) -> Corrected {
        var corrected = Corrected(id: id, fact: .periodStart, personal: reason)
        let unchanged = Rejection.invalid(field: "day", reason: "is the day recorded already")
        switch correction {
        case .periodStart(let day):
            guard let start = record.periodStart else { throw .periodNotStarted }
            guard day != start else { throw unchanged }
            (corrected.day, corrected.previousDay) = (day, start)
        case .consultationHeldOn(let consultationID, let day):
            guard let held = record.consultationDay(consultationID) else { throw .unknownItem }
            guard day != held else { throw unchanged }
            corrected.fact = .consultationHeldOn
            (corrected.itemID, corrected.day, corrected.previousDay) = (consultationID, day, held)
        case .goalAgreedOn(let goalID, let day):
            guard let goal = record.goals.first(where: { $0.id == goalID }) else { throw .unknownItem }
            guard day != goal.agreedOn else { throw unchanged }
            if goal.status != .agreed, day > goal.statusChangedOn {
                throw .invalid(field: "day", reason: "must not be after the goal's last status change (\(goal.statusChangedOn))")
            }
            corrected.fact = .goalAgreedOn
            (corrected.itemID, corrected.day, corrected.previousDay) = (goalID, day, goal.agreedOn)
        case .observation(let observationID, let value, let day):
            guard let observation = record.observations.first(where: { $0.id == observationID }) else { throw .unknownItem }
            guard value != observation.value || day != observation.observedOn else {
                throw .invalid(field: "value", reason: "is the value and day recorded already")
            }
            if case .value(let code) = value, !observation.field.codes.contains(code) {
                throw .invalid(field: "value", reason: "\(code) is not a code of \(observation.field.rawValue)")
            }
            corrected.fact = .observation
            (corrected.itemID, corrected.day, corrected.value) = (observationID, day, value)
            (corrected.previousDay, corrected.previousValue) = (observation.observedOn, observation.value)
        case .observationWithdrawn(let observationID):
            guard let observation = record.observations.first(where: { $0.id == observationID }) else { throw .unknownItem }
            corrected.fact = .observationWithdrawn
            (corrected.itemID, corrected.previousDay, corrected.previousValue) =
                (observationID, observation.observedOn, observation.value)
        }
        return corrected
    }
}

extension CaseFile.Record {
    /// The record with `corrected` applied.
    mutating func apply(_ corrected: CaseFile.Corrected) {
        switch corrected.fact {
        case .periodStart:
            periodStart = corrected.day ?? periodStart
        case .consultationHeldOn:
            guard let id = corrected.itemID, let day = corrected.day else { return }
            consultationDays?[id.uuidString.lowercased()] = day
        case .goalAgreedOn:
            guard let index = goals.firstIndex(where: { $0.id == corrected.itemID }) else { return }
            if goals[index].status == .agreed, goals[index].statusChangedOn == corrected.previousDay, let day = corrected.day {
                goals[index].statusChangedOn = day
            }
            goals[index].agreedOn = corrected.day
        case .observation:
            guard let index = observations.firstIndex(where: { $0.id == corrected.itemID }) else { return }
            observations[index].value = corrected.value ?? observations[index].value
            observations[index].observedOn = corrected.day ?? observations[index].observedOn
        case .observationWithdrawn:
            observations.removeAll { $0.id == corrected.itemID }
        }
    }
}
