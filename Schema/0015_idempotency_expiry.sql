-- Idempotency keys are forgotten after `idempotency.ttl.hours` (default 24), and their request
-- hashes are now HMACs under a key derived from the master key: a plain SHA-256 of a request
-- could confirm a guessed name and date of birth. The keys stored before held such plain
-- hashes; they are dropped (a retry of a request older than this migration is a new request).
DELETE FROM idempotency_keys;

CREATE INDEX idempotency_keys_by_age ON idempotency_keys (created_at);
