-- Transfers: a case handed over to a case worker of another team or organisation of the
-- district is an item of the case, like the hand-over it was opened with.
ALTER TABLE case_items DROP CONSTRAINT case_items_kind_check;
ALTER TABLE case_items ADD CONSTRAINT case_items_kind_check
    CHECK (kind IN ('handover', 'transfer', 'extension', 'assessment', 'goal', 'plan_review',
                    'plan_agreement', 'consultation', 'observation', 'consent'));
