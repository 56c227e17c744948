-- Maintained list totals (issue #15, speed): a project list's total is read from here instead of
-- counted, so a page costs the same however many projects there are. Keep in step with
-- ../postgres/0011_list_counts.sql.
--
-- project_counts (company_id, 0): the company's active projects (the unfiltered list's total);
-- project_counts (company_id, user_id): the active projects the user (a person, a bot, a service
-- account) is a project member of in that company. Triggers keep both in the transaction of every
-- change to projects or project_users, whichever store method makes it.
CREATE TABLE project_counts (
    company_id BIGINT NOT NULL,
    user_id BIGINT NOT NULL,
    projects BIGINT NOT NULL,
    PRIMARY KEY (company_id, user_id)
);

INSERT INTO project_counts (company_id, user_id, projects)
SELECT c.id, 0, (SELECT COUNT(*) FROM projects p WHERE p.company_id = c.id AND p.active = TRUE)
FROM companies c;

INSERT INTO project_counts (company_id, user_id, projects)
SELECT pu.company_id, pu.user_id,
       SUM(CASE WHEN EXISTS (SELECT 1 FROM projects p WHERE p.id = pu.project_id
                             AND p.company_id = pu.company_id AND p.active = TRUE) THEN 1 ELSE 0 END)
FROM project_users pu
GROUP BY pu.company_id, pu.user_id;

CREATE TRIGGER project_counts_project_insert AFTER INSERT ON projects
BEGIN
    INSERT INTO project_counts (company_id, user_id, projects)
    VALUES (NEW.company_id, 0, CASE WHEN NEW.active THEN 1 ELSE 0 END)
    ON CONFLICT (company_id, user_id) DO UPDATE SET projects = projects + excluded.projects;
END;

CREATE TRIGGER project_counts_project_active AFTER UPDATE OF active ON projects
WHEN OLD.active <> NEW.active
BEGIN
    INSERT INTO project_counts (company_id, user_id, projects)
    VALUES (NEW.company_id, 0, CASE WHEN NEW.active THEN 1 ELSE -1 END)
    ON CONFLICT (company_id, user_id) DO UPDATE SET projects = projects + excluded.projects;
    UPDATE project_counts SET projects = projects + CASE WHEN NEW.active THEN 1 ELSE -1 END
    WHERE company_id = NEW.company_id
      AND user_id IN (SELECT user_id FROM project_users WHERE project_id = NEW.id AND company_id = NEW.company_id);
END;

CREATE TRIGGER project_counts_project_delete AFTER DELETE ON projects
WHEN OLD.active
BEGIN
    UPDATE project_counts SET projects = projects - 1
    WHERE company_id = OLD.company_id
      AND (user_id = 0
           OR user_id IN (SELECT user_id FROM project_users WHERE project_id = OLD.id AND company_id = OLD.company_id));
END;

CREATE TRIGGER project_counts_member_insert AFTER INSERT ON project_users
BEGIN
    INSERT INTO project_counts (company_id, user_id, projects)
    VALUES (NEW.company_id, NEW.user_id,
            (SELECT COUNT(*) FROM projects WHERE id = NEW.project_id AND company_id = NEW.company_id AND active = TRUE))
    ON CONFLICT (company_id, user_id) DO UPDATE SET projects = projects + excluded.projects;
END;

CREATE TRIGGER project_counts_member_delete AFTER DELETE ON project_users
BEGIN
    UPDATE project_counts
    SET projects = projects
        - (SELECT COUNT(*) FROM projects WHERE id = OLD.project_id AND company_id = OLD.company_id AND active = TRUE)
    WHERE company_id = OLD.company_id AND user_id = OLD.user_id;
END;

-- A membership never moves to another project, person or company (only its permissions change).
CREATE TRIGGER project_counts_member_fixed BEFORE UPDATE OF project_id, user_id, company_id ON project_users
WHEN OLD.project_id <> NEW.project_id OR OLD.user_id <> NEW.user_id OR OLD.company_id <> NEW.company_id
BEGIN
    SELECT RAISE(ABORT, 'a project membership cannot move');
END;

CREATE TRIGGER project_counts_project_fixed BEFORE UPDATE OF company_id ON projects
WHEN OLD.company_id <> NEW.company_id
BEGIN
    SELECT RAISE(ABORT, 'a project cannot move to another company');
END;
