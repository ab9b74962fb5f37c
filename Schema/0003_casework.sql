-- Casework: the read models of clients and cases, written in the same transaction as their
-- events, and the idempotency keys of POST requests.
--
-- Neither table holds personal data in the clear: a client's name, date of birth and contact
-- data stay sealed under the client's key (the same ciphertext as in the event), so erasing
-- the key erases them here too.

CREATE TABLE clients (
    id            uuid        PRIMARY KEY,
    district_id   text        NOT NULL,
    registered_by uuid        NOT NULL,
    sealed_in     uuid        NOT NULL,  -- the event whose id the sealed personal data is bound to
    version       bigint      NOT NULL CHECK (version >= 1),
    profile       jsonb       NOT NULL,
    updated_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE cases (
    id          uuid        PRIMARY KEY,
    client_id   uuid        NOT NULL,
    district_id text        NOT NULL,
    assignee_id uuid        NOT NULL,
    closed      boolean     NOT NULL,
    version     bigint      NOT NULL CHECK (version >= 1),
    state       jsonb       NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX cases_by_assignee ON cases (district_id, assignee_id, id);
CREATE INDEX cases_by_client ON cases (client_id);

-- A client has at most one open case.
CREATE UNIQUE INDEX cases_one_open_per_client ON cases (client_id) WHERE NOT closed;

-- The parts of a case that front ends show: the hand-over, period extensions, assessments, goals, plan reviews, the plan
-- agreement, consultations, observations and consents. `body` is the item as the API shows
-- it, with free text still sealed under the client's key (each sealed part names the event it
-- is bound to); `position` is the case version that created it, the listing order.
CREATE TABLE case_items (
    case_id  uuid   NOT NULL,
    kind     text   NOT NULL CHECK (kind IN ('handover', 'extension', 'assessment', 'goal', 'plan_review',
                                            'plan_agreement', 'consultation', 'observation', 'consent')),
    item_id  uuid   NOT NULL,
    position bigint NOT NULL,
    body     jsonb  NOT NULL,
    PRIMARY KEY (case_id, kind, item_id)
);

CREATE INDEX case_items_in_order ON case_items (case_id, kind, position);

-- A POST with an `Idempotency-Key` is answered once: a retry with the same key and body gets
-- the same resource, a retry with another body gets 422. Only the resource's id is kept, never
-- the response body (it may hold personal data).
CREATE TABLE idempotency_keys (
    staff_member_id uuid        NOT NULL,
    key             text        NOT NULL,
    operation       text        NOT NULL,
    request_hash    text        NOT NULL,
    resource_id     text        NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (staff_member_id, key)
);
