//! Authorization codes and the redirect URIs they may go to.

use crate::entities::*;
use crate::error::Result;
use crate::model::*;
use async_trait::async_trait;
use trestle_domain::*;

/// The authorization-code flow's codes and the redirect URIs of apps. Codes are stored as keyed
/// hashes.
#[async_trait]
pub trait AuthCodeStore: Send + Sync {
    async fn add_redirect_uri(&self, app: AppId, uri: &str, audit: &EventContext) -> Result<()>;
    async fn list_redirect_uris(&self, app: AppId) -> Result<Vec<String>>;
    async fn create_code(&self, code: &NewCode) -> Result<()>;
    /// Spends a code atomically: exactly one redemption wins.
    async fn redeem_code(&self, code_hash: &str) -> Result<CodeRedemption>;
}
