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
    FOR EACH STATEMENT EXECUTE FUNCTION reject_event_change();

CREATE TRIGGER events_never_truncated
    BEFORE TRUNCATE ON events
    FOR EACH STATEMENT EXECUTE FUNCTION reject_event_change();

-- append_events: the one way events enter the log, in one round trip.
--
-- p_expected: NULL = any version, 0 = the stream must not exist, n = the stream must be at n.
-- The expected version is checked (and the stream row locked) before any event is inserted,
-- so a losing writer consumes no global position. Returns one row:
--   outcome 'appended'  : stream_version = the new version, positions = the new global positions
--   outcome 'duplicate' : the same event ids were appended before with the same content;
--                         stream_version and positions are those of the original append
--   outcome 'conflict'  : nothing written; stream_version = the stream's actual version
-- Reusing an event id with other content raises SQLSTATE WW001; a stream that belongs to
-- another tenant or category raises WW002.
CREATE FUNCTION append_events(
    p_stream_id       text,
    p_category        text,
    p_tenant          text,
    p_expected        bigint,
    p_event_ids       uuid[],
    p_types           text[],
    p_schema_versions integer[],
    p_payloads        jsonb[],
    p_metadata        jsonb[]
) RETURNS TABLE (outcome text, stream_version bigint, positions bigint[])
LANGUAGE plpgsql AS $$
DECLARE
    v_count    integer := cardinality(p_event_ids);
    v_existing integer;
    v_matching integer;
    v_version  bigint;
    v_stream   streams%ROWTYPE;
BEGIN
    IF v_count IS NULL OR v_count = 0 THEN
        RAISE EXCEPTION 'append_events needs at least one event' USING ERRCODE = 'invalid_parameter_value';
    END IF;

    -- A retry of an append that already happened returns its original result.
    SELECT count(*),
           count(*) FILTER (WHERE e.stream_id = p_stream_id
                              AND e.event_type = n.event_type
                              AND e.schema_version = n.schema_version
                              AND e.payload = n.payload)
      INTO v_existing, v_matching
      FROM unnest(p_event_ids, p_types, p_schema_versions, p_payloads)
               AS n(event_id, event_type, schema_version, payload)
      JOIN events e ON e.event_id = n.event_id;
    IF v_existing > 0 THEN
        IF v_existing = v_count AND v_matching = v_count THEN
            RETURN QUERY
                SELECT 'duplicate'::text, max(e.stream_version), array_agg(e.global_position ORDER BY e.stream_version)
                  FROM events e WHERE e.event_id = ANY (p_event_ids);
            RETURN;
        END IF;
        RAISE EXCEPTION 'event id reused with other content in stream %', p_stream_id USING ERRCODE = 'WW001';
    END IF;

    LOOP
        SELECT * INTO v_stream FROM streams s WHERE s.stream_id = p_stream_id FOR UPDATE;
        IF FOUND THEN
            IF v_stream.tenant <> p_tenant OR v_stream.category <> p_category THEN
                RAISE EXCEPTION 'stream % belongs to another tenant or category', p_stream_id USING ERRCODE = 'WW002';
            END IF;
            IF p_expected IS NOT NULL AND p_expected <> v_stream.version THEN
                RETURN QUERY SELECT 'conflict'::text, v_stream.version, NULL::bigint[];
                RETURN;
            END IF;
            v_version := v_stream.version;
            UPDATE streams SET version = v_version + v_count, updated_at = now() WHERE streams.stream_id = p_stream_id;
            EXIT;
        END IF;
        IF p_expected IS NOT NULL AND p_expected <> 0 THEN
            RETURN QUERY SELECT 'conflict'::text, 0::bigint, NULL::bigint[];
            RETURN;
        END IF;
        INSERT INTO streams (stream_id, category, tenant, version)
        VALUES (p_stream_id, p_category, p_tenant, v_count)
        ON CONFLICT ON CONSTRAINT streams_pkey DO NOTHING;
        IF FOUND THEN
            v_version := 0;
            EXIT;
        END IF;
        -- Another writer created the stream after we looked. Expecting no stream, that is a
        -- conflict; expecting any version, take the stream's row lock and go on.
        IF p_expected IS NOT NULL THEN
            SELECT s.version INTO v_version FROM streams s WHERE s.stream_id = p_stream_id;
            RETURN QUERY SELECT 'conflict'::text, v_version, NULL::bigint[];
            RETURN;
        END IF;
    END LOOP;

    RETURN QUERY
        WITH inserted AS (
            INSERT INTO events (stream_id, stream_version, event_id, event_type, schema_version, payload, metadata)
            SELECT p_stream_id, v_version + n.ordinal, n.event_id, n.event_type, n.schema_version, n.payload,
                   coalesce(n.metadata, '{}'::jsonb)
              FROM unnest(p_event_ids, p_types, p_schema_versions, p_payloads, p_metadata)
                       WITH ORDINALITY AS n(event_id, event_type, schema_version, payload, metadata, ordinal)
             ORDER BY n.ordinal
            RETURNING events.global_position, events.stream_version
        )
        SELECT 'appended'::text, v_version + v_count, array_agg(i.global_position ORDER BY i.stream_version)
          FROM inserted i;
END
$$;

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
