-- Hand-offs to the Jobcenter are items of a case like its consents: the case worker lists them
-- with the case, and the Jobcenter they went to lists its incoming ones across the district's
-- cases, newest first, through this index (the recipient and the time are in the item).
ALTER TABLE case_items DROP CONSTRAINT case_items_kind_check;
ALTER TABLE case_items ADD CONSTRAINT case_items_kind_check
    CHECK (kind IN ('handover', 'transfer', 'extension', 'assessment', 'goal', 'plan_review',
                    'plan_agreement', 'consultation', 'observation', 'consent', 'correction', 'handoff'));

CREATE INDEX case_items_handoffs_by_recipient
    ON case_items ((body ->> 'recipient_organisation_id'), (body ->> 'at') DESC, item_id DESC)
    WHERE kind = 'handoff';

-- A hand-off is read by its id alone (the Jobcenter does not know the case).
CREATE UNIQUE INDEX case_items_handoffs_by_id ON case_items (item_id) WHERE kind = 'handoff';
