-- Webhooks (issue #16). Keep in step with ../postgres/0013_webhooks.sql: the two differ only in
-- the id columns.

-- A destination owned by one company (project_id NULL: it receives the company's events and
-- those of all its projects) or one project. The signing secret is not stored: the server
-- derives it from its key and secret_salt.
CREATE TABLE webhook_hooks (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    company_id BIGINT NOT NULL REFERENCES companies (id),
    project_id BIGINT REFERENCES projects (id) ON DELETE CASCADE,
    namespace TEXT NOT NULL,
    api_version TEXT NOT NULL,
    destination_url TEXT NOT NULL,
    destination_headers TEXT NOT NULL, -- JSON object of header name to value
    active BOOLEAN NOT NULL,
    owned_by_user_id BIGINT,
    secret_salt TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX webhook_hooks_by_company ON webhook_hooks (company_id, project_id, id);

CREATE TABLE webhook_triggers (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    hook_id BIGINT NOT NULL REFERENCES webhook_hooks (id) ON DELETE CASCADE,
    company_id BIGINT NOT NULL,
    project_id BIGINT,
    resource_name TEXT NOT NULL,
    event_type TEXT NOT NULL,
    created_by BIGINT,
    created_at BIGINT NOT NULL,
    -- The last outbox id when the trigger was made: it fires for later events only.
    after_event_id BIGINT NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX webhook_triggers_once ON webhook_triggers (hook_id, resource_name, event_type);

-- One committed event queued for one hook, with the last attempt's outcome. A hook's queue is
-- its queued and failing rows in id order (the order of the events' commits); only the head is
-- attempted, when due and not claimed by a node (claimed_until).
CREATE TABLE webhook_deliveries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    hook_id BIGINT NOT NULL REFERENCES webhook_hooks (id) ON DELETE CASCADE,
    company_id BIGINT NOT NULL,
    event_id BIGINT NOT NULL,
    payload TEXT NOT NULL,
    status TEXT NOT NULL, -- queued | successful | failing | discarded
    attempts BIGINT NOT NULL,
    next_attempt_at BIGINT NOT NULL,
    first_failed_at BIGINT,
    claimed_until BIGINT,
    response_status BIGINT,
    response_headers TEXT,
    response_body TEXT,
    error TEXT,
    started_at BIGINT,
    completed_at BIGINT,
    duration_ms BIGINT,
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX webhook_deliveries_once ON webhook_deliveries (hook_id, event_id);
CREATE INDEX webhook_deliveries_pending ON webhook_deliveries (hook_id, id) WHERE status IN ('queued', 'failing');
CREATE INDEX webhook_deliveries_by_hook ON webhook_deliveries (hook_id, id);

-- How far the outbox has been matched against triggers (one row): where a starting node
-- begins. Nodes keep their own position in memory and write it with the deliveries they queue
-- (a delivery is queued once per hook and event whichever nodes match it).
CREATE TABLE webhook_cursor (
    name TEXT PRIMARY KEY,
    last_event_id BIGINT NOT NULL
);
INSERT INTO webhook_cursor (name, last_event_id) VALUES ('outbox', (SELECT COALESCE(MAX(id), 0) FROM outbox));
