//! The write transaction ([`Tx`]) and the one event writer. A change records its domain
//! [`Event`]s on the transaction (`tx.record(..)`); `commit` writes each of them to the audit
//! log and to the outbox, announces what they touched (on PostgreSQL to every node by `NOTIFY`
//! inside the transaction, to this node's change sink after `COMMIT`), then commits. A
//! transaction on which no event was recorded refuses to commit, so a change cannot be
//! committed without its events; one that is dropped uncommitted writes neither.
//!
//! The writes that are deliberately not domain events take named paths:
//! [`Tx::commit_unrecorded`] and [`WritePool::unrecorded`].

use super::feed::CHANGE_CHANNEL;
use super::*;
use trestle_domain::event::{Event, EventContext};

/// The advisory lock key that orders event ids with commits on PostgreSQL: writers hold it
/// shared while they write their events, the webhook worker's outbox read takes it exclusively
/// (`sql/webhooks.rs`).
pub(super) const OUTBOX_LOCK: i64 = 0x7472_6573_746c_6f62;

/// The refusal of a transaction that changed something without recording its event.
pub(super) const UNRECORDED: &str = "a change without its event cannot be committed";

/// The fields of an event's `before` / `after` state, as a JSON object.
pub(super) fn json_of(pairs: &[(&str, serde_json::Value)]) -> serde_json::Value {
    serde_json::Value::Object(pairs.iter().map(|(k, v)| (k.to_string(), v.clone())).collect())
}

/// The write pool. Changes go through [`Tx`] (`begin`), which cannot commit without its
/// events; [`WritePool::unrecorded`] is the one other way to write.
pub(super) struct WritePool<DB: sqlx::Database>(sqlx::Pool<DB>);

impl<DB: sqlx::Database> WritePool<DB> {
    pub(super) fn new(pool: sqlx::Pool<DB>) -> Self {
        WritePool(pool)
    }

    /// The pool itself, for single statements that are bookkeeping rather than domain events:
    /// browser sessions (created and ended), authorization codes (issued and spent — the grant
    /// a code turns into is an event) and the janitor's purges of expired rows. Nothing written
    /// here reaches the audit log or the outbox.
    pub(super) fn unrecorded(&self) -> &sqlx::Pool<DB> {
        &self.0
    }
}

/// A write transaction that collects the events of its change and, once committed, tells this
/// node's change sink what they touched. It dereferences to the connection, so queries run on
/// `&mut *tx`. It runs plain `BEGIN` / `COMMIT` on a connection of the write pool that it owns,
/// so that a connection whose transaction did not commit is never reused: after a failed
/// `COMMIT` (a full disk, an I/O error) the database may or may not have rolled the transaction
/// back by itself, and a connection left in that state could later acknowledge writes it never
/// stored. Such a connection is closed, which rolls back whatever it holds; the pool opens a
/// fresh one. A refused commit (no events) closes it the same way.
pub(super) struct Tx<DB: sqlx::Database> {
    conn: sqlx::pool::PoolConnection<DB>,
    committed: bool,
    ctx: EventContext,
    events: Vec<Event>,
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
    async fn begin(pool: &WritePool<DB>, ctx: EventContext, sink: Option<Arc<dyn ChangeSink>>) -> Result<Self> {
        let mut tx = Tx {
            conn: pool.0.acquire().await?,
            committed: true, // nothing to undo until BEGIN has run
            ctx,
            events: Vec::new(),
            sink,
        };
        sqlx::Executor::execute(&mut *tx.conn, "BEGIN").await?;
        tx.committed = false;
        Ok(tx)
    }

    /// Records one event of this transaction's change; it is written when (and only if) the
    /// transaction commits, with the transaction's context (who, when).
    pub(super) fn record(&mut self, event: Event) {
        self.events.push(event);
    }

    /// Commits a transaction whose writes are deliberately not domain events: the refresh
    /// token rotation (a new token for the same grant), and a token revocation that finds the
    /// token already revoked (only its bookkeeping of expired revocations changes). Refuses,
    /// rolling back, when events were recorded: they would be lost.
    pub(super) async fn commit_unrecorded(self) -> Result<()> {
        if !self.events.is_empty() {
            return Err(StoreError::Other(
                "a transaction with events must be committed with them".into(),
            ));
        }
        self.finish(Vec::new()).await
    }

    /// `COMMIT`, then tells this node's sink what changed.
    async fn finish(mut self, changes: Vec<Change>) -> Result<()> {
        sqlx::Executor::execute(&mut *self.conn, "COMMIT").await?;
        self.committed = true;
        if let Some(sink) = &self.sink {
            for c in changes {
                sink.changed(c);
            }
        }
        Ok(())
    }
}

