-- Each district's own hash chain, for its auditors: the events of the district's streams in
-- log order, numbered 1, 2, 3, ... per district, with
-- hash(n) = SHA-256(hash(n - 1) || the canonical bytes of the event) as in `event_chain`.
-- An auditor replays and recomputes it from the district's feed alone, without another
-- district's events. The chain sequencer seals it behind `event_chain`, in the same order.
CREATE TABLE district_chain (
    tenant            text   NOT NULL,
    district_position bigint NOT NULL CHECK (district_position >= 1),
    log_position      bigint NOT NULL UNIQUE,  -- of event_chain (no foreign key: the sequencer alone writes both)
    previous_hash     bytea  NOT NULL CHECK (length(previous_hash) = 32),
    hash              bytea  NOT NULL CHECK (length(hash) = 32),
    PRIMARY KEY (tenant, district_position)
);

CREATE TRIGGER district_chain_append_only
    BEFORE UPDATE OR DELETE ON district_chain
    FOR EACH STATEMENT EXECUTE FUNCTION reject_event_change();

CREATE TRIGGER district_chain_never_truncated
    BEFORE TRUNCATE ON district_chain
    FOR EACH STATEMENT EXECUTE FUNCTION reject_event_change();

-- Signed checkpoints: a district's chain head and the whole log's, signed with the server's
-- Ed25519 key (Ed25519 over `statement`, the exact text signed), taken on a schedule and when
-- an auditor asks. Kept for ever, like the log.
CREATE TABLE chain_checkpoints (
    id                bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant            text        NOT NULL,
    district_position bigint      NOT NULL CHECK (district_position >= 0),
    log_position      bigint      NOT NULL CHECK (log_position >= 0),
    taken_at          timestamptz NOT NULL,
    reason            text        NOT NULL CHECK (reason IN ('scheduled', 'requested')),
    requested_by      uuid,
    key_id            text        NOT NULL,
    statement         text        NOT NULL,
    signature         bytea       NOT NULL CHECK (length(signature) = 64)
);

CREATE INDEX chain_checkpoints_by_tenant ON chain_checkpoints (tenant, id DESC);

CREATE TRIGGER chain_checkpoints_append_only
    BEFORE UPDATE OR DELETE ON chain_checkpoints
    FOR EACH STATEMENT EXECUTE FUNCTION reject_event_change();

CREATE TRIGGER chain_checkpoints_never_truncated
    BEFORE TRUNCATE ON chain_checkpoints
    FOR EACH STATEMENT EXECUTE FUNCTION reject_event_change();
