//! Grants and their refresh tokens.

use crate::entities::*;
use crate::error::Result;
use crate::model::*;
use async_trait::async_trait;
use trestle_domain::*;

/// A person's grants to an app and their refresh tokens (stored as keyed hashes).
#[async_trait]
pub trait GrantStore: Send + Sync {
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
