-- People signing in (authorization_code): passwords, redirect URIs, browser sessions, grants,
-- codes and refresh tokens.

ALTER TABLE users ADD COLUMN password_hash TEXT;

-- Where an app may send people back after they approve it (exact match).
CREATE TABLE redirect_uris (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    app_id BIGINT NOT NULL REFERENCES apps (id),
    uri TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (app_id, uri)
);

-- Browser sessions of the login and consent pages (the cookie holds the token; this its hash).
CREATE TABLE web_sessions (
    session_hash TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id),
    csrf TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);

-- One person's approval of one client. Every access and refresh token of the flow belongs to a
-- grant; revoking the grant ends them all.
CREATE TABLE grants (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    client_pk BIGINT NOT NULL REFERENCES oauth_clients (id),
    app_id BIGINT NOT NULL REFERENCES apps (id),
    user_id BIGINT NOT NULL REFERENCES users (id),
    created_at BIGINT NOT NULL,
    revoked_at BIGINT
);

CREATE TABLE auth_codes (
    code_hash TEXT PRIMARY KEY,
    client_pk BIGINT NOT NULL REFERENCES oauth_clients (id),
    user_id BIGINT NOT NULL REFERENCES users (id),
    redirect_uri TEXT NOT NULL,
    code_challenge TEXT,
    expires_at BIGINT NOT NULL,
    used_at BIGINT,
    grant_id BIGINT REFERENCES grants (id)
);

CREATE TABLE refresh_tokens (
    token_hash TEXT PRIMARY KEY,
    grant_id BIGINT NOT NULL REFERENCES grants (id),
    created_at BIGINT NOT NULL,
    used_at BIGINT
);
CREATE INDEX refresh_tokens_by_grant ON refresh_tokens (grant_id);
