/// The domain of Integrationsmanagement as pure deciders: for each aggregate a `Command`, an
/// `Event` with stable stored names, a `State`, a `Rejection`, `decide` and `evolve`.
///
/// Foundation only: no I/O and no clock. Time and new ids arrive inside commands.
public enum Casework {}
