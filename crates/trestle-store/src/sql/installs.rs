//! [`InstallStore`], [`PermittedProjectStore`] and [`InstallUpdateStore`]: installs, their bots
//! and permitted projects, and update offers (the
//! in-transaction helpers that promotion shares live here too).

use super::rows::*;
use super::tx::*;
use super::*;

/// Most project ids a `permitted_projects.add_all` event lists.
const ADD_ALL_IDS_SHOWN: usize = 1000;

macro_rules! impl_installs {
    ($store:ident, $db:ty) => {
        impl $store {
            pub(super) async fn active_install_in_tx(
                tx: &mut Tx<$db>,
                company: CompanyId,
                install: InstallId,
            ) -> Result<InstallRow> {
                let row: Option<InstallRow> = sqlx::query_as(&format!(
                    "SELECT {INSTALL_COLUMNS} FROM installs WHERE id = $1 AND company_id = $2"
                ))
                .bind(install.0)
                .bind(company.0)
                .fetch_optional(&mut **tx)
                .await?;
                match row {
                    None => Err(StoreError::NotFound),
                    Some(r) if r.status != "installed" => Err(StoreError::Conflict("the app is not installed".into())),
                    Some(r) => Ok(r),
                }
            }

            /// Adds the bot to one project of the company. `NotFound` when the project is not
            /// an active project of that company.
            pub(super) async fn permit_project_in_tx(
                tx: &mut Tx<$db>,
                company: CompanyId,
                bot: i64,
                project: ProjectId,
                permissions: &str,
                at: i64,
            ) -> Result<()> {
                let done = sqlx::query(
                    "INSERT INTO project_users (project_id, user_id, company_id, permissions, created_at) \
                     SELECT id, $2, company_id, $3, $4 FROM projects WHERE id = $1 AND company_id = $5 AND active = TRUE \
                     ON CONFLICT (project_id, user_id) DO UPDATE SET permissions = excluded.permissions",
                )
                .bind(project.0)
                .bind(bot)
                .bind(permissions)
                .bind(at)
                .bind(company.0)
                .execute(&mut **tx)
                .await?;
                if done.rows_affected() == 0 {
                    return Err(StoreError::Conflict(format!("project {project} is not an active project of this company")));
                }
                Ok(())
            }

            /// Records an update for one install; applies it at once when it does not widen
            /// permissions. An older pending update of the install is superseded.
            pub(super) async fn offer_update_in_tx(
                tx: &mut Tx<$db>,
                app: AppId,
                to: VersionId,
                u: &PlannedUpdate,
                audit: &EventContext,
            ) -> Result<()> {
                let still: Option<i64> = sqlx::query_scalar(
                    "SELECT version_id FROM installs WHERE id = $1 AND company_id = $2 AND app_id = $3 AND status = 'installed'",
                )
                .bind(u.install.0)
                .bind(u.company.0)
                .bind(app.0)
                .fetch_optional(&mut **tx)
                .await?;
                if still != Some(u.from_version.0) {
                    return Ok(()); // uninstalled or changed meanwhile: nothing to offer
                }
                sqlx::query(
                    "UPDATE install_updates SET status = 'superseded', decided_at = $1 WHERE install_id = $2 AND status = 'pending'",
                )
                .bind(audit.at)
                .bind(u.install.0)
                .execute(&mut **tx)
                .await?;
                let status = if u.apply_now { "applied" } else { "pending" };
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO install_updates (install_id, company_id, app_id, from_version_id, to_version_id, status, \
                     widened, created_at, decided_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9) RETURNING id",
                )
                .bind(u.install.0)
                .bind(u.company.0)
                .bind(app.0)
                .bind(u.from_version.0)
                .bind(to.0)
                .bind(status)
                .bind(&u.widened_json)
                .bind(audit.at)
                .bind(u.apply_now.then_some(audit.at))
                .fetch_one(&mut **tx)
                .await?;
                if u.apply_now {
                    Self::apply_version_in_tx(tx, u.company, u.install, to, &u.company_permissions_json, &u.project_permissions_json)
                        .await?;
                }
                let action = if u.apply_now { Action::InstallUpdateApplied } else { Action::InstallUpdateOffered };
                tx.record(
                    Event::new(action, TargetKind::InstallUpdate, id)
                        .in_company(u.company)
                        .for_app(app)
                        .before(json_of(&[("version_id", u.from_version.0.into())]))
                        .after(json_of(&[("version_id", to.0.into()), ("status", status.into())])),
                );
                Ok(())
            }

            /// Moves an install to a version: the install row and the bot's permissions.
            pub(super) async fn apply_version_in_tx(
                tx: &mut Tx<$db>,
                company: CompanyId,
                install: InstallId,
                to: VersionId,
                company_permissions: &str,
                project_permissions: &str,
            ) -> Result<()> {
                let bot: i64 = sqlx::query_scalar(
                    "UPDATE installs SET version_id = $1, project_permissions = $2 WHERE id = $3 AND company_id = $4 \
                     RETURNING bot_user_id",
                )
                .bind(to.0)
                .bind(project_permissions)
                .bind(install.0)
                .bind(company.0)
                .fetch_one(&mut **tx)
                .await?;
                sqlx::query("UPDATE company_users SET permissions = $1 WHERE company_id = $2 AND user_id = $3")
                    .bind(company_permissions)
                    .bind(company.0)
                    .bind(bot)
                    .execute(&mut **tx)
                    .await?;
                sqlx::query("UPDATE project_users SET permissions = $1 WHERE company_id = $2 AND user_id = $3")
                    .bind(project_permissions)
                    .bind(company.0)
                    .bind(bot)
                    .execute(&mut **tx)
                    .await?;
                Ok(())
            }
        }

        #[async_trait]
        impl InstallUpdateStore for $store {
            async fn list_updates(&self, filter: UpdateFilter) -> Result<Vec<InstallUpdate>> {
                let (sql, id) = match filter {
                    UpdateFilter::App(a) => (format!("SELECT {UPDATE_COLUMNS} FROM install_updates WHERE app_id = $1 ORDER BY id"), a.0),
                    UpdateFilter::Install(i) => {
                        (format!("SELECT {UPDATE_COLUMNS} FROM install_updates WHERE install_id = $1 ORDER BY id"), i.0)
                    }
                };
                let rows: Vec<UpdateRow> = sqlx::query_as(&sql).bind(id).fetch_all(&self.read).await?;
                Ok(rows.into_iter().map(Into::into).collect())
            }

            async fn approve_update(
                &self,
                company: CompanyId,
                update: InstallUpdateId,
                company_permissions_json: &str,
                project_permissions_json: &str,
                audit: &EventContext,
            ) -> Result<InstallUpdate> {
                let mut tx = self.begin(audit).await?;
                let row: Option<UpdateRow> = sqlx::query_as(&format!(
                    "SELECT {UPDATE_COLUMNS} FROM install_updates WHERE id = $1 AND company_id = $2"
                ))
                .bind(update.0)
                .bind(company.0)
                .fetch_optional(&mut *tx)
                .await?;
                let row = row.ok_or(StoreError::NotFound)?;
                if row.status != "pending" {
                    return Err(StoreError::Conflict(format!("this update is {}, not pending", row.status)));
                }
                let current: Option<i64> =
                    sqlx::query_scalar("SELECT version_id FROM installs WHERE id = $1 AND status = 'installed'")
                        .bind(row.install_id)
                        .fetch_optional(&mut *tx)
                        .await?;
                if current != Some(row.from_version_id) {
                    return Err(StoreError::Conflict("the install changed since this update was offered".into()));
                }
                Self::apply_version_in_tx(
                    &mut tx,
                    company,
                    InstallId(row.install_id),
                    VersionId(row.to_version_id),
                    company_permissions_json,
                    project_permissions_json,
                )
                .await?;
                let done: UpdateRow = sqlx::query_as(&format!(
                    "UPDATE install_updates SET status = 'approved', decided_at = $1, decided_by = $2 WHERE id = $3 \
                     RETURNING {UPDATE_COLUMNS}"
                ))
                .bind(audit.at)
                .bind(audit.actor_user.map(|u| u.0))
                .bind(update.0)
                .fetch_one(&mut *tx)
                .await?;
                tx.record(
                    Event::new(Action::InstallUpdateApprove, TargetKind::InstallUpdate, update)
                        .in_company(company)
                        .for_app(AppId(row.app_id))
                        .before(json_of(&[("version_id", row.from_version_id.into())]))
                        .after(json_of(&[("version_id", row.to_version_id.into()), ("widened", row.widened.clone().into())])),
                );
                tx.commit().await?;
                Ok(done.into())
            }
        }

        #[async_trait]
        impl InstallStore for $store {
            async fn list_app_installs(&self, app: AppId) -> Result<Vec<Install>> {
                let rows: Vec<InstallRow> =
                    sqlx::query_as(&format!("SELECT {INSTALL_COLUMNS} FROM installs WHERE app_id = $1 ORDER BY id"))
                        .bind(app.0)
                        .fetch_all(&self.read)
                        .await?;
                Ok(rows.into_iter().map(Into::into).collect())
            }

            async fn install_app(&self, new: &NewInstall, audit: &EventContext) -> Result<Install> {
                let mut tx = self.begin(audit).await?;
                let active: Option<i64> = sqlx::query_scalar(
                    "SELECT id FROM installs WHERE company_id = $1 AND app_id = $2 AND status = 'installed'",
                )
                .bind(new.company.0)
                .bind(new.app.0)
                .fetch_optional(&mut *tx)
                .await?;
                if active.is_some() {
                    return Err(StoreError::Conflict("the app is already installed in this company".into()));
                }
                let company_ok: Option<bool> = sqlx::query_scalar("SELECT is_active FROM companies WHERE id = $1")
                    .bind(new.company.0)
                    .fetch_optional(&mut *tx)
                    .await?;
                if company_ok != Some(true) {
                    return Err(StoreError::NotFound);
                }
                // A reinstall keeps the company's existing bot for this app.
                let previous_bot: Option<i64> = sqlx::query_scalar(
                    "SELECT bot_user_id FROM installs WHERE company_id = $1 AND app_id = $2 ORDER BY id DESC LIMIT 1",
                )
                .bind(new.company.0)
                .bind(new.app.0)
                .fetch_optional(&mut *tx)
                .await?;
                let bot = match previous_bot {
                    Some(id) => id,
                    None => {
                        sqlx::query_scalar(
                            "INSERT INTO users (kind, email, name, created_at) VALUES ('bot', $1, $2, $3) RETURNING id",
                        )
                        .bind(&new.bot_email)
                        .bind(&new.bot_name)
                        .bind(audit.at)
                        .fetch_one(&mut *tx)
                        .await?
                    }
                };
                sqlx::query(
                    "INSERT INTO company_users (company_id, user_id, is_admin, is_active, permissions, created_at) \
                     VALUES ($1, $2, FALSE, TRUE, $3, $4) ON CONFLICT (company_id, user_id) DO UPDATE \
                     SET is_admin = FALSE, is_active = TRUE, permissions = excluded.permissions",
                )
                .bind(new.company.0)
                .bind(bot)
                .bind(&new.company_permissions_json)
                .bind(audit.at)
                .execute(&mut *tx)
                .await?;
                // Reinstalling starts from an empty permitted-project list.
                sqlx::query("DELETE FROM project_users WHERE user_id = $1 AND company_id = $2")
                    .bind(bot)
                    .bind(new.company.0)
                    .execute(&mut *tx)
                    .await?;
                for project in &new.permitted_projects {
                    Self::permit_project_in_tx(
                        &mut tx,
                        new.company,
                        bot,
                        *project,
                        &new.project_permissions_json,
                        audit.at,
                    )
                    .await?;
                }
                let row: InstallRow = sqlx::query_as(&format!(
                    "INSERT INTO installs (company_id, app_id, version_id, bot_user_id, status, add_to_new_projects, \
                     project_permissions, installed_by, installed_at) VALUES ($1,$2,$3,$4,'installed',$5,$6,$7,$8) \
                     RETURNING {INSTALL_COLUMNS}"
                ))
                .bind(new.company.0)
                .bind(new.app.0)
                .bind(new.version.0)
                .bind(bot)
                .bind(new.add_to_new_projects)
                .bind(&new.project_permissions_json)
                .bind(new.installed_by.map(|u| u.0))
                .bind(audit.at)
                .fetch_one(&mut *tx)
                .await?;
                tx.record(
                    Event::new(Action::AppInstall, TargetKind::Install, row.id)
                        .in_company(new.company)
                        .for_app(new.app)
                        .after(json_of(&[
                        ("version_id", new.version.0.into()),
                        ("bot_user_id", bot.into()),
                        ("permitted_project_ids", new.permitted_projects.iter().map(|p| p.0).collect::<Vec<_>>().into()),
                        // The company had the app before (its bot is kept): a reinstall.
                        ("reinstall", previous_bot.is_some().into()),
                    ])),
                );
                tx.commit().await?;
                Ok(row.into())
            }

            async fn uninstall(&self, company: CompanyId, install: InstallId, audit: &EventContext) -> Result<Install> {
                let mut tx = self.begin(audit).await?;
                let current = Self::active_install_in_tx(&mut tx, company, install).await?;
                let removed: Vec<i64> = sqlx::query_scalar(
                    "DELETE FROM project_users WHERE user_id = $1 AND company_id = $2 RETURNING project_id",
                )
                .bind(current.bot_user_id)
                .bind(company.0)
                .fetch_all(&mut *tx)
                .await?;
                sqlx::query("UPDATE company_users SET is_active = FALSE WHERE company_id = $1 AND user_id = $2")
                    .bind(company.0)
                    .bind(current.bot_user_id)
                    .execute(&mut *tx)
                    .await?;
                let row: InstallRow = sqlx::query_as(&format!(
                    "UPDATE installs SET status = 'uninstalled', uninstalled_at = $1 WHERE id = $2 RETURNING {INSTALL_COLUMNS}"
                ))
                .bind(audit.at)
                .bind(install.0)
                .fetch_one(&mut *tx)
                .await?;
                tx.record(
                    Event::new(Action::AppUninstall, TargetKind::Install, install)
                        .in_company(company)
                        .for_app(AppId(current.app_id))
                        .before(json_of(&[("status", "installed".into()), ("permitted_project_ids", removed.into())]))
                        .after(json_of(&[("status", "uninstalled".into())])),
                );
                tx.commit().await?;
                Ok(row.into())
            }

            async fn find_install(&self, company: CompanyId, install: InstallId) -> Result<Option<Install>> {
                let row: Option<InstallRow> = sqlx::query_as(&format!(
                    "SELECT {INSTALL_COLUMNS} FROM installs WHERE id = $1 AND company_id = $2"
                ))
                .bind(install.0)
                .bind(company.0)
                .fetch_optional(&self.read)
                .await?;
                Ok(row.map(Into::into))
            }

            async fn find_active_install(&self, company: CompanyId, app: AppId) -> Result<Option<Install>> {
                let row: Option<InstallRow> = sqlx::query_as(&format!(
                    "SELECT {INSTALL_COLUMNS} FROM installs WHERE company_id = $1 AND app_id = $2 AND status = 'installed'"
                ))
                .bind(company.0)
                .bind(app.0)
                .fetch_optional(&self.read)
                .await?;
                Ok(row.map(Into::into))
            }

            async fn list_installs(&self, company: CompanyId) -> Result<Vec<Install>> {
                let rows: Vec<InstallRow> = sqlx::query_as(&format!(
                    "SELECT {INSTALL_COLUMNS} FROM installs WHERE company_id = $1 ORDER BY id"
                ))
                .bind(company.0)
                .fetch_all(&self.read)
                .await?;
                Ok(rows.into_iter().map(Into::into).collect())
            }

            async fn list_app_companies(
                &self,
                app: AppId,
                environment: Environment,
                page: PageRequest,
                after: Option<CompanyId>,
            ) -> Result<Page<Company>> {
                let sandbox = match environment {
                    Environment::Production => "c.sandbox_of_app IS NULL",
                    Environment::Sandbox => "c.sandbox_of_app = i.app_id",
                };
                let from = format!(
                    "FROM installs i JOIN companies c ON c.id = i.company_id \
                     WHERE i.app_id = $1 AND i.status = 'installed' AND c.is_active = TRUE AND {sandbox}"
                );
                let total = self.count(&format!("SELECT COUNT(*) {from}"), &[app.0]).await?;
                let rows: Vec<CompanyRow> = sqlx::query_as(&format!(
                    "SELECT c.id, c.name, c.is_active, c.created_at, c.sandbox_of_app {from} AND i.company_id > $2 \
                     ORDER BY i.company_id LIMIT $3 OFFSET $4"
                ))
                .bind(app.0)
                .bind(after.map_or(0, |a| a.0))
                .bind(page.limit())
                .bind(if after.is_some() { 0 } else { page.offset() })
                .fetch_all(&self.read)
                .await?;
                Ok(Page { items: rows.into_iter().map(Into::into).collect(), total })
            }
        }

        #[async_trait]
        impl PermittedProjectStore for $store {
            async fn add_permitted_projects(
                &self,
                company: CompanyId,
                install: InstallId,
                projects: &[ProjectId],
                audit: &EventContext,
            ) -> Result<Vec<ProjectId>> {
                let mut tx = self.begin(audit).await?;
                let current = Self::active_install_in_tx(&mut tx, company, install).await?;
                let perms: String = sqlx::query_scalar("SELECT project_permissions FROM installs WHERE id = $1")
                    .bind(install.0)
                    .fetch_one(&mut *tx)
                    .await?;
                for project in projects {
                    Self::permit_project_in_tx(&mut tx, company, current.bot_user_id, *project, &perms, audit.at).await?;
                }
                tx.record(
                    Event::new(Action::PermittedProjectsAdd, TargetKind::Install, install)
                        .in_company(company)
                        .for_app(AppId(current.app_id))
                        .after(json_of(&[("project_ids", projects.iter().map(|p| p.0).collect::<Vec<_>>().into())])),
                );
                tx.commit().await?;
                Ok(projects.to_vec())
            }

            async fn add_all_permitted_projects(
                &self,
                company: CompanyId,
                install: InstallId,
                audit: &EventContext,
            ) -> Result<u64> {
                let mut tx = self.begin(audit).await?;
                let current = Self::active_install_in_tx(&mut tx, company, install).await?;
                let mut added: Vec<i64> = sqlx::query_scalar(
                    "INSERT INTO project_users (project_id, user_id, company_id, permissions, created_at) \
                     SELECT p.id, i.bot_user_id, p.company_id, i.project_permissions, $1 FROM projects p \
                     JOIN installs i ON i.id = $2 WHERE p.company_id = $3 AND p.active = TRUE \
                     ON CONFLICT (project_id, user_id) DO NOTHING RETURNING project_id",
                )
                .bind(audit.at)
                .bind(install.0)
                .bind(company.0)
                .fetch_all(&mut *tx)
                .await?;
                let count = added.len() as u64;
                added.sort_unstable();
                // The ids, for the app's lifecycle endpoints, up to a bound (a company may
                // have 100,000 projects): past it, `project_ids` is left out and `added` says how many.
                let mut after = json_of(&[("added", count.into())]);
                if added.len() <= ADD_ALL_IDS_SHOWN {
                    after["project_ids"] = added.into();
                }
                tx.record(
                    Event::new(Action::PermittedProjectsAddAll, TargetKind::Install, install)
                        .in_company(company)
                        .for_app(AppId(current.app_id))
                        .after(after),
                );
                tx.commit().await?;
                Ok(count)
            }

            async fn remove_permitted_project(
                &self,
                company: CompanyId,
                install: InstallId,
                project: ProjectId,
                audit: &EventContext,
            ) -> Result<()> {
                let mut tx = self.begin(audit).await?;
                let current = Self::active_install_in_tx(&mut tx, company, install).await?;
                let done = sqlx::query("DELETE FROM project_users WHERE project_id = $1 AND user_id = $2 AND company_id = $3")
                    .bind(project.0)
                    .bind(current.bot_user_id)
                    .bind(company.0)
                    .execute(&mut *tx)
                    .await?;
                if done.rows_affected() == 0 {
                    return Err(StoreError::NotFound);
                }
                tx.record(
                    Event::new(Action::PermittedProjectsRemove, TargetKind::Install, install)
                        .in_company(company)
                        .for_app(AppId(current.app_id))
                        .before(json_of(&[("project_id", project.0.into())])),
                );
                tx.commit().await?;
                Ok(())
            }

            async fn set_add_to_new_projects(
                &self,
                company: CompanyId,
                install: InstallId,
                on: bool,
                audit: &EventContext,
            ) -> Result<Install> {
                let mut tx = self.begin(audit).await?;
                let current = Self::active_install_in_tx(&mut tx, company, install).await?;
                let row: InstallRow = sqlx::query_as(&format!(
                    "UPDATE installs SET add_to_new_projects = $1 WHERE id = $2 RETURNING {INSTALL_COLUMNS}"
                ))
                .bind(on)
                .bind(install.0)
                .fetch_one(&mut *tx)
                .await?;
                tx.record(
                    Event::new(Action::InstallAddToNewProjects, TargetKind::Install, install)
                        .in_company(company)
                        .for_app(AppId(current.app_id))
                        .before(json_of(&[("add_to_new_projects", current.add_to_new_projects.into())]))
                        .after(json_of(&[("add_to_new_projects", on.into())])),
                );
                tx.commit().await?;
                Ok(row.into())
            }

            async fn list_permitted_projects(&self, company: CompanyId, install: InstallId) -> Result<Vec<ProjectId>> {
                let ids: Vec<i64> = sqlx::query_scalar(
                    "SELECT pu.project_id FROM project_users pu JOIN installs i ON i.bot_user_id = pu.user_id \
                     AND i.company_id = pu.company_id WHERE i.id = $1 AND i.company_id = $2 AND i.status = 'installed' \
                     ORDER BY pu.project_id",
                )
                .bind(install.0)
                .bind(company.0)
                .fetch_all(&self.read)
                .await?;
                Ok(ids.into_iter().map(ProjectId).collect())
            }
        }
    };
}

impl_installs!(SqliteStore, sqlx::Sqlite);
impl_installs!(PgStore, sqlx::Postgres);
