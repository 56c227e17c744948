-- Company invitations: an admin invites a person by e-mail address; the person joins the
-- directory when they accept. `user_id` is the invited person (NULL when the address belongs
-- to no person, e.g. an app's bot: such an invitation can never be accepted). It is never shown
-- to the company's admins.
CREATE TABLE company_invitations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    company_id BIGINT NOT NULL REFERENCES companies (id),
    email TEXT NOT NULL,
    user_id BIGINT REFERENCES users (id),
    is_admin BOOLEAN NOT NULL DEFAULT FALSE,
    permissions TEXT NOT NULL DEFAULT '{}',
    status TEXT NOT NULL CHECK (status IN ('pending', 'accepted', 'cancelled')),
    invited_by BIGINT REFERENCES users (id),
    created_at BIGINT NOT NULL,
    decided_at BIGINT
);
CREATE UNIQUE INDEX company_invitations_one_pending ON company_invitations (company_id, email) WHERE status = 'pending';
CREATE INDEX company_invitations_by_user ON company_invitations (user_id, status);
