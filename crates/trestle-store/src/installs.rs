//! Installs of apps in companies.

use crate::entities::*;
use crate::error::Result;
use crate::model::*;
use async_trait::async_trait;
use trestle_domain::page::{Page, PageRequest};
use trestle_domain::*;

/// Installs of apps in companies and their bots.
#[async_trait]
pub trait InstallStore: Send + Sync {
    /// Every install of the app, in any company and status (for promotion and metrics).
    async fn list_app_installs(&self, app: AppId) -> Result<Vec<Install>>;
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
