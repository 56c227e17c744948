//! [`ProjectStore`], [`InvitationStore`] and [`ListingStore`]: project management, invitations
//! into company directories and the operator's listings, written once for both backends like
//! the rest of `sql/`.

use super::rows::*;
use super::tx::*;
use super::*;
use sqlx::FromRow;

/// A `LIKE` pattern for a case-insensitive substring, its own wildcards escaped ("50%" finds "50%").
fn contains(query: &str) -> String {
    format!(
        "%{}%",
        query
            .trim()
            .to_lowercase()
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_")
    )
}

#[derive(FromRow)]
struct InvitationRow {
    id: i64,
    company_id: i64,
    company_name: String,
    email: String,
    is_admin: bool,
    permissions: String,
    status: String,
    created_at: i64,
    decided_at: Option<i64>,
}

impl From<InvitationRow> for Invitation {
    fn from(r: InvitationRow) -> Self {
        Invitation {
            id: InvitationId(r.id),
            company_id: CompanyId(r.company_id),
            company_name: r.company_name,
            email: r.email,
            is_admin: r.is_admin,
            permissions_json: r.permissions,
            status: r.status,
            created_at: r.created_at,
            decided_at: r.decided_at,
        }
    }
}

const INVITATION_COLUMNS: &str = "i.id, i.company_id, c.name AS company_name, i.email, i.is_admin, i.permissions, \
     i.status, i.created_at, i.decided_at";

fn project_json(p: &ProjectRow) -> serde_json::Value {
    json_of(&[
        ("name", p.name.clone().into()),
        ("project_number", p.project_number.clone().into()),
        ("address", p.address.clone().into()),
        ("city", p.city.clone().into()),
        ("state_code", p.state_code.clone().into()),
        ("country_code", p.country_code.clone().into()),
        ("zip", p.zip.clone().into()),
        ("active", p.active.into()),
        (
            "details",
            serde_json::from_str::<serde_json::Value>(&p.details).unwrap_or(serde_json::Value::Null),
        ),
    ])
}

