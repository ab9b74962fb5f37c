/// Read models fed from the event log (caseloads, plan status, audit trail, key figures,
/// data quality) and the projector that keeps them current, with checkpoints and rebuild.
public enum Projections {}
