public import Foundation

extension CaseFile {
    /// The case as it stood on `asOf` as Wegweiser knew it at `knownAt`, folded from `events`
    /// (the whole stream, in order, with their recording times), and the indices of the events
    /// it used.
    ///
    /// Events recorded after `knownAt` are left out (a correction recorded later does not
    /// count yet). Of the rest, a fact whose effective day — as corrected by what was known at
    /// `knownAt` — lies after `asOf` is left out, and so is a correction of a fact left out;
    /// events without a day of their own (consents, hand-offs, revisions) count from the time
    /// they were recorded. `nil` if the case was not opened yet.
    public static func replay(
        _ events: [(event: Event, recordedAt: Date)],
        asOf: CalendarDate,
        knownAt: Date
    ) -> (state: State, used: [Int]) {
        let known = events.indices.filter { events[$0].recordedAt <= knownAt }
        // The effective day of each fact as corrected by what was known.
        var correctedDay: [UUID: CalendarDate] = [:]
        var correctedPeriodStart: CalendarDate?
        for index in known {
            guard case .corrected(let corrected) = events[index].event, let day = corrected.day else { continue }
            if corrected.fact == .periodStart {
                correctedPeriodStart = day
            } else if let item = corrected.itemID {
                correctedDay[item] = day
            }
        }
        var included: Set<UUID> = []
        var periodStarted = false
        var used: [Int] = []
        for index in known {
            let event = events[index].event
            let day: CalendarDate?
            switch event {
            case .consultationLogged(let logged): day = correctedDay[logged.id] ?? logged.heldOn
            case .observationRecorded(let observation): day = correctedDay[observation.id] ?? observation.observedOn
            case .goalAgreed(let agreed): day = correctedDay[agreed.goal.id] ?? agreed.goal.statusChangedOn
            case .followUpHousingStarted(let started): day = correctedPeriodStart ?? started.on
            case .corrected(let corrected):
                let target = corrected.fact == .periodStart ? periodStarted : corrected.itemID.map(included.contains) ?? false
                if target { used.append(index) }
                continue
            default: day = event.day
            }
            if let day, day > asOf { continue }
            switch event {
            case .consultationLogged(let logged): included.insert(logged.id)
            case .observationRecorded(let observation): included.insert(observation.id)
            case .goalAgreed(let agreed): included.insert(agreed.goal.id)
            case .followUpHousingStarted: periodStarted = true
            default: break
            }
            used.append(index)
        }
        return (fold(used.map { events[$0].event }), used)
    }
}
