//! The SQL implementation of the storage traits, one module per aggregate. Each module's SQL is
//! written once, in a small macro instantiated for SQLite and PostgreSQL. The SQL sticks to the
//! dialect both understand: `$n` placeholders, `RETURNING`, `ON CONFLICT`, partial indexes,
//! integer timestamps.
//!
//! Shared by every module: [`rows`] (row types and column lists), [`tx`] (the write
//! transaction and the one event writer) and [`feed`] (the change feed).

use crate::entities::*;
use crate::*;
use async_trait::async_trait;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, SqlitePool};
use std::str::FromStr;
use std::sync::{Arc, OnceLock};
use std::time::Duration;
use trestle_domain::event::{Action, Event, TargetKind};
use trestle_domain::page::{Page, PageRequest};
use trestle_domain::policy::{CompanyMembership, ProjectMembership};
use trestle_domain::*;

mod apps;
mod audit;
mod credentials;
mod directory;
#[cfg(feature = "testing")]
pub(crate) use directory::project_list_sql;
mod documents;
mod endpoints;
mod feed;
mod installs;
mod mail;
mod manage;
mod profiles;
mod records;
mod request_log;
mod rows;
mod service_accounts;
mod signin;
mod snapshot;
mod tx;
mod upkeep;
mod versions;
mod webhooks;

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        match &e {
            sqlx::Error::RowNotFound => StoreError::NotFound,
            sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) => {
                StoreError::Unavailable(e.to_string())
            }
            sqlx::Error::Database(d) if d.is_unique_violation() => StoreError::Conflict(d.message().to_string()),
            sqlx::Error::Database(d) if d.is_foreign_key_violation() => StoreError::NotFound,
            sqlx::Error::Database(d) => {
                // PostgreSQL: admin shutdown, cannot connect now, too many connections.
                match d.code().as_deref() {
                    // ... and a statement that ran into the statement timeout.
                    Some("57P01" | "57P02" | "57P03" | "53300" | "57014") => {
                        StoreError::Unavailable(d.message().to_string())
                    }
                    // PostgreSQL: disk full, out of memory. Nothing was written; it may work
                    // again once an operator frees space.
                    Some("53100" | "53200") => StoreError::Unavailable(d.message().to_string()),
                    // SQLite: busy / locked.
                    Some("5" | "6" | "517" | "261") => StoreError::Unavailable(d.message().to_string()),
                    // SQLite: disk full (SQLITE_FULL) or failing (SQLITE_IOERR and its extended
                    // codes); the transaction was rolled back.
                    Some(code)
                        if d.try_downcast_ref::<sqlx::sqlite::SqliteError>().is_some() && {
                            let primary = code.parse::<i32>().unwrap_or(0) & 0xff;
                            primary == 13 || primary == 10
                        } =>
                    {
                        StoreError::Unavailable(format!("storage full or failing: {}", d.message()))
                    }
                    _ => StoreError::Other(e.to_string()),
                }
            }
            _ => StoreError::Other(e.to_string()),
        }
    }
}

impl From<sqlx::migrate::MigrateError> for StoreError {
    fn from(e: sqlx::migrate::MigrateError) -> Self {
        StoreError::Other(format!("migration failed: {e}"))
    }
}

/// SQLite: one writer connection (SQLite allows one writer at a time; a single pooled writer
/// queues writes in the pool instead of failing with SQLITE_BUSY) and a pool of readers.
/// WAL mode with `synchronous=FULL`, so a 2xx means the change is on disk.
pub struct SqliteStore {
    read: SqlitePool,
    write: tx::WritePool<sqlx::Sqlite>,
    sink: OnceLock<Arc<dyn ChangeSink>>,
}

impl SqliteStore {
    pub async fn connect(config: &StoreConfig) -> Result<Self> {
        let opts = SqliteConnectOptions::from_str(&config.url)
            .map_err(|e| StoreError::Other(format!("bad sqlite URL: {e}")))?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .busy_timeout(Duration::from_secs(5))
            .foreign_keys(true);
        let write = SqlitePoolOptions::new()
            .max_connections(1)
            .acquire_timeout(config.acquire_timeout.max(Duration::from_secs(10)))
            .connect_with(opts.clone())
            .await?;
        sqlx::migrate!("./migrations/sqlite").run(&write).await?;
        let read = SqlitePoolOptions::new()
            .max_connections(config.max_connections.clamp(1, 64))
            .acquire_timeout(config.acquire_timeout)
            .connect_with(opts.read_only(true))
            .await?;
        Ok(SqliteStore {
            read,
            write: tx::WritePool::new(write),
            sink: OnceLock::new(),
        })
    }
}

/// PostgreSQL: one pool for reads and writes.
pub struct PgStore {
    read: PgPool,
    write: tx::WritePool<sqlx::Postgres>,
    sink: OnceLock<Arc<dyn ChangeSink>>,
    /// The change feed listens on its own connection, outside the pool.
    url: String,
}

impl PgStore {
    pub async fn connect(config: &StoreConfig) -> Result<Self> {
        let opts =
            PgConnectOptions::from_str(&config.url).map_err(|e| StoreError::Other(format!("bad postgres URL: {e}")))?;
        // No statement may hold a pooled connection for long: a stuck query becomes a clear
        // 503 instead of a hung request.
        let opts = opts.options([("statement_timeout", "10s")]);
        let pool = PgPoolOptions::new()
            .max_connections(config.max_connections.max(1))
            .acquire_timeout(config.acquire_timeout)
            .connect_with(opts)
            .await?;
        sqlx::migrate!("./migrations/postgres").run(&pool).await?;
        Ok(PgStore {
            read: pool.clone(),
            write: tx::WritePool::new(pool),
            sink: OnceLock::new(),
            url: config.url.clone(),
        })
    }
}
