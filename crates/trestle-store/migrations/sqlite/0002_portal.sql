-- Developer portal: app deletion, development sandboxes, sandbox version keys, install updates.

ALTER TABLE apps ADD COLUMN deleted_at BIGINT;
-- The app whose development sandbox this company is (NULL for real companies).
ALTER TABLE companies ADD COLUMN sandbox_of_app BIGINT;
CREATE INDEX companies_by_sandbox_app ON companies (sandbox_of_app);
-- Installs a version in the app's development sandbox; renewed on every save.
ALTER TABLE app_versions ADD COLUMN sandbox_key TEXT;
CREATE UNIQUE INDEX app_versions_by_sandbox_key ON app_versions (sandbox_key);

-- A newer promoted version offered to an installed company. Versions that widen permissions
-- wait for the company admin ('pending'); others are applied at once ('applied').
CREATE TABLE install_updates (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    install_id BIGINT NOT NULL REFERENCES installs (id),
    company_id BIGINT NOT NULL REFERENCES companies (id),
    app_id BIGINT NOT NULL REFERENCES apps (id),
    from_version_id BIGINT NOT NULL REFERENCES app_versions (id),
    to_version_id BIGINT NOT NULL REFERENCES app_versions (id),
    status TEXT NOT NULL CHECK (status IN ('pending', 'applied', 'approved', 'superseded')),
    widened TEXT NOT NULL DEFAULT '[]',
    created_at BIGINT NOT NULL,
    decided_at BIGINT,
    decided_by BIGINT REFERENCES users (id)
);
CREATE INDEX install_updates_by_install ON install_updates (install_id, id);
CREATE INDEX install_updates_by_app ON install_updates (app_id, id);
