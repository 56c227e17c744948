//! Company administration: projects, directory members, app installs and permitted projects.

use crate::error::not_found;
use crate::portal::stored_manifest;
use crate::secrets::random_bytes;
use crate::{CoreError, Result, Trestle};
use trestle_domain::entities::{App, AppVersion, Company, Install, InstallStatus, InstallUpdate, Project, User};
use trestle_domain::manifest::{Manifest, Problem};
use trestle_domain::permissions::ToolPermissions;
use trestle_domain::policy::{decide, install_environment, Actor, AdminArea, InstallSource, Request};
use trestle_domain::*;
use trestle_store::{NewInstall, NewMember, NewProject, StoreError, UpdateFilter};

/// What an admin asks for when installing.
#[derive(Clone, Debug, Default)]
pub struct InstallRequest {
    /// The 36-character App Version ID of a promoted version (custom install), or a sandbox
    /// version key (development sandbox). Empty when installing from the marketplace.
    pub app_version_id: String,
    /// A published app, installed at its newest promoted version (marketplace install).
    pub marketplace_app: Option<AppId>,
    pub permitted_project_ids: Vec<ProjectId>,
    pub add_to_new_projects: bool,
}

/// An install as App Management shows it.
#[derive(Clone, Debug)]
pub struct InstallView {
    pub install: Install,
    pub app: App,
    pub version: AppVersion,
    pub manifest: Manifest,
    pub bot: User,
    pub permitted_project_ids: Vec<ProjectId>,
    /// A newer version waiting for this company's approval (it widens permissions).
    pub pending_update: Option<InstallUpdate>,
}

fn slug(name: &str) -> String {
    let s: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    let s = s.split('-').filter(|p| !p.is_empty()).collect::<Vec<_>>().join("-");
    let s: String = s.chars().take(40).collect();
    if s.is_empty() {
        "app".into()
    } else {
        s
    }
}

impl Trestle {
    /// An install of a company the actor administers; an install of another company is "not
    /// found".
    async fn administered_install(&self, actor: Actor, company: CompanyId, install: InstallId) -> Result<Install> {
        self.administer(actor, company, AdminArea::Apps).await?;
        self.store
            .find_install(company, install)
            .await?
            .ok_or(CoreError::NotFound("install"))
    }

    /// The company, when the actor may administer `area` of it (see `AdminArea`).
    pub(crate) async fn administer(&self, actor: Actor, company: CompanyId, area: AdminArea) -> Result<Company> {
        let found = self.store.find_company(company).await?;
        let m = match actor.user_id() {
            Some(u) => self.store.company_membership(company, u).await?,
            None => None,
        };
        self.require(
            actor,
            Request::AdministerCompany {
                company: m.as_ref(),
                area,
            },
        )?;
        found.ok_or(CoreError::NotFound("company"))
    }

    /// Company details for its admins.
    #[tracing::instrument(level = "debug", skip_all, fields(actor = ?actor, company = %company))]
    pub async fn get_company(&self, actor: Actor, company: CompanyId) -> Result<Company> {
        self.administer(actor, company, AdminArea::Any).await
    }

    #[tracing::instrument(level = "debug", skip_all, fields(actor = ?actor, company = %company))]
    pub async fn create_project(&self, actor: Actor, company: CompanyId, new: NewProject) -> Result<Project> {
        self.administer(actor, company, AdminArea::Projects).await?;
        let new = crate::projects::checked_project("$", &new)
            .map_err(|ps| CoreError::invalid(format!("{} invalid field(s)", ps.len()), ps))?;
        Ok(self.store.create_project(company, &new, &self.audit(actor)).await?)
    }

    /// All active projects of the company (admins see every project).
    #[tracing::instrument(level = "debug", skip_all, fields(actor = ?actor, company = %company))]
    pub async fn list_company_projects(
        &self,
        actor: Actor,
        company: CompanyId,
        page: trestle_domain::page::PageRequest,
    ) -> Result<trestle_domain::page::Page<Project>> {
        self.administer(actor, company, AdminArea::ViewProjects).await?;
        Ok(self.store.list_projects(company, None, page, None).await?)
    }

