-- Erasure requests (GDPR Art. 17, with four eyes) are small objects of a district like a
-- substitution grant: their folded state lives in the directory, read by the data protection
-- officer's list. Confirming one destroys the person's key in the same transaction.
ALTER TABLE directory DROP CONSTRAINT directory_kind_check;
ALTER TABLE directory ADD CONSTRAINT directory_kind_check
    CHECK (kind IN ('district', 'organisation', 'team', 'staff_member', 'substitution', 'erasure'));
