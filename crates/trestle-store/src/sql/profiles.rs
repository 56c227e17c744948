//! [`DirectoryProfileStore`]: the company directory and projects as the REST endpoints write them.

use super::rows::*;
use super::tx::*;
use super::*;

/// `patch` (a JSON object) merged into `was` (one), as a record's PATCH merges.
pub(super) fn merged_json(was: &str, patch: &str) -> String {
    let mut body = serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(was).unwrap_or_default();
    let patch = serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(patch).unwrap_or_default();
    trestle_domain::record::merge(&mut body, &patch);
    serde_json::Value::Object(body).to_string()
}

macro_rules! impl_profiles {
    ($store:ident, $db:ty) => {
        impl $store {
            /// The member's directory entry, read in `tx` (with the project's permissions when
            /// `project` is given).
            async fn entry_in_tx(
                tx: &mut Tx<$db>,
                company: CompanyId,
                user: i64,
                project: Option<ProjectId>,
            ) -> Result<DirectoryEntry> {
                let row: Option<DirectoryRow> = match project {
                    None => sqlx::query_as(&format!(
                        "SELECT {DIRECTORY_COLUMNS}, cu.permissions FROM company_users cu JOIN users u ON u.id = cu.user_id \
                         WHERE cu.company_id = $1 AND cu.user_id = $2"
                    ))
                    .bind(company.0)
                    .bind(user)
                    .fetch_optional(&mut **tx)
                    .await?,
                    Some(p) => sqlx::query_as(&format!(
                        "SELECT {DIRECTORY_COLUMNS}, pu.permissions FROM project_users pu JOIN users u ON u.id = pu.user_id \
                         JOIN company_users cu ON cu.company_id = pu.company_id AND cu.user_id = pu.user_id \
                         WHERE pu.company_id = $1 AND pu.user_id = $2 AND pu.project_id = $3"
                    ))
                    .bind(company.0)
                    .bind(user)
                    .bind(p.0)
                    .fetch_optional(&mut **tx)
                    .await?,
                };
                row.map(Into::into).ok_or(StoreError::NotFound)
            }

            /// A user's kind as the directory rules see it: `person`, `bot` or `service`.
            async fn kind_in_tx(tx: &mut Tx<$db>, user: i64) -> Result<Option<String>> {
                Ok(sqlx::query_scalar(
                    "SELECT CASE WHEN u.kind = 'bot' AND EXISTS (SELECT 1 FROM service_accounts sa WHERE sa.user_id = u.id) \
                     THEN 'service' ELSE u.kind END FROM users u WHERE u.id = $1",
                )
                .bind(user)
                .fetch_optional(&mut **tx)
                .await?)
            }
        }

        #[async_trait]
        impl DirectoryProfileStore for $store {
            async fn add_directory_person(
                &self,
                company: CompanyId,
                new: &NewDirectoryPerson,
                project: Option<(ProjectId, &str)>,
                idempotency: Remembering<'_, DirectoryEntry>,
                audit: &EventContext,
            ) -> Result<DirectoryEntry> {
                let mut tx = self.begin(audit).await?;
                if let Some((key, _)) = idempotency {
                    Self::unused_key(&mut tx, key).await?;
                }
                if let Some((p, _)) = project {
                    let live: Option<i64> =
                        sqlx::query_scalar("SELECT id FROM projects WHERE id = $1 AND company_id = $2 AND active = TRUE")
                            .bind(p.0)
                            .bind(company.0)
                            .fetch_optional(&mut *tx)
                            .await?;
                    live.ok_or(StoreError::NotFound)?;
                }
                let known: Option<i64> = sqlx::query_scalar("SELECT id FROM users WHERE email = $1")
                    .bind(&new.email)
                    .fetch_optional(&mut *tx)
                    .await?;
                let user = match known {
                    Some(id) => {
                        if Self::kind_in_tx(&mut tx, id).await?.as_deref() != Some("person") {
                            return Err(StoreError::Conflict(
                                "this e-mail address belongs to an app's or a service account's user".into(),
                            ));
                        }
                        id
                    }
                    None => Self::insert_person(&mut tx, audit, &new.email, &new.name, &[]).await?.id,
                };
                let member: Option<bool> =
                    sqlx::query_scalar("SELECT is_active FROM company_users WHERE company_id = $1 AND user_id = $2")
                        .bind(company.0)
                        .bind(user)
                        .fetch_optional(&mut *tx)
                        .await?;
                match (member, project) {
                    (Some(_), None) => {
                        return Err(StoreError::Conflict(format!(
                            "{} is already in the company directory (user {user})",
                            new.email
                        )))
                    }
                    (Some(_), Some(_)) => {}
                    (None, _) => {
                        sqlx::query(
                            "INSERT INTO company_users (company_id, user_id, is_admin, is_active, permissions, created_at, profile) \
                             VALUES ($1, $2, FALSE, $3, '{}', $4, $5)",
                        )
                        .bind(company.0)
                        .bind(user)
                        .bind(new.is_active)
                        .bind(audit.at)
                        .bind(&new.profile_json)
                        .execute(&mut *tx)
                        .await?;
                        tx.record(
                            Event::new(Action::CompanyUserAdd, TargetKind::User, user)
                                .in_company(company)
                                .after(json_of(&[
                                    ("is_admin", false.into()),
                                    ("is_active", new.is_active.into()),
                                    ("permissions", "{}".into()),
                                    ("profile", serde_json::from_str::<serde_json::Value>(&new.profile_json).unwrap_or_default()),
                                ])),
                        );
                    }
                }
                if let Some((p, permissions)) = project {
                    let added = sqlx::query(
                        "INSERT INTO project_users (project_id, user_id, company_id, permissions, created_at) \
                         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (project_id, user_id) DO NOTHING",
                    )
                    .bind(p.0)
                    .bind(user)
                    .bind(company.0)
                    .bind(permissions)
                    .bind(audit.at)
                    .execute(&mut *tx)
                    .await?;
                    if added.rows_affected() == 0 {
                        return Err(StoreError::Conflict(format!(
                            "{} is already in the project directory (user {user})",
                            new.email
                        )));
                    }
                    tx.record(
                        Event::new(Action::ProjectUserAdd, TargetKind::User, user)
                            .in_company(company)
                            .in_project(p)
                            .after(json_of(&[("permissions", permissions.into())])),
                    );
                }
                let entry = Self::entry_in_tx(&mut tx, company, user, project.map(|(p, _)| p)).await?;
                if let Some((key, answer)) = idempotency {
                    Self::remember_in_tx(&mut tx, key, &answer(&entry), audit.at).await?;
                }
                tx.commit().await?;
                Ok(entry)
            }

            async fn update_directory_person(
                &self,
                company: CompanyId,
                user: UserId,
                project: Option<ProjectId>,
                patch: &DirectoryPersonPatch,
                idempotency: Remembering<'_, DirectoryEntry>,
                audit: &EventContext,
            ) -> Result<DirectoryEntry> {
                let mut tx = self.begin(audit).await?;
                if let Some((key, _)) = idempotency {
                    Self::unused_key(&mut tx, key).await?;
                }
                // Takes the membership's row lock first (PostgreSQL), so two changes never interleave.
                let was: Option<(bool, String)> = sqlx::query_as(
                    "UPDATE company_users SET profile = profile WHERE company_id = $1 AND user_id = $2 \
                     RETURNING is_active, profile",
                )
                .bind(company.0)
                .bind(user.0)
                .fetch_optional(&mut *tx)
                .await?;
                let (was_active, was_profile) = was.ok_or(StoreError::NotFound)?;
                if let Some(p) = project {
                    // Not in the project: not found there.
                    Self::entry_in_tx(&mut tx, company, user.0, Some(p)).await?;
                }
                if Self::kind_in_tx(&mut tx, user.0).await?.as_deref() != Some("person") {
                    return Err(StoreError::Conflict(
                        "an app's or service account's user cannot be changed through the directory: \
                         it comes from its app or service account"
                            .into(),
                    ));
                }
                let active = patch.is_active.unwrap_or(was_active);
                let merged = merged_json(&was_profile, &patch.profile_json);
                sqlx::query("UPDATE company_users SET is_active = $1, profile = $2 WHERE company_id = $3 AND user_id = $4")
                    .bind(active)
                    .bind(&merged)
                    .bind(company.0)
                    .bind(user.0)
                    .execute(&mut *tx)
                    .await?;
                let profile = |p: &str| serde_json::from_str::<serde_json::Value>(p).unwrap_or_default();
                let mut event = Event::new(Action::CompanyUserUpdate, TargetKind::User, user)
                    .in_company(company)
                    .before(json_of(&[("is_active", was_active.into()), ("profile", profile(&was_profile))]))
                    .after(json_of(&[("is_active", active.into()), ("profile", profile(&merged))]));
                if let Some(p) = project {
                    event = event.in_project(p);
                }
                tx.record(event);
                let entry = Self::entry_in_tx(&mut tx, company, user.0, project).await?;
                if let Some((key, answer)) = idempotency {
                    Self::remember_in_tx(&mut tx, key, &answer(&entry), audit.at).await?;
                }
                tx.commit().await?;
                Ok(entry)
            }

            async fn create_project_remembered(
                &self,
                company: CompanyId,
                new: &NewProject,
                idempotency: Remembering<'_, Project>,
                audit: &EventContext,
            ) -> Result<Project> {
                let mut tx = self.begin(audit).await?;
                if let Some((key, _)) = idempotency {
                    Self::unused_key(&mut tx, key).await?;
                }
                let project = Self::create_project_in_tx(&mut tx, company, new, audit.at).await?;
                if let Some((key, answer)) = idempotency {
                    Self::remember_in_tx(&mut tx, key, &answer(&project), audit.at).await?;
                }
                tx.commit().await?;
                Ok(project)
            }

            async fn update_project_remembered(
                &self,
                company: CompanyId,
                project: ProjectId,
                patch: &ProjectPatch,
                idempotency: Remembering<'_, Project>,
                audit: &EventContext,
            ) -> Result<Project> {
                let mut tx = self.begin(audit).await?;
                if let Some((key, _)) = idempotency {
                    Self::unused_key(&mut tx, key).await?;
                }
                let now = Self::update_project_in_tx(&mut tx, company, project, patch, audit.at).await?;
                if let Some((key, answer)) = idempotency {
                    Self::remember_in_tx(&mut tx, key, &answer(&now), audit.at).await?;
                }
                tx.commit().await?;
                Ok(now)
            }
        }
    };
}

impl_profiles!(SqliteStore, sqlx::Sqlite);
impl_profiles!(PgStore, sqlx::Postgres);
