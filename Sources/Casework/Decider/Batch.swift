/// Several commands of one decider decided as one: each is decided on the state the ones before
/// it left, and the events of all are appended together (or none, if one is refused). For
/// loading a history at once, e.g. the synthetic demo district.
public enum Batch<D: Decider>: Decider {
    /// The decider's state.
    public typealias State = D.State
    /// The commands, in order.
    public typealias Command = [D.Command]
    /// The decider's events.
    public typealias Event = D.Event
    /// The first refusal.
    public typealias Rejection = D.Rejection

    /// The decider's initial state.
    public static var initialState: State { D.initialState }

    /// The events of every command in order, each decided on the state before it.
    public static func decide(_ commands: Command, _ state: State) throws(Rejection) -> [Event] {
        var state = state
        var events: [Event] = []
        for command in commands {
            let decided = try D.decide(command, state)
            state = decided.reduce(state, D.evolve)
            events += decided
        }
        return events
    }

    /// The decider's evolve.
    public static func evolve(_ state: State, _ event: Event) -> State {
        D.evolve(state, event)
    }
}
