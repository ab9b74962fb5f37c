-- Every change to the directory (staff records, teams, organisations, districts, substitution
-- grants) notifies `wegweiser_directory` when its transaction commits, so that every server
-- instance forgets the sign-ins it remembers and deactivations and revocations take effect at
-- once everywhere.
CREATE FUNCTION notify_directory_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('wegweiser_directory', '');
    RETURN NULL;
END
$$;

CREATE TRIGGER directory_changed
    AFTER INSERT OR UPDATE OR DELETE ON directory
    FOR EACH STATEMENT EXECUTE FUNCTION notify_directory_change();
