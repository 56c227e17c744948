"""Adds N companies that have the demo app installed (each with its bot), straight into a
stopped Trestle's SQLite database: `seed_installs.py trestle.db demo.json N`."""
import json
import sqlite3
import sys

db, demo, n = sys.argv[1], json.load(open(sys.argv[2])), int(sys.argv[3])
c = sqlite3.connect(db)
app = demo["app_id"]
version = c.execute(
    "SELECT id FROM app_versions WHERE app_id = ? AND status = 'promoted' ORDER BY id DESC LIMIT 1", (app,)
).fetchone()[0]
base = c.execute("SELECT COALESCE(MAX(id), 0) FROM companies").fetchone()[0]
ids = range(base + 1, base + n + 1)
with c:
    c.executemany("INSERT INTO companies (id, name, is_active, created_at) VALUES (?, ?, 1, 0)",
                  ((i, f"Bulk {i}") for i in ids))
    c.executemany("INSERT INTO users (kind, email, name, created_at) VALUES ('bot', ?, 'Bulk bot', 0)",
                  ((f"bulk-bot-{i}@dmsa.trestle.invalid",) for i in ids))
    c.execute("""INSERT INTO company_users (company_id, user_id, is_admin, is_active, permissions, created_at)
                 SELECT CAST(substr(email, 10, instr(email, '@') - 10) AS INTEGER), id, 0, 1, '{}', 0
                 FROM users WHERE email LIKE 'bulk-bot-%'""")
    c.execute("""INSERT INTO installs (company_id, app_id, version_id, bot_user_id, status, add_to_new_projects,
                 project_permissions, installed_at)
                 SELECT company_id, ?, ?, user_id, 'installed', 0, '{}', 0 FROM company_users
                 WHERE company_id > ?""", (app, version, base))
total = c.execute("SELECT COUNT(*) FROM installs WHERE app_id = ? AND status = 'installed'", (app,)).fetchone()[0]
print(f"the demo app is now installed in {total} companies")
