//! [`VersionStore`]: manifest versions and promotion.

use super::rows::*;
use super::tx::*;
use super::*;

macro_rules! impl_versions {
    ($store:ident, $db:ty) => {
        #[async_trait]
        impl VersionStore for $store {
            async fn find_version_by_sandbox_key(&self, key: &str) -> Result<Option<AppVersion>> {
                let row: Option<VersionRow> =
                    sqlx::query_as(&format!("SELECT {VERSION_COLUMNS} FROM app_versions WHERE sandbox_key = $1"))
                        .bind(key)
                        .fetch_optional(&self.read)
                        .await?;
                Ok(row.map(Into::into))
            }

            async fn latest_version(&self, app: AppId) -> Result<Option<AppVersion>> {
                let row: Option<VersionRow> = sqlx::query_as(&format!(
                    "SELECT {VERSION_COLUMNS} FROM app_versions WHERE app_id = $1 ORDER BY id DESC LIMIT 1"
                ))
                .bind(app.0)
                .fetch_optional(&self.read)
                .await?;
                Ok(row.map(Into::into))
            }

            async fn create_version(
                &self,
                app: AppId,
                version: &str,
                manifest_json: &str,
                sandbox_key: &str,
                audit: &EventContext,
            ) -> Result<AppVersion> {
                let mut tx = self.begin(audit).await?;
                // The app's row is the lock that orders concurrent creations (PostgreSQL; SQLite
                // has one writer): the newest-version rule is checked again inside the transaction,
                // so two versions of one precedence (e.g. 1.0.0+a and 1.0.0+b) can never both exist.
                sqlx::query("UPDATE apps SET name = name WHERE id = $1")
                    .bind(app.0)
                    .execute(&mut *tx)
                    .await?;
                let existing: Vec<String> = sqlx::query_scalar("SELECT version FROM app_versions WHERE app_id = $1")
                    .bind(app.0)
                    .fetch_all(&mut *tx)
                    .await?;
                let parsed = trestle_domain::version::parse_version(version).map_err(StoreError::Conflict)?;
                trestle_domain::version::check_new_version(&parsed, existing.iter().map(String::as_str)).map_err(|e| {
                    StoreError::Conflict(match e {
                        trestle_domain::version::NewVersionRefused::Exists { existing } => {
                            format!("version {version} already exists (as {existing})")
                        }
                        trestle_domain::version::NewVersionRefused::NotNewer { newest } => {
                            format!("version {version} is not greater than {newest}, the newest version")
                        }
                    })
                })?;
                let row: VersionRow = sqlx::query_as(&format!(
                    "INSERT INTO app_versions (app_id, version, manifest, status, created_at, updated_at, sandbox_key) \
                     VALUES ($1, $2, $3, 'ready_for_testing', $4, $4, $5) RETURNING {VERSION_COLUMNS}"
                ))
                .bind(app.0)
                .bind(version)
                .bind(manifest_json)
                .bind(audit.at)
                .bind(sandbox_key)
                .fetch_one(&mut *tx)
                .await?;
                tx.record(
                    Event::new(Action::AppVersionCreate, TargetKind::AppVersion, row.id)
                        .for_app(app)
                        .after(json_of(&[("version", version.into()), ("manifest", manifest_json.into())])),
                );
                tx.commit().await?;
                Ok(row.into())
            }

            async fn list_versions(&self, app: AppId) -> Result<Vec<AppVersion>> {
                let rows: Vec<VersionRow> =
                    sqlx::query_as(&format!("SELECT {VERSION_COLUMNS} FROM app_versions WHERE app_id = $1 ORDER BY id"))
                        .bind(app.0)
                        .fetch_all(&self.read)
                        .await?;
                Ok(rows.into_iter().map(Into::into).collect())
            }

            async fn find_version(&self, app: AppId, version: VersionId) -> Result<Option<AppVersion>> {
                let row: Option<VersionRow> = sqlx::query_as(&format!(
                    "SELECT {VERSION_COLUMNS} FROM app_versions WHERE id = $1 AND app_id = $2"
                ))
                .bind(version.0)
                .bind(app.0)
                .fetch_optional(&self.read)
                .await?;
                Ok(row.map(Into::into))
            }

            async fn find_version_by_uuid(&self, app_version_uuid: &str) -> Result<Option<AppVersion>> {
                let row: Option<VersionRow> = sqlx::query_as(&format!(
                    "SELECT {VERSION_COLUMNS} FROM app_versions WHERE app_version_uuid = $1 AND status = 'promoted'"
                ))
                .bind(app_version_uuid)
                .fetch_optional(&self.read)
                .await?;
                Ok(row.map(Into::into))
            }

            async fn update_version(
                &self,
                app: AppId,
                version: VersionId,
                manifest_json: &str,
                new_sandbox_key: &str,
                audit: &EventContext,
            ) -> Result<AppVersion> {
                let mut tx = self.begin(audit).await?;
                let before: Option<VersionRow> = sqlx::query_as(&format!(
                    "SELECT {VERSION_COLUMNS} FROM app_versions WHERE id = $1 AND app_id = $2"
                ))
                .bind(version.0)
                .bind(app.0)
                .fetch_optional(&mut *tx)
                .await?;
                let before = before.ok_or(StoreError::NotFound)?;
                if before.status != "ready_for_testing" {
                    return Err(StoreError::Conflict("a promoted version cannot be changed; create a new version".into()));
                }
                let row: VersionRow = sqlx::query_as(&format!(
                    "UPDATE app_versions SET manifest = $1, updated_at = $2, sandbox_key = $4 \
                     WHERE id = $3 AND status = 'ready_for_testing' RETURNING {VERSION_COLUMNS}"
                ))
                .bind(manifest_json)
                .bind(audit.at)
                .bind(version.0)
                .bind(new_sandbox_key)
                .fetch_one(&mut *tx)
                .await?;
                tx.record(
                    Event::new(Action::AppVersionUpdate, TargetKind::AppVersion, version)
                        .for_app(app)
                        .before(json_of(&[("manifest", before.manifest.into())]))
                        .after(json_of(&[("manifest", manifest_json.into())])),
                );
                tx.commit().await?;
                Ok(row.into())
            }

            async fn promote_version(
                &self,
                app: AppId,
                version: VersionId,
                app_version_uuid: &str,
                first_credentials: Option<&NewClient>,
                updates: &[PlannedUpdate],
                audit: &EventContext,
            ) -> Result<Promotion> {
                let mut tx = self.begin(audit).await?;
                let row: Option<VersionRow> = sqlx::query_as(&format!(
                    "UPDATE app_versions SET status = 'promoted', app_version_uuid = $1, promoted_at = $2, updated_at = $2 \
                     WHERE id = $3 AND app_id = $4 AND status = 'ready_for_testing' RETURNING {VERSION_COLUMNS}"
                ))
                .bind(app_version_uuid)
                .bind(audit.at)
                .bind(version.0)
                .bind(app.0)
                .fetch_optional(&mut *tx)
                .await?;
                let Some(row) = row else {
                    let exists: Option<String> =
                        sqlx::query_scalar("SELECT status FROM app_versions WHERE id = $1 AND app_id = $2")
                            .bind(version.0)
                            .bind(app.0)
                            .fetch_optional(&mut *tx)
                            .await?;
                    return Err(match exists {
                        None => StoreError::NotFound,
                        Some(_) => StoreError::Conflict("this version is already promoted".into()),
                    });
                };
                let mut created_client = None;
                if let Some(new) = first_credentials {
                    let existing: Option<i64> =
                        sqlx::query_scalar("SELECT id FROM oauth_clients WHERE app_id = $1 AND environment = $2")
                            .bind(app.0)
                            .bind(new.environment.as_str())
                            .fetch_optional(&mut *tx)
                            .await?;
                    if existing.is_none() {
                        let client: ClientRow = sqlx::query_as(
                            "INSERT INTO oauth_clients (app_id, environment, client_id, created_at) VALUES ($1, $2, $3, $4) \
                             RETURNING id, app_id, environment, client_id, created_at",
                        )
                        .bind(app.0)
                        .bind(new.environment.as_str())
                        .bind(&new.client_id)
                        .bind(audit.at)
                        .fetch_one(&mut *tx)
                        .await?;
                        sqlx::query("INSERT INTO client_secrets (client_pk, secret_hash, created_at) VALUES ($1, $2, $3)")
                            .bind(client.id)
                            .bind(&new.secret_hash)
                            .bind(audit.at)
                            .execute(&mut *tx)
                            .await?;
                        tx.record(
                            Event::new(Action::ClientCreate, TargetKind::OAuthClient, client.client_id.clone())
                                .for_app(app)
                                .after(json_of(&[("environment", new.environment.as_str().into())])),
                        );
                        created_client = Some(client.into());
                    }
                }
                tx.record(
                    Event::new(Action::AppVersionPromote, TargetKind::AppVersion, version)
                        .for_app(app)
                        .before(json_of(&[("status", "ready_for_testing".into())]))
                        .after(json_of(&[("status", "promoted".into()), ("app_version_id", app_version_uuid.into())])),
                );
                for u in updates {
                    Self::offer_update_in_tx(&mut tx, app, version, u, audit).await?;
                }
                tx.commit().await?;
                Ok(Promotion { version: row.into(), created_client })
            }

            async fn latest_promoted_version(&self, app: AppId) -> Result<Option<AppVersion>> {
                let row: Option<VersionRow> = sqlx::query_as(&format!(
                    "SELECT {VERSION_COLUMNS} FROM app_versions WHERE app_id = $1 AND status = 'promoted' \
                     ORDER BY id DESC LIMIT 1"
                ))
                .bind(app.0)
                .fetch_optional(&self.read)
                .await?;
                Ok(row.map(Into::into))
            }
        }
    };
}

impl_versions!(SqliteStore, sqlx::Sqlite);
impl_versions!(PgStore, sqlx::Postgres);
