-- Company administration: marketplace publishing and the Documents tool.

ALTER TABLE apps ADD COLUMN published_at BIGINT;

-- Folders and files of a project's Documents tool. Deleting a folder deletes what it holds.
CREATE TABLE documents (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    company_id BIGINT NOT NULL REFERENCES companies (id),
    project_id BIGINT NOT NULL REFERENCES projects (id),
    parent_id BIGINT REFERENCES documents (id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('folder', 'file')),
    name TEXT NOT NULL,
    data TEXT,
    created_by BIGINT REFERENCES users (id),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX documents_by_parent ON documents (project_id, parent_id, id);
