//! People signing in: passwords, sessions, codes, grants and refresh tokens.

use crate::entities::*;
use crate::error::Result;
use crate::model::*;
use async_trait::async_trait;
use trestle_domain::*;

/// What people signing in need: passwords, redirect URIs, browser sessions, and the codes,
/// grants and refresh tokens of the authorization-code flow. Secrets are stored as keyed hashes.
#[async_trait]
pub trait SignInStore: Send + Sync {
    async fn set_password(&self, user: UserId, password_hash: &str, audit: &EventContext) -> Result<()>;
    /// A person with a password, by e-mail: (id, password hash).
    async fn find_login(&self, email: &str) -> Result<Option<(UserId, String)>>;
    async fn add_redirect_uri(&self, app: AppId, uri: &str, audit: &EventContext) -> Result<()>;
    async fn list_redirect_uris(&self, app: AppId) -> Result<Vec<String>>;
    async fn create_web_session(&self, hash: &str, user: UserId, csrf: &str, now: i64, expires_at: i64) -> Result<()>;
    /// A live session.
    async fn find_web_session(&self, hash: &str, now: i64) -> Result<Option<WebSession>>;
    /// Ends a session (sign-out). Ending an unknown session is not an error.
    async fn end_web_session(&self, hash: &str) -> Result<()>;
    async fn create_code(&self, code: &NewCode) -> Result<()>;
    /// Spends a code atomically: exactly one redemption wins.
    async fn redeem_code(&self, code_hash: &str) -> Result<CodeRedemption>;
    /// Creates the grant of a redeemed code with its first refresh token.
    async fn create_grant(
        &self,
        code_hash: &str,
        code: &AuthCode,
        app: AppId,
        refresh_hash: &str,
        audit: &EventContext,
    ) -> Result<Grant>;
    /// Spends a refresh token and stores its successor; a second use revokes the grant.
    async fn rotate_refresh(&self, old_hash: &str, new_hash: &str, audit: &EventContext) -> Result<RefreshRotation>;
    async fn find_grant(&self, id: GrantId) -> Result<Option<Grant>>;
    /// The grant a refresh token (spent or not) belongs to.
    async fn find_refresh_grant(&self, token_hash: &str) -> Result<Option<Grant>>;
    async fn revoke_grant(&self, id: GrantId, reason: &str, audit: &EventContext) -> Result<()>;
}
