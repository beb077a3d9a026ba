-- A batch arrives as the documents its digests were computed from (from measuring the 50-event append:
-- figures in the commit that added this).
--
-- append_events() took fourteen arrays, one element per event and column; the driver encodes an array
-- element by element, and that was about a fifth of the writer's CPU per event, more than the event's own
-- serialisation. append_batch() takes instead:
--   p_events        a JSON array of each event's canonical document (eventstore/chain.py: canonical_document),
--                   the exact text its content digest covers, so the row is built from what was hashed;
--   p_digests       the content digests, 32 bytes each, concatenated in the batch's order;
--   p_competencies  [[event number in the batch (from 1), competency id], ...] for event_competencies.
-- Same checks, same rows, same results as append_events(), which stays for writers of the previous release
-- during an upgrade. Each document must name this stream and the next version (GJ003 otherwise: the store
-- checks that before sending).
CREATE FUNCTION append_batch(p_stream text, p_expected bigint, p_events jsonb, p_digests bytea, p_competencies jsonb)
RETURNS TABLE (global_position bigint, stream_version bigint, recorded_at timestamptz, hash bytea)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
    n integer := jsonb_array_length(p_events);
    current_version bigint;
    head bytea;
    now_ts timestamptz := clock_timestamp();
    ts_bytes bytea := int8send((extract(epoch FROM now_ts) * 1000000)::bigint);  -- as chain_link() does
    digests bytea[] := '{}';
    prevs bytea[] := '{}';
    hashes bytea[] := '{}';
    event_ids uuid[];
    positions bigint[];
BEGIN
    IF octet_length(p_digests) <> 32 * n THEN
        RAISE EXCEPTION 'a batch of % events came with % bytes of digests, not %', n, octet_length(p_digests), 32 * n
            USING ERRCODE = 'GJ003';
    END IF;
    FOR i IN 1 .. n LOOP
        digests[i] := substring(p_digests FROM 32 * i - 31 FOR 32);
    END LOOP;

    SELECT s.version, s.head_hash INTO current_version, head FROM streams s WHERE s.stream_id = p_stream FOR UPDATE;
    IF NOT FOUND THEN
        INSERT INTO streams (stream_id, version, head_hash, updated_at)
            VALUES (p_stream, 0, '\x0000000000000000000000000000000000000000000000000000000000000000', now_ts)
            ON CONFLICT DO NOTHING;
        SELECT s.version, s.head_hash INTO current_version, head FROM streams s WHERE s.stream_id = p_stream FOR UPDATE;
    END IF;

    IF current_version <> p_expected THEN
        -- Not where the writer expected: a retry of a batch already stored (same ids, positions and digests)
        -- returns what was stored; anything else is a conflict.
        SELECT array_agg((d->>'event_id')::uuid ORDER BY i) INTO event_ids
            FROM jsonb_array_elements(p_events) WITH ORDINALITY AS b(d, i);
        IF EXISTS (SELECT 1 FROM events e WHERE e.event_id = ANY (event_ids)) THEN
            IF (SELECT count(*) FROM events e WHERE e.event_id = ANY (event_ids)) = n AND NOT EXISTS (
                SELECT 1 FROM unnest(event_ids, digests) WITH ORDINALITY AS b(event_id, digest, i)
                LEFT JOIN events e ON e.event_id = b.event_id
                WHERE e.event_id IS NULL OR e.stream_id <> p_stream OR e.stream_version <> p_expected + b.i
                   OR e.content_digest <> b.digest
            ) THEN
                RETURN QUERY SELECT e.global_position, e.stream_version, e.recorded_at, e.hash FROM events e
                    WHERE e.event_id = ANY (event_ids) ORDER BY e.stream_version;
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
        head := sha256(head || digests[i] || ts_bytes);
        hashes[i] := head;
    END LOOP;

    WITH inserted AS (
        INSERT INTO events (event_id, stream_id, stream_version, type, schema_version, data, actor_id, actor_role,
                            correlation_id, causation_id, occurred_at, recorded_at, content_digest, previous_hash, hash)
        SELECT b.event_id, b.stream_id, b.version, b.type, b.schema_version, b.data, b.actor_id, b.actor_role,
               b.correlation_id, b.causation_id, b.occurred_at, now_ts, b.digest, b.prev, b.h
        FROM ROWS FROM (
                jsonb_to_recordset(p_events) AS (event_id uuid, stream_id text, version bigint, type text,
                    schema_version integer, data jsonb, actor_id text, actor_role text, correlation_id text,
                    causation_id text, occurred_at timestamptz),
                unnest(digests), unnest(prevs), unnest(hashes)
             ) WITH ORDINALITY AS b(event_id, stream_id, version, type, schema_version, data, actor_id, actor_role,
                                    correlation_id, causation_id, occurred_at, digest, prev, h, i)
        WHERE b.stream_id = p_stream AND b.version = p_expected + b.i
        ORDER BY b.i
        RETURNING events.global_position, events.stream_version
    )
    SELECT array_agg(ins.global_position ORDER BY ins.stream_version) INTO positions FROM inserted ins;
    IF coalesce(cardinality(positions), 0) <> n THEN
        RAISE EXCEPTION 'the events of this batch do not follow stream % on from version %', p_stream, p_expected
            USING ERRCODE = 'GJ003';
    END IF;

    IF jsonb_array_length(p_competencies) > 0 THEN
        INSERT INTO event_competencies (competency_id, recorded_at, global_position)
        SELECT DISTINCT c->>1, now_ts, positions[(c->>0)::integer]
        FROM jsonb_array_elements(p_competencies) AS c;
    END IF;

    UPDATE streams SET version = p_expected + n, head_hash = head, updated_at = now_ts WHERE stream_id = p_stream;

    RETURN QUERY SELECT p.global_position, p_expected + p.i, now_ts, hashes[p.i]
        FROM unnest(positions) WITH ORDINALITY AS p(global_position, i);
END
$$;