/// What the events touched, each company and app once, in the order first named. An event
/// about a tool record (`TargetKind::Record`) changes only the company's records.
fn changes_of(events: &[Event]) -> Vec<Change> {
    let mut changes = Vec::new();
    for e in events {
        if e.action == Action::SandboxReset {
            // Everything may have changed: every node forgets every cached answer.
            if !changes.contains(&Change::Everything) {
                changes.push(Change::Everything);
            }
            continue;
        }
        let company = e.company.map(|c| match e.target {
            trestle_domain::event::TargetKind::Record => Change::Records(c),
            _ => Change::Company(c),
        });
        for c in [company, e.app.map(Change::App)].into_iter().flatten() {
            if !changes.contains(&c) {
                changes.push(c);
            }
        }
    }
    changes
}

macro_rules! impl_tx {
    ($store:ident, $db:ty, notify = $notify:expr, order_lock = $order_lock:expr) => {
        impl $store {
            /// Starts a write transaction for a change made by `ctx`'s actor at `ctx`'s time.
            pub(super) async fn begin(&self, ctx: &EventContext) -> Result<Tx<$db>> {
                Tx::begin(&self.write, *ctx, self.sink.get().cloned()).await
            }

            pub(super) async fn count(&self, sql: &str, binds: &[i64]) -> Result<i64> {
                let mut q = sqlx::query_scalar::<_, i64>(sql);
                for b in binds {
                    q = q.bind(*b);
                }
                Ok(q.fetch_one(&self.read).await?)
            }
        }

        impl Tx<$db> {
            /// Writes every recorded event to the audit log and the outbox (the same id in
            /// both), announces what they touched, and commits. Refuses, rolling back, when no
            /// event was recorded.
            pub(super) async fn commit(mut self) -> Result<()> {
                if self.events.is_empty() {
                    return Err(StoreError::Other(UNRECORDED.into()));
                }
                let events = std::mem::take(&mut self.events);
                let ctx = self.ctx;
                if let Some(lock) = $order_lock {
                    // Held until COMMIT: the webhook worker reads the outbox under the
                    // exclusive lock, so it never sees an id while a smaller one may still
                    // commit (sql/webhooks.rs). Writers share it and do not wait for each other.
                    sqlx::query(lock).bind(OUTBOX_LOCK).execute(&mut *self).await?;
                }
                for e in &events {
                    // serde_json's writer, not `Display` (the same text, written straight to bytes)
                    let text = |v: &serde_json::Value| serde_json::to_string(v).unwrap_or_default();
                    let before = e.before.as_ref().map(text);
                    let after = e.after.as_ref().map(text);
                    let id: i64 = sqlx::query_scalar(
                        "INSERT INTO audit_events (at, actor_kind, actor_user_id, company_id, app_id, action, \
                         target_type, target_id, before_json, after_json, resource) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11) \
                         RETURNING id",
                    )
                    .bind(ctx.at)
                    .bind(ctx.actor.as_str())
                    .bind(ctx.actor_user.map(|u| u.0))
                    .bind(e.company.map(|c| c.0))
                    .bind(e.app.map(|a| a.0))
                    .bind(e.action.as_str())
                    .bind(e.target.as_str())
                    .bind(&e.target_id)
                    .bind(&before)
                    .bind(&after)
                    .bind(&e.resource)
                    .fetch_one(&mut *self)
                    .await?;
                    sqlx::query(
                        "INSERT INTO outbox (id, at, actor_kind, actor_user_id, company_id, project_id, app_id, action, \
                         target_type, target_id, before_json, after_json, resource, actor_app_id) \
                         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14)",
                    )
                    .bind(id)
                    .bind(ctx.at)
                    .bind(ctx.actor.as_str())
                    .bind(ctx.actor_user.map(|u| u.0))
                    .bind(e.company.map(|c| c.0))
                    .bind(e.project.map(|p| p.0))
                    .bind(e.app.map(|a| a.0))
                    .bind(e.action.as_str())
                    .bind(e.target.as_str())
                    .bind(&e.target_id)
                    .bind(before)
                    .bind(after)
                    .bind(&e.resource)
                    .bind(ctx.actor_app.map(|a| a.0))
                    .execute(&mut *self)
                    .await?;
                }
                let changes = changes_of(&events);
                if $notify && !changes.is_empty() {
                    // Delivered to every listening node when (and only if) the transaction commits.
                    let payload: Vec<String> = changes.iter().map(|c| c.encode()).collect();
                    sqlx::query("SELECT pg_notify($1, $2)")
                        .bind(CHANGE_CHANNEL)
                        .bind(payload.join(","))
                        .execute(&mut *self)
                        .await?;
                }
                self.finish(changes).await
            }
        }
    };
}

