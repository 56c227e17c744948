//! [`ServiceAccountStore`]: traditional (legacy) service accounts.

use super::rows::*;
use super::tx::*;
use super::*;

macro_rules! impl_service_accounts {
    ($store:ident, $db:ty) => {
        #[async_trait]
        impl ServiceAccountStore for $store {
            async fn create_service_account(&self, new: &NewServiceAccount, audit: &EventContext) -> Result<ServiceAccount> {
                let mut tx = self.begin(audit).await?;
                let user: i64 = sqlx::query_scalar(
                    "INSERT INTO users (kind, email, name, created_at) VALUES ('bot', $1, $2, $3) RETURNING id",
                )
                .bind(&new.contact_email)
                .bind(&new.name)
                .bind(audit.at)
                .fetch_one(&mut *tx)
                .await?;
                sqlx::query(
                    "INSERT INTO company_users (company_id, user_id, is_admin, is_active, permissions, created_at) \
                     VALUES ($1, $2, FALSE, TRUE, '{}', $3)",
                )
                .bind(new.company.0)
                .bind(user)
                .bind(audit.at)
                .execute(&mut *tx)
                .await?;
                let row: SaRow = sqlx::query_as(&format!(
                    "INSERT INTO service_accounts (company_id, user_id, name, app_type, app_id, client_id, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING {SA_COLUMNS}"
                ))
                .bind(new.company.0)
                .bind(user)
                .bind(&new.name)
                .bind(&new.app_type)
                .bind(new.app_id.map(|a| a.0))
                .bind(&new.client_id)
                .bind(audit.at)
                .fetch_one(&mut *tx)
                .await?;
                sqlx::query("INSERT INTO service_account_secrets (account_id, secret_hash, created_at) VALUES ($1, $2, $3)")
                    .bind(row.id)
                    .bind(&new.secret_hash)
                    .bind(audit.at)
                    .execute(&mut *tx)
                    .await?;
                tx.record(
                    Event {
                        app: new.app_id,
                        ..Event::new(Action::ServiceAccountCreate, TargetKind::ServiceAccount, row.id)
                    }
                    .in_company(new.company)
                    .after(json_of(&[("name", new.name.clone().into()), ("app_type", new.app_type.clone().into())])),
                );
                tx.commit().await?;
                Ok(row.into())
            }

            async fn list_service_accounts(&self, company: Option<CompanyId>) -> Result<Vec<ServiceAccount>> {
                let rows: Vec<SaRow> = sqlx::query_as(&format!(
                    "SELECT {SA_COLUMNS} FROM service_accounts WHERE ($1 = -1 OR company_id = $1) ORDER BY id"
                ))
                .bind(company.map_or(-1, |c| c.0))
                .fetch_all(&self.read)
                .await?;
                Ok(rows.into_iter().map(Into::into).collect())
            }

            async fn find_service_account(&self, company: CompanyId, id: ServiceAccountId) -> Result<Option<ServiceAccount>> {
                let row: Option<SaRow> =
                    sqlx::query_as(&format!("SELECT {SA_COLUMNS} FROM service_accounts WHERE id = $1 AND company_id = $2"))
                        .bind(id.0)
                        .bind(company.0)
                        .fetch_optional(&self.read)
                        .await?;
                Ok(row.map(Into::into))
            }

            async fn find_service_account_by_client_id(
                &self,
                client_id: &str,
            ) -> Result<Option<(ServiceAccount, Vec<(SecretId, String)>)>> {
                let row: Option<SaRow> =
                    sqlx::query_as(&format!("SELECT {SA_COLUMNS} FROM service_accounts WHERE client_id = $1"))
                        .bind(client_id)
                        .fetch_optional(&self.read)
                        .await?;
                let Some(row) = row else { return Ok(None) };
                let secrets: Vec<(i64, String)> = sqlx::query_as(
                    "SELECT id, secret_hash FROM service_account_secrets WHERE account_id = $1 AND revoked_at IS NULL",
                )
                .bind(row.id)
                .fetch_all(&self.read)
                .await?;
                Ok(Some((row.into(), secrets.into_iter().map(|(id, hash)| (SecretId(id), hash)).collect())))
            }

            async fn find_service_account_by_secret(&self, secret_id: SecretId) -> Result<Option<ServiceAccount>> {
                let row: Option<SaRow> = sqlx::query_as(&format!(
                    "SELECT {SA_COLUMNS_A} FROM service_accounts a JOIN service_account_secrets s ON s.account_id = a.id \
                     WHERE s.id = $1 AND s.revoked_at IS NULL"
                ))
                .bind(secret_id.0)
                .fetch_optional(&self.read)
                .await?;
                Ok(row.map(Into::into))
            }

            async fn reset_service_account(
                &self,
                company: CompanyId,
                id: ServiceAccountId,
                secret_hash: &str,
                audit: &EventContext,
            ) -> Result<()> {
                let mut tx = self.begin(audit).await?;
                let user: Option<i64> = sqlx::query_scalar(
                    "SELECT user_id FROM service_accounts WHERE id = $1 AND company_id = $2 AND retired_at IS NULL",
                )
                .bind(id.0)
                .bind(company.0)
                .fetch_optional(&mut *tx)
                .await?;
                let user = user.ok_or(StoreError::NotFound)?;
                sqlx::query("UPDATE service_account_secrets SET revoked_at = $1 WHERE account_id = $2 AND revoked_at IS NULL")
                    .bind(audit.at)
                    .bind(id.0)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query("INSERT INTO service_account_secrets (account_id, secret_hash, created_at) VALUES ($1, $2, $3)")
                    .bind(id.0)
                    .bind(secret_hash)
                    .bind(audit.at)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query("UPDATE company_users SET permissions = '{}' WHERE company_id = $1 AND user_id = $2")
                    .bind(company.0)
                    .bind(user)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query("DELETE FROM project_users WHERE company_id = $1 AND user_id = $2")
                    .bind(company.0)
                    .bind(user)
                    .execute(&mut *tx)
                    .await?;
                tx.record(
                    Event::new(Action::ServiceAccountResetSecret, TargetKind::ServiceAccount, id)
                        .in_company(company)
                        .after(json_of(&[("permissions", "reset".into())])),
                );
                tx.commit().await
            }

            async fn retire_service_account(&self, company: CompanyId, id: ServiceAccountId, audit: &EventContext) -> Result<()> {
                let mut tx = self.begin(audit).await?;
                let user: Option<i64> = sqlx::query_scalar(
                    "UPDATE service_accounts SET retired_at = $1 WHERE id = $2 AND company_id = $3 AND retired_at IS NULL \
                     RETURNING user_id",
                )
                .bind(audit.at)
                .bind(id.0)
                .bind(company.0)
                .fetch_optional(&mut *tx)
                .await?;
                let user = user.ok_or(StoreError::NotFound)?;
                sqlx::query("UPDATE service_account_secrets SET revoked_at = $1 WHERE account_id = $2 AND revoked_at IS NULL")
                    .bind(audit.at)
                    .bind(id.0)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query("UPDATE company_users SET is_active = FALSE WHERE company_id = $1 AND user_id = $2")
                    .bind(company.0)
                    .bind(user)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query("DELETE FROM project_users WHERE company_id = $1 AND user_id = $2")
                    .bind(company.0)
                    .bind(user)
                    .execute(&mut *tx)
                    .await?;
                tx.record(
                    Event::new(Action::ServiceAccountRetire, TargetKind::ServiceAccount, id)
                        .in_company(company),
                );
                tx.commit().await
            }
        }
    };
}

impl_service_accounts!(SqliteStore, sqlx::Sqlite);
impl_service_accounts!(PgStore, sqlx::Postgres);
