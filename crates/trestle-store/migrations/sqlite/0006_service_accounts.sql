-- Traditional service accounts (legacy): one company each, their own client id and secrets, a
-- directory contact that follows the bot rules, permissions granted by the company's admins.
CREATE TABLE service_accounts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    company_id BIGINT NOT NULL REFERENCES companies (id),
    user_id BIGINT NOT NULL REFERENCES users (id),
    name TEXT NOT NULL,
    app_type TEXT NOT NULL CHECK (app_type IN ('custom', 'marketplace')),
    app_id BIGINT REFERENCES apps (id),
    client_id TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL,
    retired_at BIGINT
);
CREATE INDEX service_accounts_by_company ON service_accounts (company_id, id);

CREATE TABLE service_account_secrets (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id BIGINT NOT NULL REFERENCES service_accounts (id),
    secret_hash TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL,
    revoked_at BIGINT
);
CREATE INDEX service_account_secrets_by_account ON service_account_secrets (account_id);