    /// Active projects whose name or number contains `query` (admins only; the web UI's
    /// permitted-projects search). An empty query lists every project.
    #[tracing::instrument(level = "debug", skip_all, fields(actor = ?actor, company = %company))]
    pub async fn search_company_projects(
        &self,
        actor: Actor,
        company: CompanyId,
        query: &str,
        page: trestle_domain::page::PageRequest,
    ) -> Result<trestle_domain::page::Page<Project>> {
        self.administer(actor, company, AdminArea::ViewProjects).await?;
        let query = query.trim();
        if let Err(p) = text::check("$.q", query, text::SEARCH) {
            return Err(CoreError::invalid_field(&p.path, p.reason));
        }
        Ok(self.store.search_projects(company, query, page).await?)
    }

    /// The companies a person belongs to, each with whether they administer it (for the web
    /// UI's navigation). Bots and the operator belong to none here.
    #[tracing::instrument(level = "debug", skip_all, fields(actor = ?actor))]
    pub async fn my_companies(&self, actor: Actor) -> Result<Vec<(Company, bool)>> {
        let Actor::Person(user) = actor else {
            return Ok(vec![]);
        };
        let mut out = Vec::new();
        let mut page = trestle_domain::page::PageRequest::new(1, 100);
        let mut after = None;
        loop {
            let found = self.store.list_user_companies(user, page, after).await?;
            let n = found.items.len();
            after = found.items.last().map(|c| c.id);
            for c in found.items {
                let m = self.store.company_membership(c.id, user).await?;
                let admin = decide(
                    actor,
                    Request::AdministerCompany {
                        company: m.as_ref(),
                        area: AdminArea::Any,
                    },
                )
                .is_ok();
                out.push((c, admin));
            }
            if n < page.per_page() as usize || out.len() >= 1000 {
                break;
            }
            page = page.next();
        }
        Ok(out)
    }

