-- Access ends when the work ends.
--
-- `cases.closed_at`: when the closure of a case was recorded (not its effective `closed_on`,
-- which may be dated back). The worker who held a closed case may read it for a bounded time
-- after this moment; the access policy measures from here, so backdating or postdating a
-- closure cannot stretch that time.
ALTER TABLE cases ADD COLUMN closed_at timestamptz;
UPDATE cases SET closed_at = updated_at WHERE closed;
ALTER TABLE cases ADD CONSTRAINT cases_closed_at_when_closed CHECK (closed = (closed_at IS NOT NULL));

-- `access_log.correlation_id`: the caller's own `X-Request-ID`, validated, kept apart from
-- `request_id`, which is now always the server's own id for the request (the key that ties
-- the entry to the server's log lines and to the events the request appended).
ALTER TABLE access_log ADD COLUMN correlation_id text CHECK (length(correlation_id) <= 128);
