-- The outbox: every committed domain event, written in the transaction of its change beside
-- its audit row and under the same id. Readers (webhook delivery) read "after the last id I
-- handled" in id order; the primary key is the index that reading uses.
CREATE TABLE outbox (
    id BIGINT PRIMARY KEY, -- the event's audit_events.id
    at BIGINT NOT NULL,
    actor_kind TEXT NOT NULL,
    actor_user_id BIGINT,
    company_id BIGINT,
    project_id BIGINT,
    app_id BIGINT,
    action TEXT NOT NULL,
    target_type TEXT NOT NULL,
    target_id TEXT NOT NULL,
    before_json TEXT,
    after_json TEXT
);
