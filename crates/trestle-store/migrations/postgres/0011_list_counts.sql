-- Maintained list totals (issue #15, speed): a project list's total is read from here instead of
-- counted, so a page costs the same however many projects there are. Keep in step with
-- ../sqlite/0011_list_counts.sql (the same table and rules; here the triggers run once per
-- statement over its transition tables, so permitting 100,000 projects in one statement
-- updates each counter once).
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
SELECT pu.company_id, pu.user_id, COUNT(p.id)
FROM project_users pu
LEFT JOIN projects p ON p.id = pu.project_id AND p.company_id = pu.company_id AND p.active = TRUE
GROUP BY pu.company_id, pu.user_id;

-- New projects: their companies' counts.
CREATE FUNCTION project_counts_projects_insert() RETURNS TRIGGER
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO project_counts (company_id, user_id, projects)
    SELECT company_id, 0, COUNT(*) FILTER (WHERE active) FROM new_rows GROUP BY company_id
    ON CONFLICT (company_id, user_id) DO UPDATE SET projects = project_counts.projects + excluded.projects;
    RETURN NULL;
END
$$;

-- Deactivated or reactivated projects: their companies' counts and their members'.
CREATE FUNCTION project_counts_projects_update() RETURNS TRIGGER
LANGUAGE plpgsql AS $$
BEGIN
    WITH moved AS (
        SELECT n.id, n.company_id, CASE WHEN n.active THEN 1 ELSE -1 END AS delta
        FROM new_rows n JOIN old_rows o ON o.id = n.id
        WHERE o.active <> n.active
    ),
    deltas AS (
        SELECT company_id, 0 AS user_id, SUM(delta) AS delta FROM moved GROUP BY company_id
        UNION ALL
        SELECT pu.company_id, pu.user_id, SUM(m.delta)
        FROM moved m JOIN project_users pu ON pu.project_id = m.id AND pu.company_id = m.company_id
        GROUP BY pu.company_id, pu.user_id
    )
    INSERT INTO project_counts (company_id, user_id, projects)
    SELECT company_id, user_id, delta FROM deltas
    ON CONFLICT (company_id, user_id) DO UPDATE SET projects = project_counts.projects + excluded.projects;
    RETURN NULL;
END
$$;

-- Deleted projects that were active: their companies' counts and any members left.
CREATE FUNCTION project_counts_projects_delete() RETURNS TRIGGER
LANGUAGE plpgsql AS $$
BEGIN
    WITH gone AS (SELECT id, company_id FROM old_rows WHERE active),
    deltas AS (
        SELECT company_id, 0 AS user_id, COUNT(*) AS n FROM gone GROUP BY company_id
        UNION ALL
        SELECT pu.company_id, pu.user_id, COUNT(*)
        FROM gone g JOIN project_users pu ON pu.project_id = g.id AND pu.company_id = g.company_id
        GROUP BY pu.company_id, pu.user_id
    )
    UPDATE project_counts pc SET projects = pc.projects - d.n
    FROM deltas d WHERE pc.company_id = d.company_id AND pc.user_id = d.user_id;
    RETURN NULL;
END
$$;

-- New memberships: the members' counts (a membership of an inactive project counts 0).
CREATE FUNCTION project_counts_members_insert() RETURNS TRIGGER
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO project_counts (company_id, user_id, projects)
    SELECT n.company_id, n.user_id, COUNT(p.id)
    FROM new_rows n
    LEFT JOIN projects p ON p.id = n.project_id AND p.company_id = n.company_id AND p.active = TRUE
    GROUP BY n.company_id, n.user_id
    ON CONFLICT (company_id, user_id) DO UPDATE SET projects = project_counts.projects + excluded.projects;
    RETURN NULL;
END
$$;

-- Removed memberships: the members' counts.
CREATE FUNCTION project_counts_members_delete() RETURNS TRIGGER
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE project_counts pc SET projects = pc.projects - d.n
    FROM (
        SELECT o.company_id, o.user_id, COUNT(p.id) AS n
        FROM old_rows o
        JOIN projects p ON p.id = o.project_id AND p.company_id = o.company_id AND p.active = TRUE
        GROUP BY o.company_id, o.user_id
    ) d
    WHERE pc.company_id = d.company_id AND pc.user_id = d.user_id;
    RETURN NULL;
END
$$;

-- A membership never moves to another project, person or company (only its permissions
-- change), and a project never moves to another company: the counts rely on it.
CREATE FUNCTION project_counts_refuse_move() RETURNS TRIGGER
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% rows cannot move (project_counts)', TG_TABLE_NAME;
END
$$;

CREATE TRIGGER project_counts_projects_insert AFTER INSERT ON projects
REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION project_counts_projects_insert();
CREATE TRIGGER project_counts_projects_update AFTER UPDATE ON projects
REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION project_counts_projects_update();
CREATE TRIGGER project_counts_projects_delete AFTER DELETE ON projects
REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION project_counts_projects_delete();
CREATE TRIGGER project_counts_members_insert AFTER INSERT ON project_users
REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION project_counts_members_insert();
CREATE TRIGGER project_counts_members_delete AFTER DELETE ON project_users
REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION project_counts_members_delete();
CREATE TRIGGER project_counts_members_fixed BEFORE UPDATE OF project_id, user_id, company_id ON project_users
FOR EACH ROW WHEN (OLD.project_id <> NEW.project_id OR OLD.user_id <> NEW.user_id OR OLD.company_id <> NEW.company_id)
EXECUTE FUNCTION project_counts_refuse_move();
CREATE TRIGGER project_counts_projects_fixed BEFORE UPDATE OF company_id ON projects
FOR EACH ROW WHEN (OLD.company_id <> NEW.company_id)
EXECUTE FUNCTION project_counts_refuse_move();
