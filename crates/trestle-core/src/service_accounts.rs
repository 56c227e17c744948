//! Traditional service accounts (legacy): one company each, their own client id and secret,
//! permissions granted by the company's admins, and a deprecation timeline set by the operator —
//! after the creation cut-off none can be made, after the sunset their tokens are refused. The
//! migration report tells admins which ones a DMSA install already covers, so they can retire them.

use crate::error::not_found;
use crate::operator::clean_name;
use crate::secrets::{random_bytes, random_hex_256};
use crate::{CoreError, Result, Trestle};
use trestle_domain::entities::{InstallStatus, ServiceAccount};
use trestle_domain::manifest::Manifest;
use trestle_domain::permissions::ToolPermissions;
use trestle_domain::policy::{Actor, AdminArea, Request};
use trestle_domain::*;
use trestle_store::{NewServiceAccount, StoreError};

/// The operator's timeline for traditional service accounts (Unix seconds; `None`: not set).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Timeline {
    pub deprecated_on: Option<i64>,
    pub creation_cutoff: Option<i64>,
    pub sunset: Option<i64>,
}

/// A new account with its secret, shown once.
#[derive(Clone, Debug)]
pub struct CreatedServiceAccount {
    pub account: ServiceAccount,
    pub client_secret: String,
}

/// One line of the migration report.
#[derive(Clone, Debug)]
pub struct MigrationRow {
    pub account: ServiceAccount,
    pub company_name: String,
    /// The DMSA app the account belongs to (Marketplace accounts), if any.
    pub app_name: Option<String>,
    pub dmsa_installed: bool,
    /// The install's bot has every project the account has.
    pub covers_projects: bool,
    /// The install's bot has at least the account's level on every tool.
    pub covers_permissions: bool,
    pub ready_to_retire: bool,
}

pub fn day(t: i64) -> String {
    crate::metrics::format_day(t.div_euclid(86_400))
}

impl Trestle {
    pub fn timeline(&self) -> Timeline {
        self.config.service_accounts
    }

    #[tracing::instrument(level = "debug", skip_all, fields(actor = ?actor, company = %company, app = ?app))]
    pub async fn create_service_account(
        &self,
        actor: Actor,
        company: CompanyId,
        name: &str,
        app_type: &str,
        app: Option<AppId>,
    ) -> Result<CreatedServiceAccount> {
        self.administer(actor, company, AdminArea::ServiceAccounts).await?;
        if let Some(cutoff) = self.timeline().creation_cutoff.filter(|c| self.now() >= *c) {
            return Err(CoreError::Conflict(format!(
                "traditional service accounts can no longer be created (the cut-off was {}); install a DMSA app instead",
                day(cutoff)
            )));
        }
        let name = clean_name("$.name", name, trestle_domain::text::NAME)?;
        match (app_type, app) {
            ("custom", None) => {}
            ("custom", Some(_)) => return Err(CoreError::invalid_field("$.app_id", "a Custom account names no app")),
            ("marketplace", Some(a)) => {
                // Only a published (marketplace) app may be named: an unlisted app's id reveals nothing.
                if self.store.find_app(a).await?.and_then(|a| a.published_at).is_none() {
                    return Err(CoreError::invalid_field("$.app_id", "no published app has this id"));
                }
            }
            ("marketplace", None) => {
                return Err(CoreError::invalid_field(
                    "$.app_id",
                    "a Marketplace account names its app",
                ))
            }
            _ => return Err(CoreError::invalid_field("$.app_type", "must be custom or marketplace")),
        }
        let secret = random_hex_256();
        let tag = hex::encode(random_bytes::<4>());
        let new = NewServiceAccount {
            company,
            name,
            app_type: app_type.to_string(),
            app_id: app,
            client_id: random_hex_256(),
            secret_hash: self.keys.hash_secret(&secret),
            contact_email: format!("service-account-{tag}@service.trestle.invalid"),
        };
        let account = self.store.create_service_account(&new, &self.audit(actor)).await?;
        Ok(CreatedServiceAccount {
            account,
            client_secret: secret,
        })
    }

    #[tracing::instrument(level = "debug", skip_all, fields(actor = ?actor, company = %company))]
    pub async fn list_service_accounts(&self, actor: Actor, company: CompanyId) -> Result<Vec<ServiceAccount>> {
        self.administer(actor, company, AdminArea::ServiceAccounts).await?;
        Ok(self.store.list_service_accounts(Some(company)).await?)
    }

    async fn live_account(&self, company: CompanyId, id: ServiceAccountId) -> Result<ServiceAccount> {
        match self.store.find_service_account(company, id).await? {
            Some(a) if a.retired_at.is_none() => Ok(a),
            Some(_) => Err(CoreError::Conflict("the service account is retired".into())),
            None => Err(CoreError::NotFound("service account")),
        }
    }

    /// Grants the account company permissions.
    #[tracing::instrument(level = "debug", skip_all, fields(actor = ?actor, company = %company, id = %id))]
    pub async fn set_service_account_permissions(
        &self,
        actor: Actor,
        company: CompanyId,
        id: ServiceAccountId,
        permissions: ToolPermissions,
    ) -> Result<()> {
        self.administer(actor, company, AdminArea::ServiceAccounts).await?;
        let account = self.live_account(company, id).await?;
        self.update_company_member(actor, company, account.user_id, false, permissions)
            .await
    }

