-- Key figures: the facts reports count, each with its effective day and its recording time,
-- so a report can be computed for any cut-off (`as_of`) as it was known at any time
-- (`known_at`). Corrections never edit a fact: they mark it superseded from their recording
-- time and add the corrected fact. No personal data: ids, codes, days and minutes only.

-- Each staff member's organisation and team as the log last said (the attribution of new facts).
CREATE TABLE report_staff (
    staff_id        uuid PRIMARY KEY,
    district_id     text NOT NULL,
    organisation_id uuid NOT NULL,
    team_id         uuid,
    full_time_equivalent double precision NOT NULL
);

-- Each case's person and current holder, as the log last said.
CREATE TABLE report_cases (
    case_id         uuid PRIMARY KEY,
    client_id       uuid NOT NULL,
    district_id     text NOT NULL,
    staff_id        uuid NOT NULL,
    organisation_id uuid,
    team_id         uuid
);

-- Each version of a person's base data, as recorded; a version is superseded by the next.
CREATE TABLE report_people (
    client_id          uuid        NOT NULL,
    position           bigint      NOT NULL,
    district_id        text        NOT NULL,
    recorded_at        timestamptz NOT NULL,
    target_group       text        NOT NULL,
    gender             text,
    year_of_birth      int,
    citizenship        text,   -- the first citizenship named
    citizenship_status text,
    PRIMARY KEY (client_id, position)
);

CREATE INDEX report_people_by_district ON report_people (district_id, client_id, position);

-- Every countable fact. `staff_id`, `team_id`, `organisation_id`: who held the case when the
-- fact was recorded (for an opening, assignment or transfer: who holds it from then on).
CREATE TABLE report_facts (
    position        bigint      NOT NULL,  -- the event's global position
    ordinal         int         NOT NULL,  -- the fact's place among the event's facts
    district_id     text        NOT NULL,
    organisation_id uuid,
    team_id         uuid,
    staff_id        uuid        NOT NULL,
    case_id         uuid        NOT NULL,
    client_id       uuid        NOT NULL,
    kind            text        NOT NULL,
    item_id         uuid,                  -- the goal, consultation, referral or observation
    parent_id       uuid,                  -- a referral's consultation
    key             text,                  -- the code the fact is counted by
    answer          text,                  -- an observation: value, declined, not_asked, unknown
    value           text,                  -- an observation's code, a goal's new status
    amount          int,                   -- minutes, months
    effective_on    date        NOT NULL,
    recorded_at     timestamptz NOT NULL,
    superseded_at   timestamptz,           -- when a correction replaced or withdrew it
    PRIMARY KEY (position, ordinal)
);

CREATE INDEX report_facts_by_district ON report_facts (district_id, kind, effective_on);
CREATE INDEX report_facts_by_item ON report_facts (item_id) WHERE item_id IS NOT NULL;
-- A person's facts of one kind by day: whether they were counselled in a period, their latest
-- answer for a field at a point of a course.
CREATE INDEX report_facts_by_person ON report_facts (client_id, kind, key, effective_on);
-- What was recorded, or superseded, after a report's recording time: its `later_facts`.
CREATE INDEX report_facts_by_recording ON report_facts (district_id, recorded_at);
CREATE INDEX report_facts_superseded ON report_facts (district_id, superseded_at) WHERE superseded_at IS NOT NULL;

-- Reports sent out: the figures as sent with what they answered and their hash.
CREATE TABLE published_reports (
    id           uuid        PRIMARY KEY,
    district_id  text        NOT NULL,
    position     bigint      NOT NULL,  -- the event's global position: the order of listing
    recorded_at  timestamptz NOT NULL,
    published_by text,
    record       jsonb       NOT NULL
);

CREATE INDEX published_reports_by_district ON published_reports (district_id, position);
