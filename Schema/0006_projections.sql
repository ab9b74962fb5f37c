-- Projections: what caseloads and plan status count, as columns of `cases`, kept by the cases
-- projection in the transaction that appends a case's events (and by `wegweiser rebuild`).
--
-- `opened_on`: the day of intake; `plan_agreed_on`: the client's agreement to the plan;
-- `period_end`: the last day of the counselling period once it has started; `next_review_on`:
-- the earliest review date among goals that have not ended. Rows from before this migration get
-- the values a rebuild would give them.
ALTER TABLE cases
    ADD COLUMN opened_on      date,
    ADD COLUMN plan_agreed_on date,
    ADD COLUMN period_end     date,
    ADD COLUMN next_review_on date;

UPDATE cases SET
    opened_on = (state ->> 'opened_on')::date,
    plan_agreed_on = (state -> 'plan_agreement' ->> 'agreed_on')::date,
    period_end = ((state ->> 'period_start')::date
        + make_interval(months => 36 + coalesce((SELECT sum(months::int)::int FROM jsonb_array_elements_text(state -> 'extension_months') AS months), 0)))::date - 1,
    next_review_on = (SELECT min((goal ->> 'review_on')::date) FROM jsonb_array_elements(state -> 'goals') AS goal
                      WHERE goal ->> 'status' IN ('agreed', 'in_progress'));

ALTER TABLE cases ALTER COLUMN opened_on SET NOT NULL;

CREATE INDEX cases_open_in_district ON cases (district_id, assignee_id) WHERE NOT closed;
