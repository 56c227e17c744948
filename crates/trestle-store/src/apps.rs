//! Developer apps.

use crate::entities::*;
use crate::error::Result;
use crate::model::*;
use async_trait::async_trait;
use trestle_domain::page::{Page, PageRequest};
use trestle_domain::*;

/// Developer apps: creation with their development sandbox, renaming, deletion, the
/// marketplace listing and the operator's suspension.
#[async_trait]
pub trait AppStore: Send + Sync {
    /// Creates an app with its development sandbox (company, sample people and projects,
    /// sandbox client), in one transaction.
    async fn create_app(&self, owner: UserId, name: &str, sandbox: &NewSandbox, audit: &EventContext) -> Result<App>;
    async fn find_app(&self, id: AppId) -> Result<Option<App>>;
    async fn list_apps(&self, owner: UserId, page: PageRequest) -> Result<Page<App>>;
    /// Suspends the app (`Some(reason)`) or lifts the suspension (`None`). A suspended app's
    /// secrets and grants stop counting as live.
    async fn set_app_suspension(&self, app: AppId, reason: Option<&str>, audit: &EventContext) -> Result<App>;
    /// Lists the app in the marketplace (`Conflict` without a promoted version).
    async fn publish_app(&self, app: AppId, audit: &EventContext) -> Result<App>;
    /// Published apps that have a promoted version.
    async fn list_published_apps(&self, page: PageRequest) -> Result<Page<App>>;
    async fn rename_app(&self, app: AppId, name: &str, audit: &EventContext) -> Result<App>;
    /// Deletes an app: refused (`Conflict`) while it is installed in any real company; revokes
    /// its secrets, ends its sandbox installs and deactivates its sandbox company.
    async fn delete_app(&self, app: AppId, audit: &EventContext) -> Result<()>;
}