    /// Checks that every id is an active project of the company; lists every one that is not.
    async fn check_projects(&self, company: CompanyId, ids: &[ProjectId], path: &str) -> Result<()> {
        let mut problems = Vec::new();
        for (i, id) in ids.iter().enumerate() {
            match self.store.find_project(company, *id).await? {
                Some(p) if p.active => {}
                _ => problems.push(Problem {
                    path: format!("{path}[{i}]"),
                    reason: format!("project {id} is not an active project of this company"),
                }),
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(CoreError::invalid("some projects cannot be permitted", problems))
        }
    }

    /// Installs a promoted version (custom install by App Version ID).
    #[tracing::instrument(level = "debug", skip_all, fields(actor = ?actor, company = %company))]
    pub async fn install_app(&self, actor: Actor, company: CompanyId, req: &InstallRequest) -> Result<InstallView> {
        let target = self.administer(actor, company, AdminArea::Apps).await?;
        if let Some(app) = req.marketplace_app {
            if !req.app_version_id.trim().is_empty() {
                return Err(CoreError::invalid_field(
                    "$.app_id",
                    "give either app_id (marketplace) or app_version_id, not both",
                ));
            }
            let listed = self.store.find_app(app).await?.filter(|a| a.published_at.is_some());
            let version = match listed {
                Some(_) => self.store.latest_promoted_version(app).await?,
                None => None,
            };
            let version =
                version.ok_or_else(|| CoreError::invalid_field("$.app_id", "no published app has this id"))?;
            if install_environment(target.sandbox_of_app, InstallSource::Marketplace).is_err() {
                return Err(CoreError::invalid_field(
                    "$.app_id",
                    "development sandboxes install by sandbox key",
                ));
            }
            let uuid = version.app_version_uuid.clone().unwrap_or_default();
            let custom = InstallRequest {
                app_version_id: uuid,
                marketplace_app: None,
                ..req.clone()
            };
            return Box::pin(self.install_app(actor, company, &custom)).await;
        }
        let uuid = req.app_version_id.trim();
        if uuid::Uuid::parse_str(uuid).is_err() || uuid.len() != 36 {
            return Err(CoreError::invalid_field(
                "$.app_version_id",
                "must be a 36-character App Version ID (a UUID)",
            ));
        }
        // A production App Version ID installs into real companies; a sandbox version key
        // installs (any version, promoted or not) into that app's development sandbox only.
        let version = match self.store.find_version_by_uuid(uuid).await? {
            Some(v) => {
                if install_environment(target.sandbox_of_app, InstallSource::AppVersionId).is_err() {
                    return Err(CoreError::invalid_field(
                        "$.app_version_id",
                        "a development sandbox installs its app's versions by their sandbox key, not a production App Version ID",
                    ));
                }
                v
            }
            None => match self.store.find_version_by_sandbox_key(uuid).await? {
                Some(v)
                    if install_environment(target.sandbox_of_app, InstallSource::SandboxKey { app: v.app_id })
                        .is_ok() =>
                {
                    v
                }
                Some(_) => {
                    return Err(CoreError::invalid_field(
                        "$.app_version_id",
                        "a sandbox version key installs only into its app's development sandbox",
                    ))
                }
                None => {
                    return Err(CoreError::invalid_field(
                        "$.app_version_id",
                        "no app version has this App Version ID (or sandbox key)",
                    ))
                }
            },
        };
        let manifest = stored_manifest(&version)?;
        let app = self
            .store
            .find_app(version.app_id)
            .await?
            .ok_or(CoreError::NotFound("app"))?;
        let mut ids = req.permitted_project_ids.clone();
        ids.sort();
        ids.dedup();
        self.check_projects(company, &ids, "$.permitted_project_ids").await?;
        let tag = hex_tag();
        let new = NewInstall {
            company,
            app: app.id,
            version: version.id,
            bot_email: format!("{}-{tag}@dmsa.trestle.invalid", slug(&app.name)),
            bot_name: format!("{} ({tag})", app.name),
            company_permissions_json: manifest.company_permissions.to_json(),
            project_permissions_json: manifest.project_permissions.to_json(),
            permitted_projects: ids,
            add_to_new_projects: req.add_to_new_projects,
            installed_by: actor.user_id(),
        };
        let install = self
            .store
            .install_app(&new, &self.audit(actor))
            .await
            .map_err(|e| match e {
                StoreError::Conflict(m) if m.contains("already installed") => {
                    CoreError::Conflict(format!("{} is already installed in this company", app.name))
                }
                other => other.into(),
            })?;
        self.install_view(company, install).await
    }

    async fn install_view(&self, company: CompanyId, install: Install) -> Result<InstallView> {
        let app = self
            .store
            .find_app(install.app_id)
            .await?
            .ok_or(CoreError::NotFound("app"))?;
        let version = self
            .store
            .find_version(install.app_id, install.version_id)
            .await?
            .ok_or(CoreError::NotFound("version"))?;
        let manifest = stored_manifest(&version)?;
        let bot = self
            .store
            .find_user(install.bot_user_id)
            .await?
            .ok_or(CoreError::NotFound("user"))?;
        let permitted_project_ids = if install.status == InstallStatus::Installed {
            self.store.list_permitted_projects(company, install.id).await?
        } else {
            vec![]
        };
        let pending_update = if install.status == InstallStatus::Installed {
            self.store
                .list_updates(UpdateFilter::Install(install.id))
                .await?
                .into_iter()
                .find(|u| u.status == "pending")
        } else {
            None
        };
        Ok(InstallView {
            install,
            app,
            version,
            manifest,
            bot,
            permitted_project_ids,
            pending_update,
        })
    }

    #[tracing::instrument(level = "debug", skip_all, fields(actor = ?actor, company = %company))]
    pub async fn list_installs(&self, actor: Actor, company: CompanyId) -> Result<Vec<InstallView>> {
        self.administer(actor, company, AdminArea::Apps).await?;
        let mut out = Vec::new();
        for install in self.store.list_installs(company).await? {
            match self.install_view(company, install).await {
                Ok(v) => out.push(v),
                Err(CoreError::NotFound("app")) => {} // the developer deleted the app
                Err(e) => return Err(e),
            }
        }
        Ok(out)
    }

    /// Update offers for one install, newest last.
    #[tracing::instrument(level = "debug", skip_all, fields(actor = ?actor, company = %company, install = %install))]
    pub async fn list_install_updates(
        &self,
        actor: Actor,
        company: CompanyId,
        install: InstallId,
    ) -> Result<Vec<InstallUpdate>> {
        self.administered_install(actor, company, install).await?;
        Ok(self.store.list_updates(UpdateFilter::Install(install)).await?)
    }

    /// Approves a pending update: from now on the bot has the new version's permissions.
    #[tracing::instrument(level = "debug", skip_all, fields(actor = ?actor, company = %company, install = %install))]
    pub async fn approve_update(
        &self,
        actor: Actor,
        company: CompanyId,
        install: InstallId,
        update: InstallUpdateId,
    ) -> Result<InstallView> {
        let found = self.administered_install(actor, company, install).await?;
        let offer = self
            .store
            .list_updates(UpdateFilter::Install(install))
            .await?
            .into_iter()
            .find(|u| u.id == update)
            .ok_or(CoreError::NotFound("update"))?;
        let to = self
            .store
            .find_version(found.app_id, offer.to_version_id)
            .await?
            .ok_or(CoreError::NotFound("version"))?;
        let manifest = stored_manifest(&to)?;
        self.store
            .approve_update(
                company,
                update,
                &manifest.company_permissions.to_json(),
                &manifest.project_permissions.to_json(),
                &self.audit(actor),
            )
            .await
            .map_err(not_found("update"))?;
        let now = self
            .store
            .find_install(company, install)
            .await?
            .ok_or(CoreError::NotFound("install"))?;
        self.install_view(company, now).await
    }

    /// A version of an installed app (e.g. the target of a pending upgrade), for its admins.
    #[tracing::instrument(level = "debug", skip_all, fields(actor = ?actor, company = %company, install = %install, version = %version))]
    pub async fn install_update_version(
        &self,
        actor: Actor,
        company: CompanyId,
        install: InstallId,
        version: VersionId,
    ) -> Result<AppVersion> {
        let found = self.administered_install(actor, company, install).await?;
        self.store
            .find_version(found.app_id, version)
            .await?
            .ok_or(CoreError::NotFound("version"))
    }

    #[tracing::instrument(level = "debug", skip_all, fields(actor = ?actor, company = %company, install = %install))]
    pub async fn get_install(&self, actor: Actor, company: CompanyId, install: InstallId) -> Result<InstallView> {
        let found = self.administered_install(actor, company, install).await?;
        self.install_view(company, found).await
    }

    /// Uninstalls: the bot loses every project and its company access on the next request.
    #[tracing::instrument(level = "debug", skip_all, fields(actor = ?actor, company = %company, install = %install))]
    pub async fn uninstall(&self, actor: Actor, company: CompanyId, install: InstallId) -> Result<InstallView> {
        self.administer(actor, company, AdminArea::Apps).await?;
        let done = self
            .store
            .uninstall(company, install, &self.audit(actor))
            .await
            .map_err(not_found("install"))?;
        self.install_view(company, done).await
    }

    #[tracing::instrument(level = "debug", skip_all, fields(actor = ?actor, company = %company, install = %install))]
    pub async fn add_permitted_projects(
        &self,
        actor: Actor,
        company: CompanyId,
        install: InstallId,
        ids: &[ProjectId],
    ) -> Result<Vec<ProjectId>> {
        self.administered_install(actor, company, install).await?;
        if ids.is_empty() {
            return Err(CoreError::invalid_field(
                "$.project_ids",
                "must list at least one project",
            ));
        }
        self.check_projects(company, ids, "$.project_ids").await?;
        self.store
            .add_permitted_projects(company, install, ids, &self.audit(actor))
            .await
            .map_err(not_found("install"))?;
        Ok(self.store.list_permitted_projects(company, install).await?)
    }

    /// "Add all": permits every active project in one statement. Returns how many were added.
    #[tracing::instrument(level = "debug", skip_all, fields(actor = ?actor, company = %company, install = %install))]
    pub async fn add_all_permitted_projects(
        &self,
        actor: Actor,
        company: CompanyId,
        install: InstallId,
    ) -> Result<u64> {
        self.administer(actor, company, AdminArea::Apps).await?;
        self.store
            .add_all_permitted_projects(company, install, &self.audit(actor))
            .await
            .map_err(not_found("install"))
    }

    #[tracing::instrument(level = "debug", skip_all, fields(actor = ?actor, company = %company, install = %install, project = %project))]
    pub async fn remove_permitted_project(
        &self,
        actor: Actor,
        company: CompanyId,
        install: InstallId,
        project: ProjectId,
    ) -> Result<()> {
        self.administered_install(actor, company, install).await?;
        self.store
            .remove_permitted_project(company, install, project, &self.audit(actor))
            .await
            .map_err(not_found("permitted project"))
    }
}

fn hex_tag() -> String {
    random_bytes::<4>().iter().map(|b| format!("{b:02x}")).collect()
}

impl Trestle {
    /// The company directory for its admins, bots included (marked by their kind).
    #[tracing::instrument(level = "debug", skip_all, fields(actor = ?actor, company = %company))]
    pub async fn admin_directory(
        &self,
        actor: Actor,
        company: CompanyId,
        page: trestle_domain::page::PageRequest,
    ) -> Result<trestle_domain::page::Page<trestle_domain::entities::DirectoryEntry>> {
        self.administer(actor, company, AdminArea::Members).await?;
        Ok(self.store.list_company_users(company, page).await?)
    }

