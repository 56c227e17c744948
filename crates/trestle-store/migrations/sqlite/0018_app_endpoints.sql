-- App lifecycle webhooks (issue #16 item 5). Keep in step with ../postgres/0018_app_endpoints.sql:
-- the two differ only in the id columns.

-- An app's own destination of its lifecycle events (installs, permitted projects, updates,
-- suspension, expiring secrets). The signing secret is not stored: the server derives it from
-- its key and secret_salt.
CREATE TABLE app_endpoints (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    app_id BIGINT NOT NULL REFERENCES apps (id),
    url TEXT NOT NULL,
    description TEXT,
    active BOOLEAN NOT NULL,
    secret_salt TEXT NOT NULL,
    created_by BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    -- The last outbox id when the endpoint was made: it receives later events only.
    after_event_id BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX app_endpoints_by_app ON app_endpoints (app_id, id);

-- One lifecycle event queued for one endpoint; the same queue rules as webhook_deliveries.
CREATE TABLE app_endpoint_deliveries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    endpoint_id BIGINT NOT NULL REFERENCES app_endpoints (id) ON DELETE CASCADE,
    app_id BIGINT NOT NULL,
    event_id BIGINT NOT NULL,
    event_type TEXT NOT NULL,
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
CREATE UNIQUE INDEX app_endpoint_deliveries_once ON app_endpoint_deliveries (endpoint_id, event_id);
CREATE INDEX app_endpoint_deliveries_pending ON app_endpoint_deliveries (endpoint_id, id) WHERE status IN ('queued', 'failing');

-- When the secret's coming expiry was announced (client_secret.expiring, once per secret).
ALTER TABLE client_secrets ADD COLUMN expiry_announced_at BIGINT;

-- The app whose token made a change (a bot's record writes): webhook payloads' source_application_id.
ALTER TABLE outbox ADD COLUMN actor_app_id BIGINT;
