//! [`SnapshotStore`]: the sandbox snapshot as copies of every table of the world
//! (`snapshot__<table>`, made with `CREATE TABLE … AS SELECT *`) and a row in
//! `sandbox_snapshot`. A reset empties the world's tables (children before the tables they
//! reference) and copies the snapshot back (parents first), then rewrites the tables that
//! triggers keep in step with others, all in one transaction. On PostgreSQL the snapshot reads
//! under `SHARE` locks and the reset writes under `ACCESS EXCLUSIVE` locks, both taken after the
//! outbox's shared advisory lock (the order every writer uses, so the webhook worker never
//! waits on a reset that waits on it); on SQLite the single writer and deferred foreign keys
//! do the same.

use super::tx::OUTBOX_LOCK;
use super::*;
use trestle_domain::event::EventContext;

/// The copies' prefix.
const PREFIX: &str = "snapshot__";
/// The prefix of the rows a reset keeps, set aside while it runs.
const KEPT_PREFIX: &str = "kept__";

/// A table whose current rows a reset keeps in part: `kept` selects the rows kept, `restored`
/// the snapshot's rows written back, `valid` which kept rows still belong once the rest is
/// back (their references must hold).
struct Keeping {
    table: &'static str,
    kept: &'static str,
    restored: &'static str,
    valid: &'static str,
}

/// Token revocations (a revoked token stays revoked; those of apps the reset removes go with
/// them) and the operator's API tokens (the platform's own access: the token that asks for
/// the reset keeps working).
const KEEPING: &[Keeping] = &[
    Keeping {
        table: "revoked_tokens",
        kept: "TRUE",
        restored: "FALSE",
        valid: "app_id IN (SELECT id FROM apps)",
    },
    Keeping {
        table: "api_tokens",
        kept: "is_operator AND user_id IS NULL",
        restored: "NOT (is_operator AND user_id IS NULL)",
        valid: "TRUE",
    },
];

fn keeping(table: &str) -> Option<&'static Keeping> {
    KEEPING.iter().find(|k| k.table == table)
}

/// Tables that triggers keep in step with others (list totals): written last, from the
/// snapshot, over whatever the triggers made of the rest being copied back.
const DERIVED: &[&str] = &["project_counts", "record_status_counts"];

/// Bookkeeping tables outside the world: the request log (what apps called is not part of
/// what a reset puts back; a reset leaves it as it is).
const OUTSIDE: &[&str] = &["sandbox_snapshot", "app_requests"];

/// Whether `name` is a table of the stored world (not bookkeeping, not a copy, not kept).
fn of_the_world(name: &str) -> bool {
    !name.starts_with(PREFIX) && !name.starts_with("_sqlx") && !name.starts_with("sqlite_") && !OUTSIDE.contains(&name)
}

/// Table names go into SQL text: only plain lower-case identifiers short enough for their
/// copy's name (PostgreSQL's 63 bytes) are taken.
fn plain(name: &str) -> Result<&str> {
    let ok = !name.is_empty()
        && name.len() + PREFIX.len() <= 63
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    if ok {
        Ok(name)
    } else {
        Err(StoreError::Other(format!(
            "table {name:?} cannot be kept in a snapshot"
        )))
    }
}

/// `tables` ordered so that each comes after every table it references (`refs`: (table,
/// referenced table)); references outside `tables`, and to itself, do not count. A circle of
/// references (none today) is broken by name order.
fn parents_first(tables: &[String], refs: &[(String, String)]) -> Vec<String> {
    let mut left: Vec<&String> = tables.iter().collect();
    let mut done: Vec<String> = Vec::with_capacity(tables.len());
    while !left.is_empty() {
        let ready = left.iter().position(|t| {
            refs.iter()
                .all(|(from, to)| from != *t || to == *t || !tables.contains(to) || done.contains(to))
        });
        let next = left.remove(ready.unwrap_or(0));
        done.push(next.clone());
    }
    done
}

fn info_of(row: (i64, i64, i64, i64)) -> SnapshotInfo {
    SnapshotInfo {
        taken_at: row.0,
        schema_version: row.1,
        tables: row.2,
        rows: row.3,
    }
}