    /// Changes a person's company role and permission template. Bots are refused.
    #[tracing::instrument(level = "debug", skip_all, fields(actor = ?actor, company = %company, user = %user))]
    pub async fn update_company_member(
        &self,
        actor: Actor,
        company: CompanyId,
        user: UserId,
        is_admin: bool,
        permissions: ToolPermissions,
    ) -> Result<()> {
        self.administer(actor, company, AdminArea::Members).await?;
        // Making someone a company admin, or no longer one, is for company admins alone.
        let current = self.store.company_membership(company, user).await?;
        if current.as_ref().is_some_and(|m| m.is_admin != is_admin) {
            self.administer(actor, company, AdminArea::AdminFlag).await?;
        }
        let member = NewMember {
            user,
            is_admin,
            permissions_json: permissions.to_json(),
        };
        self.store
            .update_company_member(company, &member, &self.audit(actor))
            .await
            .map_err(not_found("company user"))
    }

    /// Adds a company member to a project with project permissions.
    #[tracing::instrument(level = "debug", skip_all, fields(actor = ?actor, company = %company, project = %project, user = %user))]
    pub async fn admin_add_project_member(
        &self,
        actor: Actor,
        company: CompanyId,
        project: ProjectId,
        user: UserId,
        permissions: ToolPermissions,
    ) -> Result<()> {
        self.administer(actor, company, AdminArea::Members).await?;
        self.store
            .add_project_member(company, project, user, &permissions.to_json(), &self.audit(actor))
            .await
            .map_err(not_found("project"))
    }

