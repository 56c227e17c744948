//! Update offers: newer promoted versions offered to installs.

use crate::entities::*;
use crate::error::Result;
use crate::model::*;
use async_trait::async_trait;
use trestle_domain::*;

/// Update offers: newer promoted versions offered to installs, and their approval.
#[async_trait]
pub trait InstallUpdateStore: Send + Sync {
    /// Update offers, by app or by install.
    async fn list_updates(&self, filter: UpdateFilter) -> Result<Vec<InstallUpdate>>;
    /// Approves a pending update: the install moves to the new version and its bot gets the
    /// given permissions, in one transaction.
    async fn approve_update(
        &self,
        company: CompanyId,
        update: InstallUpdateId,
        company_permissions_json: &str,
        project_permissions_json: &str,
        audit: &EventContext,
    ) -> Result<InstallUpdate>;
}