impl_tx!(SqliteStore, sqlx::Sqlite, notify = false, order_lock = None::<&str>);
impl_tx!(
    PgStore,
    sqlx::Postgres,
    notify = true,
    order_lock = Some("SELECT pg_advisory_xact_lock_shared($1)")
);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{Backend, TestDb};
    use trestle_domain::event::ActorKind;

    fn ctx() -> EventContext {
        EventContext {
            actor: ActorKind::System,
            actor_user: None,
            actor_app: None,
            at: 1_700_000_000,
        }
    }

    /// A record's event changes its company's records only; any other event the company; each
    /// change once.
    #[test]
    fn record_events_change_only_the_records() {
        use trestle_domain::event::{Action, TargetKind};
        let c = CompanyId(4);
        let record = Event::new(Action::RecordCreate, TargetKind::Record, 1)
            .in_company(c)
            .of_resource("rfis");
        let project = Event::new(Action::ProjectCreate, TargetKind::Project, 2)
            .in_company(c)
            .for_app(AppId(9));
        assert_eq!(changes_of(&[record.clone(), record.clone()]), [Change::Records(c)]);
        assert_eq!(
            changes_of(&[record, project]),
            [Change::Records(c), Change::Company(c), Change::App(AppId(9))]
        );
    }

    /// The companies named `name`, and the rows of the audit log and of the outbox.
    const COUNTS: [&str; 3] = [
        "SELECT COUNT(*) FROM companies WHERE name = 'Ghost'",
        "SELECT COUNT(*) FROM audit_events",
        "SELECT COUNT(*) FROM outbox",
    ];

    macro_rules! tx_tests {
        ($name:ident, $store:ident, $db:ty, $backend:expr) => {
            mod $name {
                use super::*;

                async fn counts(s: &$store) -> [i64; 3] {
                    let mut out = [0; 3];
                    for (n, sql) in COUNTS.iter().enumerate() {
                        out[n] = s.count(sql, &[]).await.unwrap();
                    }
                    out
                }

                async fn ghost(s: &$store) -> Tx<$db> {
                    let mut tx = s.begin(&ctx()).await.unwrap();
                    sqlx::query("INSERT INTO companies (name, is_active, created_at) VALUES ('Ghost', TRUE, 1)")
                        .execute(&mut *tx)
                        .await
                        .unwrap();
                    tx
                }

                fn event(company: i64) -> Event {
                    Event::new(Action::CompanyCreate, TargetKind::Company, company).in_company(CompanyId(company))
                }

                async fn with_store(test: impl AsyncFnOnce(&$store)) {
                    let db = TestDb::new($backend).await;
                    let store = $store::connect(&StoreConfig::new(&db.url)).await.unwrap();
                    test(&store).await;
                    db.cleanup().await;
                }

                #[tokio::test]
                async fn a_transaction_without_events_refuses_to_commit_and_changes_nothing() {
                    with_store(async |s| {
                        let tx = ghost(s).await;
                        match tx.commit().await {
                            Err(StoreError::Other(m)) => assert_eq!(m, UNRECORDED),
                            other => panic!("committed without events: {other:?}"),
                        }
                        assert_eq!(counts(s).await, [0, 0, 0]);
                    })
                    .await;
                }

                #[tokio::test]
                async fn commit_writes_each_event_to_the_audit_log_and_the_outbox() {
                    with_store(async |s| {
                        let mut tx = ghost(s).await;
                        tx.record(event(1));
                        tx.record(Event::new(Action::CompanyUserAdd, TargetKind::User, 5).in_company(CompanyId(1)));
                        tx.commit().await.unwrap();
                        assert_eq!(counts(s).await, [1, 2, 2]);
                        let audit: Vec<(i64, String)> =
                            sqlx::query_as("SELECT id, action FROM audit_events ORDER BY id")
                                .fetch_all(&s.read)
                                .await
                                .unwrap();
                        let outbox: Vec<(i64, String)> = sqlx::query_as("SELECT id, action FROM outbox ORDER BY id")
                            .fetch_all(&s.read)
                            .await
                            .unwrap();
                        assert_eq!(audit, outbox);
                        let actions: Vec<&str> = audit.iter().map(|(_, a)| a.as_str()).collect();
                        assert_eq!(actions, ["company.create", "company_user.add"]);
                    })
                    .await;
                }

                #[tokio::test]
                async fn a_dropped_transaction_writes_neither_change_nor_events() {
                    with_store(async |s| {
                        let mut tx = ghost(s).await;
                        tx.record(event(1));
                        drop(tx);
                        assert_eq!(counts(s).await, [0, 0, 0]);
                    })
                    .await;
                }

                #[tokio::test]
                async fn the_unrecorded_path_commits_only_without_events() {
                    with_store(async |s| {
                        let mut tx = ghost(s).await;
                        tx.record(event(1));
                        assert!(
                            tx.commit_unrecorded().await.is_err(),
                            "recorded events would be lost"
                        );
                        assert_eq!(counts(s).await, [0, 0, 0]);
                        ghost(s).await.commit_unrecorded().await.unwrap();
                        assert_eq!(counts(s).await, [1, 0, 0]);
                    })
                    .await;
                }
            }
        };
    }

    tx_tests!(sqlite, SqliteStore, sqlx::Sqlite, Backend::Sqlite);
    tx_tests!(postgres, PgStore, sqlx::Postgres, Backend::Postgres);
}