    /// Adds the account to a project with project permissions.
    #[tracing::instrument(level = "debug", skip_all, fields(actor = ?actor, company = %company, id = %id, project = %project))]
    pub async fn add_service_account_project(
        &self,
        actor: Actor,
        company: CompanyId,
        id: ServiceAccountId,
        project: ProjectId,
        permissions: ToolPermissions,
    ) -> Result<()> {
        self.administer(actor, company, AdminArea::ServiceAccounts).await?;
        let account = self.live_account(company, id).await?;
        self.admin_add_project_member(actor, company, project, account.user_id, permissions)
            .await
    }

    /// Issues a new secret; the old ones stop at once and every permission and project membership
    /// is reset.
    #[tracing::instrument(level = "debug", skip_all, fields(actor = ?actor, company = %company, id = %id))]
    pub async fn reset_service_account_secret(
        &self,
        actor: Actor,
        company: CompanyId,
        id: ServiceAccountId,
    ) -> Result<String> {
        self.administer(actor, company, AdminArea::ServiceAccounts).await?;
        let secret = random_hex_256();
        self.store
            .reset_service_account(company, id, &self.keys.hash_secret(&secret), &self.audit(actor))
            .await
            .map_err(not_found("service account"))?;
        Ok(secret)
    }

    /// The migration report of one company (or, for the operator, of every company).
    #[tracing::instrument(level = "debug", skip_all, fields(actor = ?actor, company = ?company))]
    pub async fn migration_report(&self, actor: Actor, company: Option<CompanyId>) -> Result<Vec<MigrationRow>> {
        match company {
            Some(c) => {
                self.administer(actor, c, AdminArea::ServiceAccounts).await?;
            }
            None => self.require(actor, Request::OperatePlatform)?,
        }
        let mut out = Vec::new();
        for account in self.store.list_service_accounts(company).await? {
            out.push(self.migration_row(account).await?);
        }
        Ok(out)
    }

    async fn migration_row(&self, account: ServiceAccount) -> Result<MigrationRow> {
        let company = account.company_id;
        let company_name = self
            .store
            .find_company(company)
            .await?
            .map(|c| c.name)
            .unwrap_or_default();
        let app = match account.app_id {
            Some(a) => self.store.find_app(a).await?,
            None => None,
        };
        let install = match &app {
            Some(a) => self.store.find_active_install(company, a.id).await?,
            None => None,
        };
        let (mut covers_projects, mut covers_permissions) = (false, false);
        if let Some(i) = install.as_ref().filter(|i| i.status == InstallStatus::Installed) {
            let bot_projects = self.store.list_permitted_projects(company, i.id).await?;
            let account_projects = self
                .store
                .list_projects(company, Some(account.user_id), Default::default(), None)
                .await?;
            covers_projects = account_projects.items.iter().all(|p| bot_projects.contains(&p.id));
            let bot = self
                .store
                .company_membership(company, i.bot_user_id)
                .await?
                .unwrap_or_default();
            let mine = self
                .store
                .company_membership(company, account.user_id)
                .await?
                .unwrap_or_default();
            let version = self.store.find_version(i.app_id, i.version_id).await?;
            let manifest: Option<Manifest> = version.as_ref().and_then(|v| crate::portal::stored_manifest(v).ok());
            let mut ok = bot.permissions.covers(&mine.permissions);
            for p in &account_projects.items {
                let needed = self
                    .store
                    .project_membership(company, p.id, account.user_id)
                    .await?
                    .unwrap_or_default();
                let granted = manifest
                    .as_ref()
                    .map(|m| m.project_permissions.clone())
                    .unwrap_or_default();
                ok &= granted.covers(&needed.permissions);
            }
            covers_permissions = ok;
        }
        let dmsa_installed = install.is_some();
        Ok(MigrationRow {
            ready_to_retire: account.retired_at.is_none() && dmsa_installed && covers_projects && covers_permissions,
            app_name: app.map(|a| a.name),
            company_name,
            dmsa_installed,
            covers_projects,
            covers_permissions,
            account,
        })
    }

    /// Retires an account. Refused while the report says a DMSA install does not cover it yet,
    /// unless `force`.
    #[tracing::instrument(level = "debug", skip_all, fields(actor = ?actor, company = %company, id = %id, force = %force))]
    pub async fn retire_service_account(
        &self,
        actor: Actor,
        company: CompanyId,
        id: ServiceAccountId,
        force: bool,
    ) -> Result<()> {
        self.administer(actor, company, AdminArea::ServiceAccounts).await?;
        let account = self.live_account(company, id).await?;
        if !force && !self.migration_row(account).await?.ready_to_retire {
            return Err(CoreError::Conflict(
                "the matching DMSA app is not installed, or does not cover this account's projects and permissions yet \
                 (see the migration report); pass force to retire anyway"
                    .into(),
            ));
        }
        self.store
            .retire_service_account(company, id, &self.audit(actor))
            .await
            .map_err(|e| match e {
                StoreError::NotFound => CoreError::NotFound("service account"),
                other => other.into(),
            })
    }
}
