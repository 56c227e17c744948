-- The request log (issue #17 item 5). Keep in step with ../postgres/0022_app_requests.sql: the
-- two differ only in the id column.

-- Every REST call an app made, kept a while (the janitor prunes by age and per-app count).
-- Bookkeeping, not part of the world: no foreign keys (an entry outlives nothing it names),
-- left out of the sandbox snapshot and its reset. Never a body, a token or a header's value.
CREATE TABLE app_requests (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    app_id BIGINT NOT NULL,
    at BIGINT NOT NULL,
    method TEXT NOT NULL,
    path TEXT NOT NULL,
    template TEXT,
    company_id BIGINT,
    status INTEGER NOT NULL,
    duration_us BIGINT NOT NULL,
    request_id TEXT
);
CREATE INDEX app_requests_by_app ON app_requests (app_id, id);
CREATE INDEX app_requests_by_time ON app_requests (at);
