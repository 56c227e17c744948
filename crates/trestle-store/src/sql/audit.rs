//! [`AuditStore`]: reading the audit log, and sign-in attempts (which have no transaction).

use super::rows::*;
use super::*;

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
                     before_json, after_json FROM audit_events WHERE {cond} ORDER BY id LIMIT $3 OFFSET $4"
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
                let after = serde_json::json!({ "email": attempt.email, "address": attempt.address }).to_string();
                sqlx::query(
                    "INSERT INTO audit_events (at, actor_kind, actor_user_id, company_id, app_id, action, \
                     target_type, target_id, before_json, after_json) VALUES ($1,$2,$3,NULL,NULL,$4,$5,$6,NULL,$7)",
                )
                .bind(attempt.at)
                .bind(if attempt.user.is_some() { "person" } else { "anonymous" })
                .bind(attempt.user.map(|u| u.0))
                .bind(if attempt.success { "signin.success" } else { "signin.failure" })
                .bind(if attempt.user.is_some() { "user" } else { "email" })
                .bind(attempt.user.map_or_else(|| attempt.email.clone(), |u| u.0.to_string()))
                .bind(after)
                .execute(&self.write)
                .await?;
                Ok(())
            }
        }
    };
}

impl_audit!(SqliteStore, sqlx::Sqlite);
impl_audit!(PgStore, sqlx::Postgres);
