//! The write transaction ([`Tx`]) and the one audit writer: every change's audit row, and the
//! change it announces (to this node after commit; on PostgreSQL to every node by `NOTIFY`
//! inside the transaction).

use super::feed::CHANGE_CHANNEL;
use super::*;

/// One audit row, written inside the transaction of the change it describes.
pub(super) struct Audit<'a> {
    pub(super) company: Option<CompanyId>,
    pub(super) app: Option<AppId>,
    pub(super) action: &'a str,
    pub(super) target_type: &'a str,
    pub(super) target_id: String,
    pub(super) before: Option<String>,
    pub(super) after: Option<String>,
}

pub(super) fn json_of(pairs: &[(&str, serde_json::Value)]) -> Option<String> {
    Some(serde_json::Value::Object(pairs.iter().map(|(k, v)| (k.to_string(), v.clone())).collect()).to_string())
}

/// A write transaction that remembers what its audit rows touched and, once committed, tells
/// this node's change sink. It dereferences to the connection, so queries run on `&mut *tx`.
/// It runs plain `BEGIN` / `COMMIT` on a connection of the write pool that it owns, so that a
/// connection whose transaction did not commit is never reused: after a failed `COMMIT` (a full disk, an I/O error) the database may or may not have rolled
/// the transaction back by itself, and a connection left in that state could later acknowledge
/// writes it never stored. Such a connection is closed, which rolls back whatever it holds; the
/// pool opens a fresh one.
pub(super) struct Tx<DB: sqlx::Database> {
    conn: sqlx::pool::PoolConnection<DB>,
    committed: bool,
    changes: Vec<Change>,
    sink: Option<Arc<dyn ChangeSink>>,
}

impl<DB: sqlx::Database> std::ops::Deref for Tx<DB> {
    type Target = DB::Connection;
    fn deref(&self) -> &DB::Connection {
        &self.conn
    }
}

impl<DB: sqlx::Database> std::ops::DerefMut for Tx<DB> {
    fn deref_mut(&mut self) -> &mut DB::Connection {
        &mut self.conn
    }
}

impl<DB: sqlx::Database> Drop for Tx<DB> {
    fn drop(&mut self) {
        if !self.committed {
            self.conn.close_on_drop();
        }
    }
}

impl<DB: sqlx::Database> Tx<DB>
where
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
{
    async fn begin(pool: &sqlx::Pool<DB>, sink: Option<Arc<dyn ChangeSink>>) -> Result<Self> {
        let mut tx = Tx {
            conn: pool.acquire().await?,
            committed: true, // nothing to undo until BEGIN has run
            changes: Vec::new(),
            sink,
        };
        sqlx::Executor::execute(&mut *tx.conn, "BEGIN").await?;
        tx.committed = false;
        Ok(tx)
    }

    pub(super) async fn commit(mut self) -> Result<()> {
        sqlx::Executor::execute(&mut *self.conn, "COMMIT").await?;
        self.committed = true;
        if let Some(sink) = &self.sink {
            for c in &self.changes {
                sink.changed(*c);
            }
        }
        Ok(())
    }
}

macro_rules! impl_tx {
    ($store:ident, $db:ty, notify = $notify:expr) => {
        impl $store {
            pub(super) async fn begin(&self) -> Result<Tx<$db>> {
                Tx::begin(&self.write, self.sink.get().cloned()).await
            }

            pub(super) async fn audit(tx: &mut Tx<$db>, ctx: &AuditContext, a: Audit<'_>) -> Result<()> {
                tx.changes.extend(a.company.map(Change::Company));
                tx.changes.extend(a.app.map(Change::App));
                if $notify {
                    // Delivered to every listening node when (and only if) the transaction commits.
                    let mut changes = Vec::new();
                    if let Some(c) = a.company {
                        changes.push(Change::Company(c).encode());
                    }
                    if let Some(app) = a.app {
                        changes.push(Change::App(app).encode());
                    }
                    if !changes.is_empty() {
                        sqlx::query("SELECT pg_notify($1, $2)")
                            .bind(CHANGE_CHANNEL)
                            .bind(changes.join(","))
                            .execute(&mut **tx)
                            .await?;
                    }
                }
                sqlx::query(
                    "INSERT INTO audit_events (at, actor_kind, actor_user_id, company_id, app_id, action, \
                     target_type, target_id, before_json, after_json) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10)",
                )
                .bind(ctx.at)
                .bind(ctx.actor_kind)
                .bind(ctx.actor_user.map(|u| u.0))
                .bind(a.company.map(|c| c.0))
                .bind(a.app.map(|c| c.0))
                .bind(a.action)
                .bind(a.target_type)
                .bind(a.target_id)
                .bind(a.before)
                .bind(a.after)
                .execute(&mut **tx)
                .await?;
                Ok(())
            }

            pub(super) async fn count(&self, sql: &str, binds: &[i64]) -> Result<i64> {
                let mut q = sqlx::query_scalar::<_, i64>(sql);
                for b in binds {
                    q = q.bind(*b);
                }
                Ok(q.fetch_one(&self.read).await?)
            }
        }
    };
}

impl_tx!(SqliteStore, sqlx::Sqlite, notify = false);
impl_tx!(PgStore, sqlx::Postgres, notify = true);
