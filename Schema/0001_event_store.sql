-- The event log: every fact Wegweiser knows, append-only.
--
-- A stream is the history of one object (a case, a client, a team, ...); its events are
-- numbered 1, 2, 3, ... without gaps. The global position orders all events; readers of the
-- whole log order by (transaction_id, global_position) and read only below the snapshot
-- watermark, so an event whose transaction commits late is never skipped.

CREATE TABLE streams (
    stream_id  text        PRIMARY KEY,
    category   text        NOT NULL,
    tenant     text        NOT NULL,
    version    bigint      NOT NULL CHECK (version >= 1),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX streams_by_tenant_and_category ON streams (tenant, category);

CREATE TABLE events (
    global_position bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    transaction_id  xid8        NOT NULL DEFAULT pg_current_xact_id(),
    stream_id       text        NOT NULL REFERENCES streams (stream_id),
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
    RAISE EXCEPTION 'the event log is append-only: % on events is not allowed', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;

CREATE TRIGGER events_append_only
    BEFORE UPDATE OR DELETE ON events
    FOR EACH ROW EXECUTE FUNCTION reject_event_change();

CREATE TRIGGER events_never_truncated
    BEFORE TRUNCATE ON events
    FOR EACH STATEMENT EXECUTE FUNCTION reject_event_change();
