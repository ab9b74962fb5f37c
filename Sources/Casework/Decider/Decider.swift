/// A decider: the pure rules of one kind of object (an aggregate).
///
/// `decide` answers a command, given the state folded from the object's events, with new
/// events or a rejection; `evolve` folds one event into the state. Both are pure: time and new
/// ids come in with the command.
public protocol Decider {
    /// What the rules need to know of the object, folded from its events.
    associatedtype State: Sendable
    /// What a caller asks for.
    associatedtype Command: Sendable
    /// What happened; stored in the log.
    associatedtype Event: DomainEvent
    /// Why a command was refused.
    associatedtype Rejection: Error & Equatable

    /// The state before the first event.
    static var initialState: State { get }

    /// The events that answer `command` in `state`, or a rejection.
    static func decide(_ command: Command, _ state: State) throws(Rejection) -> [Event]

    /// The state after `event`.
    static func evolve(_ state: State, _ event: Event) -> State
}

extension Decider {
    /// The state after `events`, starting from the initial state.
    public static func fold(_ events: some Sequence<Event>) -> State {
        events.reduce(initialState, evolve)
    }
}
