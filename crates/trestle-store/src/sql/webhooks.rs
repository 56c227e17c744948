//! [`WebhookStore`]: hooks and triggers (their changes are events), the delivery queue and the
//! outbox cursor (bookkeeping: `commit_unrecorded`).
//!
//! **Reading the outbox in commit order on PostgreSQL.** Event ids come from a sequence when a
//! transaction writes its events, but transactions commit in their own order: a reader that
//! saw id 10 committed may later see id 9 appear, and a cursor past 10 would skip it. So every
//! writer takes a *shared* advisory lock before its events get ids (`sql/tx.rs`, held until its
//! `COMMIT`), and [`WebhookStore::webhook_outbox`] reads under the *exclusive* one: by the time
//! the reader holds it, every writer that took an id has committed (or rolled back), and a
//! writer coming after it takes a larger id. Writers never wait for each other. SQLite has one
//! writer, so its ids are committed in order.

use super::rows::OutboxRow;
use super::tx::*;
use super::*;
use sqlx::FromRow;
use std::collections::BTreeMap;
use trestle_domain::event::RecordedEvent;
use trestle_domain::webhook::*;

const HOOK_COLUMNS: &str = "id, company_id, project_id, namespace, api_version, destination_url, destination_headers, \
     active, owned_by_user_id, secret_salt, created_at, updated_at";
const TRIGGER_COLUMNS: &str = "id, hook_id, company_id, project_id, resource_name, event_type, created_by, created_at";
const DELIVERY_COLUMNS: &str = "id, hook_id, company_id, event_id, payload, status, attempts, next_attempt_at, \
     first_failed_at, response_status, response_headers, response_body, error, started_at, completed_at, duration_ms, created_at";

#[derive(FromRow)]
struct HookRow {
    id: i64,
    company_id: i64,
    project_id: Option<i64>,
    namespace: String,
    api_version: String,
    destination_url: String,
    destination_headers: String,
    active: bool,
    owned_by_user_id: Option<i64>,
    secret_salt: String,
    created_at: i64,
    updated_at: i64,
}

