-- Every read of a trainee's record, for auditors: who read what, when. Append-only like the events.

CREATE TABLE record_reads (
    read_id     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    reader_id   text NOT NULL,
    reader_role text NOT NULL,
    trainee_id  text NOT NULL,
    what        text NOT NULL,
    read_at     timestamptz NOT NULL DEFAULT clock_timestamp()
);

CREATE INDEX record_reads_by_trainee ON record_reads (trainee_id, read_id);
CREATE INDEX record_reads_by_reader ON record_reads (reader_id, read_id);

CREATE TRIGGER record_reads_append_only BEFORE UPDATE OR DELETE ON record_reads
    FOR EACH ROW EXECUTE FUNCTION refuse_change_to_history();
CREATE TRIGGER record_reads_no_truncate BEFORE TRUNCATE ON record_reads
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_change_to_history();
