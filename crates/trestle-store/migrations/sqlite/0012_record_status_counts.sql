-- Live records per status value, so a list filtered on `status` (the filter clients use most:
-- open RFIs, open punch items, …) reads its Total from here instead of counting every record of
-- the collection. A record's status is its body's `status` when that is a string, number or
-- boolean (the text the list filter compares); triggers keep the counts in the transaction of
-- every write, whoever writes.
CREATE TABLE record_status_counts (
    company_id BIGINT NOT NULL,
    project_id BIGINT NOT NULL, -- 0 for a company-level collection, as in record_counters
    resource TEXT NOT NULL,
    parent TEXT NOT NULL,
    status TEXT NOT NULL,
    live_count BIGINT NOT NULL,
    PRIMARY KEY (company_id, project_id, resource, parent, status)
);

INSERT INTO record_status_counts (company_id, project_id, resource, parent, status, live_count)
SELECT company_id, COALESCE(project_id, 0), resource, parent, s, COUNT(*)
FROM (SELECT company_id, project_id, resource, parent,
             CASE json_type(body, '$.status') WHEN 'true' THEN 'true' WHEN 'false' THEN 'false'
                  WHEN 'null' THEN NULL WHEN 'object' THEN NULL WHEN 'array' THEN NULL
                  ELSE CAST(json_extract(body, '$.status') AS TEXT) END AS s
      FROM records WHERE deleted_at IS NULL)
WHERE s IS NOT NULL
GROUP BY company_id, COALESCE(project_id, 0), resource, parent, s;

CREATE TRIGGER records_status_insert AFTER INSERT ON records
WHEN NEW.deleted_at IS NULL
BEGIN
    INSERT INTO record_status_counts (company_id, project_id, resource, parent, status, live_count)
    SELECT NEW.company_id, COALESCE(NEW.project_id, 0), NEW.resource, NEW.parent, s, 1
    FROM (SELECT CASE json_type(NEW.body, '$.status') WHEN 'true' THEN 'true' WHEN 'false' THEN 'false'
                      WHEN 'null' THEN NULL WHEN 'object' THEN NULL WHEN 'array' THEN NULL
                      ELSE CAST(json_extract(NEW.body, '$.status') AS TEXT) END AS s)
    WHERE s IS NOT NULL
    ON CONFLICT (company_id, project_id, resource, parent, status)
    DO UPDATE SET live_count = live_count + 1;
END;

CREATE TRIGGER records_status_delete AFTER DELETE ON records
WHEN OLD.deleted_at IS NULL
BEGIN
    UPDATE record_status_counts SET live_count = live_count - 1
    WHERE company_id = OLD.company_id AND project_id = COALESCE(OLD.project_id, 0)
      AND resource = OLD.resource AND parent = OLD.parent
      AND status = CASE json_type(OLD.body, '$.status') WHEN 'true' THEN 'true' WHEN 'false' THEN 'false'
                        WHEN 'null' THEN NULL WHEN 'object' THEN NULL WHEN 'array' THEN NULL
                        ELSE CAST(json_extract(OLD.body, '$.status') AS TEXT) END;
END;

CREATE TRIGGER records_status_update AFTER UPDATE OF body, deleted_at ON records
BEGIN
    UPDATE record_status_counts SET live_count = live_count - 1
    WHERE OLD.deleted_at IS NULL
      AND company_id = OLD.company_id AND project_id = COALESCE(OLD.project_id, 0)
      AND resource = OLD.resource AND parent = OLD.parent
      AND status = CASE json_type(OLD.body, '$.status') WHEN 'true' THEN 'true' WHEN 'false' THEN 'false'
                        WHEN 'null' THEN NULL WHEN 'object' THEN NULL WHEN 'array' THEN NULL
                        ELSE CAST(json_extract(OLD.body, '$.status') AS TEXT) END;
    INSERT INTO record_status_counts (company_id, project_id, resource, parent, status, live_count)
    SELECT NEW.company_id, COALESCE(NEW.project_id, 0), NEW.resource, NEW.parent, s, 1
    FROM (SELECT CASE json_type(NEW.body, '$.status') WHEN 'true' THEN 'true' WHEN 'false' THEN 'false'
                      WHEN 'null' THEN NULL WHEN 'object' THEN NULL WHEN 'array' THEN NULL
                      ELSE CAST(json_extract(NEW.body, '$.status') AS TEXT) END AS s)
    WHERE s IS NOT NULL AND NEW.deleted_at IS NULL
    ON CONFLICT (company_id, project_id, resource, parent, status)
    DO UPDATE SET live_count = live_count + 1;
END;
