-- The event log: every fact Wegweiser knows, append-only.
--
-- A stream is the history of one object (a case, a client, a team, ...); its events are
-- numbered 1, 2, 3, ... without gaps. Events enter only through the append statement of
-- EventStore (Sources/EventStore/Log/AppendStatement.swift), which checks the expected version
-- against streams.version, and locks that row, before it inserts anything. The global position orders all events; readers of the
-- whole log order by (transaction_id, global_position) and read only below the snapshot
-- watermark, so an event whose transaction commits late is never skipped.

CREATE TABLE streams (
    stream_id  text        PRIMARY KEY,
    category   text        NOT NULL,
    tenant     text        NOT NULL,
    version    bigint      NOT NULL CHECK (version >= 1),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
) WITH (fillfactor = 70);  -- room for HOT updates of version and updated_at on every append

CREATE TABLE events (
    global_position bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    transaction_id  xid8        NOT NULL DEFAULT pg_current_xact_id(),
    stream_id       text        NOT NULL,
    stream_version  bigint      NOT NULL CHECK (stream_version >= 1),
    event_id        uuid        NOT NULL UNIQUE,
    event_type      text        NOT NULL,
    schema_version  integer     NOT NULL CHECK (schema_version >= 1),
    payload         jsonb       NOT NULL,
    metadata        jsonb       NOT NULL DEFAULT '{}'::jsonb,
    recorded_at     timestamptz NOT NULL DEFAULT now(),
    UNIQUE (stream_id, stream_version)
);

CREATE INDEX events_in_commit_order ON events (transaction_id, global_position);

-- Append-only is a property of the database, not a convention: no row of events is ever
-- updated or deleted, and the table is never truncated.
CREATE FUNCTION reject_event_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the event log is append-only: % on % is not allowed', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END
$$;

CREATE TRIGGER events_append_only
    BEFORE UPDATE OR DELETE ON events
    FOR EACH STATEMENT EXECUTE FUNCTION reject_event_change();

CREATE TRIGGER events_never_truncated
    BEFORE TRUNCATE ON events
    FOR EACH STATEMENT EXECUTE FUNCTION reject_event_change();

-- Every event's stream exists: the append statement writes the stream row and the events
-- together, and a stream is never removed. (This replaces a foreign key, whose check on every
-- inserted event cost about a tenth of the append rate.)
CREATE TRIGGER streams_never_deleted
    BEFORE DELETE ON streams
    FOR EACH STATEMENT EXECUTE FUNCTION reject_event_change();

CREATE TRIGGER streams_never_truncated
    BEFORE TRUNCATE ON streams
    FOR EACH STATEMENT EXECUTE FUNCTION reject_event_change();

-- The hash chain: every committed event, sealed in log order (the order readers see,
-- (transaction_id, global_position)) by a background sequencer that follows the watermark.
-- hash(n) = SHA-256(hash(n - 1) || the canonical bytes of event n); hash(0) is 32 zero bytes.
-- Writers never wait for it; auditors recompute it.
CREATE TABLE event_chain (
    log_position    bigint      PRIMARY KEY CHECK (log_position >= 1),
    global_position bigint      NOT NULL UNIQUE REFERENCES events (global_position),
    previous_hash   bytea       NOT NULL CHECK (length(previous_hash) = 32),
    hash            bytea       NOT NULL CHECK (length(hash) = 32),
    sealed_at       timestamptz NOT NULL DEFAULT now()
);

CREATE TRIGGER event_chain_append_only
    BEFORE UPDATE OR DELETE ON event_chain
    FOR EACH STATEMENT EXECUTE FUNCTION reject_event_change();

CREATE TRIGGER event_chain_never_truncated
    BEFORE TRUNCATE ON event_chain
    FOR EACH STATEMENT EXECUTE FUNCTION reject_event_change();

-- One data key per subject (a person), wrapped by the master key. Erasing a subject deletes
-- its key: the events stay and the chain still verifies, but what was encrypted under the
-- key can no longer be read anywhere.
CREATE TABLE subject_keys (
    subject_id    text        PRIMARY KEY,
    wrapped_key   bytea,
    master_key_id text        NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    erased_at     timestamptz,
    CHECK ((wrapped_key IS NULL) = (erased_at IS NOT NULL))
);

-- Where each subscriber has got to in the log; written in the same transaction as the
-- subscriber's own effects.
CREATE TABLE subscription_checkpoints (
    subscription    text        PRIMARY KEY,
    transaction_id  xid8        NOT NULL,
    global_position bigint      NOT NULL,
    updated_at      timestamptz NOT NULL DEFAULT now()
);
