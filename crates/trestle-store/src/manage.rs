//! Project management: changes, bulk create, guarded delete.

use crate::entities::*;
use crate::error::Result;
use crate::model::*;
use async_trait::async_trait;
use trestle_domain::page::{Page, PageRequest};
use trestle_domain::*;

/// Project management: a company's project list, changes, bulk create and guarded delete.
/// Company-scoped methods filter on the `CompanyId`; a foreign id is "not found".
#[async_trait]
pub trait ProjectStore: Send + Sync {
    /// A company's projects by status and name-or-number search, in id order.
    async fn list_company_projects(
        &self,
        company: CompanyId,
        filter: &ProjectFilter,
        page: PageRequest,
    ) -> Result<Page<Project>>;
    /// Changes a project of `company`; deactivating or reactivating is a change of `active`.
    async fn update_project(
        &self,
        company: CompanyId,
        project: ProjectId,
        patch: &ProjectPatch,
        audit: &EventContext,
    ) -> Result<Project>;
    /// Deletes a project nothing depends on; `Conflict` naming what does (documents, members,
    /// apps permitted on it).
    async fn delete_project(&self, company: CompanyId, project: ProjectId, audit: &EventContext) -> Result<()>;
    /// Creates every project or none, in one transaction (one audit row); bots of installs
    /// marked "add to all new projects" join each.
    async fn create_projects(
        &self,
        company: CompanyId,
        new: &[NewProject],
        audit: &EventContext,
    ) -> Result<Vec<Project>>;
}
