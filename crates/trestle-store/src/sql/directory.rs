//! [`DirectoryStore`]: people, companies, their memberships and projects.

use super::rows::*;
use super::tx::*;
use super::*;

/// A page of a company's active projects in id order, past `after` (0 for none): binds company,
/// after, limit, offset; with `member`, only the user's: binds user, company, after, limit,
/// offset. The same SQL on both backends; `testing::explain_project_list` shows its plan.
pub(crate) fn project_list_sql(member: bool) -> String {
    if member {
        format!(
            "SELECT {PROJECT_COLUMNS} FROM project_users pu JOIN projects p ON p.id = pu.project_id \
             JOIN companies c ON c.id = p.company_id \
             WHERE pu.user_id = $1 AND pu.company_id = $2 AND pu.project_id > $3 \
             AND p.company_id = $2 AND p.active = TRUE \
             ORDER BY pu.project_id LIMIT $4 OFFSET $5"
        )
    } else {
        format!(
            "SELECT {PROJECT_COLUMNS} FROM projects p JOIN companies c ON c.id = p.company_id \
             WHERE p.company_id = $1 AND p.id > $2 AND p.active = TRUE \
             ORDER BY p.id LIMIT $3 OFFSET $4"
        )
    }
}

macro_rules! impl_directory {
    ($store:ident, $db:ty) => {
        impl $store {
            /// Creates a project in `tx`; bots of "add to all new projects" installs join it.
            pub(super) async fn create_project_in_tx(
                tx: &mut Tx<$db>,
                company: CompanyId,
                new: &NewProject,
                at: i64,
            ) -> Result<Project> {
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO projects (company_id, name, project_number, address, city, state_code, country_code, zip, \
                     active, created_at, updated_at, details) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,TRUE,$9,$9,$10) RETURNING id",
                )
                .bind(company.0)
                .bind(&new.name)
                .bind(&new.project_number)
                .bind(&new.address)
                .bind(&new.city)
                .bind(&new.state_code)
                .bind(&new.country_code)
                .bind(&new.zip)
                .bind(at)
                .bind(new.details_json.as_deref().unwrap_or("{}"))
                .fetch_one(&mut **tx)
                .await?;
                let bots = sqlx::query(
                    "INSERT INTO project_users (project_id, user_id, company_id, permissions, created_at) \
                     SELECT $1, bot_user_id, company_id, project_permissions, $2 FROM installs \
                     WHERE company_id = $3 AND status = 'installed' AND add_to_new_projects = TRUE",
                )
                .bind(id)
                .bind(at)
                .bind(company.0)
                .execute(&mut **tx)
                .await?;
                let row: ProjectRow = sqlx::query_as(&format!(
                    "SELECT {PROJECT_COLUMNS} FROM projects p JOIN companies c ON c.id = p.company_id WHERE p.id = $1"
                ))
                .bind(id)
                .fetch_one(&mut **tx)
                .await?;
                tx.record(
                    Event::new(Action::ProjectCreate, TargetKind::Project, id)
                        .in_company(company)
                        .in_project(ProjectId(id))
                        .after(json_of(&[("name", new.name.clone().into()), ("bots_added", bots.rows_affected().into())])),
                );
                Ok(row.into())
            }

            /// A page of the company directory: every member, or only the inactive ones.
            async fn company_directory(&self, company: CompanyId, inactive_only: bool, page: PageRequest) -> Result<Page<DirectoryEntry>> {
                let only = if inactive_only { " AND cu.is_active = FALSE" } else { "" };
                let total = self
                    .count(&format!("SELECT COUNT(*) FROM company_users cu WHERE cu.company_id = $1{only}"), &[company.0])
                    .await?;
                let rows: Vec<DirectoryRow> = sqlx::query_as(&format!(
                    "SELECT {DIRECTORY_COLUMNS}, cu.permissions FROM company_users cu JOIN users u ON u.id = cu.user_id \
                     WHERE cu.company_id = $1{only} ORDER BY u.id LIMIT $2 OFFSET $3"
                ))
                .bind(company.0)
                .bind(page.limit())
                .bind(page.offset())
                .fetch_all(&self.read)
                .await?;
                Ok(Page { items: rows.into_iter().map(Into::into).collect(), total })
            }

            /// A page of the project directory: every member, or only those whose company
            /// membership is inactive.
            async fn project_directory(
                &self,
                company: CompanyId,
                project: ProjectId,
                inactive_only: bool,
                page: PageRequest,
            ) -> Result<Page<DirectoryEntry>> {
                let total = if inactive_only {
                    self.count(
                        "SELECT COUNT(*) FROM project_users pu JOIN company_users cu \
                         ON cu.company_id = pu.company_id AND cu.user_id = pu.user_id \
                         WHERE pu.company_id = $1 AND pu.project_id = $2 AND cu.is_active = FALSE",
                        &[company.0, project.0],
                    )
                    .await?
                } else {
                    self.count(
                        "SELECT COUNT(*) FROM project_users WHERE company_id = $1 AND project_id = $2",
                        &[company.0, project.0],
                    )
                    .await?
                };
                let only = if inactive_only { " AND cu.is_active = FALSE" } else { "" };
                let rows: Vec<DirectoryRow> = sqlx::query_as(&format!(
                    "SELECT {DIRECTORY_COLUMNS}, pu.permissions FROM project_users pu JOIN users u ON u.id = pu.user_id \
                     JOIN company_users cu ON cu.company_id = pu.company_id AND cu.user_id = pu.user_id \
                     WHERE pu.company_id = $1 AND pu.project_id = $2{only} ORDER BY u.id LIMIT $3 OFFSET $4"
                ))
                .bind(company.0)
                .bind(project.0)
                .bind(page.limit())
                .bind(page.offset())
                .fetch_all(&self.read)
                .await?;
                Ok(Page { items: rows.into_iter().map(Into::into).collect(), total })
            }

            /// A new person (no credentials yet) and its platform-only audit row (`user.create`);
            /// `extra` joins the e-mail and name in the row's `after`.
            pub(super) async fn insert_person(
                tx: &mut Tx<$db>,
                ctx: &EventContext,
                email: &str,
                name: &str,
                extra: &[(&str, serde_json::Value)],
            ) -> Result<UserRow> {
                let row: UserRow = sqlx::query_as(
                    "INSERT INTO users (kind, email, name, created_at) VALUES ('person', $1, $2, $3) \
                     RETURNING id, kind, email, name, created_at",
                )
                .bind(email)
                .bind(name)
                .bind(ctx.at)
                .fetch_one(&mut **tx)
                .await?;
                let mut after = vec![("email", email.into()), ("name", name.into())];
                after.extend_from_slice(extra);
                tx.record(
                    Event::new(Action::UserCreate, TargetKind::User, row.id)
                        .after(json_of(&after)),
                );
                Ok(row)
            }
        }

        #[async_trait]
        impl DirectoryStore for $store {
            async fn create_person(&self, new: &NewPerson, audit: &EventContext) -> Result<User> {
                let mut tx = self.begin(audit).await?;
                let row = Self::insert_person(&mut tx, audit, &new.email, &new.name, &[]).await?;
                tx.commit().await?;
                Ok(row.into())
            }

            async fn find_user(&self, id: UserId) -> Result<Option<User>> {
                let row: Option<UserRow> =
                    sqlx::query_as(concat!(
                        "SELECT u.id, ",
                        user_kind_sql!(),
                        " AS kind, u.email, u.name, u.created_at FROM users u WHERE u.id = $1"
                    ))
                        .bind(id.0)
                        .fetch_optional(&self.read)
                        .await?;
                Ok(row.map(Into::into))
            }

            async fn create_company(&self, name: &str, admin: UserId, audit: &EventContext) -> Result<Company> {
                let mut tx = self.begin(audit).await?;
                let row: CompanyRow = sqlx::query_as(
                    "INSERT INTO companies (name, is_active, created_at) VALUES ($1, TRUE, $2) \
                     RETURNING id, name, is_active, created_at, sandbox_of_app",
                )
                .bind(name)
                .bind(audit.at)
                .fetch_one(&mut *tx)
                .await?;
                let kind: Option<String> = sqlx::query_scalar("SELECT kind FROM users WHERE id = $1")
                    .bind(admin.0)
                    .fetch_optional(&mut *tx)
                    .await?;
                if kind.as_deref() != Some("person") {
                    return Err(StoreError::NotFound);
                }
                sqlx::query(
                    "INSERT INTO company_users (company_id, user_id, is_admin, is_active, permissions, created_at) \
                     VALUES ($1, $2, TRUE, TRUE, '{}', $3)",
                )
                .bind(row.id)
                .bind(admin.0)
                .bind(audit.at)
                .execute(&mut *tx)
                .await?;
                tx.record(
                    Event::new(Action::CompanyCreate, TargetKind::Company, row.id)
                        .in_company(CompanyId(row.id))
                        .after(json_of(&[("name", name.into()), ("admin_user_id", admin.0.into())])),
                );
                tx.commit().await?;
                Ok(row.into())
            }

            async fn find_company(&self, id: CompanyId) -> Result<Option<Company>> {
                let row: Option<CompanyRow> =
                    sqlx::query_as("SELECT id, name, is_active, created_at, sandbox_of_app FROM companies WHERE id = $1")
                        .bind(id.0)
                        .fetch_optional(&self.read)
                        .await?;
                Ok(row.map(Into::into))
            }

            async fn add_company_member(&self, company: CompanyId, m: &NewMember, audit: &EventContext) -> Result<()> {
                let mut tx = self.begin(audit).await?;
                let kind: Option<String> = sqlx::query_scalar("SELECT kind FROM users WHERE id = $1")
                    .bind(m.user.0)
                    .fetch_optional(&mut *tx)
                    .await?;
                match kind.as_deref() {
                    None => return Err(StoreError::NotFound),
                    Some("bot") => {
                        return Err(StoreError::Conflict("an app's bot user cannot be added to a company directory".into()))
                    }
                    _ => {}
                }
                sqlx::query(
                    "INSERT INTO company_users (company_id, user_id, is_admin, is_active, permissions, created_at) \
                     VALUES ($1, $2, $3, TRUE, $4, $5) ON CONFLICT (company_id, user_id) DO UPDATE \
                     SET is_admin = excluded.is_admin, is_active = TRUE, permissions = excluded.permissions",
                )
                .bind(company.0)
                .bind(m.user.0)
                .bind(m.is_admin)
                .bind(&m.permissions_json)
                .bind(audit.at)
                .execute(&mut *tx)
                .await?;
                tx.record(
                    Event::new(Action::CompanyUserAdd, TargetKind::User, m.user)
                        .in_company(company)
                        .after(json_of(&[("is_admin", m.is_admin.into()), ("permissions", m.permissions_json.clone().into())])),
                );
                tx.commit().await?;
                Ok(())
            }

            async fn company_membership(&self, company: CompanyId, user: UserId) -> Result<Option<CompanyMembership>> {
                let row: Option<MembershipRow> = sqlx::query_as(
                    "SELECT cu.is_active AND c.is_active AS is_active, cu.is_admin, cu.permissions \
                     FROM company_users cu JOIN companies c ON c.id = cu.company_id \
                     WHERE cu.company_id = $1 AND cu.user_id = $2",
                )
                .bind(company.0)
                .bind(user.0)
                .fetch_optional(&self.read)
                .await?;
                Ok(row.map(|r| CompanyMembership {
                    is_active: r.is_active,
                    is_admin: r.is_admin,
                    permissions: trestle_domain::permissions::ToolPermissions::from_json(&r.permissions),
                }))
            }

            async fn project_membership(
                &self,
                company: CompanyId,
                project: ProjectId,
                user: UserId,
            ) -> Result<Option<ProjectMembership>> {
                let perms: Option<String> = sqlx::query_scalar(
                    "SELECT pu.permissions FROM project_users pu JOIN projects p ON p.id = pu.project_id \
                     WHERE pu.project_id = $1 AND pu.user_id = $2 AND pu.company_id = $3 AND p.company_id = $3 AND p.active = TRUE",
                )
                .bind(project.0)
                .bind(user.0)
                .bind(company.0)
                .fetch_optional(&self.read)
                .await?;
                Ok(perms.map(|p| ProjectMembership {
                    permissions: trestle_domain::permissions::ToolPermissions::from_json(&p),
                }))
            }

            async fn create_project(&self, company: CompanyId, new: &NewProject, audit: &EventContext) -> Result<Project> {
                let mut tx = self.begin(audit).await?;
                let project = Self::create_project_in_tx(&mut tx, company, new, audit.at).await?;
                tx.commit().await?;
                Ok(project)
            }

            async fn find_project(&self, company: CompanyId, project: ProjectId) -> Result<Option<Project>> {
                let row: Option<ProjectRow> = sqlx::query_as(&format!(
                    "SELECT {PROJECT_COLUMNS} FROM projects p JOIN companies c ON c.id = p.company_id \
                     WHERE p.id = $1 AND p.company_id = $2"
                ))
                .bind(project.0)
                .bind(company.0)
                .fetch_optional(&self.read)
                .await?;
                Ok(row.map(Into::into))
            }

            async fn list_user_companies(
                &self,
                user: UserId,
                page: PageRequest,
                after: Option<CompanyId>,
            ) -> Result<Page<Company>> {
                let total = self
                    .count(
                        "SELECT COUNT(*) FROM company_users cu JOIN companies c ON c.id = cu.company_id \
                         WHERE cu.user_id = $1 AND cu.is_active = TRUE AND c.is_active = TRUE",
                        &[user.0],
                    )
                    .await?;
                let rows: Vec<CompanyRow> = sqlx::query_as(
                    "SELECT c.id, c.name, c.is_active, c.created_at, c.sandbox_of_app FROM company_users cu \
                     JOIN companies c ON c.id = cu.company_id \
                     WHERE cu.user_id = $1 AND cu.company_id > $2 AND cu.is_active = TRUE AND c.is_active = TRUE \
                     ORDER BY cu.company_id LIMIT $3 OFFSET $4",
                )
                .bind(user.0)
                .bind(after.map_or(0, |a| a.0))
                .bind(page.limit())
                .bind(if after.is_some() { 0 } else { page.offset() })
                .fetch_all(&self.read)
                .await?;
                Ok(Page { items: rows.into_iter().map(Into::into).collect(), total })
            }

            async fn find_project_company(&self, project: ProjectId) -> Result<Option<CompanyId>> {
                let c: Option<i64> = sqlx::query_scalar("SELECT company_id FROM projects WHERE id = $1 AND active = TRUE")
                    .bind(project.0)
                    .fetch_optional(&self.read)
                    .await?;
                Ok(c.map(CompanyId))
            }

            async fn list_company_users(&self, company: CompanyId, page: PageRequest) -> Result<Page<DirectoryEntry>> {
                self.company_directory(company, false, page).await
            }

            async fn list_project_users(
                &self,
                company: CompanyId,
                project: ProjectId,
                page: PageRequest,
            ) -> Result<Page<DirectoryEntry>> {
                self.project_directory(company, project, false, page).await
            }

            async fn list_inactive_company_users(&self, company: CompanyId, page: PageRequest) -> Result<Page<DirectoryEntry>> {
                self.company_directory(company, true, page).await
            }

            async fn list_inactive_project_users(
                &self,
                company: CompanyId,
                project: ProjectId,
                page: PageRequest,
            ) -> Result<Page<DirectoryEntry>> {
                self.project_directory(company, project, true, page).await
            }

            async fn find_company_user(&self, company: CompanyId, user: UserId) -> Result<Option<DirectoryEntry>> {
                let row: Option<DirectoryRow> = sqlx::query_as(&format!(
                    "SELECT {DIRECTORY_COLUMNS}, cu.permissions FROM company_users cu JOIN users u ON u.id = cu.user_id \
                     WHERE cu.company_id = $1 AND cu.user_id = $2"
                ))
                .bind(company.0)
                .bind(user.0)
                .fetch_optional(&self.read)
                .await?;
                Ok(row.map(Into::into))
            }

            async fn find_project_user(
                &self,
                company: CompanyId,
                project: ProjectId,
                user: UserId,
            ) -> Result<Option<DirectoryEntry>> {
                let row: Option<DirectoryRow> = sqlx::query_as(&format!(
                    "SELECT {DIRECTORY_COLUMNS}, pu.permissions FROM project_users pu JOIN users u ON u.id = pu.user_id \
                     JOIN company_users cu ON cu.company_id = pu.company_id AND cu.user_id = pu.user_id \
                     WHERE pu.company_id = $1 AND pu.project_id = $2 AND pu.user_id = $3"
                ))
                .bind(company.0)
                .bind(project.0)
                .bind(user.0)
                .fetch_optional(&self.read)
                .await?;
                Ok(row.map(Into::into))
            }

            async fn update_company_member(&self, company: CompanyId, m: &NewMember, audit: &EventContext) -> Result<()> {
                let mut tx = self.begin(audit).await?;
                // An app's bot is refused; a service account's contact is managed by the admins.
                let row: Option<(String, bool, String)> = sqlx::query_as(
                    "SELECT CASE WHEN u.kind = 'bot' AND EXISTS (SELECT 1 FROM service_accounts sa WHERE sa.user_id = u.id) \
                     THEN 'service' ELSE u.kind END, cu.is_admin, cu.permissions \
                     FROM company_users cu JOIN users u ON u.id = cu.user_id WHERE cu.company_id = $1 AND cu.user_id = $2",
                )
                .bind(company.0)
                .bind(m.user.0)
                .fetch_optional(&mut *tx)
                .await?;
                let (kind, was_admin, was) = row.ok_or(StoreError::NotFound)?;
                if kind == "bot" {
                    return Err(StoreError::Conflict(
                        "an app's bot user cannot be changed by hand: its permissions come from the app's manifest".into(),
                    ));
                }
                sqlx::query("UPDATE company_users SET is_admin = $1, permissions = $2 WHERE company_id = $3 AND user_id = $4")
                    .bind(m.is_admin)
                    .bind(&m.permissions_json)
                    .bind(company.0)
                    .bind(m.user.0)
                    .execute(&mut *tx)
                    .await?;
                tx.record(
                    Event::new(Action::CompanyUserUpdate, TargetKind::User, m.user)
                        .in_company(company)
                        .before(json_of(&[("is_admin", was_admin.into()), ("permissions", was.into())]))
                        .after(json_of(&[("is_admin", m.is_admin.into()), ("permissions", m.permissions_json.clone().into())])),
                );
                tx.commit().await
            }

            async fn add_project_member(
                &self,
                company: CompanyId,
                project: ProjectId,
                user: UserId,
                permissions_json: &str,
                audit: &EventContext,
            ) -> Result<()> {
                let mut tx = self.begin(audit).await?;
                let kind: Option<(String, bool)> = sqlx::query_as(
                    "SELECT CASE WHEN u.kind = 'bot' AND EXISTS (SELECT 1 FROM service_accounts sa WHERE sa.user_id = u.id) \
                     THEN 'service' ELSE u.kind END, cu.is_active \
                     FROM company_users cu JOIN users u ON u.id = cu.user_id WHERE cu.company_id = $1 AND cu.user_id = $2",
                )
                .bind(company.0)
                .bind(user.0)
                .fetch_optional(&mut *tx)
                .await?;
                match kind {
                    None | Some((_, false)) => {
                        return Err(StoreError::Conflict(format!("user {user} is not an active member of this company")))
                    }
                    Some((k, _)) if k == "bot" => {
                        return Err(StoreError::Conflict(
                            "an app's bot joins projects through the install's permitted projects".into(),
                        ))
                    }
                    _ => {}
                }
                let done = sqlx::query(
                    "INSERT INTO project_users (project_id, user_id, company_id, permissions, created_at) \
                     SELECT id, $2, company_id, $3, $4 FROM projects WHERE id = $1 AND company_id = $5 AND active = TRUE \
                     ON CONFLICT (project_id, user_id) DO UPDATE SET permissions = excluded.permissions",
                )
                .bind(project.0)
                .bind(user.0)
                .bind(permissions_json)
                .bind(audit.at)
                .bind(company.0)
                .execute(&mut *tx)
                .await?;
                if done.rows_affected() == 0 {
                    return Err(StoreError::NotFound);
                }
                tx.record(
                    Event::new(Action::ProjectUserAdd, TargetKind::Project, project)
                        .in_company(company)
                        .in_project(project)
                        .after(json_of(&[("user_id", user.0.into()), ("permissions", permissions_json.into())])),
                );
                tx.commit().await
            }

            async fn remove_project_member(
                &self,
                company: CompanyId,
                project: ProjectId,
                user: UserId,
                audit: &EventContext,
            ) -> Result<()> {
                let mut tx = self.begin(audit).await?;
                let kind: Option<String> = sqlx::query_scalar(
                    "SELECT CASE WHEN u.kind = 'bot' AND EXISTS (SELECT 1 FROM service_accounts sa WHERE sa.user_id = u.id) \
                     THEN 'service' ELSE u.kind END FROM project_users pu JOIN users u ON u.id = pu.user_id \
                     WHERE pu.company_id = $1 AND pu.project_id = $2 AND pu.user_id = $3",
                )
                .bind(company.0)
                .bind(project.0)
                .bind(user.0)
                .fetch_optional(&mut *tx)
                .await?;
                match kind.as_deref() {
                    None => return Err(StoreError::NotFound),
                    Some("bot") => {
                        return Err(StoreError::Conflict(
                            "an app's bot leaves projects through the install's permitted projects".into(),
                        ))
                    }
                    _ => {}
                }
                sqlx::query("DELETE FROM project_users WHERE company_id = $1 AND project_id = $2 AND user_id = $3")
                    .bind(company.0)
                    .bind(project.0)
                    .bind(user.0)
                    .execute(&mut *tx)
                    .await?;
                tx.record(
                    Event::new(Action::ProjectUserRemove, TargetKind::Project, project)
                        .in_company(company)
                        .in_project(project)
                        .before(json_of(&[("user_id", user.0.into())])),
                );
                tx.commit().await
            }

            async fn list_projects(
                &self,
                company: CompanyId,
                member: Option<UserId>,
                page: PageRequest,
                after: Option<ProjectId>,
            ) -> Result<Page<Project>> {
                // The total is the maintained count (migration 0011), not a COUNT; with `after`
                // the page starts past that id (a keyset: the index is read from there), else
                // at the page's offset.
                let total: i64 = sqlx::query_scalar(
                    "SELECT COALESCE((SELECT projects FROM project_counts WHERE company_id = $1 AND user_id = $2), 0)",
                )
                .bind(company.0)
                .bind(member.map_or(0, |u| u.0))
                .fetch_one(&self.read)
                .await?;
                let (after, offset) = match after {
                    Some(id) => (id.0, 0),
                    None => (0, page.offset()),
                };
                let rows: Vec<ProjectRow> = match member {
                    Some(user) => {
                        sqlx::query_as(&project_list_sql(true))
                        .bind(user.0)
                        .bind(company.0)
                        .bind(after)
                        .bind(page.limit())
                        .bind(offset)
                        .fetch_all(&self.read)
                        .await?
                    }
                    None => {
                        sqlx::query_as(&project_list_sql(false))
                        .bind(company.0)
                        .bind(after)
                        .bind(page.limit())
                        .bind(offset)
                        .fetch_all(&self.read)
                        .await?
                    }
                };
                Ok(Page { items: rows.into_iter().map(Into::into).collect(), total })
            }

            async fn search_projects(&self, company: CompanyId, query: &str, page: PageRequest) -> Result<Page<Project>> {
                // Active projects whose name or number contains `query` (LIKE wildcards in it
                // are escaped, so "50%" finds "50%"): the filtered project list.
                let filter = ProjectFilter {
                    status: ProjectStatus::Active,
                    query: query.to_string(),
                };
                ProjectStore::list_company_projects(self, company, &filter, page).await
            }
        }
    };
}

impl_directory!(SqliteStore, sqlx::Sqlite);
impl_directory!(PgStore, sqlx::Postgres);
