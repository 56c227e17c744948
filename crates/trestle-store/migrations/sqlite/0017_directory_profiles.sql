-- A company's own view of a person in its directory (issue #15): the profile fields Procore's
-- company and project user endpoints write (job title, phones, address, names as the company
-- knows them, ...), as a JSON object per membership. A person's login name stays theirs: what one
-- company writes here is never seen by another.
ALTER TABLE company_users ADD COLUMN profile TEXT NOT NULL DEFAULT '{}';
-- A project's fields from Procore's project endpoints that have no column of their own
-- (description, dates, total value, ...), as a JSON object.
ALTER TABLE projects ADD COLUMN details TEXT NOT NULL DEFAULT '{}';