    #[tracing::instrument(level = "debug", skip_all, fields(actor = ?actor, company = %company, project = %project, user = %user))]
    pub async fn admin_remove_project_member(
        &self,
        actor: Actor,
        company: CompanyId,
        project: ProjectId,
        user: UserId,
    ) -> Result<()> {
        self.administer(actor, company, AdminArea::Members).await?;
        self.store
            .remove_project_member(company, project, user, &self.audit(actor))
            .await
            .map_err(not_found("project user"))
    }

    /// "Add to all new projects": projects created later include the app's bot.
    #[tracing::instrument(level = "debug", skip_all, fields(actor = ?actor, company = %company, install = %install))]
    pub async fn set_add_to_new_projects(
        &self,
        actor: Actor,
        company: CompanyId,
        install: InstallId,
        on: bool,
    ) -> Result<InstallView> {
        self.administer(actor, company, AdminArea::Apps).await?;
        let done = self
            .store
            .set_add_to_new_projects(company, install, on, &self.audit(actor))
            .await
            .map_err(not_found("install"))?;
        self.install_view(company, done).await
    }

    /// The whole platform's audit log, oldest first (the operator only): every company's events
    /// and the sign-in attempts.
    #[tracing::instrument(level = "debug", skip_all, fields(actor = ?actor))]
    pub async fn platform_audit(
        &self,
        actor: Actor,
        page: trestle_domain::page::PageRequest,
    ) -> Result<trestle_domain::page::Page<trestle_domain::entities::AuditEvent>> {
        self.require(actor, Request::OperatePlatform)?;
        Ok(self
            .store
            .list_audit(
                trestle_store::AuditFilter {
                    company: None,
                    app: None,
                },
                page,
            )
            .await?)
    }

    /// The company's audit log, oldest first.
    #[tracing::instrument(level = "debug", skip_all, fields(actor = ?actor, company = %company))]
    pub async fn company_audit(
        &self,
        actor: Actor,
        company: CompanyId,
        page: trestle_domain::page::PageRequest,
    ) -> Result<trestle_domain::page::Page<trestle_domain::entities::AuditEvent>> {
        self.administer(actor, company, AdminArea::Audit).await?;
        Ok(self
            .store
            .list_audit(
                trestle_store::AuditFilter {
                    company: Some(company),
                    app: None,
                },
                page,
            )
            .await?)
    }
}
