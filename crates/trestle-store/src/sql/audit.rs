//! [`AuditStore`] (reading the audit log; sign-in attempts, which are events of their own
//! transaction) and [`OutboxStore`] (reading the outbox in order).

use super::rows::*;
use super::*;
use trestle_domain::event::{Action, ActorKind, Event, EventContext, RecordedEvent, TargetKind};

/// The event of a password sign-in attempt: the person's, or the typed address's when it
/// belongs to nobody.
fn sign_in_event(attempt: &SignInAttempt) -> (EventContext, Event) {
    let ctx = EventContext {
        actor: if attempt.user.is_some() {
            ActorKind::Person
        } else {
            ActorKind::Anonymous
        },
        actor_user: attempt.user,
        actor_app: None,
        at: attempt.at,
    };
    let action = if attempt.success {
        Action::SigninSuccess
    } else {
        Action::SigninFailure
    };
    let event = match attempt.user {
        Some(u) => Event::new(action, TargetKind::User, u),
        None => Event::new(action, TargetKind::Email, &attempt.email),
    };
    (
        ctx,
        event.after(serde_json::json!({ "email": attempt.email, "address": attempt.address })),
    )
}

macro_rules! impl_audit {
    ($store:ident, $db:ty) => {
        #[async_trait]
        impl AuditStore for $store {
            async fn list_audit(&self, filter: AuditFilter, page: PageRequest) -> Result<Page<AuditEvent>> {
                // -1 never matches an id, so an absent filter is written as "no filter" in SQL.
                let company = filter.company.map(|c| c.0).unwrap_or(-1);
                let app = filter.app.map(|a| a.0).unwrap_or(-1);
                let cond = "($1 = -1 OR company_id = $1) AND ($2 = -1 OR app_id = $2)";
                let total = self.count(&format!("SELECT COUNT(*) FROM audit_events WHERE {cond}"), &[company, app]).await?;
                let rows: Vec<AuditRow> = sqlx::query_as(&format!(
                    "SELECT id, at, actor_kind, actor_user_id, company_id, app_id, action, target_type, target_id, \
                     before_json, after_json, resource FROM audit_events WHERE {cond} ORDER BY id LIMIT $3 OFFSET $4"
                ))
                .bind(company)
                .bind(app)
                .bind(page.limit())
                .bind(page.offset())
                .fetch_all(&self.read)
                .await?;
                Ok(Page { items: rows.into_iter().map(Into::into).collect(), total })
            }

            async fn record_sign_in(&self, attempt: &SignInAttempt) -> Result<()> {
                let (audit, event) = sign_in_event(attempt);
                let mut tx = self.begin(&audit).await?;
                tx.record(event);
                tx.commit().await
            }

            async fn record_clock_move(&self, audit: &EventContext, from: i64, to: i64) -> Result<()> {
                let mut tx = self.begin(audit).await?;
                tx.record(
                    Event::new(Action::ClockAdvance, TargetKind::Clock, "clock")
                        .before(serde_json::json!({ "now": from }))
                        .after(serde_json::json!({ "now": to })),
                );
                tx.commit().await
            }

            async fn record_fault_rule(&self, audit: &EventContext, added: bool, id: i64, rule: serde_json::Value) -> Result<()> {
                let mut tx = self.begin(audit).await?;
                let event = if added {
                    Event::new(Action::FaultAdd, TargetKind::Fault, id).after(rule)
                } else {
                    Event::new(Action::FaultRemove, TargetKind::Fault, id).before(rule)
                };
                tx.record(event);
                tx.commit().await
            }
        }

        #[async_trait]
        impl OutboxStore for $store {
            async fn list_outbox(&self, after: EventId, limit: i64) -> Result<Vec<RecordedEvent>> {
                let rows: Vec<OutboxRow> = sqlx::query_as(
                    "SELECT id, at, actor_kind, actor_user_id, company_id, project_id, app_id, action, target_type, \
                     target_id, before_json, after_json, resource, actor_app_id FROM outbox WHERE id > $1 ORDER BY id LIMIT $2",
                )
                .bind(after.0)
                .bind(limit.clamp(0, 1000))
                .fetch_all(&self.read)
                .await?;
                rows.into_iter().map(RecordedEvent::try_from).collect()
            }
        }
    };
}

impl_audit!(SqliteStore, sqlx::Sqlite);
impl_audit!(PgStore, sqlx::Postgres);
