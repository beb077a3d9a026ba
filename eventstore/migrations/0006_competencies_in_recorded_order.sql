-- Auditors' competency queries page in recorded order, through one index (from measuring them: at 5,000,000
-- events a competency within a time window walked the competency's rows in global order from the start of the
-- log until it reached the window; figures in the commit that added this).
--
-- event_competencies carries its event's recorded_at, and its key becomes (competency_id, recorded_at,
-- global_position): a competency's page, with or without a window, is one short range scan of it
-- (eventstore/audit.py). The key stays unique: an event has one recorded_at. Existing rows take their
-- event's time (one pass over the table, with its append-only trigger held off for that statement only).
-- append_events() is restated below only to write the new column.
ALTER TABLE event_competencies ADD COLUMN recorded_at timestamptz;
ALTER TABLE event_competencies DISABLE TRIGGER event_competencies_append_only;
UPDATE event_competencies c SET recorded_at = e.recorded_at FROM events e WHERE e.global_position = c.global_position;
ALTER TABLE event_competencies ENABLE TRIGGER event_competencies_append_only;
ALTER TABLE event_competencies ALTER COLUMN recorded_at SET NOT NULL;
ALTER TABLE event_competencies DROP CONSTRAINT event_competencies_pkey,
    ADD PRIMARY KEY (competency_id, recorded_at, global_position);

CREATE OR REPLACE FUNCTION append_events(
    p_stream text,
    p_expected bigint,
    p_event_ids uuid[],
    p_types text[],
    p_schema_versions integer[],
    p_data jsonb[],
    p_actor_ids text[],
    p_actor_roles text[],
    p_correlation_ids text[],
    p_causation_ids text[],
    p_occurred_at timestamptz[],
    p_digests bytea[],
    p_competency_event integer[],
    p_competency_ids text[]
) RETURNS TABLE (global_position bigint, stream_version bigint, recorded_at timestamptz, hash bytea)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
    n integer := cardinality(p_event_ids);
    current_version bigint;
    head bytea;
    now_ts timestamptz := clock_timestamp();
    ts_bytes bytea := int8send((extract(epoch FROM now_ts) * 1000000)::bigint);  -- as chain_link() does
    prevs bytea[] := '{}';
    hashes bytea[] := '{}';
    positions bigint[];
BEGIN
    SELECT s.version, s.head_hash INTO current_version, head FROM streams s WHERE s.stream_id = p_stream FOR UPDATE;
    IF NOT FOUND THEN
        INSERT INTO streams (stream_id, version, head_hash, updated_at)
            VALUES (p_stream, 0, '\x0000000000000000000000000000000000000000000000000000000000000000', now_ts)
            ON CONFLICT DO NOTHING;
        SELECT s.version, s.head_hash INTO current_version, head FROM streams s WHERE s.stream_id = p_stream FOR UPDATE;
    END IF;

    IF current_version <> p_expected THEN
        IF EXISTS (SELECT 1 FROM events e WHERE e.event_id = ANY (p_event_ids)) THEN
            IF (SELECT count(*) FROM events e WHERE e.event_id = ANY (p_event_ids)) = n AND NOT EXISTS (
                SELECT 1 FROM unnest(p_event_ids, p_digests) WITH ORDINALITY AS b(event_id, digest, i)
                LEFT JOIN events e ON e.event_id = b.event_id
                WHERE e.event_id IS NULL OR e.stream_id <> p_stream OR e.stream_version <> p_expected + b.i
                   OR e.content_digest <> b.digest
            ) THEN
                RETURN QUERY SELECT e.global_position, e.stream_version, e.recorded_at, e.hash FROM events e
                    WHERE e.event_id = ANY (p_event_ids) ORDER BY e.stream_version;
                RETURN;
            END IF;
            RAISE EXCEPTION 'an event id in this batch is already stored with different content or position (stream %)',
                p_stream USING ERRCODE = 'GJ002';
        END IF;
        RAISE EXCEPTION 'stream % is at version %, the writer expected %', p_stream, current_version, p_expected
            USING ERRCODE = 'GJ001', DETAIL = current_version::text;
    END IF;

    FOR i IN 1 .. n LOOP
        prevs[i] := head;
        head := sha256(head || p_digests[i] || ts_bytes);
        hashes[i] := head;
    END LOOP;

    WITH inserted AS (
        INSERT INTO events (event_id, stream_id, stream_version, type, schema_version, data, actor_id, actor_role,
                            correlation_id, causation_id, occurred_at, recorded_at, content_digest, previous_hash, hash)
        SELECT b.event_id, p_stream, p_expected + b.i, b.type, b.schema_version, b.data, b.actor_id, b.actor_role,
               b.correlation_id, b.causation_id, b.occurred_at, now_ts, b.digest, b.prev, b.h
        FROM unnest(p_event_ids, p_types, p_schema_versions, p_data, p_actor_ids, p_actor_roles, p_correlation_ids,
                    p_causation_ids, p_occurred_at, p_digests, prevs, hashes)
             WITH ORDINALITY AS b(event_id, type, schema_version, data, actor_id, actor_role, correlation_id,
                                  causation_id, occurred_at, digest, prev, h, i)
        ORDER BY b.i
        RETURNING events.global_position, events.stream_version
    )
    SELECT array_agg(ins.global_position ORDER BY ins.stream_version) INTO positions FROM inserted ins;

    IF cardinality(p_competency_ids) > 0 THEN
        INSERT INTO event_competencies (competency_id, recorded_at, global_position)
        SELECT DISTINCT c.competency_id, now_ts, positions[c.event_index]
        FROM unnest(p_competency_event, p_competency_ids) AS c(event_index, competency_id);
    END IF;

    UPDATE streams SET version = p_expected + n, head_hash = head, updated_at = now_ts WHERE stream_id = p_stream;

    RETURN QUERY SELECT p.global_position, p_expected + p.i, now_ts, hashes[p.i]
        FROM unnest(positions) WITH ORDINALITY AS p(global_position, i);
END
$$;
