//! [`MailStore`]: the mail outbox. Composing moves the mail cursor compare-and-set in the
//! transaction that keeps the messages (bookkeeping: `commit_unrecorded`), so two nodes never
//! compose an event twice; sending claims due messages, with `FOR UPDATE SKIP LOCKED` on
//! PostgreSQL. The outbox itself is read in commit order by `WebhookStore::webhook_outbox`.

use super::*;
use sqlx::FromRow;
use trestle_domain::event::{ActorKind, EventContext};
use trestle_domain::mail::*;

const MAIL_COLUMNS: &str = "id, recipient_user_id, recipient_address, subject, body, event_id, action, company_id, \
     status, attempts, next_attempt_at, last_error, created_at, updated_at, sent_at";

#[derive(FromRow)]
struct MailRow {
    id: i64,
    recipient_user_id: i64,
    recipient_address: String,
    subject: String,
    body: String,
    event_id: i64,
    action: String,
    company_id: Option<i64>,
    status: String,
    attempts: i64,
    next_attempt_at: i64,
    last_error: Option<String>,
    created_at: i64,
    updated_at: i64,
    sent_at: Option<i64>,
}

impl From<MailRow> for Mail {
    fn from(r: MailRow) -> Mail {
        Mail {
            id: MailId(r.id),
            recipient: UserId(r.recipient_user_id),
            address: r.recipient_address,
            subject: r.subject,
            body: r.body,
            event_id: EventId(r.event_id),
            action: r.action,
            company: r.company_id.map(CompanyId),
            status: MailStatus::parse(&r.status).unwrap_or(MailStatus::Kept),
            attempts: r.attempts,
            next_attempt_at: r.next_attempt_at,
            last_error: r.last_error,
            created_at: r.created_at,
            updated_at: r.updated_at,
            sent_at: r.sent_at,
        }
    }
}

/// The system context of the mail bookkeeping (it writes no event).
fn system(at: i64) -> EventContext {
    EventContext {
        actor: ActorKind::System,
        actor_user: None,
        actor_app: None,
        at,
    }
}

/// The `version_id` of an event's state after it, if any.
fn version_after(event: &Event) -> Option<i64> {
    event.after.as_ref()?.get("version_id")?.as_i64()
}

