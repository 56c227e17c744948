-- The sandbox snapshot (issue #17, reset): what the kept snapshot holds. The copies themselves
-- are tables named snapshot__<table>, written by the store (sql/snapshot.rs) when a snapshot is
-- taken; a reset copies them back.
CREATE TABLE sandbox_snapshot (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    taken_at BIGINT NOT NULL,
    schema_version BIGINT NOT NULL,
    table_count BIGINT NOT NULL,
    row_count BIGINT NOT NULL
);
