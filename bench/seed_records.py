"""Grows one project's RFIs to N, straight into a stopped Trestle's SQLite database:
`seed_records.py trestle.db demo.json N`.

The project is the first permitted project of the demo's first company (the one the bench's bot
token reads). New RFIs copy the body of the project's first sample RFI (so they are what the
engine itself writes), with their own subject, and every third one `closed` (the others `open`),
numbered on from the collection's counter; `record_counters` (live count, next number) is moved
in the same transaction, so the unfiltered list's total stays right. Inserts in batches of
50,000 rows in one transaction; prints the time taken. Does nothing if the project already holds
N or more live RFIs.
"""
import json
import sqlite3
import sys
import time

BATCH = 50_000

db, demo, target = sys.argv[1], json.load(open(sys.argv[2])), int(sys.argv[3])
company = demo["companies"][0]["id"]
project = demo["companies"][0]["permitted_project_ids"][0]
c = sqlite3.connect(db)
c.execute("PRAGMA journal_mode = WAL")
c.execute("PRAGMA synchronous = NORMAL")
scope = (company, project, "rfis", "")
row = c.execute(
    "SELECT body, created_by, created_at FROM records WHERE company_id = ? AND project_id = ? AND resource = ? "
    "AND parent = ? AND deleted_at IS NULL ORDER BY id LIMIT 1",
    scope,
).fetchone()
if row is None:
    sys.exit(f"project {project} of company {company} holds no sample RFI to copy")
template, created_by, at = json.loads(row[0]), row[1], row[2]
live, next_number = c.execute(
    "SELECT live_count, next_number FROM record_counters WHERE company_id = ? AND project_id = ? "
    "AND resource = ? AND parent = ?",
    scope,
).fetchone()
missing = target - live
start = time.time()
number = next_number
while missing > 0:
    n = min(BATCH, missing)

    def rows(first=number, n=n):
        for k in range(first, first + n):
            body = dict(template, subject=f"Bench RFI {k}", status="closed" if k % 3 == 0 else "open")
            yield (company, project, "rfis", "", json.dumps(body, separators=(",", ":")), k, at, at, created_by)

    with c:
        c.executemany(
            "INSERT INTO records (company_id, project_id, resource, parent, body, number, created_at, updated_at, "
            "created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows(),
        )
        c.execute(
            "UPDATE record_counters SET live_count = live_count + ?, next_number = next_number + ? "
            "WHERE company_id = ? AND project_id = ? AND resource = ? AND parent = ?",
            (n, n, *scope),
        )
    number += n
    missing -= n
c.execute("PRAGMA wal_checkpoint(TRUNCATE)")
live, next_number = c.execute(
    "SELECT live_count, next_number FROM record_counters WHERE company_id = ? AND project_id = ? "
    "AND resource = ? AND parent = ?",
    scope,
).fetchone()
counted = c.execute(
    "SELECT COUNT(*) FROM records WHERE company_id = ? AND project_id = ? AND resource = ? AND parent = ? "
    "AND deleted_at IS NULL",
    scope,
).fetchone()[0]
if counted != live:
    sys.exit(f"record_counters says {live} live RFIs but the project holds {counted}")
print(f"project {project} now holds {live} RFIs (next number {next_number}); seeding took {time.time() - start:.1f} s")
