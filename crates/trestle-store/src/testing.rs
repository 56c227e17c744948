//! Throw-away databases for tests: a SQLite file in a temporary directory, or a fresh schema in
//! the PostgreSQL named by `TRESTLE_TEST_PG_URL` (default `postgres://postgres@127.0.0.1:5432/test`).
//! PostgreSQL tests do not skip silently: if the server is not there, they fail and say so.

use sqlx::Connection;

/// Which backend a test runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A database that exists for one test. Call [`TestDb::cleanup`] at the end.
pub struct TestDb {
    pub url: String,
    pub backend: Backend,
    schema: Option<String>,
    _dir: Option<tempfile::TempDir>,
}

pub fn pg_base_url() -> String {
    std::env::var("TRESTLE_TEST_PG_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

impl TestDb {
    pub async fn new(backend: Backend) -> TestDb {
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().expect("temp dir");
                let url = format!("sqlite://{}", dir.path().join("trestle.db").display());
                TestDb {
                    url,
                    backend,
                    schema: None,
                    _dir: Some(dir),
                }
            }
            Backend::Postgres => {
                let base = pg_base_url();
                let schema = format!("t_{}", uuid::Uuid::new_v4().simple());
                let mut conn = sqlx::PgConnection::connect(&base).await.unwrap_or_else(|e| {
                    panic!("PostgreSQL tests need a server at {base} (set TRESTLE_TEST_PG_URL): {e}")
                });
                sqlx::query(&format!("CREATE SCHEMA {schema}"))
                    .execute(&mut conn)
                    .await
                    .expect("create schema");
                let sep = if base.contains('?') { '&' } else { '?' };
                // The application name marks this test's connections (to find or end them).
                let url = format!("{base}{sep}options=-c%20search_path%3D{schema}&application_name={schema}");
                TestDb {
                    url,
                    backend,
                    schema: Some(schema),
                    _dir: None,
                }
            }
        }
    }

    /// PostgreSQL: the application name of this database's connections (the schema name).
    pub fn application_name(&self) -> Option<&str> {
        self.schema.as_deref()
    }

    pub async fn cleanup(self) {
        if let Some(schema) = &self.schema {
            if let Ok(mut conn) = sqlx::PgConnection::connect(&pg_base_url()).await {
                let _ = sqlx::query(&format!("DROP SCHEMA {schema} CASCADE"))
                    .execute(&mut conn)
                    .await;
            }
        }
    }
}

/// PostgreSQL's plan (`EXPLAIN`, text) for the store's project list page query, with these
/// values bound: the company's list, or with `member` the user's.
pub async fn explain_project_list(url: &str, company: i64, member: Option<i64>, after: i64, limit: i64) -> String {
    let mut conn = sqlx::PgConnection::connect(url).await.expect("connect");
    let sql = format!("EXPLAIN {}", crate::sql::project_list_sql(member.is_some()));
    let mut q = sqlx::query_scalar::<_, String>(&sql);
    if let Some(user) = member {
        q = q.bind(user);
    }
    let lines = q
        .bind(company)
        .bind(after)
        .bind(limit)
        .bind(0_i64)
        .fetch_all(&mut conn)
        .await
        .expect("explain");
    lines.join("\n")
}

/// Every row of every table of the database at `url` (not the migrations' bookkeeping, not
/// the sandbox snapshot's copies), as text, sorted: table name → rows. For tests that compare
/// a whole stored world before and after.
pub async fn dump_tables(url: &str) -> std::collections::BTreeMap<String, Vec<String>> {
    let skip = |t: &str| t.starts_with("sqlite_") || t.starts_with("_sqlx") || t.starts_with("snapshot__");
    let mut out = std::collections::BTreeMap::new();
    if url.starts_with("sqlite:") {
        let mut conn = sqlx::SqliteConnection::connect(url).await.expect("connect");
        let tables: Vec<String> = sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'table'")
            .fetch_all(&mut conn)
            .await
            .expect("tables");
        for t in tables.into_iter().filter(|t| !skip(t)) {
            let cols: Vec<String> = sqlx::query_scalar("SELECT name FROM pragma_table_info($1) ORDER BY cid")
                .bind(&t)
                .fetch_all(&mut conn)
                .await
                .expect("columns");
            let line = cols
                .iter()
                .map(|c| format!("quote(\"{c}\")"))
                .collect::<Vec<_>>()
                .join(" || '|' || ");
            let mut rows: Vec<String> = sqlx::query_scalar(&format!("SELECT {line} FROM \"{t}\""))
                .fetch_all(&mut conn)
                .await
                .expect("rows");
            rows.sort();
            out.insert(t, rows);
        }
    } else {
        let mut conn = sqlx::PgConnection::connect(url).await.expect("connect");
        let tables: Vec<String> =
            sqlx::query_scalar("SELECT tablename::text FROM pg_tables WHERE schemaname = current_schema()")
                .fetch_all(&mut conn)
                .await
                .expect("tables");
        for t in tables.into_iter().filter(|t| !skip(t)) {
            let mut rows: Vec<String> = sqlx::query_scalar(&format!("SELECT r::text FROM \"{t}\" r"))
                .fetch_all(&mut conn)
                .await
                .expect("rows");
            rows.sort();
            out.insert(t, rows);
        }
    }
    out
}
