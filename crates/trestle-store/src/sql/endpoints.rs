//! [`EndpointStore`]: app lifecycle endpoints (their changes are events), their delivery queue
//! (bookkeeping: `commit_unrecorded`, with the same queue rules as `sql/webhooks.rs`: only the
//! head of an endpoint's queue is attempted, a discard empties the queue), redelivery and the
//! expiring-secret announcements (events).

use super::tx::*;
use super::*;
use sqlx::FromRow;
use trestle_domain::endpoint::*;
use trestle_domain::event::ActorKind;
use trestle_domain::webhook::{AfterAttempt, Attempt, DeliveryStatus};

const ENDPOINT_COLUMNS: &str = "id, app_id, url, description, active, secret_salt, created_by, created_at, updated_at";
const DELIVERY_COLUMNS: &str = "id, endpoint_id, app_id, event_id, event_type, payload, status, attempts, \
     next_attempt_at, first_failed_at, response_status, response_headers, response_body, error, started_at, \
     completed_at, duration_ms, created_at";

#[derive(FromRow)]
struct EndpointRow {
    id: i64,
    app_id: i64,
    url: String,
    description: Option<String>,
    active: bool,
    secret_salt: String,
    created_by: Option<i64>,
    created_at: i64,
    updated_at: i64,
}

