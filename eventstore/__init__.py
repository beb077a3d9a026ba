"""The PostgreSQL event store: append-only, optimistic concurrency, idempotent appends, hash-chained streams."""