macro_rules! impl_mail {
    ($store:ident, $db:ty, skip_locked = $skip:literal) => {
        #[async_trait]
        impl MailStore for $store {
            async fn mail_cursor(&self) -> Result<EventId> {
                let id: Option<i64> = sqlx::query_scalar("SELECT last_event_id FROM mail_cursor WHERE name = 'outbox'")
                    .fetch_optional(&self.read)
                    .await?;
                Ok(EventId(id.unwrap_or(0)))
            }

            async fn compose_mail(
                &self,
                from: EventId,
                to: EventId,
                messages: &[NewMail],
                status: MailStatus,
                now: i64,
            ) -> Result<bool> {
                let mut tx = self.begin(&system(now)).await?;
                let moved = sqlx::query("UPDATE mail_cursor SET last_event_id = $1 WHERE name = 'outbox' AND last_event_id = $2")
                    .bind(to.0)
                    .bind(from.0)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                if moved != 1 {
                    // Dropped: rolled back, nothing kept.
                    return Ok(false);
                }
                for m in messages {
                    sqlx::query(
                        "INSERT INTO mail_messages (recipient_user_id, recipient_address, subject, body, event_id, action, \
                         company_id, status, attempts, next_attempt_at, created_at, updated_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 0, $9, $9, $9) \
                         ON CONFLICT (event_id, recipient_user_id) DO NOTHING",
                    )
                    .bind(m.recipient.user.0)
                    .bind(&m.recipient.address)
                    .bind(&m.subject)
                    .bind(&m.body)
                    .bind(m.event_id.0)
                    .bind(m.action.as_str())
                    .bind(m.company.map(|c| c.0))
                    .bind(status.as_str())
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                }
                tx.commit_unrecorded().await?;
                Ok(true)
            }

            async fn mail_recipients(&self, to: Recipients, event: &Event) -> Result<Vec<Recipient>> {
                let rows: Vec<(i64, String)> = match to {
                    Recipients::AppOwner => {
                        let Some(app) = event.app else { return Ok(Vec::new()) };
                        sqlx::query_as(
                            "SELECT u.id, u.email FROM apps a JOIN users u ON u.id = a.owner_id \
                             WHERE a.id = $1 AND u.kind = 'person'",
                        )
                        .bind(app.0)
                        .fetch_all(&self.read)
                        .await?
                    }
                    Recipients::CompanyAdmins => {
                        let Some(company) = event.company else { return Ok(Vec::new()) };
                        sqlx::query_as(
                            "SELECT u.id, u.email FROM company_users cu JOIN users u ON u.id = cu.user_id \
                             WHERE cu.company_id = $1 AND cu.is_admin = TRUE AND cu.is_active = TRUE \
                             AND u.kind = 'person' ORDER BY u.id",
                        )
                        .bind(company.0)
                        .fetch_all(&self.read)
                        .await?
                    }
                    Recipients::Invitee => {
                        let Ok(id) = event.target_id.parse::<i64>() else { return Ok(Vec::new()) };
                        sqlx::query_as(
                            "SELECT u.id, u.email FROM company_invitations i JOIN users u ON u.id = i.user_id \
                             WHERE i.id = $1 AND i.status = 'pending' AND u.kind = 'person'",
                        )
                        .bind(id)
                        .fetch_all(&self.read)
                        .await?
                    }
                };
                Ok(rows
                    .into_iter()
                    .map(|(user, address)| Recipient { user: UserId(user), address })
                    .collect())
            }

            async fn mail_facts(&self, event: &Event) -> Result<Facts> {
                let mut facts = Facts::new();
                if let Some(app) = event.app {
                    let name: Option<String> = sqlx::query_scalar("SELECT name FROM apps WHERE id = $1")
                        .bind(app.0)
                        .fetch_optional(&self.read)
                        .await?;
                    if let Some(n) = name {
                        facts.set("app", n);
                    }
                }
                if let Some(company) = event.company {
                    let name: Option<String> = sqlx::query_scalar("SELECT name FROM companies WHERE id = $1")
                        .bind(company.0)
                        .fetch_optional(&self.read)
                        .await?;
                    if let Some(n) = name {
                        facts.set("company", n);
                    }
                }
                if let Some(v) = version_after(event) {
                    let version: Option<String> = sqlx::query_scalar("SELECT version FROM app_versions WHERE id = $1")
                        .bind(v)
                        .fetch_optional(&self.read)
                        .await?;
                    if let Some(n) = version {
                        facts.set("version", n);
                    }
                }
                Ok(facts)
            }

            async fn invitation_invitee(&self, id: InvitationId) -> Result<Option<UserId>> {
                let user: Option<i64> = sqlx::query_scalar(
                    "SELECT i.user_id FROM company_invitations i JOIN users u ON u.id = i.user_id \
                     WHERE i.id = $1 AND i.status = 'pending' AND u.kind = 'person'",
                )
                .bind(id.0)
                .fetch_optional(&self.read)
                .await?;
                Ok(user.map(UserId))
            }

            async fn claim_mail(&self, now: i64, until: i64, limit: i64) -> Result<Vec<Mail>> {
                // Most passes find nothing due: ask a reader first, so they take no write
                // transaction.
                let due: Option<i64> = sqlx::query_scalar(
                    "SELECT id FROM mail_messages WHERE status = 'queued' AND next_attempt_at <= $1 \
                     AND (claimed_until IS NULL OR claimed_until <= $1) LIMIT 1",
                )
                .bind(now)
                .fetch_optional(&self.read)
                .await?;
                if due.is_none() {
                    return Ok(Vec::new());
                }
                let mut tx = self.begin(&system(now)).await?;
                let ids: Vec<i64> = sqlx::query_scalar(concat!(
                    "SELECT id FROM mail_messages WHERE status = 'queued' AND next_attempt_at <= $1 \
                     AND (claimed_until IS NULL OR claimed_until <= $1) ORDER BY id LIMIT $2",
                    $skip
                ))
                .bind(now)
                .bind(limit.clamp(1, 100))
                .fetch_all(&mut *tx)
                .await?;
                let mut claimed = Vec::with_capacity(ids.len());
                for id in ids {
                    let row: MailRow = sqlx::query_as(&format!(
                        "UPDATE mail_messages SET claimed_until = $1 WHERE id = $2 RETURNING {MAIL_COLUMNS}"
                    ))
                    .bind(until)
                    .bind(id)
                    .fetch_one(&mut *tx)
                    .await?;
                    claimed.push(row.into());
                }
                tx.commit_unrecorded().await?;
                Ok(claimed)
            }

            async fn finish_mail(&self, id: MailId, outcome: &MailOutcome) -> Result<()> {
                let (status, at, error, next, sent) = match outcome {
                    MailOutcome::Sent { at } => (MailStatus::Sent, *at, None, None, Some(*at)),
                    MailOutcome::Failed { at, error, retry_at: Some(t) } => {
                        (MailStatus::Queued, *at, Some(error.as_str()), Some(*t), None)
                    }
                    MailOutcome::Failed { at, error, retry_at: None } => {
                        (MailStatus::Failed, *at, Some(error.as_str()), None, None)
                    }
                };
                let mut tx = self.begin(&system(at)).await?;
                sqlx::query(
                    "UPDATE mail_messages SET status = $1, attempts = attempts + 1, \
                     next_attempt_at = COALESCE($2, next_attempt_at), last_error = COALESCE($3, last_error), \
                     sent_at = $4, claimed_until = NULL, updated_at = $5 WHERE id = $6",
                )
                .bind(status.as_str())
                .bind(next)
                .bind(error)
                .bind(sent)
                .bind(at)
                .bind(id.0)
                .execute(&mut *tx)
                .await?;
                tx.commit_unrecorded().await
            }

            async fn list_mail(&self, filter: MailFilter, page: PageRequest) -> Result<Page<Mail>> {
                // -1 and '' never match, so an absent filter is written as "no filter" in SQL.
                let recipient = filter.recipient.map_or(-1, |u| u.0);
                let status = filter.status.map_or("", |s| s.as_str());
                let cond = "($1 = -1 OR recipient_user_id = $1) AND ($2 = '' OR status = $2)";
                let total: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM mail_messages WHERE {cond}"))
                    .bind(recipient)
                    .bind(status)
                    .fetch_one(&self.read)
                    .await?;
                let rows: Vec<MailRow> = sqlx::query_as(&format!(
                    "SELECT {MAIL_COLUMNS} FROM mail_messages WHERE {cond} ORDER BY id DESC LIMIT $3 OFFSET $4"
                ))
                .bind(recipient)
                .bind(status)
                .bind(page.limit())
                .bind(page.offset())
                .fetch_all(&self.read)
                .await?;
                Ok(Page { items: rows.into_iter().map(Into::into).collect(), total })
            }

            async fn find_mail(&self, id: MailId) -> Result<Option<Mail>> {
                let row: Option<MailRow> =
                    sqlx::query_as(&format!("SELECT {MAIL_COLUMNS} FROM mail_messages WHERE id = $1"))
                        .bind(id.0)
                        .fetch_optional(&self.read)
                        .await?;
                Ok(row.map(Into::into))
            }
        }
    };
}

impl_mail!(SqliteStore, sqlx::Sqlite, skip_locked = "");
impl_mail!(PgStore, sqlx::Postgres, skip_locked = " FOR UPDATE SKIP LOCKED");