macro_rules! impl_snapshot {
    ($store:ident, $db:ty, tables = $tables:expr, refs = $refs:expr, reading = $reading:expr,
     writing = $writing:expr, before_restore = $before:expr) => {
        impl $store {
            /// The world's tables (sorted parents first) on `conn`, and the snapshot's copies
            /// there are.
            async fn world(conn: &mut <$db as sqlx::Database>::Connection) -> Result<(Vec<String>, Vec<String>)> {
                let names: Vec<String> = sqlx::query_scalar($tables).fetch_all(&mut *conn).await?;
                let mut tables = Vec::new();
                for n in names.iter().filter(|n| of_the_world(n)) {
                    tables.push(plain(n)?.to_string());
                }
                let copies = names.into_iter().filter(|n| n.starts_with(PREFIX)).collect();
                let refs: Vec<(String, String)> = sqlx::query_as($refs).fetch_all(&mut *conn).await?;
                Ok((parents_first(&tables, &refs), copies))
            }

            async fn schema_version(conn: &mut <$db as sqlx::Database>::Connection) -> Result<i64> {
                Ok(sqlx::query_scalar("SELECT COALESCE(MAX(version), 0) FROM _sqlx_migrations")
                    .fetch_one(&mut *conn)
                    .await?)
            }

            /// Takes `mode` locks on `tables` (PostgreSQL), after the outbox's shared lock.
            async fn lock_world(
                conn: &mut <$db as sqlx::Database>::Connection,
                tables: &[String],
                mode: Option<&str>,
            ) -> Result<()> {
                if let Some(mode) = mode {
                    sqlx::query("SELECT pg_advisory_xact_lock_shared($1)")
                        .bind(OUTBOX_LOCK)
                        .execute(&mut *conn)
                        .await?;
                    let sql = format!("LOCK TABLE {} IN {mode} MODE", tables.join(", "));
                    sqlx::Executor::execute(&mut *conn, sql.as_str()).await?;
                }
                Ok(())
            }
        }

        #[async_trait]
        impl SnapshotStore for $store {
            async fn take_snapshot(&self, audit: &EventContext) -> Result<SnapshotInfo> {
                let mut tx = self.begin(audit).await?;
                let (tables, old) = Self::world(&mut tx).await?;
                Self::lock_world(&mut tx, &tables, $reading).await?;
                for copy in &old {
                    let sql = format!("DROP TABLE {}", plain(copy)?);
                    sqlx::Executor::execute(&mut *tx, sql.as_str()).await?;
                }
                let mut rows = 0i64;
                for t in &tables {
                    let sql = format!("CREATE TABLE {PREFIX}{t} AS SELECT * FROM {t}");
                    sqlx::Executor::execute(&mut *tx, sql.as_str()).await?;
                    let n: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {PREFIX}{t}"))
                        .fetch_one(&mut *tx)
                        .await?;
                    rows += n;
                }
                let info = SnapshotInfo {
                    taken_at: audit.at,
                    schema_version: Self::schema_version(&mut tx).await?,
                    tables: tables.len() as i64,
                    rows,
                };
                sqlx::query("DELETE FROM sandbox_snapshot").execute(&mut *tx).await?;
                sqlx::query(
                    "INSERT INTO sandbox_snapshot (id, taken_at, schema_version, table_count, row_count) \
                     VALUES (1, $1, $2, $3, $4)",
                )
                .bind(info.taken_at)
                .bind(info.schema_version)
                .bind(info.tables)
                .bind(info.rows)
                .execute(&mut *tx)
                .await?;
                tx.record(
                    Event::new(Action::SandboxSnapshot, TargetKind::Sandbox, "snapshot").after(serde_json::json!({
                        "taken_at": info.taken_at, "schema_version": info.schema_version,
                        "tables": info.tables, "rows": info.rows,
                    })),
                );
                tx.commit().await?;
                Ok(info)
            }

            async fn snapshot_info(&self) -> Result<Option<SnapshotInfo>> {
                let row: Option<(i64, i64, i64, i64)> = sqlx::query_as(
                    "SELECT taken_at, schema_version, table_count, row_count FROM sandbox_snapshot WHERE id = 1",
                )
                .fetch_optional(&self.read)
                .await?;
                Ok(row.map(info_of))
            }

            async fn restore_snapshot(&self, audit: &EventContext) -> Result<SnapshotInfo> {
                let mut tx = self.begin(audit).await?;
                let (tables, copies) = Self::world(&mut tx).await?;
                Self::lock_world(&mut tx, &tables, $writing).await?;
                let row: Option<(i64, i64, i64, i64)> = sqlx::query_as(
                    "SELECT taken_at, schema_version, table_count, row_count FROM sandbox_snapshot WHERE id = 1",
                )
                .fetch_optional(&mut *tx)
                .await?;
                let info = info_of(row.ok_or(StoreError::NotFound)?);
                let now = Self::schema_version(&mut tx).await?;
                if info.schema_version != now {
                    return Err(StoreError::Conflict(format!(
                        "the snapshot was taken under schema version {}, the database is at {now}: take a new snapshot",
                        info.schema_version
                    )));
                }
                if let Some(t) = tables.iter().find(|t| !copies.contains(&format!("{PREFIX}{t}"))) {
                    return Err(StoreError::Conflict(format!(
                        "the snapshot holds no copy of table {t}: take a new snapshot"
                    )));
                }
                if let Some(before) = $before {
                    sqlx::Executor::execute(&mut *tx, before).await?;
                }
                for k in KEEPING.iter().filter(|k| tables.iter().any(|t| t == k.table)) {
                    let sql = format!("CREATE TEMP TABLE {KEPT_PREFIX}{0} AS SELECT * FROM {0} WHERE {1}", k.table, k.kept);
                    sqlx::Executor::execute(&mut *tx, sql.as_str()).await?;
                }
                for t in tables.iter().rev() {
                    let sql = format!("DELETE FROM {t}");
                    sqlx::Executor::execute(&mut *tx, sql.as_str()).await?;
                }
                let mut rows = 0i64;
                for t in tables.iter().filter(|t| !DERIVED.contains(&t.as_str())) {
                    let sql = match keeping(t) {
                        None => format!("INSERT INTO {t} SELECT * FROM {PREFIX}{t}"),
                        Some(k) => format!("INSERT INTO {t} SELECT * FROM {PREFIX}{t} WHERE {}", k.restored),
                    };
                    rows += sqlx::Executor::execute(&mut *tx, sql.as_str()).await?.rows_affected() as i64;
                    if let Some(k) = keeping(t) {
                        let sql = format!("INSERT INTO {t} SELECT * FROM {KEPT_PREFIX}{t} WHERE {}", k.valid);
                        sqlx::Executor::execute(&mut *tx, sql.as_str()).await?;
                        let sql = format!("DROP TABLE {KEPT_PREFIX}{t}");
                        sqlx::Executor::execute(&mut *tx, sql.as_str()).await?;
                    }
                }
                for t in tables.iter().filter(|t| DERIVED.contains(&t.as_str())) {
                    let sql = format!("DELETE FROM {t}");
                    sqlx::Executor::execute(&mut *tx, sql.as_str()).await?;
                    let sql = format!("INSERT INTO {t} SELECT * FROM {PREFIX}{t}");
                    rows += sqlx::Executor::execute(&mut *tx, sql.as_str()).await?.rows_affected() as i64;
                }
                tx.record(
                    Event::new(Action::SandboxReset, TargetKind::Sandbox, "snapshot").after(serde_json::json!({
                        "snapshot_taken_at": info.taken_at, "rows": rows,
                    })),
                );
                tx.commit().await?;
                Ok(SnapshotInfo { rows, ..info })
            }
        }
    };
}