impl From<HookRow> for Hook {
    fn from(r: HookRow) -> Hook {
        Hook {
            id: HookId(r.id),
            company: CompanyId(r.company_id),
            project: r.project_id.map(ProjectId),
            namespace: r.namespace,
            api_version: r.api_version,
            destination_url: r.destination_url,
            destination_headers: serde_json::from_str(&r.destination_headers).unwrap_or_default(),
            active: r.active,
            owned_by: r.owned_by_user_id.map(UserId),
            secret_salt: r.secret_salt,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

#[derive(FromRow)]
struct TriggerRow {
    id: i64,
    hook_id: i64,
    company_id: i64,
    project_id: Option<i64>,
    resource_name: String,
    event_type: String,
    created_by: Option<i64>,
    created_at: i64,
}

impl From<TriggerRow> for Trigger {
    fn from(r: TriggerRow) -> Trigger {
        Trigger {
            id: TriggerId(r.id),
            hook: HookId(r.hook_id),
            company: CompanyId(r.company_id),
            project: r.project_id.map(ProjectId),
            resource_name: r.resource_name,
            event_type: EventType::parse(&r.event_type).unwrap_or(EventType::Create),
            created_by: r.created_by.map(UserId),
            created_at: r.created_at,
        }
    }
}

#[derive(FromRow)]
struct DeliveryRow {
    id: i64,
    hook_id: i64,
    company_id: i64,
    event_id: i64,
    payload: String,
    status: String,
    attempts: i64,
    next_attempt_at: i64,
    first_failed_at: Option<i64>,
    response_status: Option<i64>,
    response_headers: Option<String>,
    response_body: Option<String>,
    error: Option<String>,
    started_at: Option<i64>,
    completed_at: Option<i64>,
    duration_ms: Option<i64>,
    created_at: i64,
}

impl From<DeliveryRow> for Delivery {
    fn from(r: DeliveryRow) -> Delivery {
        Delivery {
            id: DeliveryId(r.id),
            hook: HookId(r.hook_id),
            company: CompanyId(r.company_id),
            event_id: EventId(r.event_id),
            payload: r.payload,
            status: DeliveryStatus::parse(&r.status).unwrap_or(DeliveryStatus::Queued),
            attempts: r.attempts,
            next_attempt_at: r.next_attempt_at,
            first_failed_at: r.first_failed_at,
            response_status: r.response_status,
            response_headers: r.response_headers,
            response_body: r.response_body,
            error: r.error,
            started_at: r.started_at,
            completed_at: r.completed_at,
            duration_ms: r.duration_ms,
            created_at: r.created_at,
        }
    }
}

fn headers_json(h: &BTreeMap<String, String>) -> String {
    serde_json::to_string(h).unwrap_or_else(|_| "{}".into())
}

/// What a hook's events show (never the salt).
fn hook_state(h: &Hook) -> serde_json::Value {
    json_of(&[
        ("namespace", h.namespace.clone().into()),
        ("api_version", h.api_version.clone().into()),
        ("destination_url", h.destination_url.clone().into()),
        ("active", h.active.into()),
        ("project_id", h.project.map(|p| p.0).into()),
    ])
}

fn hook_event(action: Action, h: &Hook) -> Event {
    let e = Event::new(action, TargetKind::WebhookHook, h.id).in_company(h.company);
    match h.project {
        Some(p) => e.in_project(p),
        None => e,
    }
}

/// The system context of the delivery bookkeeping (it writes no event).
fn system(at: i64) -> EventContext {
    EventContext {
        actor: trestle_domain::event::ActorKind::System,
        actor_user: None,
        actor_app: None,
        at,
    }
}

macro_rules! impl_webhooks {
    ($store:ident, $db:ty, skip_locked = $skip:literal, pending = $pending:literal, outbox_lock = $lock:expr) => {
        impl $store {
            async fn hook_in_tx(tx: &mut Tx<$db>, company: CompanyId, id: HookId) -> Result<Hook> {
                let row: Option<HookRow> = sqlx::query_as(&format!(
                    "SELECT {HOOK_COLUMNS} FROM webhook_hooks WHERE id = $1 AND company_id = $2"
                ))
                .bind(id.0)
                .bind(company.0)
                .fetch_optional(&mut **tx)
                .await?;
                row.map(Into::into).ok_or(StoreError::NotFound)
            }

            /// Lets go of claimed deliveries that were not attempted (behind one that failed).
            async fn release_in_tx(tx: &mut Tx<$db>, ids: &[DeliveryId]) -> Result<()> {
                for id in ids {
                    sqlx::query("UPDATE webhook_deliveries SET claimed_until = NULL WHERE id = $1")
                        .bind(id.0)
                        .execute(&mut **tx)
                        .await?;
                }
                Ok(())
            }

            async fn finish_in_tx(tx: &mut Tx<$db>, id: DeliveryId, a: &Attempt, next: AfterAttempt) -> Result<()> {
                let (status, next_at) = match next {
                    AfterAttempt::Delivered => (DeliveryStatus::Successful, None),
                    AfterAttempt::RetryAt(t) => (DeliveryStatus::Failing, Some(t)),
                    AfterAttempt::DiscardQueue => (DeliveryStatus::Discarded, None),
                };
                let failed = !matches!(next, AfterAttempt::Delivered);
                let hook: Option<i64> = sqlx::query_scalar(
                    "UPDATE webhook_deliveries SET status = $1, attempts = attempts + 1, \
                     next_attempt_at = COALESCE($2, next_attempt_at), \
                     first_failed_at = CASE WHEN $3 THEN COALESCE(first_failed_at, $4) ELSE first_failed_at END, \
                     claimed_until = NULL, response_status = $5, response_headers = $6, response_body = $7, error = $8, \
                     started_at = $4, completed_at = $9, duration_ms = $10 WHERE id = $11 RETURNING hook_id",
                )
                .bind(status.as_str())
                .bind(next_at)
                .bind(failed)
                .bind(a.started_at)
                .bind(a.response_status)
                .bind(&a.response_headers)
                .bind(&a.response_body)
                .bind(&a.error)
                .bind(a.completed_at)
                .bind(a.duration_ms)
                .bind(id.0)
                .fetch_optional(&mut **tx)
                .await?;
                if let (Some(hook), AfterAttempt::DiscardQueue) = (hook, next) {
                    sqlx::query(
                        "UPDATE webhook_deliveries SET status = 'discarded', claimed_until = NULL \
                         WHERE hook_id = $1 AND status IN ('queued', 'failing')",
                    )
                    .bind(hook)
                    .execute(&mut **tx)
                    .await?;
                }
                Ok(())
            }
        }

        #[async_trait]
        impl WebhookStore for $store {
            async fn create_hook(&self, new: &NewHook, ctx: &EventContext) -> Result<Hook> {
                let mut tx = self.begin(ctx).await?;
                if let Some(p) = new.project {
                    let found: Option<i64> =
                        sqlx::query_scalar("SELECT id FROM projects WHERE id = $1 AND company_id = $2")
                            .bind(p.0)
                            .bind(new.company.0)
                            .fetch_optional(&mut *tx)
                            .await?;
                    found.ok_or(StoreError::NotFound)?;
                }
                let row: HookRow = sqlx::query_as(&format!(
                    "INSERT INTO webhook_hooks (company_id, project_id, namespace, api_version, destination_url, \
                     destination_headers, active, owned_by_user_id, secret_salt, created_at, updated_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, TRUE, $7, $8, $9, $9) RETURNING {HOOK_COLUMNS}"
                ))
                .bind(new.company.0)
                .bind(new.project.map(|p| p.0))
                .bind(&new.namespace)
                .bind(&new.api_version)
                .bind(&new.destination_url)
                .bind(headers_json(&new.destination_headers))
                .bind(new.owned_by.map(|u| u.0))
                .bind(&new.secret_salt)
                .bind(ctx.at)
                .fetch_one(&mut *tx)
                .await?;
                let hook: Hook = row.into();
                tx.record(hook_event(Action::WebhookHookCreate, &hook).after(hook_state(&hook)));
                tx.commit().await?;
                Ok(hook)
            }

            async fn find_hook(&self, company: CompanyId, id: HookId) -> Result<Option<Hook>> {
                let row: Option<HookRow> = sqlx::query_as(&format!(
                    "SELECT {HOOK_COLUMNS} FROM webhook_hooks WHERE id = $1 AND company_id = $2"
                ))
                .bind(id.0)
                .bind(company.0)
                .fetch_optional(&self.read)
                .await?;
                Ok(row.map(Into::into))
            }

            async fn list_hooks(
                &self,
                company: CompanyId,
                project: Option<ProjectId>,
                namespace: Option<&str>,
                api_version: Option<&str>,
            ) -> Result<Vec<Hook>> {
                let rows: Vec<HookRow> = sqlx::query_as(&format!(
                    "SELECT {HOOK_COLUMNS} FROM webhook_hooks WHERE company_id = $1 \
                     AND COALESCE(project_id, 0) = $2 AND ($3 = '' OR namespace = $3) AND ($4 = '' OR api_version = $4) \
                     ORDER BY id"
                ))
                .bind(company.0)
                .bind(project.map_or(0, |p| p.0))
                .bind(namespace.unwrap_or(""))
                .bind(api_version.unwrap_or(""))
                .fetch_all(&self.read)
                .await?;
                Ok(rows.into_iter().map(Into::into).collect())
            }

            async fn update_hook(&self, company: CompanyId, id: HookId, patch: &HookPatch, ctx: &EventContext) -> Result<Hook> {
                let mut tx = self.begin(ctx).await?;
                let before = Self::hook_in_tx(&mut tx, company, id).await?;
                let row: HookRow = sqlx::query_as(&format!(
                    "UPDATE webhook_hooks SET namespace = COALESCE($1, namespace), api_version = COALESCE($2, api_version), \
                     destination_url = COALESCE($3, destination_url), destination_headers = COALESCE($4, destination_headers), \
                     active = COALESCE($5, active), updated_at = $6 WHERE id = $7 AND company_id = $8 RETURNING {HOOK_COLUMNS}"
                ))
                .bind(&patch.namespace)
                .bind(&patch.api_version)
                .bind(&patch.destination_url)
                .bind(patch.destination_headers.as_ref().map(headers_json))
                .bind(patch.active)
                .bind(ctx.at)
                .bind(id.0)
                .bind(company.0)
                .fetch_one(&mut *tx)
                .await?;
                let hook: Hook = row.into();
                tx.record(
                    hook_event(Action::WebhookHookUpdate, &hook)
                        .before(hook_state(&before))
                        .after(hook_state(&hook)),
                );
                tx.commit().await?;
                Ok(hook)
            }

            async fn rotate_hook_salt(&self, company: CompanyId, id: HookId, salt: &str, ctx: &EventContext) -> Result<Hook> {
                let mut tx = self.begin(ctx).await?;
                let row: Option<HookRow> = sqlx::query_as(&format!(
                    "UPDATE webhook_hooks SET secret_salt = $1, updated_at = $2 WHERE id = $3 AND company_id = $4 \
                     RETURNING {HOOK_COLUMNS}"
                ))
                .bind(salt)
                .bind(ctx.at)
                .bind(id.0)
                .bind(company.0)
                .fetch_optional(&mut *tx)
                .await?;
                let hook: Hook = row.ok_or(StoreError::NotFound)?.into();
                tx.record(hook_event(Action::WebhookHookRotateSecret, &hook));
                tx.commit().await?;
                Ok(hook)
            }

            async fn delete_hook(&self, company: CompanyId, id: HookId, ctx: &EventContext) -> Result<()> {
                let mut tx = self.begin(ctx).await?;
                let hook = Self::hook_in_tx(&mut tx, company, id).await?;
                sqlx::query("DELETE FROM webhook_hooks WHERE id = $1 AND company_id = $2")
                    .bind(id.0)
                    .bind(company.0)
                    .execute(&mut *tx)
                    .await?;
                tx.record(hook_event(Action::WebhookHookDelete, &hook).before(hook_state(&hook)));
                tx.commit().await
            }

            async fn create_trigger(
                &self,
                company: CompanyId,
                hook: HookId,
                resource_name: &str,
                event_type: EventType,
                ctx: &EventContext,
            ) -> Result<Trigger> {
                let mut tx = self.begin(ctx).await?;
                let h = Self::hook_in_tx(&mut tx, company, hook).await?;
                let row: TriggerRow = sqlx::query_as(&format!(
                    "INSERT INTO webhook_triggers (hook_id, company_id, project_id, resource_name, event_type, created_by, created_at, \
                     after_event_id) VALUES ($1, $2, $3, $4, $5, $6, $7, (SELECT COALESCE(MAX(id), 0) FROM outbox)) \
                     RETURNING {TRIGGER_COLUMNS}"
                ))
                .bind(h.id.0)
                .bind(company.0)
                .bind(h.project.map(|p| p.0))
                .bind(resource_name)
                .bind(event_type.as_str())
                .bind(ctx.actor_user.map(|u| u.0))
                .bind(ctx.at)
                .fetch_one(&mut *tx)
                .await?;
                let t: Trigger = row.into();
                let e = Event::new(Action::WebhookTriggerCreate, TargetKind::WebhookTrigger, t.id)
                    .in_company(company)
                    .after(json_of(&[
                        ("hook_id", h.id.0.into()),
                        ("resource_name", t.resource_name.clone().into()),
                        ("event_type", t.event_type.as_str().into()),
                    ]));
                tx.record(match h.project {
                    Some(p) => e.in_project(p),
                    None => e,
                });
                tx.commit().await?;
                Ok(t)
            }

            async fn list_triggers(&self, company: CompanyId, hook: HookId) -> Result<Vec<Trigger>> {
                let rows: Vec<TriggerRow> = sqlx::query_as(&format!(
                    "SELECT {TRIGGER_COLUMNS} FROM webhook_triggers WHERE hook_id = $1 AND company_id = $2 ORDER BY id"
                ))
                .bind(hook.0)
                .bind(company.0)
                .fetch_all(&self.read)
                .await?;
                Ok(rows.into_iter().map(Into::into).collect())
            }

            async fn delete_trigger(&self, company: CompanyId, hook: HookId, id: TriggerId, ctx: &EventContext) -> Result<()> {
                let mut tx = self.begin(ctx).await?;
                let row: Option<TriggerRow> = sqlx::query_as(&format!(
                    "DELETE FROM webhook_triggers WHERE id = $1 AND hook_id = $2 AND company_id = $3 RETURNING {TRIGGER_COLUMNS}"
                ))
                .bind(id.0)
                .bind(hook.0)
                .bind(company.0)
                .fetch_optional(&mut *tx)
                .await?;
                let t: Trigger = row.ok_or(StoreError::NotFound)?.into();
                let e = Event::new(Action::WebhookTriggerDelete, TargetKind::WebhookTrigger, t.id)
                    .in_company(company)
                    .before(json_of(&[
                        ("hook_id", hook.0.into()),
                        ("resource_name", t.resource_name.clone().into()),
                        ("event_type", t.event_type.as_str().into()),
                    ]));
                tx.record(match t.project {
                    Some(p) => e.in_project(p),
                    None => e,
                });
                tx.commit().await
            }

            async fn list_deliveries(&self, company: CompanyId, hook: HookId, query: &DeliveryQuery) -> Result<Vec<Delivery>> {
                let rows: Vec<DeliveryRow> = sqlx::query_as(&format!(
                    "SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries WHERE hook_id = $1 AND company_id = $2 \
                     AND ($3 = '' OR status = $3) AND id > $4 ORDER BY id LIMIT $5"
                ))
                .bind(hook.0)
                .bind(company.0)
                .bind(query.status.map_or("", |s| s.as_str()))
                .bind(query.after.map_or(0, |d| d.0))
                .bind(query.limit.clamp(1, 1000))
                .fetch_all(&self.read)
                .await?;
                Ok(rows.into_iter().map(Into::into).collect())
            }

            async fn webhook_subscriptions(&self) -> Result<Vec<Subscription>> {
                let rows: Vec<(i64, i64, Option<i64>, String, String, String, i64)> = sqlx::query_as(
                    "SELECT h.id, h.company_id, h.project_id, h.api_version, t.resource_name, t.event_type, t.after_event_id \
                     FROM webhook_triggers t JOIN webhook_hooks h ON h.id = t.hook_id WHERE h.active = TRUE ORDER BY h.id, t.id",
                )
                .fetch_all(&self.read)
                .await?;
                Ok(rows
                    .into_iter()
                    .filter_map(|(hook, company, project, api_version, resource_name, ty, after)| {
                        Some(Subscription {
                            hook: HookId(hook),
                            company: CompanyId(company),
                            project: project.map(ProjectId),
                            api_version,
                            resource_name,
                            event_type: EventType::parse(&ty)?,
                            after: EventId(after),
                        })
                    })
                    .collect())
            }

            async fn webhook_cursor(&self) -> Result<EventId> {
                let id: Option<i64> = sqlx::query_scalar("SELECT last_event_id FROM webhook_cursor WHERE name = 'outbox'")
                    .fetch_optional(&self.read)
                    .await?;
                Ok(EventId(id.unwrap_or(0)))
            }

            async fn webhook_outbox(&self, after: EventId, limit: i64) -> Result<Vec<RecordedEvent>> {
                let sql = "SELECT id, at, actor_kind, actor_user_id, company_id, project_id, app_id, action, target_type, \
                     target_id, before_json, after_json, resource, actor_app_id FROM outbox WHERE id > $1 ORDER BY id LIMIT $2";
                let mut conn = self.read.begin().await?;
                if let Some(lock) = $lock {
                    sqlx::query(lock).bind(OUTBOX_LOCK).execute(&mut *conn).await?;
                }
                let rows: Vec<OutboxRow> = sqlx::query_as(sql)
                    .bind(after.0)
                    .bind(limit.clamp(0, 1000))
                    .fetch_all(&mut *conn)
                    .await?;
                conn.commit().await?;
                rows.into_iter().map(RecordedEvent::try_from).collect()
            }

            async fn enqueue_deliveries(&self, to: EventId, deliveries: &[NewDelivery], now: i64) -> Result<()> {
                let mut tx = self.begin(&system(now)).await?;
                sqlx::query("UPDATE webhook_cursor SET last_event_id = $1 WHERE name = 'outbox' AND last_event_id < $1")
                    .bind(to.0)
                    .execute(&mut *tx)
                    .await?;
                for d in deliveries {
                    sqlx::query(
                        "INSERT INTO webhook_deliveries (hook_id, company_id, event_id, payload, status, attempts, next_attempt_at, created_at) \
                         SELECT id, company_id, $2, $3, 'queued', 0, $4, $4 FROM webhook_hooks WHERE id = $1 AND company_id = $5 \
                         ON CONFLICT (hook_id, event_id) DO NOTHING",
                    )
                    .bind(d.hook.0)
                    .bind(d.event_id.0)
                    .bind(&d.payload)
                    .bind(now)
                    .bind(d.company.0)
                    .execute(&mut *tx)
                    .await?;
                }
                tx.commit_unrecorded().await
            }

            async fn claim_deliveries(&self, now: i64, until: i64, hooks: i64, per_hook: i64) -> Result<Vec<Claimed>> {
                // Most passes find nothing due: ask a reader first, so they take no write
                // transaction (SQLite's one writer serves the requests meanwhile).
                let due: Option<i64> = sqlx::query_scalar(
                    "SELECT id FROM webhook_deliveries WHERE status IN ('queued', 'failing') \
                     AND next_attempt_at <= $1 AND (claimed_until IS NULL OR claimed_until <= $1) LIMIT 1",
                )
                .bind(now)
                .fetch_optional(&self.read)
                .await?;
                if due.is_none() {
                    return Ok(Vec::new());
                }
                let mut tx = self.begin(&system(now)).await?;
                // The head of each active hook's queue (one index probe per hook, whatever the
                // number of deliveries waiting), if it is due and nobody holds it.
                let heads: Vec<(i64, i64)> = sqlx::query_as(concat!(
                    "SELECT d.id, d.hook_id FROM webhook_hooks h JOIN webhook_deliveries d \
                     ON d.id = (SELECT MIN(d2.id) FROM webhook_deliveries d2", $pending, " WHERE d2.hook_id = h.id \
                                AND d2.status IN ('queued', 'failing')) \
                     WHERE h.active = TRUE \
                     AND d.next_attempt_at <= $1 AND (d.claimed_until IS NULL OR d.claimed_until <= $1) \
                     ORDER BY d.id LIMIT $2",
                    $skip
                ))
                .bind(now)
                .bind(hooks.clamp(1, 100))
                .fetch_all(&mut *tx)
                .await?;
                let mut claimed = Vec::with_capacity(heads.len());
                for (head, hook) in heads {
                    // The head and the deliveries queued behind it, in order: whoever holds
                    // the head holds the hook's queue (a follower is only ever claimed with
                    // its head, and the head stays claimed until the pass records them all).
                    let mut rows: Vec<DeliveryRow> = sqlx::query_as(&format!(
                        "UPDATE webhook_deliveries SET claimed_until = $1 WHERE id IN \
                         (SELECT id FROM webhook_deliveries{} WHERE hook_id = $2 AND id >= $3 \
                          AND status IN ('queued', 'failing') ORDER BY id LIMIT $4) \
                         RETURNING {DELIVERY_COLUMNS}",
                        $pending
                    ))
                    .bind(until)
                    .bind(hook)
                    .bind(head)
                    .bind(per_hook.clamp(1, 100))
                    .fetch_all(&mut *tx)
                    .await?;
                    rows.sort_by_key(|d| d.id);
                    let h: Hook = sqlx::query_as::<_, HookRow>(&format!("SELECT {HOOK_COLUMNS} FROM webhook_hooks WHERE id = $1"))
                        .bind(hook)
                        .fetch_one(&mut *tx)
                        .await?
                        .into();
                    claimed.extend(rows.into_iter().map(|d| Claimed {
                        delivery: d.into(),
                        hook: h.clone(),
                    }));
                }
                tx.commit_unrecorded().await?;
                Ok(claimed)
            }

            async fn finish_attempt(&self, id: DeliveryId, a: &Attempt, next: AfterAttempt) -> Result<()> {
                let mut tx = self.begin(&system(a.completed_at)).await?;
                Self::finish_in_tx(&mut tx, id, a, next).await?;
                tx.commit_unrecorded().await
            }

            async fn finish_attempts(&self, done: &[(DeliveryId, Attempt, AfterAttempt)], released: &[DeliveryId]) -> Result<()> {
                if done.is_empty() && released.is_empty() {
                    return Ok(());
                }
                let at = done.iter().map(|(_, a, _)| a.completed_at).max().unwrap_or_default();
                let mut tx = self.begin(&system(at)).await?;
                for (id, a, next) in done {
                    Self::finish_in_tx(&mut tx, *id, a, *next).await?;
                }
                Self::release_in_tx(&mut tx, released).await?;
                tx.commit_unrecorded().await
            }

            async fn redeliver(&self, id: DeliveryId, ctx: &EventContext) -> Result<Delivery> {
                let mut tx = self.begin(ctx).await?;
                let row: Option<DeliveryRow> = sqlx::query_as(&format!(
                    "UPDATE webhook_deliveries SET status = 'queued', attempts = 0, next_attempt_at = $1, \
                     first_failed_at = NULL WHERE id = $2 RETURNING {DELIVERY_COLUMNS}"
                ))
                .bind(ctx.at)
                .bind(id.0)
                .fetch_optional(&mut *tx)
                .await?;
                let d: Delivery = row.ok_or(StoreError::NotFound)?.into();
                tx.record(
                    Event::new(Action::WebhookDeliveryRedeliver, TargetKind::WebhookDelivery, d.id)
                        .in_company(d.company)
                        .after(json_of(&[("hook_id", d.hook.0.into()), ("event_id", d.event_id.0.into())])),
                );
                tx.commit().await?;
                Ok(d)
            }
        }
    };
}

// SQLite's planner would walk a hook's whole history (`webhook_deliveries_by_hook`) for its
// pending head; the partial index holds only the pending deliveries.
impl_webhooks!(
    SqliteStore,
    sqlx::Sqlite,
    skip_locked = "",
    pending = " INDEXED BY webhook_deliveries_pending",
    outbox_lock = None::<&str>
);
impl_webhooks!(
    PgStore,
    sqlx::Postgres,
    skip_locked = " FOR UPDATE OF d SKIP LOCKED",
    pending = "",
    outbox_lock = Some("SELECT pg_advisory_xact_lock($1)")
);
