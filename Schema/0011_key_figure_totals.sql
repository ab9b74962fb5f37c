-- A consultation's referrals, for a correction of its day: without this index the projection
-- scanned every fact for each goal status, referral outcome or correction it recorded.
CREATE INDEX report_facts_by_parent ON report_facts (parent_id) WHERE parent_id IS NOT NULL;

-- Running totals of the facts a report counts over a period (every kind but observations and
-- assignments), per holder, code and day, and again per month: a report of today adds up
-- months and the days at the edges of its period instead of scanning every consultation. Only
-- facts in force count; a correction moves a fact's count from its old to its new day.
--
-- Kept by statement triggers on report_facts, so the totals cannot disagree with the facts,
-- whoever writes them (the projection inline, or a rebuild into fresh copies: the triggers and
-- their unqualified table name follow the rebuild's search path). Nothing personal: ids, codes,
-- days, counts and minutes.
CREATE TABLE report_fact_totals (
    district_id     text    NOT NULL,
    month           boolean NOT NULL,   -- a month's total (effective_on its first day) or a day's
    effective_on    date    NOT NULL,
    staff_id        uuid    NOT NULL,
    team_id         uuid,
    organisation_id uuid,
    kind            text    NOT NULL,
    key             text,
    value           text,
    facts           bigint  NOT NULL,
    amount          bigint  NOT NULL,
    CONSTRAINT report_fact_totals_cell
        UNIQUE NULLS NOT DISTINCT (district_id, month, effective_on, staff_id, team_id, organisation_id, kind, key, value)
) WITH (fillfactor = 70);  -- room for HOT updates of the counts

-- Adds new facts in force to the totals of their day and month, and takes away the facts a
-- correction superseded; the cells in one order, so that concurrent writers lock them alike.
CREATE FUNCTION report_fact_totals_follow() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO report_fact_totals AS t
            (district_id, month, effective_on, staff_id, team_id, organisation_id, kind, key, value, facts, amount)
        SELECT f.district_id, m.month, CASE WHEN m.month THEN date_trunc('month', f.effective_on::timestamp)::date ELSE f.effective_on END,
               f.staff_id, f.team_id, f.organisation_id, f.kind, f.key, f.value, count(*), coalesce(sum(f.amount), 0)
        FROM new_facts f CROSS JOIN (VALUES (false), (true)) AS m(month)
        WHERE f.superseded_at IS NULL AND f.kind NOT IN ('observation', 'case_assigned')
        GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9
        ORDER BY 1, 2, 3, 4, 5, 6, 7, 8, 9
        ON CONFLICT ON CONSTRAINT report_fact_totals_cell
        DO UPDATE SET facts = t.facts + excluded.facts, amount = t.amount + excluded.amount;
    ELSE
        INSERT INTO report_fact_totals AS t
            (district_id, month, effective_on, staff_id, team_id, organisation_id, kind, key, value, facts, amount)
        SELECT f.district_id, m.month, CASE WHEN m.month THEN date_trunc('month', f.effective_on::timestamp)::date ELSE f.effective_on END,
               f.staff_id, f.team_id, f.organisation_id, f.kind, f.key, f.value, -count(*), -coalesce(sum(f.amount), 0)
        FROM old_facts f JOIN new_facts n USING (position, ordinal) CROSS JOIN (VALUES (false), (true)) AS m(month)
        WHERE f.superseded_at IS NULL AND n.superseded_at IS NOT NULL AND f.kind NOT IN ('observation', 'case_assigned')
        GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9
        ORDER BY 1, 2, 3, 4, 5, 6, 7, 8, 9
        ON CONFLICT ON CONSTRAINT report_fact_totals_cell
        DO UPDATE SET facts = t.facts + excluded.facts, amount = t.amount + excluded.amount;
        -- A cell left without facts goes, as if it had never been counted (as after a rebuild).
        DELETE FROM report_fact_totals t
        USING old_facts f JOIN new_facts n USING (position, ordinal)
        WHERE t.facts = 0 AND f.superseded_at IS NULL AND n.superseded_at IS NOT NULL
          AND t.district_id = f.district_id AND t.month IN (false, true)
          AND t.effective_on IN (f.effective_on, date_trunc('month', f.effective_on::timestamp)::date)
          AND t.staff_id = f.staff_id AND t.team_id IS NOT DISTINCT FROM f.team_id
          AND t.organisation_id IS NOT DISTINCT FROM f.organisation_id AND t.kind = f.kind
          AND t.key IS NOT DISTINCT FROM f.key AND t.value IS NOT DISTINCT FROM f.value;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER report_facts_count_inserted
    AFTER INSERT ON report_facts REFERENCING NEW TABLE AS new_facts
    FOR EACH STATEMENT EXECUTE FUNCTION report_fact_totals_follow();

CREATE TRIGGER report_facts_count_superseded
    AFTER UPDATE ON report_facts REFERENCING OLD TABLE AS old_facts NEW TABLE AS new_facts
    FOR EACH STATEMENT EXECUTE FUNCTION report_fact_totals_follow();

-- Counts every fact in force into the (empty) totals at once: here for the facts recorded so
-- far, and at the end of a rebuild, which replays the log with the triggers off (per batch they
-- would cost three times the facts' own insert).
CREATE FUNCTION report_fact_totals_refill() RETURNS void
LANGUAGE sql AS $$
    INSERT INTO report_fact_totals
        (district_id, month, effective_on, staff_id, team_id, organisation_id, kind, key, value, facts, amount)
    SELECT f.district_id, m.month, CASE WHEN m.month THEN date_trunc('month', f.effective_on::timestamp)::date ELSE f.effective_on END,
           f.staff_id, f.team_id, f.organisation_id, f.kind, f.key, f.value, count(*), coalesce(sum(f.amount), 0)
    FROM report_facts f CROSS JOIN (VALUES (false), (true)) AS m(month)
    WHERE f.superseded_at IS NULL AND f.kind NOT IN ('observation', 'case_assigned')
    GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9
$$;

SELECT report_fact_totals_refill();
