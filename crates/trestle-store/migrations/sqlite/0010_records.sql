-- Tool records (issue #15): the one generic store behind every catalog operation. Keep in
-- step with ../postgres/0010_records.sql: the two differ only in the id column and the body's type.

-- The collection of a tool record's event (webhooks filter on it); NULL for other events.
ALTER TABLE audit_events ADD COLUMN resource TEXT;
ALTER TABLE outbox ADD COLUMN resource TEXT;

CREATE TABLE records (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    company_id BIGINT NOT NULL REFERENCES companies (id),
    project_id BIGINT REFERENCES projects (id), -- NULL: a company-level collection
    resource TEXT NOT NULL,  -- the collection key, e.g. 'rfis' or 'rfis/{}/replies'
    parent TEXT NOT NULL,    -- the parent ids joined by '/', '' for none
    body TEXT NOT NULL,      -- the client's fields (a JSON object)
    origin_id TEXT,
    number BIGINT NOT NULL,  -- 1, 2, 3, … per collection, from record_counters
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    deleted_at BIGINT,
    created_by BIGINT
);
-- A page of one collection in id, created or updated order reads only the page.
CREATE INDEX records_by_id ON records (company_id, project_id, resource, parent, id);
CREATE INDEX records_by_created ON records (company_id, project_id, resource, parent, created_at, id);
CREATE INDEX records_by_updated ON records (company_id, project_id, resource, parent, updated_at, id);
-- An integration's own id names one record of the company's collection (deleted ones included).
CREATE UNIQUE INDEX records_origin ON records (company_id, resource, origin_id) WHERE origin_id IS NOT NULL;

-- Per collection, kept in the transaction of every write: the live records (the unfiltered
-- list's total) and the next sequence number. project_id is 0 for company-level collections.
CREATE TABLE record_counters (
    company_id BIGINT NOT NULL,
    project_id BIGINT NOT NULL,
    resource TEXT NOT NULL,
    parent TEXT NOT NULL,
    live_count BIGINT NOT NULL,
    next_number BIGINT NOT NULL,
    PRIMARY KEY (company_id, project_id, resource, parent)
);

-- The first answer to a request with an Idempotency-Token, kept 24 hours (the janitor purges).
CREATE TABLE idempotency (
    company_id BIGINT NOT NULL,
    principal TEXT NOT NULL,
    method TEXT NOT NULL,
    path TEXT NOT NULL,
    token TEXT NOT NULL,
    status BIGINT NOT NULL,
    body TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (company_id, principal, method, path, token)
);
CREATE INDEX idempotency_by_age ON idempotency (created_at);
