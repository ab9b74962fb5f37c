import Testing

@testable import Casework

/// Given / when / then over a decider's events: `given(Team.self, .formed(…)).when(.deactivate).then([.deactivated])`.
struct Given<D: Decider> where D.Event: Equatable {
    let events: [D.Event]

    /// The answer to `command` after the given events.
    func when(_ command: D.Command) -> When<D> {
        When(result: Result { () throws(D.Rejection) in try D.decide(command, D.fold(events)) })
    }
}

/// The answer of a decider, to check.
struct When<D: Decider> where D.Event: Equatable {
    let result: Result<[D.Event], D.Rejection>

    /// Expects exactly `expected`.
    func then(_ expected: [D.Event], sourceLocation: SourceLocation = #_sourceLocation) {
        switch result {
        case .success(let events): #expect(events == expected, sourceLocation: sourceLocation)
        case .failure(let rejection): Issue.record("rejected: \(rejection)", sourceLocation: sourceLocation)
        }
    }

    /// Expects the rejection `expected`.
    func thenRejects(_ expected: D.Rejection, sourceLocation: SourceLocation = #_sourceLocation) {
        switch result {
        case .success(let events): Issue.record("accepted with \(events)", sourceLocation: sourceLocation)
        case .failure(let rejection): #expect(rejection == expected, sourceLocation: sourceLocation)
        }
    }
}

/// The given events of `decider`.
func given<D: Decider>(_ decider: D.Type, _ events: D.Event...) -> Given<D> {
    Given(events: events)
}
