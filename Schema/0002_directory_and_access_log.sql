-- Who is asking: the organisation structure's read model and the access log.
--
-- The organisation structure (districts, organisations, teams, staff members, substitution
-- grants) lives in the event log like everything else. `directory` holds each object's current
-- state, folded from its stream and written in the same transaction as the events, so that
-- listings, the sign-in lookup by identity-provider subject and the access policy read one
-- small table. It can be rebuilt from the log at any time.

CREATE TABLE directory (
    stream_id   text        PRIMARY KEY,
    kind        text        NOT NULL CHECK (kind IN ('district', 'organisation', 'team', 'staff_member', 'substitution')),
    id          text        NOT NULL,
    district_id text        NOT NULL,
    version     bigint      NOT NULL CHECK (version >= 1),
    state       jsonb       NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (kind, id)
);

CREATE INDEX directory_by_district ON directory (kind, district_id, id);

-- A token's `sub` names at most one active staff member.
CREATE UNIQUE INDEX directory_staff_by_subject ON directory ((state -> 'profile' ->> 'subject'))
    WHERE kind = 'staff_member' AND (state ->> 'active')::boolean;

CREATE INDEX directory_staff_by_team ON directory ((state -> 'profile' ->> 'team_id'))
    WHERE kind = 'staff_member';

CREATE INDEX directory_substitutions_by_substitute ON directory ((state -> 'grant' ->> 'substitute_id'))
    WHERE kind = 'substitution';

-- Every read of personal data: who (staff member, sign-in subject, role, organisation), whose
-- data (`person`, e.g. `client:<id>` or `staff_member:<id>`), which resource, when and why.
-- Append-only like the event log.
CREATE TABLE access_log (
    position        bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    accessed_at     timestamptz NOT NULL DEFAULT now(),
    district_id     text        NOT NULL,
    staff_member_id uuid        NOT NULL,
    subject         text        NOT NULL,
    role            text        NOT NULL,
    organisation_id uuid        NOT NULL,
    person          text        NOT NULL,
    resource        text        NOT NULL,
    purpose         text        NOT NULL,
    request_id      text
);

CREATE INDEX access_log_by_person ON access_log (district_id, person, position);
CREATE INDEX access_log_by_staff_member ON access_log (district_id, staff_member_id, position);

CREATE TRIGGER access_log_append_only
    BEFORE UPDATE OR DELETE ON access_log
    FOR EACH STATEMENT EXECUTE FUNCTION reject_event_change();

CREATE TRIGGER access_log_never_truncated
    BEFORE TRUNCATE ON access_log
    FOR EACH STATEMENT EXECUTE FUNCTION reject_event_change();
