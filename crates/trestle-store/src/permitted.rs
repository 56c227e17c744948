//! The projects an install's bot is permitted on.

use crate::entities::*;
use crate::error::Result;
use crate::model::*;
use async_trait::async_trait;
use trestle_domain::*;

/// The projects an install's bot is permitted on, and "add to all new projects".
#[async_trait]
pub trait PermittedProjectStore: Send + Sync {
    /// Adds permitted projects (ids must belong to the company; unknown ones give `NotFound`).
    async fn add_permitted_projects(
        &self,
        company: CompanyId,
        install: InstallId,
        projects: &[ProjectId],
        audit: &EventContext,
    ) -> Result<Vec<ProjectId>>;
    /// Permits every active project of the company in one statement.
    async fn add_all_permitted_projects(
        &self,
        company: CompanyId,
        install: InstallId,
        audit: &EventContext,
    ) -> Result<u64>;
    async fn remove_permitted_project(
        &self,
        company: CompanyId,
        install: InstallId,
        project: ProjectId,
        audit: &EventContext,
    ) -> Result<()>;
    async fn list_permitted_projects(&self, company: CompanyId, install: InstallId) -> Result<Vec<ProjectId>>;
    /// Turns "add to all new projects" on or off.
    async fn set_add_to_new_projects(
        &self,
        company: CompanyId,
        install: InstallId,
        on: bool,
        audit: &EventContext,
    ) -> Result<Install>;
}
