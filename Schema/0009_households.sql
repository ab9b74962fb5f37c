-- Households: each household's state as its events left it, and every membership, current
-- and past. A person belongs to at most one household at a time: the unique index refuses a
-- second current membership in the transaction that would record it.
CREATE TABLE households (
    id          uuid        PRIMARY KEY,
    district_id text        NOT NULL,
    version     bigint      NOT NULL CHECK (version >= 1),
    state       jsonb       NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE household_members (
    household_id uuid NOT NULL,
    client_id    uuid NOT NULL,
    district_id  text NOT NULL,
    role         text NOT NULL,
    joined_on    date NOT NULL,
    left_on      date,
    ordinal      int  NOT NULL,  -- the membership's place in the household's history
    PRIMARY KEY (household_id, ordinal)
);

CREATE UNIQUE INDEX household_members_one_at_a_time ON household_members (client_id) WHERE left_on IS NULL;
CREATE INDEX household_members_by_client ON household_members (client_id);
