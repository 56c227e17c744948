//! [`LoginStore`], [`AuthCodeStore`] and [`GrantStore`]: passwords, redirect URIs, browser
//! sessions, codes, grants and refresh tokens.

use super::tx::*;
use super::*;

macro_rules! impl_signin {
    ($store:ident, $db:ty) => {
        #[async_trait]
        impl LoginStore for $store {
            async fn set_password(&self, user: UserId, password_hash: &str, audit: &EventContext) -> Result<()> {
                let mut tx = self.begin(audit).await?;
                let done = sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2 AND kind = 'person'")
                    .bind(password_hash)
                    .bind(user.0)
                    .execute(&mut *tx)
                    .await?;
                if done.rows_affected() == 0 {
                    return Err(StoreError::NotFound);
                }
                tx.record(Event::new(Action::UserSetPassword, TargetKind::User, user));
                tx.commit().await
            }

            async fn find_login(&self, email: &str) -> Result<Option<(UserId, String)>> {
                let row: Option<(i64, String)> = sqlx::query_as(
                    "SELECT id, password_hash FROM users WHERE email = $1 AND kind = 'person' AND password_hash IS NOT NULL",
                )
                .bind(email)
                .fetch_optional(&self.read)
                .await?;
                Ok(row.map(|(id, h)| (UserId(id), h)))
            }

            async fn create_web_session(&self, hash: &str, user: UserId, csrf: &str, now: i64, expires_at: i64) -> Result<()> {
                sqlx::query("DELETE FROM web_sessions WHERE expires_at <= $1").bind(now).execute(self.write.unrecorded()).await?;
                sqlx::query(
                    "INSERT INTO web_sessions (session_hash, user_id, csrf, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(hash)
                .bind(user.0)
                .bind(csrf)
                .bind(now)
                .bind(expires_at)
                .execute(self.write.unrecorded())
                .await?;
                Ok(())
            }

            async fn find_web_session(&self, hash: &str, now: i64) -> Result<Option<WebSession>> {
                let row: Option<(i64, String, i64)> = sqlx::query_as(
                    "SELECT user_id, csrf, created_at FROM web_sessions WHERE session_hash = $1 AND expires_at > $2",
                )
                .bind(hash)
                .bind(now)
                .fetch_optional(&self.read)
                .await?;
                Ok(row.map(|(u, csrf, created_at)| WebSession { user: UserId(u), csrf, created_at }))
            }

            async fn end_web_session(&self, hash: &str) -> Result<()> {
                sqlx::query("DELETE FROM web_sessions WHERE session_hash = $1")
                    .bind(hash)
                    .execute(self.write.unrecorded())
                    .await?;
                Ok(())
            }
        }

        #[async_trait]
        impl AuthCodeStore for $store {
            async fn add_redirect_uri(&self, app: AppId, uri: &str, audit: &EventContext) -> Result<()> {
                let mut tx = self.begin(audit).await?;
                sqlx::query(
                    "INSERT INTO redirect_uris (app_id, uri, created_at) VALUES ($1, $2, $3) ON CONFLICT (app_id, uri) DO NOTHING",
                )
                .bind(app.0)
                .bind(uri)
                .bind(audit.at)
                .execute(&mut *tx)
                .await?;
                tx.record(
                    Event::new(Action::RedirectUriAdd, TargetKind::App, app)
                        .for_app(app)
                        .after(json_of(&[("uri", uri.into())])),
                );
                tx.commit().await
            }

            async fn list_redirect_uris(&self, app: AppId) -> Result<Vec<String>> {
                Ok(sqlx::query_scalar("SELECT uri FROM redirect_uris WHERE app_id = $1 ORDER BY id")
                    .bind(app.0)
                    .fetch_all(&self.read)
                    .await?)
            }

            async fn create_code(&self, code: &NewCode) -> Result<()> {
                sqlx::query(
                    "INSERT INTO auth_codes (code_hash, client_pk, user_id, redirect_uri, code_challenge, expires_at) \
                     VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(&code.code_hash)
                .bind(code.client.0)
                .bind(code.user.0)
                .bind(&code.redirect_uri)
                .bind(&code.code_challenge)
                .bind(code.expires_at)
                .execute(self.write.unrecorded())
                .await?;
                Ok(())
            }

            async fn redeem_code(&self, code_hash: &str) -> Result<CodeRedemption> {
                // One conditional update: of concurrent redemptions exactly one wins.
                let won: Option<(i64, i64, String, Option<String>, i64)> = sqlx::query_as(
                    "UPDATE auth_codes SET used_at = 0 WHERE code_hash = $1 AND used_at IS NULL \
                     RETURNING client_pk, user_id, redirect_uri, code_challenge, expires_at",
                )
                .bind(code_hash)
                .fetch_optional(self.write.unrecorded())
                .await?;
                if let Some((client, user, redirect_uri, code_challenge, expires_at)) = won {
                    return Ok(CodeRedemption::Redeemed(AuthCode {
                        client: ClientPk(client),
                        user: UserId(user),
                        redirect_uri,
                        code_challenge,
                        expires_at,
                    }));
                }
                let used: Option<Option<i64>> = sqlx::query_scalar("SELECT grant_id FROM auth_codes WHERE code_hash = $1")
                    .bind(code_hash)
                    .fetch_optional(self.write.unrecorded())
                    .await?;
                Ok(match used {
                    Some(grant) => CodeRedemption::Replayed { grant: grant.map(GrantId) },
                    None => CodeRedemption::Unknown,
                })
            }
        }

        #[async_trait]
        impl GrantStore for $store {
            async fn create_grant(
                &self,
                code_hash: &str,
                code: &AuthCode,
                app: AppId,
                refresh_hash: &str,
                audit: &EventContext,
            ) -> Result<Grant> {
                let mut tx = self.begin(audit).await?;
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO grants (client_pk, app_id, user_id, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
                )
                .bind(code.client.0)
                .bind(app.0)
                .bind(code.user.0)
                .bind(audit.at)
                .fetch_one(&mut *tx)
                .await?;
                sqlx::query("UPDATE auth_codes SET grant_id = $1, used_at = $2 WHERE code_hash = $3")
                    .bind(id)
                    .bind(audit.at)
                    .bind(code_hash)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query("INSERT INTO refresh_tokens (token_hash, grant_id, created_at) VALUES ($1, $2, $3)")
                    .bind(refresh_hash)
                    .bind(id)
                    .bind(audit.at)
                    .execute(&mut *tx)
                    .await?;
                tx.record(
                    Event::new(Action::GrantCreate, TargetKind::Grant, id)
                        .for_app(app)
                        .after(json_of(&[("user_id", code.user.0.into())])),
                );
                tx.commit().await?;
                Ok(Grant { id: GrantId(id), client: code.client, app_id: app, user_id: code.user, revoked: false, created_at: audit.at })
            }

            async fn rotate_refresh(&self, old_hash: &str, new_hash: &str, audit: &EventContext) -> Result<RefreshRotation> {
                let mut tx = self.begin(audit).await?;
                let won: Option<i64> = sqlx::query_scalar(
                    "UPDATE refresh_tokens SET used_at = $1 WHERE token_hash = $2 AND used_at IS NULL RETURNING grant_id",
                )
                .bind(audit.at)
                .bind(old_hash)
                .fetch_optional(&mut *tx)
                .await?;
                let Some(grant) = won else {
                    let seen: Option<i64> = sqlx::query_scalar("SELECT grant_id FROM refresh_tokens WHERE token_hash = $1")
                        .bind(old_hash)
                        .fetch_optional(&mut *tx)
                        .await?;
                    let Some(grant) = seen else { return Ok(RefreshRotation::Unknown) };
                    // Reuse of a spent refresh token: revoke the whole grant.
                    let app: i64 = sqlx::query_scalar(
                        "UPDATE grants SET revoked_at = COALESCE(revoked_at, $1) WHERE id = $2 RETURNING app_id",
                    )
                    .bind(audit.at)
                    .bind(grant)
                    .fetch_one(&mut *tx)
                    .await?;
                    tx.record(
                        Event::new(Action::GrantRevoke, TargetKind::Grant, grant)
                            .for_app(AppId(app))
                            .after(json_of(&[("reason", "refresh token reused".into())])),
                    );
                    tx.commit().await?;
                    return Ok(RefreshRotation::Reused { grant: GrantId(grant) });
                };
                let row: (i64, i64, i64, Option<i64>, i64) =
                    sqlx::query_as(
                        "SELECT g.client_pk, g.app_id, g.user_id, COALESCE(g.revoked_at, a.suspended_at), g.created_at \
                         FROM grants g JOIN apps a ON a.id = g.app_id WHERE g.id = $1",
                    )
                        .bind(grant)
                        .fetch_one(&mut *tx)
                        .await?;
                sqlx::query("INSERT INTO refresh_tokens (token_hash, grant_id, created_at) VALUES ($1, $2, $3)")
                    .bind(new_hash)
                    .bind(grant)
                    .bind(audit.at)
                    .execute(&mut *tx)
                    .await?;
                // A rotation is bookkeeping of the same grant, not a domain event.
                tx.commit_unrecorded().await?;
                Ok(RefreshRotation::Rotated(Grant {
                    id: GrantId(grant),
                    client: ClientPk(row.0),
                    app_id: AppId(row.1),
                    user_id: UserId(row.2),
                    revoked: row.3.is_some(),
                    created_at: row.4,
                }))
            }

            async fn find_grant(&self, id: GrantId) -> Result<Option<Grant>> {
                let row: Option<(i64, i64, i64, Option<i64>, i64)> =
                    sqlx::query_as(
                        "SELECT g.client_pk, g.app_id, g.user_id, COALESCE(g.revoked_at, a.suspended_at), g.created_at \
                         FROM grants g JOIN apps a ON a.id = g.app_id WHERE g.id = $1",
                    )
                        .bind(id.0)
                        .fetch_optional(&self.read)
                        .await?;
                Ok(row.map(|r| Grant {
                    id,
                    client: ClientPk(r.0),
                    app_id: AppId(r.1),
                    user_id: UserId(r.2),
                    revoked: r.3.is_some(),
                    created_at: r.4,
                }))
            }

            async fn find_refresh_grant(&self, token_hash: &str) -> Result<Option<Grant>> {
                let id: Option<i64> = sqlx::query_scalar("SELECT grant_id FROM refresh_tokens WHERE token_hash = $1")
                    .bind(token_hash)
                    .fetch_optional(&self.read)
                    .await?;
                match id {
                    Some(id) => self.find_grant(GrantId(id)).await,
                    None => Ok(None),
                }
            }

            async fn revoke_grant(&self, id: GrantId, reason: &str, audit: &EventContext) -> Result<()> {
                let mut tx = self.begin(audit).await?;
                let app: Option<i64> =
                    sqlx::query_scalar("UPDATE grants SET revoked_at = COALESCE(revoked_at, $1) WHERE id = $2 RETURNING app_id")
                        .bind(audit.at)
                        .bind(id.0)
                        .fetch_optional(&mut *tx)
                        .await?;
                let app = app.ok_or(StoreError::NotFound)?;
                tx.record(
                    Event::new(Action::GrantRevoke, TargetKind::Grant, id)
                        .for_app(AppId(app))
                        .after(json_of(&[("reason", reason.into())])),
                );
                tx.commit().await
            }
        }
    };
}

impl_signin!(SqliteStore, sqlx::Sqlite);
impl_signin!(PgStore, sqlx::Postgres);
