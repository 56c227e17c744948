-- Trestle schema, SQLite flavour. Timestamps are Unix seconds. Keep in step with
-- ../postgres/0001_init.sql: the two differ only in id columns and types.

CREATE TABLE users (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL CHECK (kind IN ('person', 'bot')),
    email TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE api_tokens (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    token_hash TEXT NOT NULL UNIQUE,
    user_id BIGINT REFERENCES users (id),
    is_operator BOOLEAN NOT NULL DEFAULT FALSE,
    label TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    revoked_at BIGINT,
    CHECK (is_operator OR user_id IS NOT NULL)
);

CREATE TABLE companies (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    is_active BOOLEAN NOT NULL DEFAULT TRUE,
    created_at BIGINT NOT NULL
);

CREATE TABLE company_users (
    company_id BIGINT NOT NULL REFERENCES companies (id),
    user_id BIGINT NOT NULL REFERENCES users (id),
    is_admin BOOLEAN NOT NULL DEFAULT FALSE,
    is_active BOOLEAN NOT NULL DEFAULT TRUE,
    permissions TEXT NOT NULL DEFAULT '{}',
    created_at BIGINT NOT NULL,
    PRIMARY KEY (company_id, user_id)
);
CREATE INDEX company_users_by_user ON company_users (user_id, company_id);

CREATE TABLE projects (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    company_id BIGINT NOT NULL REFERENCES companies (id),
    name TEXT NOT NULL,
    project_number TEXT,
    address TEXT,
    city TEXT,
    state_code TEXT,
    country_code TEXT,
    zip TEXT,
    active BOOLEAN NOT NULL DEFAULT TRUE,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX projects_by_company ON projects (company_id, id);

CREATE TABLE project_users (
    project_id BIGINT NOT NULL REFERENCES projects (id),
    user_id BIGINT NOT NULL REFERENCES users (id),
    company_id BIGINT NOT NULL REFERENCES companies (id),
    permissions TEXT NOT NULL DEFAULT '{}',
    created_at BIGINT NOT NULL,
    PRIMARY KEY (project_id, user_id)
);
CREATE INDEX project_users_by_user ON project_users (user_id, company_id, project_id);

CREATE TABLE apps (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    owner_id BIGINT NOT NULL REFERENCES users (id),
    name TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX apps_by_owner ON apps (owner_id, id);

CREATE TABLE app_versions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    app_id BIGINT NOT NULL REFERENCES apps (id),
    version TEXT NOT NULL,
    manifest TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('ready_for_testing', 'promoted')),
    app_version_uuid TEXT UNIQUE,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    promoted_at BIGINT,
    UNIQUE (app_id, version)
);

CREATE TABLE oauth_clients (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    app_id BIGINT NOT NULL REFERENCES apps (id),
    environment TEXT NOT NULL CHECK (environment IN ('production', 'sandbox')),
    client_id TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL,
    UNIQUE (app_id, environment)
);

CREATE TABLE client_secrets (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    client_pk BIGINT NOT NULL REFERENCES oauth_clients (id),
    secret_hash TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL,
    expires_at BIGINT,
    revoked_at BIGINT
);
CREATE INDEX client_secrets_by_client ON client_secrets (client_pk);

CREATE TABLE installs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    company_id BIGINT NOT NULL REFERENCES companies (id),
    app_id BIGINT NOT NULL REFERENCES apps (id),
    version_id BIGINT NOT NULL REFERENCES app_versions (id),
    bot_user_id BIGINT NOT NULL REFERENCES users (id),
    status TEXT NOT NULL CHECK (status IN ('installed', 'uninstalled')),
    add_to_new_projects BOOLEAN NOT NULL DEFAULT FALSE,
    -- the manifest's project permissions for this install, given to the bot in each permitted project
    project_permissions TEXT NOT NULL DEFAULT '{}',
    installed_by BIGINT REFERENCES users (id),
    installed_at BIGINT NOT NULL,
    uninstalled_at BIGINT
);
CREATE UNIQUE INDEX installs_one_active ON installs (company_id, app_id) WHERE status = 'installed';
CREATE INDEX installs_by_app ON installs (app_id, status, company_id);

CREATE TABLE audit_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at BIGINT NOT NULL,
    actor_kind TEXT NOT NULL,
    actor_user_id BIGINT,
    company_id BIGINT,
    app_id BIGINT,
    action TEXT NOT NULL,
    target_type TEXT NOT NULL,
    target_id TEXT NOT NULL,
    before_json TEXT,
    after_json TEXT
);
CREATE INDEX audit_by_company ON audit_events (company_id, id);
CREATE INDEX audit_by_app ON audit_events (app_id, id);
