//! Installs of apps in companies.

use crate::entities::*;
use crate::error::Result;
use crate::model::*;
use async_trait::async_trait;
use trestle_domain::page::{Page, PageRequest};
use trestle_domain::*;

/// Installs of apps in companies, their bots and permitted projects.
#[async_trait]
pub trait InstallStore: Send + Sync {
    /// Every install of the app, in any company and status (for promotion and metrics).
    async fn list_app_installs(&self, app: AppId) -> Result<Vec<Install>>;
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
    /// Installs a version in a company: creates (or re-activates) the app's bot, gives it the
    /// manifest's company permissions, adds it to each permitted project with the manifest's
    /// project permissions, records the install. One transaction. `Conflict` if already installed.
    async fn install_app(&self, new: &NewInstall, audit: &EventContext) -> Result<Install>;
    /// Uninstalls: access ends at once (bot deactivated, removed from every project).
    async fn uninstall(&self, company: CompanyId, install: InstallId, audit: &EventContext) -> Result<Install>;
    async fn find_install(&self, company: CompanyId, install: InstallId) -> Result<Option<Install>>;
    /// The active install of an app in a company.
    async fn find_active_install(&self, company: CompanyId, app: AppId) -> Result<Option<Install>>;
    async fn list_installs(&self, company: CompanyId) -> Result<Vec<Install>>;
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
    /// Companies where the app is installed now: real companies for `Production`, its
    /// development sandbox for `Sandbox`; in id order, with `after` the page of those after
    /// that id (a keyset), else the page at `page`'s offset.
    async fn list_app_companies(
        &self,
        app: AppId,
        environment: Environment,
        page: PageRequest,
        after: Option<CompanyId>,
    ) -> Result<Page<Company>>;
}
