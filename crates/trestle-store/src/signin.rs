//! People signing in: passwords and browser sessions.

use crate::entities::*;
use crate::error::Result;
use crate::model::*;
use async_trait::async_trait;
use trestle_domain::*;

/// People signing in: passwords and browser sessions. Secrets are stored as keyed hashes.
#[async_trait]
pub trait LoginStore: Send + Sync {
    async fn set_password(&self, user: UserId, password_hash: &str, audit: &EventContext) -> Result<()>;
    /// A person with a password, by e-mail: (id, password hash).
    async fn find_login(&self, email: &str) -> Result<Option<(UserId, String)>>;
    async fn create_web_session(&self, hash: &str, user: UserId, csrf: &str, now: i64, expires_at: i64) -> Result<()>;
    /// A live session.
    async fn find_web_session(&self, hash: &str, now: i64) -> Result<Option<WebSession>>;
    /// Ends a session (sign-out). Ending an unknown session is not an error.
    async fn end_web_session(&self, hash: &str) -> Result<()>;
}
