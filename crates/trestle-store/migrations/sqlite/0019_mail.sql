-- E-mail notifications (issue #16 item 7). Keep in step with ../postgres/0019_mail.sql: the two
-- differ only in the id column.

-- Every message the platform composed from an outbox event, whatever became of it: `kept`
-- (no SMTP server configured), `queued` (to be sent at next_attempt_at), `sent`, `failed`
-- (given up). One message per event and recipient.
CREATE TABLE mail_messages (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    recipient_user_id BIGINT NOT NULL REFERENCES users (id),
    recipient_address TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    event_id BIGINT NOT NULL,
    action TEXT NOT NULL,
    company_id BIGINT,
    status TEXT NOT NULL CHECK (status IN ('kept', 'queued', 'sent', 'failed')),
    attempts BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    claimed_until BIGINT,
    last_error TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    sent_at BIGINT
);
CREATE UNIQUE INDEX mail_messages_once ON mail_messages (event_id, recipient_user_id);
CREATE INDEX mail_messages_by_recipient ON mail_messages (recipient_user_id, id);
CREATE INDEX mail_messages_by_status ON mail_messages (status, id);
CREATE INDEX mail_messages_due ON mail_messages (next_attempt_at, id) WHERE status = 'queued';

-- How far the outbox has been composed into messages (one row). A node moves it from the value
-- it read to the last event it composed, compare-and-set, in the transaction that keeps the
-- messages: two nodes never compose an event twice.
CREATE TABLE mail_cursor (
    name TEXT PRIMARY KEY,
    last_event_id BIGINT NOT NULL
);
INSERT INTO mail_cursor (name, last_event_id) VALUES ('outbox', (SELECT COALESCE(MAX(id), 0) FROM outbox));
