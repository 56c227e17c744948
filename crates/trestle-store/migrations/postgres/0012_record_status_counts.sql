-- Live records per status value, so a list filtered on `status` (the filter clients use most:
-- open RFIs, open punch items, …) reads its Total from here instead of counting every record of
-- the collection. A record's status is its body's `status` when that is a string, number or
-- boolean (the text the list filter compares); a trigger keeps the counts in the transaction of
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

CREATE FUNCTION record_status(b jsonb) RETURNS text IMMUTABLE LANGUAGE sql AS $$
    SELECT CASE WHEN jsonb_typeof(b -> 'status') IN ('string', 'number', 'boolean') THEN b ->> 'status' END
$$;

INSERT INTO record_status_counts (company_id, project_id, resource, parent, status, live_count)
SELECT company_id, COALESCE(project_id, 0), resource, parent, record_status(body), COUNT(*)
FROM records
WHERE deleted_at IS NULL AND record_status(body) IS NOT NULL
GROUP BY company_id, COALESCE(project_id, 0), resource, parent, record_status(body);

CREATE FUNCTION records_status_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.deleted_at IS NULL AND record_status(OLD.body) IS NOT NULL THEN
        UPDATE record_status_counts SET live_count = live_count - 1
        WHERE company_id = OLD.company_id AND project_id = COALESCE(OLD.project_id, 0)
          AND resource = OLD.resource AND parent = OLD.parent AND status = record_status(OLD.body);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.deleted_at IS NULL AND record_status(NEW.body) IS NOT NULL THEN
        INSERT INTO record_status_counts (company_id, project_id, resource, parent, status, live_count)
        VALUES (NEW.company_id, COALESCE(NEW.project_id, 0), NEW.resource, NEW.parent, record_status(NEW.body), 1)
        ON CONFLICT (company_id, project_id, resource, parent, status)
        DO UPDATE SET live_count = record_status_counts.live_count + 1;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER records_status AFTER INSERT OR DELETE OR UPDATE OF body, deleted_at ON records
FOR EACH ROW EXECUTE FUNCTION records_status_count();