impl From<EndpointRow> for Endpoint {
    fn from(r: EndpointRow) -> Endpoint {
        Endpoint {
            id: EndpointId(r.id),
            app: AppId(r.app_id),
            url: r.url,
            description: r.description,
            active: r.active,
            secret_salt: r.secret_salt,
            created_by: r.created_by.map(UserId),
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

#[derive(FromRow)]
struct DeliveryRow {
    id: i64,
    endpoint_id: i64,
    app_id: i64,
    event_id: i64,
    event_type: String,
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

impl From<DeliveryRow> for EndpointDelivery {
    fn from(r: DeliveryRow) -> EndpointDelivery {
        EndpointDelivery {
            id: EndpointDeliveryId(r.id),
            endpoint: EndpointId(r.endpoint_id),
            app: AppId(r.app_id),
            event_id: EventId(r.event_id),
            event_type: r.event_type,
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

/// What an endpoint's events show (never the salt).
fn endpoint_state(e: &Endpoint) -> serde_json::Value {
    json_of(&[
        ("url", e.url.clone().into()),
        ("description", e.description.clone().into()),
        ("active", e.active.into()),
    ])
}

fn endpoint_event(action: Action, e: &Endpoint) -> Event {
    Event::new(action, TargetKind::AppEndpoint, e.id).for_app(e.app)
}

fn system(at: i64) -> EventContext {
    EventContext {
        actor: ActorKind::System,
        actor_user: None,
        actor_app: None,
        at,
    }
}

macro_rules! impl_endpoints {
    ($store:ident, $db:ty, skip_locked = $skip:literal) => {
        impl $store {
            async fn endpoint_in_tx(tx: &mut Tx<$db>, app: AppId, id: EndpointId) -> Result<Endpoint> {
                let row: Option<EndpointRow> = sqlx::query_as(&format!(
                    "SELECT {ENDPOINT_COLUMNS} FROM app_endpoints WHERE id = $1 AND app_id = $2"
                ))
                .bind(id.0)
                .bind(app.0)
                .fetch_optional(&mut **tx)
                .await?;
                row.map(Into::into).ok_or(StoreError::NotFound)
            }
        }

        #[async_trait]
        impl EndpointStore for $store {
            async fn create_endpoint(&self, new: &NewEndpoint, ctx: &EventContext) -> Result<Endpoint> {
                let mut tx = self.begin(ctx).await?;
                let found: Option<i64> = sqlx::query_scalar("SELECT id FROM apps WHERE id = $1 AND deleted_at IS NULL")
                    .bind(new.app.0)
                    .fetch_optional(&mut *tx)
                    .await?;
                found.ok_or(StoreError::NotFound)?;
                let row: EndpointRow = sqlx::query_as(&format!(
                    "INSERT INTO app_endpoints (app_id, url, description, active, secret_salt, created_by, created_at, \
                     updated_at, after_event_id) VALUES ($1, $2, $3, TRUE, $4, $5, $6, $6, \
                     (SELECT COALESCE(MAX(id), 0) FROM outbox)) RETURNING {ENDPOINT_COLUMNS}"
                ))
                .bind(new.app.0)
                .bind(&new.url)
                .bind(&new.description)
                .bind(&new.secret_salt)
                .bind(new.created_by.map(|u| u.0))
                .bind(ctx.at)
                .fetch_one(&mut *tx)
                .await?;
                let endpoint: Endpoint = row.into();
                tx.record(endpoint_event(Action::AppEndpointCreate, &endpoint).after(endpoint_state(&endpoint)));
                tx.commit().await?;
                Ok(endpoint)
            }

            async fn find_endpoint(&self, app: AppId, id: EndpointId) -> Result<Option<Endpoint>> {
                let row: Option<EndpointRow> = sqlx::query_as(&format!(
                    "SELECT {ENDPOINT_COLUMNS} FROM app_endpoints WHERE id = $1 AND app_id = $2"
                ))
                .bind(id.0)
                .bind(app.0)
                .fetch_optional(&self.read)
                .await?;
                Ok(row.map(Into::into))
            }

            async fn list_endpoints(&self, app: AppId) -> Result<Vec<Endpoint>> {
                let rows: Vec<EndpointRow> = sqlx::query_as(&format!(
                    "SELECT {ENDPOINT_COLUMNS} FROM app_endpoints WHERE app_id = $1 ORDER BY id"
                ))
                .bind(app.0)
                .fetch_all(&self.read)
                .await?;
                Ok(rows.into_iter().map(Into::into).collect())
            }

            async fn update_endpoint(
                &self,
                app: AppId,
                id: EndpointId,
                patch: &EndpointPatch,
                ctx: &EventContext,
            ) -> Result<Endpoint> {
                let mut tx = self.begin(ctx).await?;
                let before = Self::endpoint_in_tx(&mut tx, app, id).await?;
                let description = match &patch.description {
                    None => before.description.clone(),
                    Some(d) if d.is_empty() => None,
                    Some(d) => Some(d.clone()),
                };
                let row: EndpointRow = sqlx::query_as(&format!(
                    "UPDATE app_endpoints SET url = COALESCE($1, url), description = $2, active = COALESCE($3, active), \
                     updated_at = $4 WHERE id = $5 AND app_id = $6 RETURNING {ENDPOINT_COLUMNS}"
                ))
                .bind(&patch.url)
                .bind(description)
                .bind(patch.active)
                .bind(ctx.at)
                .bind(id.0)
                .bind(app.0)
                .fetch_one(&mut *tx)
                .await?;
                let endpoint: Endpoint = row.into();
                tx.record(
                    endpoint_event(Action::AppEndpointUpdate, &endpoint)
                        .before(endpoint_state(&before))
                        .after(endpoint_state(&endpoint)),
                );
                tx.commit().await?;
                Ok(endpoint)
            }

            async fn rotate_endpoint_salt(
                &self,
                app: AppId,
                id: EndpointId,
                salt: &str,
                ctx: &EventContext,
            ) -> Result<Endpoint> {
                let mut tx = self.begin(ctx).await?;
                let row: Option<EndpointRow> = sqlx::query_as(&format!(
                    "UPDATE app_endpoints SET secret_salt = $1, updated_at = $2 WHERE id = $3 AND app_id = $4 \
                     RETURNING {ENDPOINT_COLUMNS}"
                ))
                .bind(salt)
                .bind(ctx.at)
                .bind(id.0)
                .bind(app.0)
                .fetch_optional(&mut *tx)
                .await?;
                let endpoint: Endpoint = row.ok_or(StoreError::NotFound)?.into();
                tx.record(endpoint_event(Action::AppEndpointRotateSecret, &endpoint));
                tx.commit().await?;
                Ok(endpoint)
            }

            async fn delete_endpoint(&self, app: AppId, id: EndpointId, ctx: &EventContext) -> Result<()> {
                let mut tx = self.begin(ctx).await?;
                let endpoint = Self::endpoint_in_tx(&mut tx, app, id).await?;
                sqlx::query("DELETE FROM app_endpoint_deliveries WHERE endpoint_id = $1")
                    .bind(id.0)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query("DELETE FROM app_endpoints WHERE id = $1 AND app_id = $2")
                    .bind(id.0)
                    .bind(app.0)
                    .execute(&mut *tx)
                    .await?;
                tx.record(endpoint_event(Action::AppEndpointDelete, &endpoint).before(endpoint_state(&endpoint)));
                tx.commit().await
            }

            async fn list_endpoint_deliveries(
                &self,
                app: AppId,
                endpoint: EndpointId,
                query: &EndpointDeliveryQuery,
            ) -> Result<Vec<EndpointDelivery>> {
                let rows: Vec<DeliveryRow> = sqlx::query_as(&format!(
                    "SELECT {DELIVERY_COLUMNS} FROM app_endpoint_deliveries WHERE endpoint_id = $1 AND app_id = $2 \
                     AND ($3 = '' OR status = $3) AND id < $4 ORDER BY id DESC LIMIT $5"
                ))
                .bind(endpoint.0)
                .bind(app.0)
                .bind(query.status.map_or("", |s| s.as_str()))
                .bind(query.before.map_or(i64::MAX, |d| d.0))
                .bind(query.limit.clamp(1, 1000))
                .fetch_all(&self.read)
                .await?;
                Ok(rows.into_iter().map(Into::into).collect())
            }

            async fn redeliver_endpoint_delivery(
                &self,
                app: AppId,
                endpoint: EndpointId,
                id: EndpointDeliveryId,
                ctx: &EventContext,
            ) -> Result<EndpointDelivery> {
                let mut tx = self.begin(ctx).await?;
                let row: Option<DeliveryRow> = sqlx::query_as(&format!(
                    "UPDATE app_endpoint_deliveries SET status = 'queued', attempts = 0, next_attempt_at = $1, \
                     first_failed_at = NULL WHERE id = $2 AND endpoint_id = $3 AND app_id = $4 RETURNING {DELIVERY_COLUMNS}"
                ))
                .bind(ctx.at)
                .bind(id.0)
                .bind(endpoint.0)
                .bind(app.0)
                .fetch_optional(&mut *tx)
                .await?;
                let d: EndpointDelivery = row.ok_or(StoreError::NotFound)?.into();
                tx.record(
                    Event::new(Action::AppEndpointDeliveryRedeliver, TargetKind::AppEndpointDelivery, d.id)
                        .for_app(app)
                        .after(json_of(&[
                            ("endpoint_id", endpoint.0.into()),
                            ("event_id", d.event_id.0.into()),
                            ("event_type", d.event_type.clone().into()),
                        ])),
                );
                tx.commit().await?;
                Ok(d)
            }

            async fn endpoint_subscriptions(&self) -> Result<Vec<EndpointSubscription>> {
                let rows: Vec<(i64, i64, i64)> = sqlx::query_as(
                    "SELECT id, app_id, after_event_id FROM app_endpoints WHERE active = TRUE ORDER BY id",
                )
                .fetch_all(&self.read)
                .await?;
                Ok(rows
                    .into_iter()
                    .map(|(id, app, after)| EndpointSubscription {
                        endpoint: EndpointId(id),
                        app: AppId(app),
                        after: EventId(after),
                    })
                    .collect())
            }

            async fn enqueue_endpoint_deliveries(&self, deliveries: &[NewEndpointDelivery], now: i64) -> Result<()> {
                if deliveries.is_empty() {
                    return Ok(());
                }
                let mut tx = self.begin(&system(now)).await?;
                for d in deliveries {
                    sqlx::query(
                        "INSERT INTO app_endpoint_deliveries (endpoint_id, app_id, event_id, event_type, payload, status, \
                         attempts, next_attempt_at, created_at) \
                         SELECT id, app_id, $2, $3, $4, 'queued', 0, $5, $5 FROM app_endpoints WHERE id = $1 AND app_id = $6 \
                         ON CONFLICT (endpoint_id, event_id) DO NOTHING",
                    )
                    .bind(d.endpoint.0)
                    .bind(d.event_id.0)
                    .bind(&d.event_type)
                    .bind(&d.payload)
                    .bind(now)
                    .bind(d.app.0)
                    .execute(&mut *tx)
                    .await?;
                }
                tx.commit_unrecorded().await
            }

            async fn claim_endpoint_deliveries(&self, now: i64, until: i64, limit: i64) -> Result<Vec<ClaimedEndpoint>> {
                // Most passes find nothing due: a reader asks first, so they take no write transaction.
                let due: Option<i64> = sqlx::query_scalar(
                    "SELECT id FROM app_endpoint_deliveries WHERE status IN ('queued', 'failing') \
                     AND next_attempt_at <= $1 AND (claimed_until IS NULL OR claimed_until <= $1) LIMIT 1",
                )
                .bind(now)
                .fetch_optional(&self.read)
                .await?;
                if due.is_none() {
                    return Ok(Vec::new());
                }
                let mut tx = self.begin(&system(now)).await?;
                let ids: Vec<i64> = sqlx::query_scalar(concat!(
                    "SELECT d.id FROM app_endpoint_deliveries d JOIN app_endpoints e ON e.id = d.endpoint_id \
                     WHERE d.status IN ('queued', 'failing') AND e.active = TRUE \
                     AND d.id = (SELECT MIN(d2.id) FROM app_endpoint_deliveries d2 WHERE d2.endpoint_id = d.endpoint_id \
                                 AND d2.status IN ('queued', 'failing')) \
                     AND d.next_attempt_at <= $1 AND (d.claimed_until IS NULL OR d.claimed_until <= $1) \
                     ORDER BY d.id LIMIT $2",
                    $skip
                ))
                .bind(now)
                .bind(limit.clamp(1, 100))
                .fetch_all(&mut *tx)
                .await?;
                let mut claimed = Vec::with_capacity(ids.len());
                for id in ids {
                    let d: DeliveryRow = sqlx::query_as(&format!(
                        "UPDATE app_endpoint_deliveries SET claimed_until = $1 WHERE id = $2 RETURNING {DELIVERY_COLUMNS}"
                    ))
                    .bind(until)
                    .bind(id)
                    .fetch_one(&mut *tx)
                    .await?;
                    let e: EndpointRow =
                        sqlx::query_as(&format!("SELECT {ENDPOINT_COLUMNS} FROM app_endpoints WHERE id = $1"))
                            .bind(d.endpoint_id)
                            .fetch_one(&mut *tx)
                            .await?;
                    claimed.push(ClaimedEndpoint {
                        delivery: d.into(),
                        endpoint: e.into(),
                    });
                }
                tx.commit_unrecorded().await?;
                Ok(claimed)
            }

            async fn finish_endpoint_attempt(
                &self,
                id: EndpointDeliveryId,
                a: &Attempt,
                next: AfterAttempt,
            ) -> Result<()> {
                let mut tx = self.begin(&system(a.completed_at)).await?;
                let (status, next_at) = match next {
                    AfterAttempt::Delivered => (DeliveryStatus::Successful, None),
                    AfterAttempt::RetryAt(t) => (DeliveryStatus::Failing, Some(t)),
                    AfterAttempt::DiscardQueue => (DeliveryStatus::Discarded, None),
                };
                let failed = !matches!(next, AfterAttempt::Delivered);
                let endpoint: Option<i64> = sqlx::query_scalar(
                    "UPDATE app_endpoint_deliveries SET status = $1, attempts = attempts + 1, \
                     next_attempt_at = COALESCE($2, next_attempt_at), \
                     first_failed_at = CASE WHEN $3 THEN COALESCE(first_failed_at, $4) ELSE first_failed_at END, \
                     claimed_until = NULL, response_status = $5, response_headers = $6, response_body = $7, error = $8, \
                     started_at = $4, completed_at = $9, duration_ms = $10 WHERE id = $11 RETURNING endpoint_id",
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
                .fetch_optional(&mut *tx)
                .await?;
                if let (Some(endpoint), AfterAttempt::DiscardQueue) = (endpoint, next) {
                    sqlx::query(
                        "UPDATE app_endpoint_deliveries SET status = 'discarded', claimed_until = NULL \
                         WHERE endpoint_id = $1 AND status IN ('queued', 'failing')",
                    )
                    .bind(endpoint)
                    .execute(&mut *tx)
                    .await?;
                }
                tx.commit_unrecorded().await
            }

            async fn announce_expiring_secrets(&self, within: i64, limit: i64, ctx: &EventContext) -> Result<u64> {
                let due = "FROM client_secrets s JOIN oauth_clients c ON c.id = s.client_pk \
                     JOIN apps a ON a.id = c.app_id WHERE s.revoked_at IS NULL AND s.expiry_announced_at IS NULL \
                     AND s.expires_at IS NOT NULL AND s.expires_at > $1 AND s.expires_at <= $2 AND a.deleted_at IS NULL";
                let until = ctx.at.saturating_add(within);
                // Most scans find nothing: a reader asks first.
                let any: Option<i64> = sqlx::query_scalar(&format!("SELECT s.id {due} LIMIT 1"))
                    .bind(ctx.at)
                    .bind(until)
                    .fetch_optional(&self.read)
                    .await?;
                if any.is_none() {
                    return Ok(0);
                }
                let mut tx = self.begin(ctx).await?;
                let rows: Vec<(i64, i64, i64, String)> = sqlx::query_as(&format!(
                    "SELECT s.id, s.expires_at, c.app_id, c.environment {due} ORDER BY s.id LIMIT $3"
                ))
                .bind(ctx.at)
                .bind(until)
                .bind(limit.clamp(1, 1000))
                .fetch_all(&mut *tx)
                .await?;
                let mut n = 0;
                for (id, expires_at, app, environment) in rows {
                    // Another node may have announced it meanwhile: only the one that marks it records it.
                    let marked = sqlx::query(
                        "UPDATE client_secrets SET expiry_announced_at = $1 WHERE id = $2 AND expiry_announced_at IS NULL",
                    )
                    .bind(ctx.at)
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                    if marked.rows_affected() == 1 {
                        n += 1;
                        tx.record(
                            Event::new(Action::ClientSecretExpiring, TargetKind::ClientSecret, id)
                                .for_app(AppId(app))
                                .after(json_of(&[
                                    ("expires_at", expires_at.into()),
                                    ("environment", environment.into()),
                                ])),
                        );
                    }
                }
                if n == 0 {
                    return tx.commit_unrecorded().await.map(|()| 0);
                }
                tx.commit().await?;
                Ok(n)
            }
        }
    };
}

impl_endpoints!(SqliteStore, sqlx::Sqlite, skip_locked = "");
impl_endpoints!(PgStore, sqlx::Postgres, skip_locked = " FOR UPDATE OF d SKIP LOCKED");
