//! [`AppStore`]: apps and their development sandboxes, publication and suspension.

use super::rows::*;
use super::tx::*;
use super::*;

macro_rules! impl_apps {
    ($store:ident, $db:ty) => {
        #[async_trait]
        impl AppStore for $store {
            async fn create_app(&self, owner: UserId, name: &str, sandbox: &NewSandbox, audit: &EventContext) -> Result<App> {
                let mut tx = self.begin(audit).await?;
                let app: i64 =
                    sqlx::query_scalar("INSERT INTO apps (owner_id, name, created_at) VALUES ($1, $2, $3) RETURNING id")
                        .bind(owner.0)
                        .bind(name)
                        .bind(audit.at)
                        .fetch_one(&mut *tx)
                        .await?;
                // The development sandbox: a company the developer administers, sample people
                // and projects, and sandbox credentials.
                let company: i64 = sqlx::query_scalar(
                    "INSERT INTO companies (name, is_active, created_at, sandbox_of_app) VALUES ($1, TRUE, $2, $3) RETURNING id",
                )
                .bind(&sandbox.company_name)
                .bind(audit.at)
                .bind(app)
                .fetch_one(&mut *tx)
                .await?;
                sqlx::query(
                    "INSERT INTO company_users (company_id, user_id, is_admin, is_active, permissions, created_at) \
                     VALUES ($1, $2, TRUE, TRUE, '{}', $3)",
                )
                .bind(company)
                .bind(owner.0)
                .bind(audit.at)
                .execute(&mut *tx)
                .await?;
                let mut people = Vec::new();
                for (email, person) in &sandbox.people {
                    let id: i64 = sqlx::query_scalar(
                        "INSERT INTO users (kind, email, name, created_at) VALUES ('person', $1, $2, $3) RETURNING id",
                    )
                    .bind(email)
                    .bind(person)
                    .bind(audit.at)
                    .fetch_one(&mut *tx)
                    .await?;
                    sqlx::query(
                        "INSERT INTO company_users (company_id, user_id, is_admin, is_active, permissions, created_at) \
                         VALUES ($1, $2, FALSE, TRUE, $3, $4)",
                    )
                    .bind(company)
                    .bind(id)
                    .bind(r#"{"directory":"read_only","documents":"standard"}"#)
                    .bind(audit.at)
                    .execute(&mut *tx)
                    .await?;
                    people.push(id);
                }
                for p in &sandbox.projects {
                    let project: i64 = sqlx::query_scalar(
                        "INSERT INTO projects (company_id, name, project_number, address, city, state_code, country_code, zip, \
                         active, created_at, updated_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,TRUE,$9,$9) RETURNING id",
                    )
                    .bind(company)
                    .bind(&p.name)
                    .bind(&p.project_number)
                    .bind(&p.address)
                    .bind(&p.city)
                    .bind(&p.state_code)
                    .bind(&p.country_code)
                    .bind(&p.zip)
                    .bind(audit.at)
                    .fetch_one(&mut *tx)
                    .await?;
                    for person in &people {
                        sqlx::query(
                            "INSERT INTO project_users (project_id, user_id, company_id, permissions, created_at) \
                             VALUES ($1, $2, $3, $4, $5)",
                        )
                        .bind(project)
                        .bind(person)
                        .bind(company)
                        .bind(r#"{"documents":"standard","directory":"read_only"}"#)
                        .bind(audit.at)
                        .execute(&mut *tx)
                        .await?;
                    }
                }
                let client: i64 = sqlx::query_scalar(
                    "INSERT INTO oauth_clients (app_id, environment, client_id, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
                )
                .bind(app)
                .bind(sandbox.client.environment.as_str())
                .bind(&sandbox.client.client_id)
                .bind(audit.at)
                .fetch_one(&mut *tx)
                .await?;
                sqlx::query("INSERT INTO client_secrets (client_pk, secret_hash, created_at) VALUES ($1, $2, $3)")
                    .bind(client)
                    .bind(&sandbox.client.secret_hash)
                    .bind(audit.at)
                    .execute(&mut *tx)
                    .await?;
                tx.record(
                    Event::new(Action::AppCreate, TargetKind::App, app)
                        .in_company(CompanyId(company))
                        .for_app(AppId(app))
                        .after(json_of(&[
                        ("name", name.into()),
                        ("sandbox_company_id", company.into()),
                        ("sandbox_client_id", sandbox.client.client_id.clone().into()),
                    ])),
                );
                let row: AppRow = sqlx::query_as(&format!("SELECT {APP_COLUMNS} FROM apps a WHERE a.id = $1"))
                    .bind(app)
                    .fetch_one(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(row.into())
            }

            async fn find_app(&self, id: AppId) -> Result<Option<App>> {
                let row: Option<AppRow> =
                    sqlx::query_as(&format!("SELECT {APP_COLUMNS} FROM apps a WHERE a.id = $1 AND a.deleted_at IS NULL"))
                        .bind(id.0)
                        .fetch_optional(&self.read)
                        .await?;
                Ok(row.map(Into::into))
            }

            async fn list_apps(&self, owner: UserId, page: PageRequest) -> Result<Page<App>> {
                let total =
                    self.count("SELECT COUNT(*) FROM apps WHERE owner_id = $1 AND deleted_at IS NULL", &[owner.0]).await?;
                let rows: Vec<AppRow> = sqlx::query_as(&format!(
                    "SELECT {APP_COLUMNS} FROM apps a WHERE a.owner_id = $1 AND a.deleted_at IS NULL \
                     ORDER BY a.id LIMIT $2 OFFSET $3"
                ))
                .bind(owner.0)
                .bind(page.limit())
                .bind(page.offset())
                .fetch_all(&self.read)
                .await?;
                Ok(Page { items: rows.into_iter().map(Into::into).collect(), total })
            }

            async fn set_app_suspension(&self, app: AppId, reason: Option<&str>, audit: &EventContext) -> Result<App> {
                let mut tx = self.begin(audit).await?;
                let done = sqlx::query(
                    "UPDATE apps SET suspended_at = $1, suspended_reason = $2 WHERE id = $3 AND deleted_at IS NULL",
                )
                .bind(reason.map(|_| audit.at))
                .bind(reason)
                .bind(app.0)
                .execute(&mut *tx)
                .await?;
                if done.rows_affected() == 0 {
                    return Err(StoreError::NotFound);
                }
                tx.record(
                    Event {
                        after: reason.map(|r| json_of(&[("reason", r.into())])),
                        ..Event::new(if reason.is_some() { Action::AppSuspend } else { Action::AppResume }, TargetKind::App, app)
                    }
                    .for_app(app),
                );
                let row: AppRow = sqlx::query_as(&format!("SELECT {APP_COLUMNS} FROM apps a WHERE a.id = $1"))
                    .bind(app.0)
                    .fetch_one(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(row.into())
            }

            async fn publish_app(&self, app: AppId, audit: &EventContext) -> Result<App> {
                let mut tx = self.begin(audit).await?;
                let promoted: Option<i64> = sqlx::query_scalar(
                    "SELECT COUNT(*) FROM app_versions v JOIN apps a ON a.id = v.app_id \
                     WHERE v.app_id = $1 AND v.status = 'promoted' AND a.deleted_at IS NULL",
                )
                .bind(app.0)
                .fetch_optional(&mut *tx)
                .await?;
                if promoted.unwrap_or(0) == 0 {
                    return Err(StoreError::Conflict("promote a version before publishing the app".into()));
                }
                sqlx::query("UPDATE apps SET published_at = COALESCE(published_at, $1) WHERE id = $2")
                    .bind(audit.at)
                    .bind(app.0)
                    .execute(&mut *tx)
                    .await?;
                tx.record(
                    Event::new(Action::AppPublish, TargetKind::App, app)
                        .for_app(app),
                );
                let row: AppRow = sqlx::query_as(&format!("SELECT {APP_COLUMNS} FROM apps a WHERE a.id = $1"))
                    .bind(app.0)
                    .fetch_one(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(row.into())
            }

            async fn list_published_apps(&self, page: PageRequest) -> Result<Page<App>> {
                let cond = "a.published_at IS NOT NULL AND a.deleted_at IS NULL \
                     AND EXISTS (SELECT 1 FROM app_versions v WHERE v.app_id = a.id AND v.status = 'promoted')";
                let total = self.count(&format!("SELECT COUNT(*) FROM apps a WHERE {cond}"), &[]).await?;
                let rows: Vec<AppRow> =
                    sqlx::query_as(&format!("SELECT {APP_COLUMNS} FROM apps a WHERE {cond} ORDER BY a.id LIMIT $1 OFFSET $2"))
                        .bind(page.limit())
                        .bind(page.offset())
                        .fetch_all(&self.read)
                        .await?;
                Ok(Page { items: rows.into_iter().map(Into::into).collect(), total })
            }

            async fn rename_app(&self, app: AppId, name: &str, audit: &EventContext) -> Result<App> {
                let mut tx = self.begin(audit).await?;
                let before: Option<String> =
                    sqlx::query_scalar("SELECT name FROM apps WHERE id = $1 AND deleted_at IS NULL")
                        .bind(app.0)
                        .fetch_optional(&mut *tx)
                        .await?;
                let before = before.ok_or(StoreError::NotFound)?;
                sqlx::query("UPDATE apps SET name = $1 WHERE id = $2").bind(name).bind(app.0).execute(&mut *tx).await?;
                tx.record(
                    Event::new(Action::AppRename, TargetKind::App, app)
                        .for_app(app)
                        .before(json_of(&[("name", before.into())]))
                        .after(json_of(&[("name", name.into())])),
                );
                let row: AppRow = sqlx::query_as(&format!("SELECT {APP_COLUMNS} FROM apps a WHERE a.id = $1"))
                    .bind(app.0)
                    .fetch_one(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(row.into())
            }

            async fn delete_app(&self, app: AppId, audit: &EventContext) -> Result<()> {
                let mut tx = self.begin(audit).await?;
                let exists: Option<String> =
                    sqlx::query_scalar("SELECT name FROM apps WHERE id = $1 AND deleted_at IS NULL")
                        .bind(app.0)
                        .fetch_optional(&mut *tx)
                        .await?;
                let name = exists.ok_or(StoreError::NotFound)?;
                let active: i64 = sqlx::query_scalar(
                    "SELECT COUNT(*) FROM installs i JOIN companies c ON c.id = i.company_id \
                     WHERE i.app_id = $1 AND i.status = 'installed' AND c.sandbox_of_app IS NULL",
                )
                .bind(app.0)
                .fetch_one(&mut *tx)
                .await?;
                if active > 0 {
                    return Err(StoreError::Conflict(format!(
                        "the app is installed in {active} compan{}; those installs must be uninstalled before the app can be deleted",
                        if active == 1 { "y" } else { "ies" }
                    )));
                }
                sqlx::query("UPDATE apps SET deleted_at = $1 WHERE id = $2").bind(audit.at).bind(app.0).execute(&mut *tx).await?;
                sqlx::query(
                    "UPDATE client_secrets SET revoked_at = $1 WHERE revoked_at IS NULL \
                     AND client_pk IN (SELECT id FROM oauth_clients WHERE app_id = $2)",
                )
                .bind(audit.at)
                .bind(app.0)
                .execute(&mut *tx)
                .await?;
                sqlx::query(
                    "UPDATE installs SET status = 'uninstalled', uninstalled_at = $1 WHERE app_id = $2 AND status = 'installed'",
                )
                .bind(audit.at)
                .bind(app.0)
                .execute(&mut *tx)
                .await?;
                sqlx::query("UPDATE companies SET is_active = FALSE WHERE sandbox_of_app = $1")
                    .bind(app.0)
                    .execute(&mut *tx)
                    .await?;
                tx.record(
                    Event::new(Action::AppDelete, TargetKind::App, app)
                        .for_app(app)
                        .before(json_of(&[("name", name.into())])),
                );
                tx.commit().await?;
                Ok(())
            }
        }
    };
}

impl_apps!(SqliteStore, sqlx::Sqlite);
impl_apps!(PgStore, sqlx::Postgres);