impl_snapshot!(
    SqliteStore,
    sqlx::Sqlite,
    tables = "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name",
    refs = "SELECT m.name, f.\"table\" FROM sqlite_master m JOIN pragma_foreign_key_list(m.name) f \
            WHERE m.type = 'table'",
    reading = None::<&str>,
    writing = None::<&str>,
    before_restore = Some("PRAGMA defer_foreign_keys = ON")
);
impl_snapshot!(
    PgStore,
    sqlx::Postgres,
    tables = "SELECT tablename::text FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename",
    refs = "SELECT c.conrelid::regclass::text, c.confrelid::regclass::text FROM pg_constraint c \
            WHERE c.contype = 'f' AND c.connamespace = current_schema()::regnamespace",
    reading = Some("SHARE"),
    writing = Some("ACCESS EXCLUSIVE"),
    before_restore = None::<&str>
);

#[cfg(test)]
mod tests {
    use super::*;

    fn names(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn referenced_tables_come_first() {
        let tables = names(&["grants", "apps", "users", "installs", "companies"]);
        let refs: Vec<(String, String)> = [
            ("installs", "apps"),
            ("installs", "companies"),
            ("grants", "users"),
            ("grants", "apps"),
            ("users", "users"),
            ("grants", "not_in_the_world"),
        ]
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
        let order = parents_first(&tables, &refs);
        let at = |t: &str| order.iter().position(|o| o == t).unwrap();
        assert_eq!(order.len(), 5);
        assert!(at("apps") < at("installs") && at("companies") < at("installs"));
        assert!(at("users") < at("grants") && at("apps") < at("grants"));
    }

    #[test]
    fn only_plain_table_names_reach_sql() {
        assert!(plain("record_status_counts").is_ok());
        for bad in ["", "x; DROP TABLE users", "Users", "a\"b", &"t".repeat(60)] {
            assert!(plain(bad).is_err(), "{bad:?}");
        }
        assert!(!of_the_world("snapshot__users") && !of_the_world("_sqlx_migrations"));
        assert!(of_the_world("revoked_tokens") && of_the_world("api_tokens"));
        assert!(
            !of_the_world("app_requests"),
            "the request log is left out of snapshots"
        );
        assert!(keeping("users").is_none() && keeping("api_tokens").is_some());
    }
}
