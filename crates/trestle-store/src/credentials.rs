//! Credentials: apps' OAuth clients, their secrets and revoked tokens; management API tokens.

use crate::entities::*;
use crate::error::Result;
use crate::model::*;
use async_trait::async_trait;
use trestle_domain::*;

/// How long a revocation is remembered after the revoked token's own expiry (seconds). Tokens
/// expire by the clock, so a revocation forgotten at expiry would bring the token back if the
/// system clock were then set back; with this margin a clock set back by up to a day cannot.
pub const REVOCATION_GRACE: i64 = 86_400;

/// The OAuth clients of apps, their secrets, and revoked access tokens.
#[async_trait]
pub trait CredentialStore: Send + Sync {
    /// Adds a secret to a client (rotation); optionally makes the other live secrets expire at
    /// `expire_others_at`.
    async fn add_secret(
        &self,
        client: ClientPk,
        secret_hash: &str,
        expire_others_at: Option<i64>,
        audit: &EventContext,
    ) -> Result<SecretId>;
    /// Retires a secret at once. Refused (`Conflict`) for the client's last live secret.
    async fn revoke_secret(&self, client: ClientPk, secret_id: SecretId, audit: &EventContext) -> Result<()>;
    async fn list_secrets(&self, client: ClientPk) -> Result<Vec<SecretInfo>>;
    async fn find_client(&self, environment: Environment, app: AppId) -> Result<Option<OAuthClient>>;
    /// A client and its live (not revoked) secrets, by public client_id.
    async fn find_client_by_client_id(&self, client_id: &str) -> Result<Option<ClientCredentials>>;
    /// Remembers a revoked access token until [`REVOCATION_GRACE`] after `expires_at`.
    /// Revoking twice is harmless.
    async fn revoke_token(&self, app: AppId, token_id: &str, expires_at: i64, audit: &EventContext) -> Result<()>;
    /// Ids of the app's revoked tokens that had not expired [`REVOCATION_GRACE`] before `now`
    /// (a token that expired a moment ago is still listed: the clock may be set back).
    async fn list_revoked_tokens(&self, app: AppId, now: i64) -> Result<Vec<String>>;
    /// The client a secret belongs to.
    async fn find_client_by_secret(&self, secret_id: SecretId) -> Result<Option<OAuthClient>>;
    /// A secret that is not revoked: `Some(expires_at)`; `None` when unknown or revoked.
    async fn find_live_secret(&self, secret_id: SecretId) -> Result<Option<Option<i64>>>;
}

/// Management API tokens.
#[async_trait]
pub trait AccessStore: Send + Sync {
    async fn create_api_token(&self, new: &NewApiToken, audit: &EventContext) -> Result<ApiTokenId>;
    /// The owner of a live API token, by its keyed hash.
    async fn find_api_token(&self, token_hash: &str) -> Result<Option<ApiTokenOwner>>;
}
