-- Revoked access tokens (RFC 7009). Tokens are self-validating, so a revocation is remembered
-- until the token would have expired anyway.
CREATE TABLE revoked_tokens (
    token_id TEXT PRIMARY KEY,
    app_id BIGINT NOT NULL REFERENCES apps (id),
    expires_at BIGINT NOT NULL,
    revoked_at BIGINT NOT NULL
);
CREATE INDEX revoked_tokens_by_app ON revoked_tokens (app_id, expires_at);
