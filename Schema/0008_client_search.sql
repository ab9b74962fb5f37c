-- The search index of clients: keyed tokens (HMAC-SHA256 under a district search key derived
-- from the master key) of the normalised parts of a person's name, their date of birth and
-- their identifier in another register. Neither the table nor a backup reveals a name. Kept by
-- the client_search projection in the transaction that appends a client's events.
CREATE TABLE client_search (
    client_id   uuid NOT NULL,
    district_id text NOT NULL,
    subject     text NOT NULL,  -- the client's key subject: erasing it removes the tokens
    token       text NOT NULL,
    PRIMARY KEY (client_id, token)
);

CREATE INDEX client_search_by_token ON client_search (district_id, token);

-- Erasure removes the tokens in the statement that destroys the person's key, so no token of
-- an erased person outlives the erasure, whoever erases.
CREATE FUNCTION client_search_forget() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.wrapped_key IS NULL THEN
        DELETE FROM client_search WHERE subject = NEW.subject_id;
    END IF;
    RETURN NEW;
END;
$$;

CREATE TRIGGER client_search_forget AFTER INSERT OR UPDATE OF wrapped_key ON subject_keys
    FOR EACH ROW EXECUTE FUNCTION client_search_forget();
