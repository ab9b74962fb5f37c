-- Transfers and corrections are items of a case: a case handed over to a case worker of
-- another team or organisation of the district, like the hand-over it was opened with; and a
-- fact recorded wrongly, corrected by a later event (the item it corrects shows the corrected
-- fact, a withdrawn observation is marked `"withdrawn": true`).
ALTER TABLE case_items DROP CONSTRAINT case_items_kind_check;
ALTER TABLE case_items ADD CONSTRAINT case_items_kind_check
    CHECK (kind IN ('handover', 'transfer', 'extension', 'assessment', 'goal', 'plan_review',
                    'plan_agreement', 'consultation', 'observation', 'consent', 'correction'));
