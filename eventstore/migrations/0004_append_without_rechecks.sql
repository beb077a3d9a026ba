-- append_events() is the only writer of events and their competencies, and writes them with their stream in
-- one transaction. These foreign keys re-checked what it had just written: about a quarter of a 50-event
-- batch's server time (auto_explain: 0.35 ms + 0.63 ms of ~4.2 ms; see bench/results/event_store.md).
ALTER TABLE events DROP CONSTRAINT events_stream_id_fkey;
ALTER TABLE event_competencies DROP CONSTRAINT event_competencies_global_position_fkey;
