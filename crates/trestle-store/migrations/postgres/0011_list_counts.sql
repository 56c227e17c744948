-- Maintained list totals (issue #15, speed): a project list's total is read from here instead of
-- counted, so a page costs the same however many projects there are. Keep in step with
-- ../sqlite/0011_list_counts.sql.
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

CREATE FUNCTION project_counts_add(company BIGINT, member BIGINT, delta BIGINT) RETURNS VOID
LANGUAGE SQL AS $$
    INSERT INTO project_counts (company_id, user_id, projects) VALUES (company, member, delta)
    ON CONFLICT (company_id, user_id) DO UPDATE SET projects = project_counts.projects + excluded.projects
$$;

CREATE FUNCTION project_counts_projects() RETURNS TRIGGER
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM project_counts_add(NEW.company_id, 0, CASE WHEN NEW.active THEN 1 ELSE 0 END);
        RETURN NULL;
    ELSIF TG_OP = 'UPDATE' THEN
        IF OLD.company_id <> NEW.company_id THEN
            RAISE EXCEPTION 'a project cannot move to another company';
        END IF;
        IF OLD.active <> NEW.active THEN
            PERFORM project_counts_add(NEW.company_id, 0, CASE WHEN NEW.active THEN 1 ELSE -1 END);
            UPDATE project_counts SET projects = projects + CASE WHEN NEW.active THEN 1 ELSE -1 END
            WHERE company_id = NEW.company_id
              AND user_id IN (SELECT user_id FROM project_users WHERE project_id = NEW.id AND company_id = NEW.company_id);
        END IF;
        RETURN NULL;
    ELSE
        IF OLD.active THEN
            UPDATE project_counts SET projects = projects - 1
            WHERE company_id = OLD.company_id
              AND (user_id = 0
                   OR user_id IN (SELECT user_id FROM project_users WHERE project_id = OLD.id AND company_id = OLD.company_id));
        END IF;
        RETURN NULL;
    END IF;
END
$$;

CREATE FUNCTION project_counts_members() RETURNS TRIGGER
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM project_counts_add(NEW.company_id, NEW.user_id,
            (SELECT COUNT(*) FROM projects WHERE id = NEW.project_id AND company_id = NEW.company_id AND active = TRUE));
        RETURN NULL;
    ELSIF TG_OP = 'UPDATE' THEN
        IF OLD.project_id <> NEW.project_id OR OLD.user_id <> NEW.user_id OR OLD.company_id <> NEW.company_id THEN
            RAISE EXCEPTION 'a project membership cannot move';
        END IF;
        RETURN NULL;
    ELSE
        UPDATE project_counts
        SET projects = projects
            - (SELECT COUNT(*) FROM projects WHERE id = OLD.project_id AND company_id = OLD.company_id AND active = TRUE)
        WHERE company_id = OLD.company_id AND user_id = OLD.user_id;
        RETURN NULL;
    END IF;
END
$$;

CREATE TRIGGER project_counts_projects AFTER INSERT OR UPDATE OR DELETE ON projects
FOR EACH ROW EXECUTE FUNCTION project_counts_projects();
CREATE TRIGGER project_counts_members AFTER INSERT OR UPDATE OR DELETE ON project_users
FOR EACH ROW EXECUTE FUNCTION project_counts_members();
