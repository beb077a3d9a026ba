-- The event store. Events are append-only (enforced below); each stream is a hash chain.

CREATE TABLE streams (
    stream_id   text PRIMARY KEY,
    version     bigint NOT NULL CHECK (version >= 0),
    head_hash   bytea NOT NULL,
    updated_at  timestamptz NOT NULL
);

CREATE TABLE events (
    global_position bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- The writing transaction: followers read in (transaction_id, global_position) order below the oldest
    -- transaction still running, so a slow transaction's events are never skipped (see eventstore/log.py).
    transaction_id  xid8 NOT NULL DEFAULT pg_current_xact_id(),
    event_id        uuid NOT NULL UNIQUE,
    stream_id       text NOT NULL REFERENCES streams (stream_id),
    stream_version  bigint NOT NULL CHECK (stream_version >= 1),
    type            text NOT NULL,
    schema_version  integer NOT NULL CHECK (schema_version >= 1),
    data            jsonb NOT NULL,
    actor_id        text NOT NULL,
    actor_role      text NOT NULL,
    correlation_id  text NOT NULL,
    causation_id    text NOT NULL,
    occurred_at     timestamptz NOT NULL,
    recorded_at     timestamptz NOT NULL,
    content_digest  bytea NOT NULL,
    previous_hash   bytea NOT NULL,
    hash            bytea NOT NULL,
    UNIQUE (stream_id, stream_version)
);

CREATE INDEX events_log ON events (transaction_id, global_position);
CREATE INDEX events_by_actor ON events (actor_id, global_position);
CREATE INDEX events_by_type ON events (type, global_position);
CREATE INDEX events_by_time ON events (recorded_at, global_position);
CREATE INDEX events_stream_time ON events (stream_id, recorded_at);

-- Which competencies an event concerns, for the auditors' "by competency" query (keyset on position).
CREATE TABLE event_competencies (
    competency_id   text NOT NULL,
    global_position bigint NOT NULL REFERENCES events (global_position),
    PRIMARY KEY (competency_id, global_position)
);

CREATE FUNCTION refuse_change_to_history() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the event store is append-only: % on % is refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'raise_exception', HINT = 'record a correcting event instead';
END
$$;

CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON events
    FOR EACH ROW EXECUTE FUNCTION refuse_change_to_history();
CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON events
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_change_to_history();
CREATE TRIGGER event_competencies_append_only BEFORE UPDATE OR DELETE ON event_competencies
    FOR EACH ROW EXECUTE FUNCTION refuse_change_to_history();
CREATE TRIGGER event_competencies_no_truncate BEFORE TRUNCATE ON event_competencies
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_change_to_history();

-- The chain link: hash = sha256(previous_hash || content_digest || recorded_at as microseconds since 1970,
-- 8 bytes big-endian). eventstore/chain.py computes the same in Python to verify.
CREATE FUNCTION chain_link(previous bytea, digest bytea, recorded timestamptz) RETURNS bytea
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT sha256(previous || digest || int8send((extract(epoch FROM recorded) * 1000000)::bigint))
$$;

-- Append a batch to one stream in one round trip, all or nothing.
-- p_expected is the stream version the writer saw (0 for a new stream); any other current version raises
-- SQLSTATE GJ001 (concurrency, DETAIL = the actual version). A batch whose event ids are all stored already,
-- at the same positions with the same content digests, is a retry: nothing is written, the stored rows are
-- returned. Any other reuse of an event id raises GJ002.
CREATE FUNCTION append_events(
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
    p_competency_event integer[],   -- 1-based index into the batch ...
    p_competency_ids text[]         -- ... of the event that concerns this competency
) RETURNS TABLE (global_position bigint, stream_version bigint, recorded_at timestamptz, hash bytea)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
    n integer := cardinality(p_event_ids);
    current_version bigint;
    head bytea;
    stored integer;
    now_ts timestamptz := clock_timestamp();
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

    SELECT count(*) INTO stored FROM events e WHERE e.event_id = ANY (p_event_ids);
    IF stored > 0 THEN
        IF stored = n AND NOT EXISTS (
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

    IF current_version <> p_expected THEN
        RAISE EXCEPTION 'stream % is at version %, the writer expected %', p_stream, current_version, p_expected
            USING ERRCODE = 'GJ001', DETAIL = current_version::text;
    END IF;

    FOR i IN 1 .. n LOOP
        prevs := prevs || head;
        head := chain_link(head, p_digests[i], now_ts);
        hashes := hashes || head;
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
        INSERT INTO event_competencies (competency_id, global_position)
        SELECT DISTINCT c.competency_id, positions[c.event_index]
        FROM unnest(p_competency_event, p_competency_ids) AS c(event_index, competency_id);
    END IF;

    UPDATE streams SET version = p_expected + n, head_hash = head, updated_at = now_ts WHERE stream_id = p_stream;

    RETURN QUERY SELECT p.global_position, p_expected + p.i, now_ts, hashes[p.i]
        FROM unnest(positions) WITH ORDINALITY AS p(global_position, i);
END
$$;
