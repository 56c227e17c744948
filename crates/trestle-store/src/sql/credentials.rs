//! [`CredentialStore`] (OAuth clients, secrets, token revocations) and [`AccessStore`]
//! (management API tokens).

use super::rows::*;
use super::tx::*;
use super::*;

macro_rules! impl_credentials {
    ($store:ident, $db:ty) => {
        #[async_trait]
        impl CredentialStore for $store {
            async fn add_secret(
                &self,
                client: ClientPk,
                secret_hash: &str,
                expire_others_at: Option<i64>,
                audit: &EventContext,
            ) -> Result<SecretId> {
                let mut tx = self.begin(audit).await?;
                let app: Option<i64> = sqlx::query_scalar("SELECT app_id FROM oauth_clients WHERE id = $1")
                    .bind(client.0)
                    .fetch_optional(&mut *tx)
                    .await?;
                let app = app.ok_or(StoreError::NotFound)?;
                if let Some(at) = expire_others_at {
                    sqlx::query(
                        "UPDATE client_secrets SET expires_at = $1 WHERE client_pk = $2 AND revoked_at IS NULL \
                         AND (expires_at IS NULL OR expires_at > $1)",
                    )
                    .bind(at)
                    .bind(client.0)
                    .execute(&mut *tx)
                    .await?;
                }
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO client_secrets (client_pk, secret_hash, created_at) VALUES ($1, $2, $3) RETURNING id",
                )
                .bind(client.0)
                .bind(secret_hash)
                .bind(audit.at)
                .fetch_one(&mut *tx)
                .await?;
                tx.record(
                    Event::new(Action::ClientSecretRotate, TargetKind::ClientSecret, id)
                        .for_app(AppId(app))
                        .after(json_of(&[("client_pk", client.0.into()), ("others_expire_at", expire_others_at.into())])),
                );
                tx.commit().await?;
                Ok(SecretId(id))
            }

            async fn revoke_secret(&self, client: ClientPk, secret_id: SecretId, audit: &EventContext) -> Result<()> {
                let mut tx = self.begin(audit).await?;
                let app: Option<i64> = sqlx::query_scalar(
                    "SELECT c.app_id FROM client_secrets s JOIN oauth_clients c ON c.id = s.client_pk \
                     WHERE s.id = $1 AND s.client_pk = $2 AND s.revoked_at IS NULL",
                )
                .bind(secret_id.0)
                .bind(client.0)
                .fetch_optional(&mut *tx)
                .await?;
                let app = app.ok_or(StoreError::NotFound)?;
                let others: i64 = sqlx::query_scalar(
                    "SELECT COUNT(*) FROM client_secrets WHERE client_pk = $1 AND id <> $2 AND revoked_at IS NULL",
                )
                .bind(client.0)
                .bind(secret_id.0)
                .fetch_one(&mut *tx)
                .await?;
                if others == 0 {
                    return Err(StoreError::Conflict(
                        "this is the client's only secret; rotate first so the app keeps a working secret".into(),
                    ));
                }
                sqlx::query("UPDATE client_secrets SET revoked_at = $1 WHERE id = $2")
                    .bind(audit.at)
                    .bind(secret_id.0)
                    .execute(&mut *tx)
                    .await?;
                tx.record(
                    Event::new(Action::ClientSecretRetire, TargetKind::ClientSecret, secret_id)
                        .for_app(AppId(app)),
                );
                tx.commit().await?;
                Ok(())
            }

            async fn list_secrets(&self, client: ClientPk) -> Result<Vec<SecretInfo>> {
                let rows: Vec<(i64, i64, Option<i64>, Option<i64>)> = sqlx::query_as(
                    "SELECT id, created_at, expires_at, revoked_at FROM client_secrets WHERE client_pk = $1 ORDER BY id",
                )
                .bind(client.0)
                .fetch_all(&self.read)
                .await?;
                Ok(rows
                    .into_iter()
                    .map(|(id, created_at, expires_at, revoked_at)| SecretInfo { id: SecretId(id), created_at, expires_at, revoked_at })
                    .collect())
            }

            async fn find_client(&self, environment: Environment, app: AppId) -> Result<Option<OAuthClient>> {
                let row: Option<ClientRow> = sqlx::query_as(
                    "SELECT id, app_id, environment, client_id, created_at FROM oauth_clients \
                     WHERE app_id = $1 AND environment = $2",
                )
                .bind(app.0)
                .bind(environment.as_str())
                .fetch_optional(&self.read)
                .await?;
                Ok(row.map(Into::into))
            }

            async fn find_client_by_client_id(&self, client_id: &str) -> Result<Option<ClientCredentials>> {
                let client: Option<ClientRow> = sqlx::query_as(
                    "SELECT c.id, c.app_id, c.environment, c.client_id, c.created_at FROM oauth_clients c \
                     JOIN apps a ON a.id = c.app_id WHERE c.client_id = $1 AND a.deleted_at IS NULL",
                )
                .bind(client_id)
                .fetch_optional(&self.read)
                .await?;
                let Some(client) = client else { return Ok(None) };
                let secrets: Vec<SecretRow> = sqlx::query_as(
                    "SELECT id, secret_hash, expires_at FROM client_secrets WHERE client_pk = $1 AND revoked_at IS NULL ORDER BY id",
                )
                .bind(client.id)
                .fetch_all(&self.read)
                .await?;
                Ok(Some(ClientCredentials {
                    client: client.into(),
                    secrets: secrets
                        .into_iter()
                        .map(|s| ClientSecret { id: SecretId(s.id), secret_hash: s.secret_hash, expires_at: s.expires_at })
                        .collect(),
                }))
            }

            async fn revoke_token(&self, app: AppId, token_id: &str, expires_at: i64, audit: &EventContext) -> Result<()> {
                let mut tx = self.begin(audit).await?;
                let done = sqlx::query(
                    "INSERT INTO revoked_tokens (token_id, app_id, expires_at, revoked_at) VALUES ($1, $2, $3, $4) \
                     ON CONFLICT (token_id) DO NOTHING",
                )
                .bind(token_id)
                .bind(app.0)
                .bind(expires_at)
                .bind(audit.at)
                .execute(&mut *tx)
                .await?;
                // Forget revocations of tokens that expired on their own, a margin ago (the clock
                // may be set back: a forgotten revocation must not bring a token back).
                sqlx::query("DELETE FROM revoked_tokens WHERE app_id = $1 AND expires_at <= $2")
                    .bind(app.0)
                    .bind(audit.at.saturating_sub(REVOCATION_GRACE))
                    .execute(&mut *tx)
                    .await?;
                if done.rows_affected() == 0 {
                    // Revoked already: only the bookkeeping of expired revocations changed.
                    return tx.commit_unrecorded().await;
                }
                tx.record(
                    Event::new(Action::TokenRevoke, TargetKind::AccessToken, token_id.chars().take(8).collect::<String>())
                        .for_app(app),
                );
                tx.commit().await
            }

            async fn list_revoked_tokens(&self, app: AppId, now: i64) -> Result<Vec<String>> {
                Ok(sqlx::query_scalar("SELECT token_id FROM revoked_tokens WHERE app_id = $1 AND expires_at > $2")
                    .bind(app.0)
                    .bind(now.saturating_sub(REVOCATION_GRACE))
                    .fetch_all(&self.read)
                    .await?)
            }

            async fn find_client_by_secret(&self, secret_id: SecretId) -> Result<Option<OAuthClient>> {
                let row: Option<ClientRow> = sqlx::query_as(
                    "SELECT c.id, c.app_id, c.environment, c.client_id, c.created_at FROM oauth_clients c \
                     JOIN client_secrets s ON s.client_pk = c.id WHERE s.id = $1",
                )
                .bind(secret_id.0)
                .fetch_optional(&self.read)
                .await?;
                Ok(row.map(Into::into))
            }

            async fn find_live_secret(&self, secret_id: SecretId) -> Result<Option<Option<i64>>> {
                let row: Option<(Option<i64>,)> =
                    sqlx::query_as(
                        "SELECT s.expires_at FROM client_secrets s JOIN oauth_clients c ON c.id = s.client_pk \
                         JOIN apps a ON a.id = c.app_id WHERE s.id = $1 AND s.revoked_at IS NULL AND a.suspended_at IS NULL",
                    )
                        .bind(secret_id.0)
                        .fetch_optional(&self.read)
                        .await?;
                Ok(row.map(|(e,)| e))
            }
        }

        #[async_trait]
        impl AccessStore for $store {
            async fn create_api_token(&self, new: &NewApiToken, audit: &EventContext) -> Result<ApiTokenId> {
                let mut tx = self.begin(audit).await?;
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO api_tokens (token_hash, user_id, is_operator, label, created_at) \
                     VALUES ($1, $2, $3, $4, $5) RETURNING id",
                )
                .bind(&new.token_hash)
                .bind(new.user.map(|u| u.0))
                .bind(new.user.is_none())
                .bind(&new.label)
                .bind(audit.at)
                .fetch_one(&mut *tx)
                .await?;
                tx.record(
                    Event::new(Action::ApiTokenCreate, TargetKind::ApiToken, id)
                        .after(json_of(&[
                        ("label", new.label.clone().into()),
                        ("user_id", new.user.map(|u| u.0).into()),
                    ])),
                );
                tx.commit().await?;
                Ok(ApiTokenId(id))
            }

            async fn find_api_token(&self, token_hash: &str) -> Result<Option<ApiTokenOwner>> {
                let row: Option<(Option<i64>, bool)> = sqlx::query_as(
                    "SELECT user_id, is_operator FROM api_tokens WHERE token_hash = $1 AND revoked_at IS NULL",
                )
                .bind(token_hash)
                .fetch_optional(&self.read)
                .await?;
                Ok(row.map(|(user, is_operator)| match (user, is_operator) {
                    (Some(u), false) => ApiTokenOwner::User(UserId(u)),
                    _ => ApiTokenOwner::Operator,
                }))
            }
        }
    };
}

impl_credentials!(SqliteStore, sqlx::Sqlite);
impl_credentials!(PgStore, sqlx::Postgres);