macro_rules! manage_store {
    ($store:ident, $db:ty) => {
        impl $store {
            /// Changes a project in `tx` (deactivating or reactivating is a change of `active`).
            pub(super) async fn update_project_in_tx(
                tx: &mut Tx<$db>,
                company: CompanyId,
                project: ProjectId,
                patch: &ProjectPatch,
                at: i64,
            ) -> Result<Project> {
                // Takes the row's lock first (PostgreSQL), so two changes never interleave.
                sqlx::query("UPDATE projects SET updated_at = updated_at WHERE id = $1 AND company_id = $2")
                    .bind(project.0)
                    .bind(company.0)
                    .execute(&mut **tx)
                    .await?;
                let was = Self::project_in_tx(tx, company, project.0).await?;
                let pick = |new: &Option<Option<String>>, old: &Option<String>| new.clone().unwrap_or_else(|| old.clone());
                sqlx::query(
                    "UPDATE projects SET name = $1, project_number = $2, address = $3, city = $4, state_code = $5, \
                     country_code = $6, zip = $7, active = $8, updated_at = $9, details = $12 \
                     WHERE id = $10 AND company_id = $11",
                )
                .bind(patch.name.clone().unwrap_or_else(|| was.name.clone()))
                .bind(pick(&patch.project_number, &was.project_number))
                .bind(pick(&patch.address, &was.address))
                .bind(pick(&patch.city, &was.city))
                .bind(pick(&patch.state_code, &was.state_code))
                .bind(pick(&patch.country_code, &was.country_code))
                .bind(pick(&patch.zip, &was.zip))
                .bind(patch.active.unwrap_or(was.active))
                .bind(at)
                .bind(project.0)
                .bind(company.0)
                .bind(match &patch.details_json {
                    Some(d) => super::profiles::merged_json(&was.details, d),
                    None => was.details.clone(),
                })
                .execute(&mut **tx)
                .await?;
                let now = Self::project_in_tx(tx, company, project.0).await?;
                let action = match (was.active, now.active) {
                    (true, false) => Action::ProjectDeactivate,
                    (false, true) => Action::ProjectReactivate,
                    _ => Action::ProjectUpdate,
                };
                tx.record(
                    Event::new(action, TargetKind::Project, project)
                        .in_company(company)
                        .in_project(project)
                        .before(project_json(&was))
                        .after(project_json(&now)),
                );
                Ok(now.into())
            }

            async fn project_in_tx(tx: &mut Tx<$db>, company: CompanyId, project: i64) -> Result<ProjectRow> {
                sqlx::query_as(&format!(
                    "SELECT {PROJECT_COLUMNS} FROM projects p JOIN companies c ON c.id = p.company_id \
                     WHERE p.id = $1 AND p.company_id = $2"
                ))
                .bind(project)
                .bind(company.0)
                .fetch_optional(&mut **tx)
                .await?
                .ok_or(StoreError::NotFound)
            }

            /// Inserts one project and adds the bots of "add to all new projects" installs.
            async fn insert_project_in_tx(
                tx: &mut Tx<$db>,
                company: CompanyId,
                new: &NewProject,
                at: i64,
            ) -> Result<(i64, u64)> {
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO projects (company_id, name, project_number, address, city, state_code, country_code, \
                     zip, active, created_at, updated_at, details) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,TRUE,$9,$9,$10) RETURNING id",
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
                Ok((id, bots.rows_affected()))
            }
        }

        #[async_trait]
        impl ProjectStore for $store {
            async fn list_company_projects(
                &self,
                company: CompanyId,
                filter: &ProjectFilter,
                page: PageRequest,
            ) -> Result<Page<Project>> {
                if filter.status == ProjectStatus::Active && filter.query.is_empty() {
                    // The unfiltered list: its total is maintained, not counted.
                    return DirectoryStore::list_projects(self, company, None, page, None).await;
                }
                let status = match filter.status {
                    ProjectStatus::Active => "p.active = TRUE",
                    ProjectStatus::Inactive => "p.active = FALSE",
                    ProjectStatus::All => "TRUE",
                };
                let where_ = format!(
                    "p.company_id = $1 AND {status} AND ($2 = '%%' OR LOWER(p.name) LIKE $2 ESCAPE '\\' \
                     OR LOWER(COALESCE(p.project_number, '')) LIKE $2 ESCAPE '\\')"
                );
                let pattern = contains(&filter.query);
                let total: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM projects p WHERE {where_}"))
                    .bind(company.0)
                    .bind(&pattern)
                    .fetch_one(&self.read)
                    .await?;
                let rows: Vec<ProjectRow> = sqlx::query_as(&format!(
                    "SELECT {PROJECT_COLUMNS} FROM projects p JOIN companies c ON c.id = p.company_id \
                     WHERE {where_} ORDER BY p.id LIMIT $3 OFFSET $4"
                ))
                .bind(company.0)
                .bind(&pattern)
                .bind(page.limit())
                .bind(page.offset())
                .fetch_all(&self.read)
                .await?;
                Ok(Page { items: rows.into_iter().map(Into::into).collect(), total })
            }

            async fn update_project(
                &self,
                company: CompanyId,
                project: ProjectId,
                patch: &ProjectPatch,
                audit: &EventContext,
            ) -> Result<Project> {
                let mut tx = self.begin(audit).await?;
                let now = Self::update_project_in_tx(&mut tx, company, project, patch, audit.at).await?;
                tx.commit().await?;
                Ok(now)
            }

            async fn delete_project(&self, company: CompanyId, project: ProjectId, audit: &EventContext) -> Result<()> {
                let mut tx = self.begin(audit).await?;
                let was = Self::project_in_tx(&mut tx, company, project.0).await?;
                let (records, documents, apps, members): (i64, i64, i64, i64) = sqlx::query_as(
                    "SELECT (SELECT COUNT(*) FROM records WHERE project_id = $1 AND deleted_at IS NULL), \
                     (SELECT COUNT(*) FROM documents WHERE project_id = $1), \
                     (SELECT COUNT(*) FROM project_users pu WHERE pu.project_id = $1 AND EXISTS \
                        (SELECT 1 FROM installs i WHERE i.bot_user_id = pu.user_id AND i.company_id = pu.company_id)), \
                     (SELECT COUNT(*) FROM project_users pu WHERE pu.project_id = $1 AND NOT EXISTS \
                        (SELECT 1 FROM installs i WHERE i.bot_user_id = pu.user_id AND i.company_id = pu.company_id))",
                )
                .bind(project.0)
                .fetch_one(&mut *tx)
                .await?;
                if records + documents + apps + members > 0 {
                    let mut what = Vec::new();
                    if records > 0 {
                        what.push(format!("{records} tool record(s)"));
                    }
                    if documents > 0 {
                        what.push(format!("{documents} document(s)"));
                    }
                    if members > 0 {
                        what.push(format!("{members} member(s)"));
                    }
                    if apps > 0 {
                        what.push(format!("{apps} app(s) permitted on it"));
                    }
                    return Err(StoreError::Conflict(format!(
                        "project {project} cannot be deleted: it has {}; remove those first, or deactivate the project instead",
                        what.join(", ")
                    )));
                }
                // Deleted tool records go with their project (they could only be listed in it).
                for sql in [
                    "DELETE FROM records WHERE project_id = $1 AND company_id = $2 AND deleted_at IS NOT NULL",
                    "DELETE FROM record_counters WHERE project_id = $1 AND company_id = $2",
                    "DELETE FROM record_status_counts WHERE project_id = $1 AND company_id = $2",
                ] {
                    sqlx::query(sql).bind(project.0).bind(company.0).execute(&mut *tx).await?;
                }
                // A row added by a concurrent transaction since the check makes this fail on
                // its foreign key: that is a conflict too, not "not found".
                sqlx::query("DELETE FROM projects WHERE id = $1 AND company_id = $2")
                    .bind(project.0)
                    .bind(company.0)
                    .execute(&mut *tx)
                    .await
                    .map_err(|e| match StoreError::from(e) {
                        StoreError::NotFound => StoreError::Conflict(format!(
                            "project {project} cannot be deleted: something was added to it meanwhile"
                        )),
                        other => other,
                    })?;
                tx.record(
                    Event::new(Action::ProjectDelete, TargetKind::Project, project)
                        .in_company(company)
                        .in_project(project)
                        .before(project_json(&was)),
                );
                tx.commit().await
            }

            async fn create_projects(
                &self,
                company: CompanyId,
                new: &[NewProject],
                audit: &EventContext,
            ) -> Result<Vec<Project>> {
                let mut tx = self.begin(audit).await?;
                let mut ids = Vec::with_capacity(new.len());
                let mut bots = 0;
                for p in new {
                    let (id, b) = Self::insert_project_in_tx(&mut tx, company, p, audit.at).await?;
                    ids.push(id);
                    bots += b;
                }
                let (first, last) = (ids.first().copied().unwrap_or(0), ids.last().copied().unwrap_or(0));
                let rows: Vec<ProjectRow> = sqlx::query_as(&format!(
                    "SELECT {PROJECT_COLUMNS} FROM projects p JOIN companies c ON c.id = p.company_id \
                     WHERE p.company_id = $1 AND p.id BETWEEN $2 AND $3 ORDER BY p.id"
                ))
                .bind(company.0)
                .bind(first)
                .bind(last)
                .fetch_all(&mut *tx)
                .await?;
                let mine: std::collections::HashSet<i64> = ids.iter().copied().collect();
                let rows: Vec<ProjectRow> = rows.into_iter().filter(|r| mine.contains(&r.id)).collect();
                tx.record(
                    Event::new(Action::ProjectBulkCreate, TargetKind::Company, company)
                        .in_company(company)
                        .after(json_of(&[
                        ("count", ids.len().into()),
                        ("project_ids", ids.clone().into()),
                        ("bots_added", bots.into()),
                    ])),
                );
                tx.commit().await?;
                Ok(rows.into_iter().map(Into::into).collect())
            }
        }

        #[async_trait]
        impl ListingStore for $store {
            async fn list_companies(&self, member: Option<UserId>, query: &str, page: PageRequest) -> Result<Page<Company>> {
                // With a member: only the companies they actively belong to (and that are active).
                const WHERE: &str = "($1 = 0 OR (c.is_active = TRUE AND EXISTS (SELECT 1 FROM company_users cu \
                     WHERE cu.company_id = c.id AND cu.user_id = $1 AND cu.is_active = TRUE))) \
                     AND ($2 = '%%' OR LOWER(c.name) LIKE $2 ESCAPE '\\')";
                let who = member.map_or(0, |u| u.0);
                let pattern = contains(query);
                let total: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM companies c WHERE {WHERE}"))
                    .bind(who)
                    .bind(&pattern)
                    .fetch_one(&self.read)
                    .await?;
                let rows: Vec<CompanyRow> = sqlx::query_as(&format!(
                    "SELECT c.id, c.name, c.is_active, c.created_at, c.sandbox_of_app FROM companies c WHERE {WHERE} \
                     ORDER BY c.id LIMIT $3 OFFSET $4"
                ))
                .bind(who)
                .bind(&pattern)
                .bind(page.limit())
                .bind(page.offset())
                .fetch_all(&self.read)
                .await?;
                Ok(Page { items: rows.into_iter().map(Into::into).collect(), total })
            }

            async fn list_people(&self, query: &str, page: PageRequest) -> Result<Page<User>> {
                const WHERE: &str = "kind = 'person' AND ($1 = '%%' OR LOWER(name) LIKE $1 ESCAPE '\\' \
                     OR LOWER(email) LIKE $1 ESCAPE '\\')";
                let pattern = contains(query);
                let total: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM users WHERE {WHERE}"))
                    .bind(&pattern)
                    .fetch_one(&self.read)
                    .await?;
                let rows: Vec<UserRow> = sqlx::query_as(&format!(
                    "SELECT id, kind, email, name, created_at FROM users WHERE {WHERE} ORDER BY id LIMIT $2 OFFSET $3"
                ))
                .bind(&pattern)
                .bind(page.limit())
                .bind(page.offset())
                .fetch_all(&self.read)
                .await?;
                Ok(Page { items: rows.into_iter().map(Into::into).collect(), total })
            }
        }

        #[async_trait]
        impl InvitationStore for $store {
            async fn invite(&self, company: CompanyId, new: &NewInvitation, audit: &EventContext) -> Result<Invitation> {
                let mut tx = self.begin(audit).await?;
                let found: Option<bool> = sqlx::query_scalar("SELECT is_active FROM companies WHERE id = $1")
                    .bind(company.0)
                    .fetch_optional(&mut *tx)
                    .await?;
                if found.is_none() {
                    return Err(StoreError::NotFound);
                }
                let user: Option<(i64, String)> = sqlx::query_as("SELECT id, kind FROM users WHERE email = $1")
                    .bind(&new.email)
                    .fetch_optional(&mut *tx)
                    .await?;
                let invitee = match user {
                    Some((id, kind)) => {
                        let active: Option<bool> = sqlx::query_scalar(
                            "SELECT is_active FROM company_users WHERE company_id = $1 AND user_id = $2",
                        )
                        .bind(company.0)
                        .bind(id)
                        .fetch_optional(&mut *tx)
                        .await?;
                        // Already in the directory (and so visible to the admins): say so.
                        if active == Some(true) {
                            return Err(StoreError::Conflict(format!(
                                "{} is already a member of this company",
                                new.email
                            )));
                        }
                        // One platform-log row, as for a new address below: the company's
                        // log then shows the same gap in its ids either way, so they do not tell
                        // which addresses were new.
                        tx.record(
                            Event::new(Action::UserInvite, TargetKind::User, id)
                                .after(json_of(&[("invited_to_company_id", company.0.into())])),
                        );
                        (kind == "person").then_some(id)
                    }
                    None => {
                        // A new person with this address, without credentials: the platform's
                        // operator gives them a token or password; they accept like anyone else.
                        // Recorded in the platform's log only: the company's log must not tell
                        // which addresses were new.
                        let extra = [("invited_to_company_id", company.0.into())];
                        Some(Self::insert_person(&mut tx, audit, &new.email, &new.name, &extra).await?.id)
                    }
                };
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO company_invitations (company_id, email, user_id, is_admin, permissions, status, \
                     invited_by, created_at) VALUES ($1,$2,$3,$4,$5,'pending',$6,$7) \
                     ON CONFLICT (company_id, email) WHERE status = 'pending' DO UPDATE \
                     SET is_admin = excluded.is_admin, permissions = excluded.permissions, invited_by = excluded.invited_by \
                     RETURNING id",
                )
                .bind(company.0)
                .bind(&new.email)
                .bind(invitee)
                .bind(new.is_admin)
                .bind(&new.permissions_json)
                .bind(new.invited_by.map(|u| u.0))
                .bind(audit.at)
                .fetch_one(&mut *tx)
                .await?;
                tx.record(
                    Event::new(Action::CompanyInvitationCreate, TargetKind::Invitation, id)
                        .in_company(company)
                        .after(json_of(&[
                        ("email", new.email.clone().into()),
                        ("is_admin", new.is_admin.into()),
                        ("permissions", new.permissions_json.clone().into()),
                    ])),
                );
                let row: InvitationRow = sqlx::query_as(&format!(
                    "SELECT {INVITATION_COLUMNS} FROM company_invitations i JOIN companies c ON c.id = i.company_id \
                     WHERE i.id = $1"
                ))
                .bind(id)
                .fetch_one(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(row.into())
            }

            async fn list_invitations(&self, company: CompanyId, page: PageRequest) -> Result<Page<Invitation>> {
                let total = self
                    .count(
                        "SELECT COUNT(*) FROM company_invitations WHERE company_id = $1 AND status = 'pending'",
                        &[company.0],
                    )
                    .await?;
                let rows: Vec<InvitationRow> = sqlx::query_as(&format!(
                    "SELECT {INVITATION_COLUMNS} FROM company_invitations i JOIN companies c ON c.id = i.company_id \
                     WHERE i.company_id = $1 AND i.status = 'pending' ORDER BY i.id LIMIT $2 OFFSET $3"
                ))
                .bind(company.0)
                .bind(page.limit())
                .bind(page.offset())
                .fetch_all(&self.read)
                .await?;
                Ok(Page { items: rows.into_iter().map(Into::into).collect(), total })
            }

            async fn cancel_invitation(&self, company: CompanyId, id: InvitationId, audit: &EventContext) -> Result<()> {
                let mut tx = self.begin(audit).await?;
                let done = sqlx::query(
                    "UPDATE company_invitations SET status = 'cancelled', decided_at = $1 \
                     WHERE id = $2 AND company_id = $3 AND status = 'pending'",
                )
                .bind(audit.at)
                .bind(id.0)
                .bind(company.0)
                .execute(&mut *tx)
                .await?;
                if done.rows_affected() == 0 {
                    return Err(StoreError::NotFound);
                }
                tx.record(
                    Event::new(Action::CompanyInvitationCancel, TargetKind::Invitation, id)
                        .in_company(company)
                        .before(json_of(&[("status", "pending".into())]))
                        .after(json_of(&[("status", "cancelled".into())])),
                );
                tx.commit().await
            }

            async fn list_my_invitations(&self, user: UserId) -> Result<Vec<Invitation>> {
                let rows: Vec<InvitationRow> = sqlx::query_as(&format!(
                    "SELECT {INVITATION_COLUMNS} FROM company_invitations i JOIN companies c ON c.id = i.company_id \
                     WHERE i.user_id = $1 AND i.status = 'pending' AND c.is_active = TRUE ORDER BY i.id LIMIT 1000"
                ))
                .bind(user.0)
                .fetch_all(&self.read)
                .await?;
                Ok(rows.into_iter().map(Into::into).collect())
            }

            async fn accept_invitation(&self, user: UserId, id: InvitationId, audit: &EventContext) -> Result<Invitation> {
                let mut tx = self.begin(audit).await?;
                let row: InvitationRow = sqlx::query_as(&format!(
                    "SELECT {INVITATION_COLUMNS} FROM company_invitations i JOIN companies c ON c.id = i.company_id \
                     WHERE i.id = $1 AND i.user_id = $2 AND i.status = 'pending' AND c.is_active = TRUE"
                ))
                .bind(id.0)
                .bind(user.0)
                .fetch_optional(&mut *tx)
                .await?
                .ok_or(StoreError::NotFound)?;
                sqlx::query(
                    "INSERT INTO company_users (company_id, user_id, is_admin, is_active, permissions, created_at) \
                     VALUES ($1, $2, $3, TRUE, $4, $5) ON CONFLICT (company_id, user_id) DO UPDATE \
                     SET is_admin = excluded.is_admin, is_active = TRUE, permissions = excluded.permissions",
                )
                .bind(row.company_id)
                .bind(user.0)
                .bind(row.is_admin)
                .bind(&row.permissions)
                .bind(audit.at)
                .execute(&mut *tx)
                .await?;
                sqlx::query("UPDATE company_invitations SET status = 'accepted', decided_at = $1 WHERE id = $2")
                    .bind(audit.at)
                    .bind(id.0)
                    .execute(&mut *tx)
                    .await?;
                tx.record(
                    Event::new(Action::CompanyInvitationAccept, TargetKind::User, user)
                        .in_company(CompanyId(row.company_id))
                        .after(json_of(&[
                        ("invitation_id", id.0.into()),
                        ("is_admin", row.is_admin.into()),
                        ("permissions", row.permissions.clone().into()),
                    ])),
                );
                tx.commit().await?;
                Ok(Invitation {
                    status: "accepted".into(),
                    decided_at: Some(audit.at),
                    ..row.into()
                })
            }
        }
    };
}

manage_store!(SqliteStore, sqlx::Sqlite);
manage_store!(PgStore, sqlx::Postgres);
