//! The SQL implementation of the storage traits, written once and instantiated for SQLite and
//! PostgreSQL by the `sql_store!` macro. The SQL sticks to the dialect both understand:
//! `$n` placeholders, `RETURNING`, `ON CONFLICT`, partial indexes, integer timestamps.

use crate::*;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{FromRow, PgPool, SqlitePool};
use std::str::FromStr;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

mod admin;

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        match &e {
            sqlx::Error::RowNotFound => StoreError::NotFound,
            sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) => {
                StoreError::Unavailable(e.to_string())
            }
            sqlx::Error::Database(d) if d.is_unique_violation() => StoreError::Conflict(d.message().to_string()),
            sqlx::Error::Database(d) if d.is_foreign_key_violation() => StoreError::NotFound,
            sqlx::Error::Database(d) => {
                // PostgreSQL: admin shutdown, cannot connect now, too many connections.
                match d.code().as_deref() {
                    // ... and a statement that ran into the statement timeout.
                    Some("57P01" | "57P02" | "57P03" | "53300" | "57014") => {
                        StoreError::Unavailable(d.message().to_string())
                    }
                    // PostgreSQL: disk full, out of memory. Nothing was written; it may work
                    // again once an operator frees space.
                    Some("53100" | "53200") => StoreError::Unavailable(d.message().to_string()),
                    // SQLite: busy / locked.
                    Some("5" | "6" | "517" | "261") => StoreError::Unavailable(d.message().to_string()),
                    // SQLite: disk full (SQLITE_FULL) or failing (SQLITE_IOERR and its extended
                    // codes); the transaction was rolled back.
                    Some(code)
                        if d.try_downcast_ref::<sqlx::sqlite::SqliteError>().is_some() && {
                            let primary = code.parse::<i32>().unwrap_or(0) & 0xff;
                            primary == 13 || primary == 10
                        } =>
                    {
                        StoreError::Unavailable(format!("storage full or failing: {}", d.message()))
                    }
                    _ => StoreError::Other(e.to_string()),
                }
            }
            _ => StoreError::Other(e.to_string()),
        }
    }
}

impl From<sqlx::migrate::MigrateError> for StoreError {
    fn from(e: sqlx::migrate::MigrateError) -> Self {
        StoreError::Other(format!("migration failed: {e}"))
    }
}

/// SQLite: one writer connection (SQLite allows one writer at a time; a single pooled writer
/// queues writes in the pool instead of failing with SQLITE_BUSY) and a pool of readers.
/// WAL mode with `synchronous=FULL`, so a 2xx means the change is on disk.
pub struct SqliteStore {
    read: SqlitePool,
    write: SqlitePool,
    sink: OnceLock<Arc<dyn ChangeSink>>,
}

impl SqliteStore {
    pub async fn connect(config: &StoreConfig) -> Result<Self> {
        let opts = SqliteConnectOptions::from_str(&config.url)
            .map_err(|e| StoreError::Other(format!("bad sqlite URL: {e}")))?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .busy_timeout(Duration::from_secs(5))
            .foreign_keys(true);
        let write = SqlitePoolOptions::new()
            .max_connections(1)
            .acquire_timeout(config.acquire_timeout.max(Duration::from_secs(10)))
            .connect_with(opts.clone())
            .await?;
        sqlx::migrate!("./migrations/sqlite").run(&write).await?;
        let read = SqlitePoolOptions::new()
            .max_connections(config.max_connections.clamp(1, 64))
            .acquire_timeout(config.acquire_timeout)
            .connect_with(opts.read_only(true))
            .await?;
        Ok(SqliteStore {
            read,
            write,
            sink: OnceLock::new(),
        })
    }
}

/// PostgreSQL: one pool for reads and writes.
pub struct PgStore {
    read: PgPool,
    write: PgPool,
    sink: OnceLock<Arc<dyn ChangeSink>>,
    /// The change feed listens on its own connection, outside the pool.
    url: String,
}

impl PgStore {
    pub async fn connect(config: &StoreConfig) -> Result<Self> {
        let opts =
            PgConnectOptions::from_str(&config.url).map_err(|e| StoreError::Other(format!("bad postgres URL: {e}")))?;
        // No statement may hold a pooled connection for long: a stuck query becomes a clear
        // 503 instead of a hung request.
        let opts = opts.options([("statement_timeout", "10s")]);
        let pool = PgPoolOptions::new()
            .max_connections(config.max_connections.max(1))
            .acquire_timeout(config.acquire_timeout)
            .connect_with(opts)
            .await?;
        sqlx::migrate!("./migrations/postgres").run(&pool).await?;
        Ok(PgStore {
            read: pool.clone(),
            write: pool,
            sink: OnceLock::new(),
            url: config.url.clone(),
        })
    }
}

#[derive(FromRow)]
struct UserRow {
    id: i64,
    kind: String,
    email: String,
    name: String,
    created_at: i64,
}

fn user_kind(kind: &str) -> UserKind {
    match kind {
        "bot" => UserKind::Bot,
        "service" => UserKind::ServiceAccount,
        _ => UserKind::Person,
    }
}

impl From<UserRow> for User {
    fn from(r: UserRow) -> Self {
        User {
            id: UserId(r.id),
            kind: user_kind(&r.kind),
            email: r.email,
            name: r.name,
            created_at: r.created_at,
        }
    }
}

#[derive(FromRow)]
struct CompanyRow {
    id: i64,
    name: String,
    is_active: bool,
    created_at: i64,
    sandbox_of_app: Option<i64>,
}

impl From<CompanyRow> for Company {
    fn from(r: CompanyRow) -> Self {
        Company {
            id: CompanyId(r.id),
            name: r.name,
            is_active: r.is_active,
            created_at: r.created_at,
            sandbox_of_app: r.sandbox_of_app.map(AppId),
        }
    }
}

#[derive(FromRow)]
struct ProjectRow {
    id: i64,
    company_id: i64,
    company_name: String,
    name: String,
    project_number: Option<String>,
    address: Option<String>,
    city: Option<String>,
    state_code: Option<String>,
    country_code: Option<String>,
    zip: Option<String>,
    active: bool,
    created_at: i64,
    updated_at: i64,
}

impl From<ProjectRow> for Project {
    fn from(r: ProjectRow) -> Self {
        Project {
            id: ProjectId(r.id),
            company_id: CompanyId(r.company_id),
            company_name: r.company_name,
            name: r.name,
            project_number: r.project_number,
            address: r.address,
            city: r.city,
            state_code: r.state_code,
            country_code: r.country_code,
            zip: r.zip,
            active: r.active,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

#[derive(FromRow)]
struct AppRow {
    id: i64,
    owner_id: i64,
    name: String,
    created_at: i64,
    sandbox_company_id: Option<i64>,
    published_at: Option<i64>,
    suspended_at: Option<i64>,
    suspended_reason: Option<String>,
}

impl From<AppRow> for App {
    fn from(r: AppRow) -> Self {
        App {
            id: AppId(r.id),
            owner_id: UserId(r.owner_id),
            name: r.name,
            created_at: r.created_at,
            sandbox_company_id: r.sandbox_company_id.map(CompanyId),
            published_at: r.published_at,
            suspended_at: r.suspended_at,
            suspended_reason: r.suspended_reason,
        }
    }
}

#[derive(FromRow)]
struct VersionRow {
    id: i64,
    app_id: i64,
    version: String,
    manifest: String,
    status: String,
    app_version_uuid: Option<String>,
    created_at: i64,
    updated_at: i64,
    promoted_at: Option<i64>,
    sandbox_key: Option<String>,
}

impl From<VersionRow> for AppVersion {
    fn from(r: VersionRow) -> Self {
        AppVersion {
            id: VersionId(r.id),
            app_id: AppId(r.app_id),
            version: r.version,
            manifest_json: r.manifest,
            status: if r.status == "promoted" {
                VersionStatus::Promoted
            } else {
                VersionStatus::ReadyForTesting
            },
            app_version_uuid: r.app_version_uuid,
            created_at: r.created_at,
            updated_at: r.updated_at,
            promoted_at: r.promoted_at,
            sandbox_key: r.sandbox_key,
        }
    }
}

#[derive(FromRow)]
struct ClientRow {
    id: i64,
    app_id: i64,
    environment: String,
    client_id: String,
    created_at: i64,
}

impl From<ClientRow> for OAuthClient {
    fn from(r: ClientRow) -> Self {
        OAuthClient {
            pk: ClientPk(r.id),
            app_id: AppId(r.app_id),
            environment: if r.environment == "sandbox" {
                Environment::Sandbox
            } else {
                Environment::Production
            },
            client_id: r.client_id,
            created_at: r.created_at,
        }
    }
}

#[derive(FromRow)]
struct SecretRow {
    id: i64,
    secret_hash: String,
    expires_at: Option<i64>,
}

#[derive(FromRow)]
struct InstallRow {
    id: i64,
    company_id: i64,
    app_id: i64,
    version_id: i64,
    bot_user_id: i64,
    status: String,
    add_to_new_projects: bool,
    installed_at: i64,
    uninstalled_at: Option<i64>,
}

impl From<InstallRow> for Install {
    fn from(r: InstallRow) -> Self {
        Install {
            id: InstallId(r.id),
            company_id: CompanyId(r.company_id),
            app_id: AppId(r.app_id),
            version_id: VersionId(r.version_id),
            bot_user_id: UserId(r.bot_user_id),
            status: if r.status == "installed" {
                InstallStatus::Installed
            } else {
                InstallStatus::Uninstalled
            },
            add_to_new_projects: r.add_to_new_projects,
            installed_at: r.installed_at,
            uninstalled_at: r.uninstalled_at,
        }
    }
}

#[derive(FromRow)]
struct AuditRow {
    id: i64,
    at: i64,
    actor_kind: String,
    actor_user_id: Option<i64>,
    company_id: Option<i64>,
    app_id: Option<i64>,
    action: String,
    target_type: String,
    target_id: String,
    before_json: Option<String>,
    after_json: Option<String>,
}

impl From<AuditRow> for AuditEvent {
    fn from(r: AuditRow) -> Self {
        AuditEvent {
            id: r.id,
            at: r.at,
            actor_kind: r.actor_kind,
            actor_user_id: r.actor_user_id.map(UserId),
            company_id: r.company_id.map(CompanyId),
            app_id: r.app_id.map(AppId),
            action: r.action,
            target_type: r.target_type,
            target_id: r.target_id,
            before_json: r.before_json,
            after_json: r.after_json,
        }
    }
}

#[derive(FromRow)]
struct MembershipRow {
    is_active: bool,
    is_admin: bool,
    permissions: String,
}

/// One audit row, written inside the transaction of the change it describes.
struct Audit<'a> {
    company: Option<CompanyId>,
    app: Option<AppId>,
    action: &'a str,
    target_type: &'a str,
    target_id: String,
    before: Option<String>,
    after: Option<String>,
}

const PROJECT_COLUMNS: &str = "p.id, p.company_id, c.name AS company_name, p.name, p.project_number, p.address, \
     p.city, p.state_code, p.country_code, p.zip, p.active, p.created_at, p.updated_at";
const VERSION_COLUMNS: &str =
    "id, app_id, version, manifest, status, app_version_uuid, created_at, updated_at, promoted_at, sandbox_key";
const APP_COLUMNS: &str = "a.id, a.owner_id, a.name, a.created_at, \
     (SELECT c.id FROM companies c WHERE c.sandbox_of_app = a.id) AS sandbox_company_id, a.published_at, \
     a.suspended_at, a.suspended_reason";
const DOCUMENT_COLUMNS: &str =
    "id, company_id, project_id, parent_id, kind, name, data, created_by, created_at, updated_at";
/// A user's kind as the rest of the system sees it: a traditional service account's contact is
/// stored as a bot but is reported as `service` (not an app's DMSA bot).
macro_rules! user_kind_sql {
    () => {
        "CASE WHEN u.kind = 'bot' AND EXISTS (SELECT 1 FROM service_accounts sa WHERE sa.user_id = u.id) \
         THEN 'service' ELSE u.kind END"
    };
}
const DIRECTORY_COLUMNS: &str = concat!(
    "u.id, ",
    user_kind_sql!(),
    " AS kind, u.email, u.name, u.created_at, cu.is_active, cu.is_admin"
);

const SA_COLUMNS: &str = "id, company_id, user_id, name, app_type, app_id, client_id, created_at, retired_at";
const SA_COLUMNS_A: &str =
    "a.id, a.company_id, a.user_id, a.name, a.app_type, a.app_id, a.client_id, a.created_at, a.retired_at";

#[derive(FromRow)]
struct SaRow {
    id: i64,
    company_id: i64,
    user_id: i64,
    name: String,
    app_type: String,
    app_id: Option<i64>,
    client_id: String,
    created_at: i64,
    retired_at: Option<i64>,
}

impl From<SaRow> for ServiceAccount {
    fn from(r: SaRow) -> Self {
        ServiceAccount {
            id: r.id,
            company_id: CompanyId(r.company_id),
            user_id: UserId(r.user_id),
            name: r.name,
            app_type: r.app_type,
            app_id: r.app_id.map(AppId),
            client_id: r.client_id,
            created_at: r.created_at,
            retired_at: r.retired_at,
        }
    }
}

#[derive(FromRow)]
struct DocumentRow {
    id: i64,
    company_id: i64,
    project_id: i64,
    parent_id: Option<i64>,
    kind: String,
    name: String,
    data: Option<String>,
    created_by: Option<i64>,
    created_at: i64,
    updated_at: i64,
}

impl From<DocumentRow> for Document {
    fn from(r: DocumentRow) -> Self {
        Document {
            id: r.id,
            company_id: CompanyId(r.company_id),
            project_id: ProjectId(r.project_id),
            parent_id: r.parent_id,
            kind: if r.kind == "folder" {
                DocumentKind::Folder
            } else {
                DocumentKind::File
            },
            name: r.name,
            data: r.data,
            created_by: r.created_by.map(UserId),
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

#[derive(FromRow)]
struct DirectoryRow {
    id: i64,
    kind: String,
    email: String,
    name: String,
    created_at: i64,
    is_active: bool,
    is_admin: bool,
    permissions: String,
}

impl From<DirectoryRow> for DirectoryEntry {
    fn from(r: DirectoryRow) -> Self {
        DirectoryEntry {
            user: User {
                id: UserId(r.id),
                kind: user_kind(&r.kind),
                email: r.email,
                name: r.name,
                created_at: r.created_at,
            },
            is_active: r.is_active,
            is_admin: r.is_admin,
            permissions_json: r.permissions,
        }
    }
}
const UPDATE_COLUMNS: &str = "id, install_id, company_id, app_id, from_version_id, to_version_id, status, widened, \
     created_at, decided_at";

#[derive(FromRow)]
struct UpdateRow {
    id: i64,
    install_id: i64,
    company_id: i64,
    app_id: i64,
    from_version_id: i64,
    to_version_id: i64,
    status: String,
    widened: String,
    created_at: i64,
    decided_at: Option<i64>,
}

impl From<UpdateRow> for InstallUpdate {
    fn from(r: UpdateRow) -> Self {
        InstallUpdate {
            id: r.id,
            install_id: InstallId(r.install_id),
            company_id: CompanyId(r.company_id),
            app_id: AppId(r.app_id),
            from_version_id: VersionId(r.from_version_id),
            to_version_id: VersionId(r.to_version_id),
            status: r.status,
            widened_json: r.widened,
            created_at: r.created_at,
            decided_at: r.decided_at,
        }
    }
}
const INSTALL_COLUMNS: &str =
    "id, company_id, app_id, version_id, bot_user_id, status, add_to_new_projects, installed_at, uninstalled_at";

fn json_of(pairs: &[(&str, serde_json::Value)]) -> Option<String> {
    Some(serde_json::Value::Object(pairs.iter().map(|(k, v)| (k.to_string(), v.clone())).collect()).to_string())
}

/// The PostgreSQL channel that carries [`Change`]s between nodes.
pub const CHANGE_CHANNEL: &str = "trestle_changes";

/// A write transaction that remembers what its audit rows touched and, once committed, tells
/// this node's change sink. It dereferences to the connection, so queries run on `&mut *tx`.
/// A write transaction on a connection of the write pool. It runs plain `BEGIN` / `COMMIT` on a
/// connection it owns, so that a connection whose transaction did not commit is never reused:
/// after a failed `COMMIT` (a full disk, an I/O error) the database may or may not have rolled
/// the transaction back by itself, and a connection left in that state could later acknowledge
/// writes it never stored. Such a connection is closed, which rolls back whatever it holds; the
/// pool opens a fresh one.
struct Tx<DB: sqlx::Database> {
    conn: sqlx::pool::PoolConnection<DB>,
    committed: bool,
    changes: Vec<Change>,
    sink: Option<Arc<dyn ChangeSink>>,
}

impl<DB: sqlx::Database> std::ops::Deref for Tx<DB> {
    type Target = DB::Connection;
    fn deref(&self) -> &DB::Connection {
        &self.conn
    }
}

impl<DB: sqlx::Database> std::ops::DerefMut for Tx<DB> {
    fn deref_mut(&mut self) -> &mut DB::Connection {
        &mut self.conn
    }
}

impl<DB: sqlx::Database> Drop for Tx<DB> {
    fn drop(&mut self) {
        if !self.committed {
            self.conn.close_on_drop();
        }
    }
}

impl<DB: sqlx::Database> Tx<DB>
where
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
{
    async fn begin(pool: &sqlx::Pool<DB>, sink: Option<Arc<dyn ChangeSink>>) -> Result<Self> {
        let mut tx = Tx {
            conn: pool.acquire().await?,
            committed: true, // nothing to undo until BEGIN has run
            changes: Vec::new(),
            sink,
        };
        sqlx::Executor::execute(&mut *tx.conn, "BEGIN").await?;
        tx.committed = false;
        Ok(tx)
    }

    async fn commit(mut self) -> Result<()> {
        sqlx::Executor::execute(&mut *self.conn, "COMMIT").await?;
        self.committed = true;
        if let Some(sink) = &self.sink {
            for c in &self.changes {
                sink.changed(*c);
            }
        }
        Ok(())
    }
}

impl ChangeStore for SqliteStore {
    fn watch_changes(&self, sink: Arc<dyn ChangeSink>) -> bool {
        let _ = self.sink.set(sink);
        false
    }
}

impl ChangeStore for PgStore {
    fn watch_changes(&self, sink: Arc<dyn ChangeSink>) -> bool {
        let _ = self.sink.set(sink.clone());
        let url = self.url.clone();
        tokio::spawn(async move {
            // Each pass: connect, LISTEN, then relay until the connection breaks. A break (or a
            // failed connect) means notifications may have been missed: tell the sink.
            let mut connected_before = false;
            loop {
                let listener = async {
                    let mut l = sqlx::postgres::PgListener::connect(&url).await?;
                    l.listen(CHANGE_CHANNEL).await?;
                    Ok::<_, sqlx::Error>(l)
                }
                .await;
                match listener {
                    Ok(mut l) => {
                        if connected_before {
                            sink.feed_restored();
                        }
                        connected_before = true;
                        while let Ok(Some(n)) = l.try_recv().await {
                            for c in Change::decode_all(n.payload()) {
                                sink.changed(c);
                            }
                        }
                        tracing::warn!("change feed interrupted; caches bypassed until it is back");
                        sink.feed_lost();
                    }
                    Err(e) => {
                        if connected_before {
                            sink.feed_lost();
                        }
                        connected_before = true;
                        tracing::warn!(error = %e, "change feed: cannot listen; retrying");
                        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
                    }
                }
            }
        });
        true
    }
}

macro_rules! sql_store {
    ($store:ident, $db:ty, notify = $notify:expr) => {
        impl $store {
            async fn begin(&self) -> Result<Tx<$db>> {
                Tx::begin(&self.write, self.sink.get().cloned()).await
            }

            /// A new person (no credentials yet) and its platform-only audit row (`user.create`);
            /// `extra` joins the e-mail and name in the row's `after`.
            async fn insert_person(
                tx: &mut Tx<$db>,
                ctx: &AuditContext,
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
                Self::audit(tx, ctx, Audit {
                    company: None,
                    app: None,
                    action: "user.create",
                    target_type: "user",
                    target_id: row.id.to_string(),
                    before: None,
                    after: json_of(&after),
                })
                .await?;
                Ok(row)
            }

            async fn audit(tx: &mut Tx<$db>, ctx: &AuditContext, a: Audit<'_>) -> Result<()> {
                tx.changes.extend(a.company.map(Change::Company));
                tx.changes.extend(a.app.map(Change::App));
                if $notify {
                    // Delivered to every listening node when (and only if) the transaction commits.
                    let mut changes = Vec::new();
                    if let Some(c) = a.company {
                        changes.push(Change::Company(c).encode());
                    }
                    if let Some(app) = a.app {
                        changes.push(Change::App(app).encode());
                    }
                    if !changes.is_empty() {
                        sqlx::query("SELECT pg_notify($1, $2)")
                            .bind(CHANGE_CHANNEL)
                            .bind(changes.join(","))
                            .execute(&mut **tx)
                            .await?;
                    }
                }
                sqlx::query(
                    "INSERT INTO audit_events (at, actor_kind, actor_user_id, company_id, app_id, action, \
                     target_type, target_id, before_json, after_json) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10)",
                )
                .bind(ctx.at)
                .bind(ctx.actor_kind)
                .bind(ctx.actor_user.map(|u| u.0))
                .bind(a.company.map(|c| c.0))
                .bind(a.app.map(|c| c.0))
                .bind(a.action)
                .bind(a.target_type)
                .bind(a.target_id)
                .bind(a.before)
                .bind(a.after)
                .execute(&mut **tx)
                .await?;
                Ok(())
            }

            async fn count(&self, sql: &str, binds: &[i64]) -> Result<i64> {
                let mut q = sqlx::query_scalar::<_, i64>(sql);
                for b in binds {
                    q = q.bind(*b);
                }
                Ok(q.fetch_one(&self.read).await?)
            }

            async fn active_install_in_tx(
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
            async fn permit_project_in_tx(
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
        }

        impl $store {
            /// Records an update for one install; applies it at once when it does not widen
            /// permissions. An older pending update of the install is superseded.
            async fn offer_update_in_tx(
                tx: &mut Tx<$db>,
                app: AppId,
                to: VersionId,
                u: &PlannedUpdate,
                audit: &AuditContext,
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
                Self::audit(tx, audit, Audit {
                    company: Some(u.company),
                    app: Some(app),
                    action: if u.apply_now { "install_update.applied" } else { "install_update.offered" },
                    target_type: "install_update",
                    target_id: id.to_string(),
                    before: json_of(&[("version_id", u.from_version.0.into())]),
                    after: json_of(&[("version_id", to.0.into()), ("status", status.into())]),
                })
                .await
            }

            /// Moves an install to a version: the install row and the bot's permissions.
            async fn apply_version_in_tx(
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
        impl DirectoryStore for $store {
            async fn create_person(&self, new: &NewPerson, audit: &AuditContext) -> Result<User> {
                let mut tx = self.begin().await?;
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

            async fn create_company(&self, name: &str, admin: UserId, audit: &AuditContext) -> Result<Company> {
                let mut tx = self.begin().await?;
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
                Self::audit(&mut tx, audit, Audit {
                    company: Some(CompanyId(row.id)),
                    app: None,
                    action: "company.create",
                    target_type: "company",
                    target_id: row.id.to_string(),
                    before: None,
                    after: json_of(&[("name", name.into()), ("admin_user_id", admin.0.into())]),
                })
                .await?;
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

            async fn add_company_member(&self, company: CompanyId, m: &NewMember, audit: &AuditContext) -> Result<()> {
                let mut tx = self.begin().await?;
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
                Self::audit(&mut tx, audit, Audit {
                    company: Some(company),
                    app: None,
                    action: "company_user.add",
                    target_type: "user",
                    target_id: m.user.to_string(),
                    before: None,
                    after: json_of(&[("is_admin", m.is_admin.into()), ("permissions", m.permissions_json.clone().into())]),
                })
                .await?;
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

            async fn create_project(&self, company: CompanyId, new: &NewProject, audit: &AuditContext) -> Result<Project> {
                let mut tx = self.begin().await?;
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO projects (company_id, name, project_number, address, city, state_code, country_code, zip, \
                     active, created_at, updated_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,TRUE,$9,$9) RETURNING id",
                )
                .bind(company.0)
                .bind(&new.name)
                .bind(&new.project_number)
                .bind(&new.address)
                .bind(&new.city)
                .bind(&new.state_code)
                .bind(&new.country_code)
                .bind(&new.zip)
                .bind(audit.at)
                .fetch_one(&mut *tx)
                .await?;
                let bots = sqlx::query(
                    "INSERT INTO project_users (project_id, user_id, company_id, permissions, created_at) \
                     SELECT $1, bot_user_id, company_id, project_permissions, $2 FROM installs \
                     WHERE company_id = $3 AND status = 'installed' AND add_to_new_projects = TRUE",
                )
                .bind(id)
                .bind(audit.at)
                .bind(company.0)
                .execute(&mut *tx)
                .await?;
                let row: ProjectRow = sqlx::query_as(&format!(
                    "SELECT {PROJECT_COLUMNS} FROM projects p JOIN companies c ON c.id = p.company_id WHERE p.id = $1"
                ))
                .bind(id)
                .fetch_one(&mut *tx)
                .await?;
                Self::audit(&mut tx, audit, Audit {
                    company: Some(company),
                    app: None,
                    action: "project.create",
                    target_type: "project",
                    target_id: id.to_string(),
                    before: None,
                    after: json_of(&[("name", new.name.clone().into()), ("bots_added", bots.rows_affected().into())]),
                })
                .await?;
                tx.commit().await?;
                Ok(row.into())
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

            async fn list_user_companies(&self, user: UserId, page: PageRequest) -> Result<Page<Company>> {
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
                     WHERE cu.user_id = $1 AND cu.is_active = TRUE AND c.is_active = TRUE \
                     ORDER BY c.id LIMIT $2 OFFSET $3",
                )
                .bind(user.0)
                .bind(page.limit())
                .bind(page.offset())
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
                let total = self.count("SELECT COUNT(*) FROM company_users WHERE company_id = $1", &[company.0]).await?;
                let rows: Vec<DirectoryRow> = sqlx::query_as(&format!(
                    "SELECT {DIRECTORY_COLUMNS}, cu.permissions FROM company_users cu JOIN users u ON u.id = cu.user_id \
                     WHERE cu.company_id = $1 ORDER BY u.id LIMIT $2 OFFSET $3"
                ))
                .bind(company.0)
                .bind(page.limit())
                .bind(page.offset())
                .fetch_all(&self.read)
                .await?;
                Ok(Page { items: rows.into_iter().map(Into::into).collect(), total })
            }

            async fn list_project_users(
                &self,
                company: CompanyId,
                project: ProjectId,
                page: PageRequest,
            ) -> Result<Page<DirectoryEntry>> {
                let total = self
                    .count(
                        "SELECT COUNT(*) FROM project_users WHERE company_id = $1 AND project_id = $2",
                        &[company.0, project.0],
                    )
                    .await?;
                let rows: Vec<DirectoryRow> = sqlx::query_as(&format!(
                    "SELECT {DIRECTORY_COLUMNS}, pu.permissions FROM project_users pu JOIN users u ON u.id = pu.user_id \
                     JOIN company_users cu ON cu.company_id = pu.company_id AND cu.user_id = pu.user_id \
                     WHERE pu.company_id = $1 AND pu.project_id = $2 ORDER BY u.id LIMIT $3 OFFSET $4"
                ))
                .bind(company.0)
                .bind(project.0)
                .bind(page.limit())
                .bind(page.offset())
                .fetch_all(&self.read)
                .await?;
                Ok(Page { items: rows.into_iter().map(Into::into).collect(), total })
            }

            async fn update_company_member(&self, company: CompanyId, m: &NewMember, audit: &AuditContext) -> Result<()> {
                let mut tx = self.begin().await?;
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
                Self::audit(&mut tx, audit, Audit {
                    company: Some(company),
                    app: None,
                    action: "company_user.update",
                    target_type: "user",
                    target_id: m.user.to_string(),
                    before: json_of(&[("is_admin", was_admin.into()), ("permissions", was.into())]),
                    after: json_of(&[("is_admin", m.is_admin.into()), ("permissions", m.permissions_json.clone().into())]),
                })
                .await?;
                tx.commit().await
            }

            async fn add_project_member(
                &self,
                company: CompanyId,
                project: ProjectId,
                user: UserId,
                permissions_json: &str,
                audit: &AuditContext,
            ) -> Result<()> {
                let mut tx = self.begin().await?;
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
                Self::audit(&mut tx, audit, Audit {
                    company: Some(company),
                    app: None,
                    action: "project_user.add",
                    target_type: "project",
                    target_id: project.to_string(),
                    before: None,
                    after: json_of(&[("user_id", user.0.into()), ("permissions", permissions_json.into())]),
                })
                .await?;
                tx.commit().await
            }

            async fn remove_project_member(
                &self,
                company: CompanyId,
                project: ProjectId,
                user: UserId,
                audit: &AuditContext,
            ) -> Result<()> {
                let mut tx = self.begin().await?;
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
                Self::audit(&mut tx, audit, Audit {
                    company: Some(company),
                    app: None,
                    action: "project_user.remove",
                    target_type: "project",
                    target_id: project.to_string(),
                    before: json_of(&[("user_id", user.0.into())]),
                    after: None,
                })
                .await?;
                tx.commit().await
            }

            async fn list_projects(
                &self,
                company: CompanyId,
                member: Option<UserId>,
                page: PageRequest,
            ) -> Result<Page<Project>> {
                let (total, rows): (i64, Vec<ProjectRow>) = match member {
                    Some(user) => {
                        let total = self
                            .count(
                                "SELECT COUNT(*) FROM project_users pu JOIN projects p ON p.id = pu.project_id \
                                 WHERE pu.user_id = $1 AND pu.company_id = $2 AND p.company_id = $2 AND p.active = TRUE",
                                &[user.0, company.0],
                            )
                            .await?;
                        let rows = sqlx::query_as(&format!(
                            "SELECT {PROJECT_COLUMNS} FROM project_users pu JOIN projects p ON p.id = pu.project_id \
                             JOIN companies c ON c.id = p.company_id \
                             WHERE pu.user_id = $1 AND pu.company_id = $2 AND p.company_id = $2 AND p.active = TRUE \
                             ORDER BY p.id LIMIT $3 OFFSET $4"
                        ))
                        .bind(user.0)
                        .bind(company.0)
                        .bind(page.limit())
                        .bind(page.offset())
                        .fetch_all(&self.read)
                        .await?;
                        (total, rows)
                    }
                    None => {
                        let total = self
                            .count("SELECT COUNT(*) FROM projects WHERE company_id = $1 AND active = TRUE", &[company.0])
                            .await?;
                        let rows = sqlx::query_as(&format!(
                            "SELECT {PROJECT_COLUMNS} FROM projects p JOIN companies c ON c.id = p.company_id \
                             WHERE p.company_id = $1 AND p.active = TRUE ORDER BY p.id LIMIT $2 OFFSET $3"
                        ))
                        .bind(company.0)
                        .bind(page.limit())
                        .bind(page.offset())
                        .fetch_all(&self.read)
                        .await?;
                        (total, rows)
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
                ManageStore::list_company_projects(self, company, &filter, page).await
            }
        }

        #[async_trait]
        impl AppStore for $store {
            async fn create_app(&self, owner: UserId, name: &str, sandbox: &NewSandbox, audit: &AuditContext) -> Result<App> {
                let mut tx = self.begin().await?;
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
                Self::audit(&mut tx, audit, Audit {
                    company: Some(CompanyId(company)),
                    app: Some(AppId(app)),
                    action: "app.create",
                    target_type: "app",
                    target_id: app.to_string(),
                    before: None,
                    after: json_of(&[
                        ("name", name.into()),
                        ("sandbox_company_id", company.into()),
                        ("sandbox_client_id", sandbox.client.client_id.clone().into()),
                    ]),
                })
                .await?;
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

            async fn set_app_suspension(&self, app: AppId, reason: Option<&str>, audit: &AuditContext) -> Result<App> {
                let mut tx = self.begin().await?;
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
                Self::audit(&mut tx, audit, Audit {
                    company: None,
                    app: Some(app),
                    action: if reason.is_some() { "app.suspend" } else { "app.resume" },
                    target_type: "app",
                    target_id: app.to_string(),
                    before: None,
                    after: reason.and_then(|r| json_of(&[("reason", r.into())])),
                })
                .await?;
                let row: AppRow = sqlx::query_as(&format!("SELECT {APP_COLUMNS} FROM apps a WHERE a.id = $1"))
                    .bind(app.0)
                    .fetch_one(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(row.into())
            }

            async fn publish_app(&self, app: AppId, audit: &AuditContext) -> Result<App> {
                let mut tx = self.begin().await?;
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
                Self::audit(&mut tx, audit, Audit {
                    company: None,
                    app: Some(app),
                    action: "app.publish",
                    target_type: "app",
                    target_id: app.to_string(),
                    before: None,
                    after: None,
                })
                .await?;
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

            async fn rename_app(&self, app: AppId, name: &str, audit: &AuditContext) -> Result<App> {
                let mut tx = self.begin().await?;
                let before: Option<String> =
                    sqlx::query_scalar("SELECT name FROM apps WHERE id = $1 AND deleted_at IS NULL")
                        .bind(app.0)
                        .fetch_optional(&mut *tx)
                        .await?;
                let before = before.ok_or(StoreError::NotFound)?;
                sqlx::query("UPDATE apps SET name = $1 WHERE id = $2").bind(name).bind(app.0).execute(&mut *tx).await?;
                Self::audit(&mut tx, audit, Audit {
                    company: None,
                    app: Some(app),
                    action: "app.rename",
                    target_type: "app",
                    target_id: app.to_string(),
                    before: json_of(&[("name", before.into())]),
                    after: json_of(&[("name", name.into())]),
                })
                .await?;
                let row: AppRow = sqlx::query_as(&format!("SELECT {APP_COLUMNS} FROM apps a WHERE a.id = $1"))
                    .bind(app.0)
                    .fetch_one(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(row.into())
            }

            async fn delete_app(&self, app: AppId, audit: &AuditContext) -> Result<()> {
                let mut tx = self.begin().await?;
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
                Self::audit(&mut tx, audit, Audit {
                    company: None,
                    app: Some(app),
                    action: "app.delete",
                    target_type: "app",
                    target_id: app.to_string(),
                    before: json_of(&[("name", name.into())]),
                    after: None,
                })
                .await?;
                tx.commit().await?;
                Ok(())
            }

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

            async fn add_secret(
                &self,
                client: ClientPk,
                secret_hash: &str,
                expire_others_at: Option<i64>,
                audit: &AuditContext,
            ) -> Result<i64> {
                let mut tx = self.begin().await?;
                let app: Option<i64> = sqlx::query_scalar("SELECT app_id FROM oauth_clients WHERE id = $1")
                    .bind(client.0)
                    .fetch_optional(&mut *tx)
                    .await?;
                let app = app.ok_or(StoreError::NotFound)?;
                if let Some(at) = expire_others_at {
                    sqlx::query(
                        "UPDATE client_secrets SET expires_at = $1 WHERE client_pk = $2 AND revoked_at IS NULL \
                         AND (expires_at IS NULL OR expires_at > $1)",
                    )
                    .bind(at)
                    .bind(client.0)
                    .execute(&mut *tx)
                    .await?;
                }
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO client_secrets (client_pk, secret_hash, created_at) VALUES ($1, $2, $3) RETURNING id",
                )
                .bind(client.0)
                .bind(secret_hash)
                .bind(audit.at)
                .fetch_one(&mut *tx)
                .await?;
                Self::audit(&mut tx, audit, Audit {
                    company: None,
                    app: Some(AppId(app)),
                    action: "client_secret.rotate",
                    target_type: "client_secret",
                    target_id: id.to_string(),
                    before: None,
                    after: json_of(&[("client_pk", client.0.into()), ("others_expire_at", expire_others_at.into())]),
                })
                .await?;
                tx.commit().await?;
                Ok(id)
            }

            async fn revoke_secret(&self, client: ClientPk, secret_id: i64, audit: &AuditContext) -> Result<()> {
                let mut tx = self.begin().await?;
                let app: Option<i64> = sqlx::query_scalar(
                    "SELECT c.app_id FROM client_secrets s JOIN oauth_clients c ON c.id = s.client_pk \
                     WHERE s.id = $1 AND s.client_pk = $2 AND s.revoked_at IS NULL",
                )
                .bind(secret_id)
                .bind(client.0)
                .fetch_optional(&mut *tx)
                .await?;
                let app = app.ok_or(StoreError::NotFound)?;
                let others: i64 = sqlx::query_scalar(
                    "SELECT COUNT(*) FROM client_secrets WHERE client_pk = $1 AND id <> $2 AND revoked_at IS NULL",
                )
                .bind(client.0)
                .bind(secret_id)
                .fetch_one(&mut *tx)
                .await?;
                if others == 0 {
                    return Err(StoreError::Conflict(
                        "this is the client's only secret; rotate first so the app keeps a working secret".into(),
                    ));
                }
                sqlx::query("UPDATE client_secrets SET revoked_at = $1 WHERE id = $2")
                    .bind(audit.at)
                    .bind(secret_id)
                    .execute(&mut *tx)
                    .await?;
                Self::audit(&mut tx, audit, Audit {
                    company: None,
                    app: Some(AppId(app)),
                    action: "client_secret.retire",
                    target_type: "client_secret",
                    target_id: secret_id.to_string(),
                    before: None,
                    after: None,
                })
                .await?;
                tx.commit().await?;
                Ok(())
            }

            async fn list_secrets(&self, client: ClientPk) -> Result<Vec<SecretInfo>> {
                let rows: Vec<(i64, i64, Option<i64>, Option<i64>)> = sqlx::query_as(
                    "SELECT id, created_at, expires_at, revoked_at FROM client_secrets WHERE client_pk = $1 ORDER BY id",
                )
                .bind(client.0)
                .fetch_all(&self.read)
                .await?;
                Ok(rows
                    .into_iter()
                    .map(|(id, created_at, expires_at, revoked_at)| SecretInfo { id, created_at, expires_at, revoked_at })
                    .collect())
            }

            async fn create_version(
                &self,
                app: AppId,
                version: &str,
                manifest_json: &str,
                sandbox_key: &str,
                audit: &AuditContext,
            ) -> Result<AppVersion> {
                let mut tx = self.begin().await?;
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
                Self::audit(&mut tx, audit, Audit {
                    company: None,
                    app: Some(app),
                    action: "app_version.create",
                    target_type: "app_version",
                    target_id: row.id.to_string(),
                    before: None,
                    after: json_of(&[("version", version.into()), ("manifest", manifest_json.into())]),
                })
                .await?;
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
                audit: &AuditContext,
            ) -> Result<AppVersion> {
                let mut tx = self.begin().await?;
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
                Self::audit(&mut tx, audit, Audit {
                    company: None,
                    app: Some(app),
                    action: "app_version.update",
                    target_type: "app_version",
                    target_id: version.to_string(),
                    before: json_of(&[("manifest", before.manifest.into())]),
                    after: json_of(&[("manifest", manifest_json.into())]),
                })
                .await?;
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
                audit: &AuditContext,
            ) -> Result<Promotion> {
                let mut tx = self.begin().await?;
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
                        Self::audit(&mut tx, audit, Audit {
                            company: None,
                            app: Some(app),
                            action: "client.create",
                            target_type: "oauth_client",
                            target_id: client.client_id.clone(),
                            before: None,
                            after: json_of(&[("environment", new.environment.as_str().into())]),
                        })
                        .await?;
                        created_client = Some(client.into());
                    }
                }
                Self::audit(&mut tx, audit, Audit {
                    company: None,
                    app: Some(app),
                    action: "app_version.promote",
                    target_type: "app_version",
                    target_id: version.to_string(),
                    before: json_of(&[("status", "ready_for_testing".into())]),
                    after: json_of(&[("status", "promoted".into()), ("app_version_id", app_version_uuid.into())]),
                })
                .await?;
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

            async fn find_client(&self, environment: Environment, app: AppId) -> Result<Option<OAuthClient>> {
                let row: Option<ClientRow> = sqlx::query_as(
                    "SELECT id, app_id, environment, client_id, created_at FROM oauth_clients \
                     WHERE app_id = $1 AND environment = $2",
                )
                .bind(app.0)
                .bind(environment.as_str())
                .fetch_optional(&self.read)
                .await?;
                Ok(row.map(Into::into))
            }

            async fn find_client_by_client_id(&self, client_id: &str) -> Result<Option<ClientCredentials>> {
                let client: Option<ClientRow> = sqlx::query_as(
                    "SELECT c.id, c.app_id, c.environment, c.client_id, c.created_at FROM oauth_clients c \
                     JOIN apps a ON a.id = c.app_id WHERE c.client_id = $1 AND a.deleted_at IS NULL",
                )
                .bind(client_id)
                .fetch_optional(&self.read)
                .await?;
                let Some(client) = client else { return Ok(None) };
                let secrets: Vec<SecretRow> = sqlx::query_as(
                    "SELECT id, secret_hash, expires_at FROM client_secrets WHERE client_pk = $1 AND revoked_at IS NULL ORDER BY id",
                )
                .bind(client.id)
                .fetch_all(&self.read)
                .await?;
                Ok(Some(ClientCredentials {
                    client: client.into(),
                    secrets: secrets
                        .into_iter()
                        .map(|s| ClientSecret { id: s.id, secret_hash: s.secret_hash, expires_at: s.expires_at })
                        .collect(),
                }))
            }

            async fn revoke_token(&self, app: AppId, token_id: &str, expires_at: i64, audit: &AuditContext) -> Result<()> {
                let mut tx = self.begin().await?;
                let done = sqlx::query(
                    "INSERT INTO revoked_tokens (token_id, app_id, expires_at, revoked_at) VALUES ($1, $2, $3, $4) \
                     ON CONFLICT (token_id) DO NOTHING",
                )
                .bind(token_id)
                .bind(app.0)
                .bind(expires_at)
                .bind(audit.at)
                .execute(&mut *tx)
                .await?;
                // Forget revocations of tokens that expired on their own, a margin ago (the clock
                // may be set back: a forgotten revocation must not bring a token back).
                sqlx::query("DELETE FROM revoked_tokens WHERE app_id = $1 AND expires_at <= $2")
                    .bind(app.0)
                    .bind(audit.at.saturating_sub(REVOCATION_GRACE))
                    .execute(&mut *tx)
                    .await?;
                if done.rows_affected() > 0 {
                    Self::audit(&mut tx, audit, Audit {
                        company: None,
                        app: Some(app),
                        action: "token.revoke",
                        target_type: "access_token",
                        target_id: token_id.chars().take(8).collect(),
                        before: None,
                        after: None,
                    })
                    .await?;
                }
                tx.commit().await
            }

            async fn list_revoked_tokens(&self, app: AppId, now: i64) -> Result<Vec<String>> {
                Ok(sqlx::query_scalar("SELECT token_id FROM revoked_tokens WHERE app_id = $1 AND expires_at > $2")
                    .bind(app.0)
                    .bind(now.saturating_sub(REVOCATION_GRACE))
                    .fetch_all(&self.read)
                    .await?)
            }

            async fn find_client_by_secret(&self, secret_id: i64) -> Result<Option<OAuthClient>> {
                let row: Option<ClientRow> = sqlx::query_as(
                    "SELECT c.id, c.app_id, c.environment, c.client_id, c.created_at FROM oauth_clients c \
                     JOIN client_secrets s ON s.client_pk = c.id WHERE s.id = $1",
                )
                .bind(secret_id)
                .fetch_optional(&self.read)
                .await?;
                Ok(row.map(Into::into))
            }

            async fn find_live_secret(&self, secret_id: i64) -> Result<Option<Option<i64>>> {
                let row: Option<(Option<i64>,)> =
                    sqlx::query_as(
                        "SELECT s.expires_at FROM client_secrets s JOIN oauth_clients c ON c.id = s.client_pk \
                         JOIN apps a ON a.id = c.app_id WHERE s.id = $1 AND s.revoked_at IS NULL AND a.suspended_at IS NULL",
                    )
                        .bind(secret_id)
                        .fetch_optional(&self.read)
                        .await?;
                Ok(row.map(|(e,)| e))
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
                update: i64,
                company_permissions_json: &str,
                project_permissions_json: &str,
                audit: &AuditContext,
            ) -> Result<InstallUpdate> {
                let mut tx = self.begin().await?;
                let row: Option<UpdateRow> = sqlx::query_as(&format!(
                    "SELECT {UPDATE_COLUMNS} FROM install_updates WHERE id = $1 AND company_id = $2"
                ))
                .bind(update)
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
                .bind(update)
                .fetch_one(&mut *tx)
                .await?;
                Self::audit(&mut tx, audit, Audit {
                    company: Some(company),
                    app: Some(AppId(row.app_id)),
                    action: "install_update.approve",
                    target_type: "install_update",
                    target_id: update.to_string(),
                    before: json_of(&[("version_id", row.from_version_id.into())]),
                    after: json_of(&[("version_id", row.to_version_id.into()), ("widened", row.widened.clone().into())]),
                })
                .await?;
                tx.commit().await?;
                Ok(done.into())
            }

            async fn install_app(&self, new: &NewInstall, audit: &AuditContext) -> Result<Install> {
                let mut tx = self.begin().await?;
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
                Self::audit(&mut tx, audit, Audit {
                    company: Some(new.company),
                    app: Some(new.app),
                    action: "app.install",
                    target_type: "install",
                    target_id: row.id.to_string(),
                    before: None,
                    after: json_of(&[
                        ("version_id", new.version.0.into()),
                        ("bot_user_id", bot.into()),
                        ("permitted_project_ids", new.permitted_projects.iter().map(|p| p.0).collect::<Vec<_>>().into()),
                    ]),
                })
                .await?;
                tx.commit().await?;
                Ok(row.into())
            }

            async fn uninstall(&self, company: CompanyId, install: InstallId, audit: &AuditContext) -> Result<Install> {
                let mut tx = self.begin().await?;
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
                Self::audit(&mut tx, audit, Audit {
                    company: Some(company),
                    app: Some(AppId(current.app_id)),
                    action: "app.uninstall",
                    target_type: "install",
                    target_id: install.to_string(),
                    before: json_of(&[("status", "installed".into()), ("permitted_project_ids", removed.into())]),
                    after: json_of(&[("status", "uninstalled".into())]),
                })
                .await?;
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

            async fn add_permitted_projects(
                &self,
                company: CompanyId,
                install: InstallId,
                projects: &[ProjectId],
                audit: &AuditContext,
            ) -> Result<Vec<ProjectId>> {
                let mut tx = self.begin().await?;
                let current = Self::active_install_in_tx(&mut tx, company, install).await?;
                let perms: String = sqlx::query_scalar("SELECT project_permissions FROM installs WHERE id = $1")
                    .bind(install.0)
                    .fetch_one(&mut *tx)
                    .await?;
                for project in projects {
                    Self::permit_project_in_tx(&mut tx, company, current.bot_user_id, *project, &perms, audit.at).await?;
                }
                Self::audit(&mut tx, audit, Audit {
                    company: Some(company),
                    app: Some(AppId(current.app_id)),
                    action: "permitted_projects.add",
                    target_type: "install",
                    target_id: install.to_string(),
                    before: None,
                    after: json_of(&[("project_ids", projects.iter().map(|p| p.0).collect::<Vec<_>>().into())]),
                })
                .await?;
                tx.commit().await?;
                Ok(projects.to_vec())
            }

            async fn add_all_permitted_projects(
                &self,
                company: CompanyId,
                install: InstallId,
                audit: &AuditContext,
            ) -> Result<u64> {
                let mut tx = self.begin().await?;
                let current = Self::active_install_in_tx(&mut tx, company, install).await?;
                let done = sqlx::query(
                    "INSERT INTO project_users (project_id, user_id, company_id, permissions, created_at) \
                     SELECT p.id, i.bot_user_id, p.company_id, i.project_permissions, $1 FROM projects p \
                     JOIN installs i ON i.id = $2 WHERE p.company_id = $3 AND p.active = TRUE \
                     ON CONFLICT (project_id, user_id) DO NOTHING",
                )
                .bind(audit.at)
                .bind(install.0)
                .bind(company.0)
                .execute(&mut *tx)
                .await?;
                Self::audit(&mut tx, audit, Audit {
                    company: Some(company),
                    app: Some(AppId(current.app_id)),
                    action: "permitted_projects.add_all",
                    target_type: "install",
                    target_id: install.to_string(),
                    before: None,
                    after: json_of(&[("added", done.rows_affected().into())]),
                })
                .await?;
                tx.commit().await?;
                Ok(done.rows_affected())
            }

            async fn remove_permitted_project(
                &self,
                company: CompanyId,
                install: InstallId,
                project: ProjectId,
                audit: &AuditContext,
            ) -> Result<()> {
                let mut tx = self.begin().await?;
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
                Self::audit(&mut tx, audit, Audit {
                    company: Some(company),
                    app: Some(AppId(current.app_id)),
                    action: "permitted_projects.remove",
                    target_type: "install",
                    target_id: install.to_string(),
                    before: json_of(&[("project_id", project.0.into())]),
                    after: None,
                })
                .await?;
                tx.commit().await?;
                Ok(())
            }

            async fn set_add_to_new_projects(
                &self,
                company: CompanyId,
                install: InstallId,
                on: bool,
                audit: &AuditContext,
            ) -> Result<Install> {
                let mut tx = self.begin().await?;
                let current = Self::active_install_in_tx(&mut tx, company, install).await?;
                let row: InstallRow = sqlx::query_as(&format!(
                    "UPDATE installs SET add_to_new_projects = $1 WHERE id = $2 RETURNING {INSTALL_COLUMNS}"
                ))
                .bind(on)
                .bind(install.0)
                .fetch_one(&mut *tx)
                .await?;
                Self::audit(&mut tx, audit, Audit {
                    company: Some(company),
                    app: Some(AppId(current.app_id)),
                    action: "install.add_to_new_projects",
                    target_type: "install",
                    target_id: install.to_string(),
                    before: json_of(&[("add_to_new_projects", current.add_to_new_projects.into())]),
                    after: json_of(&[("add_to_new_projects", on.into())]),
                })
                .await?;
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

            async fn list_app_companies(
                &self,
                app: AppId,
                environment: Environment,
                page: PageRequest,
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
                    "SELECT c.id, c.name, c.is_active, c.created_at, c.sandbox_of_app {from} ORDER BY c.id LIMIT $2 OFFSET $3"
                ))
                .bind(app.0)
                .bind(page.limit())
                .bind(page.offset())
                .fetch_all(&self.read)
                .await?;
                Ok(Page { items: rows.into_iter().map(Into::into).collect(), total })
            }
        }

        #[async_trait]
        impl AccessStore for $store {
            async fn create_api_token(&self, new: &NewApiToken, audit: &AuditContext) -> Result<i64> {
                let mut tx = self.begin().await?;
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO api_tokens (token_hash, user_id, is_operator, label, created_at) \
                     VALUES ($1, $2, $3, $4, $5) RETURNING id",
                )
                .bind(&new.token_hash)
                .bind(new.user.map(|u| u.0))
                .bind(new.user.is_none())
                .bind(&new.label)
                .bind(audit.at)
                .fetch_one(&mut *tx)
                .await?;
                Self::audit(&mut tx, audit, Audit {
                    company: None,
                    app: None,
                    action: "api_token.create",
                    target_type: "api_token",
                    target_id: id.to_string(),
                    before: None,
                    after: json_of(&[
                        ("label", new.label.clone().into()),
                        ("user_id", new.user.map(|u| u.0).into()),
                    ]),
                })
                .await?;
                tx.commit().await?;
                Ok(id)
            }

            async fn find_api_token(&self, token_hash: &str) -> Result<Option<ApiTokenOwner>> {
                let row: Option<(Option<i64>, bool)> = sqlx::query_as(
                    "SELECT user_id, is_operator FROM api_tokens WHERE token_hash = $1 AND revoked_at IS NULL",
                )
                .bind(token_hash)
                .fetch_optional(&self.read)
                .await?;
                Ok(row.map(|(user, is_operator)| match (user, is_operator) {
                    (Some(u), false) => ApiTokenOwner::User(UserId(u)),
                    _ => ApiTokenOwner::Operator,
                }))
            }
        }

        #[async_trait]
        impl DocumentStore for $store {
            async fn list_documents(
                &self,
                company: CompanyId,
                project: ProjectId,
                parent: Option<i64>,
            ) -> Result<Vec<Document>> {
                let rows: Vec<DocumentRow> = sqlx::query_as(&format!(
                    "SELECT {DOCUMENT_COLUMNS} FROM documents WHERE company_id = $1 AND project_id = $2 \
                     AND (($3 = -1 AND parent_id IS NULL) OR parent_id = $3) ORDER BY kind DESC, name, id"
                ))
                .bind(company.0)
                .bind(project.0)
                .bind(parent.unwrap_or(-1))
                .fetch_all(&self.read)
                .await?;
                Ok(rows.into_iter().map(Into::into).collect())
            }

            async fn find_document(&self, company: CompanyId, project: ProjectId, id: i64) -> Result<Option<Document>> {
                let row: Option<DocumentRow> = sqlx::query_as(&format!(
                    "SELECT {DOCUMENT_COLUMNS} FROM documents WHERE id = $1 AND company_id = $2 AND project_id = $3"
                ))
                .bind(id)
                .bind(company.0)
                .bind(project.0)
                .fetch_optional(&self.read)
                .await?;
                Ok(row.map(Into::into))
            }

            async fn create_document(
                &self,
                company: CompanyId,
                project: ProjectId,
                new: &NewDocument,
                audit: &AuditContext,
            ) -> Result<Document> {
                let mut tx = self.begin().await?;
                if let Some(parent) = new.parent_id {
                    let ok: Option<String> = sqlx::query_scalar(
                        "SELECT kind FROM documents WHERE id = $1 AND company_id = $2 AND project_id = $3",
                    )
                    .bind(parent)
                    .bind(company.0)
                    .bind(project.0)
                    .fetch_optional(&mut *tx)
                    .await?;
                    if ok.as_deref() != Some("folder") {
                        return Err(StoreError::NotFound);
                    }
                }
                let row: DocumentRow = sqlx::query_as(&format!(
                    "INSERT INTO documents (company_id, project_id, parent_id, kind, name, data, created_by, created_at, updated_at) \
                     SELECT $1, id, $3, $4, $5, $6, $7, $8, $8 FROM projects WHERE id = $2 AND company_id = $1 \
                     RETURNING {DOCUMENT_COLUMNS}"
                ))
                .bind(company.0)
                .bind(project.0)
                .bind(new.parent_id)
                .bind(new.kind.as_str())
                .bind(&new.name)
                .bind(&new.data)
                .bind(new.created_by.map(|u| u.0))
                .bind(audit.at)
                .fetch_optional(&mut *tx)
                .await?
                .ok_or(StoreError::NotFound)?;
                Self::audit(&mut tx, audit, Audit {
                    company: Some(company),
                    app: None,
                    action: "document.create",
                    target_type: new.kind.as_str(),
                    target_id: row.id.to_string(),
                    before: None,
                    after: json_of(&[("name", new.name.clone().into()), ("project_id", project.0.into())]),
                })
                .await?;
                tx.commit().await?;
                Ok(row.into())
            }

            async fn update_document(
                &self,
                company: CompanyId,
                project: ProjectId,
                id: i64,
                name: Option<&str>,
                data: Option<&str>,
                audit: &AuditContext,
            ) -> Result<Document> {
                let mut tx = self.begin().await?;
                let before: Option<DocumentRow> = sqlx::query_as(&format!(
                    "SELECT {DOCUMENT_COLUMNS} FROM documents WHERE id = $1 AND company_id = $2 AND project_id = $3"
                ))
                .bind(id)
                .bind(company.0)
                .bind(project.0)
                .fetch_optional(&mut *tx)
                .await?;
                let before = before.ok_or(StoreError::NotFound)?;
                let row: DocumentRow = sqlx::query_as(&format!(
                    "UPDATE documents SET name = COALESCE($1, name), data = COALESCE($2, data), updated_at = $3 \
                     WHERE id = $4 RETURNING {DOCUMENT_COLUMNS}"
                ))
                .bind(name)
                .bind(data)
                .bind(audit.at)
                .bind(id)
                .fetch_one(&mut *tx)
                .await?;
                Self::audit(&mut tx, audit, Audit {
                    company: Some(company),
                    app: None,
                    action: "document.update",
                    target_type: if before.kind == "folder" { "folder" } else { "file" },
                    target_id: id.to_string(),
                    before: json_of(&[("name", before.name.into())]),
                    after: json_of(&[("name", row.name.clone().into())]),
                })
                .await?;
                tx.commit().await?;
                Ok(row.into())
            }

            async fn delete_document(&self, company: CompanyId, project: ProjectId, id: i64, audit: &AuditContext) -> Result<()> {
                let mut tx = self.begin().await?;
                let done = sqlx::query("DELETE FROM documents WHERE id = $1 AND company_id = $2 AND project_id = $3 RETURNING name")
                    .bind(id)
                    .bind(company.0)
                    .bind(project.0)
                    .fetch_optional(&mut *tx)
                    .await?;
                if done.is_none() {
                    return Err(StoreError::NotFound);
                }
                Self::audit(&mut tx, audit, Audit {
                    company: Some(company),
                    app: None,
                    action: "document.delete",
                    target_type: "document",
                    target_id: id.to_string(),
                    before: None,
                    after: None,
                })
                .await?;
                tx.commit().await
            }
        }

        #[async_trait]
        impl SignInStore for $store {
            async fn set_password(&self, user: UserId, password_hash: &str, audit: &AuditContext) -> Result<()> {
                let mut tx = self.begin().await?;
                let done = sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2 AND kind = 'person'")
                    .bind(password_hash)
                    .bind(user.0)
                    .execute(&mut *tx)
                    .await?;
                if done.rows_affected() == 0 {
                    return Err(StoreError::NotFound);
                }
                Self::audit(&mut tx, audit, Audit {
                    company: None,
                    app: None,
                    action: "user.set_password",
                    target_type: "user",
                    target_id: user.to_string(),
                    before: None,
                    after: None,
                })
                .await?;
                tx.commit().await
            }

            async fn find_login(&self, email: &str) -> Result<Option<(UserId, String)>> {
                let row: Option<(i64, String)> = sqlx::query_as(
                    "SELECT id, password_hash FROM users WHERE email = $1 AND kind = 'person' AND password_hash IS NOT NULL",
                )
                .bind(email)
                .fetch_optional(&self.read)
                .await?;
                Ok(row.map(|(id, h)| (UserId(id), h)))
            }

            async fn add_redirect_uri(&self, app: AppId, uri: &str, audit: &AuditContext) -> Result<()> {
                let mut tx = self.begin().await?;
                sqlx::query(
                    "INSERT INTO redirect_uris (app_id, uri, created_at) VALUES ($1, $2, $3) ON CONFLICT (app_id, uri) DO NOTHING",
                )
                .bind(app.0)
                .bind(uri)
                .bind(audit.at)
                .execute(&mut *tx)
                .await?;
                Self::audit(&mut tx, audit, Audit {
                    company: None,
                    app: Some(app),
                    action: "redirect_uri.add",
                    target_type: "app",
                    target_id: app.to_string(),
                    before: None,
                    after: json_of(&[("uri", uri.into())]),
                })
                .await?;
                tx.commit().await
            }

            async fn list_redirect_uris(&self, app: AppId) -> Result<Vec<String>> {
                Ok(sqlx::query_scalar("SELECT uri FROM redirect_uris WHERE app_id = $1 ORDER BY id")
                    .bind(app.0)
                    .fetch_all(&self.read)
                    .await?)
            }

            async fn create_web_session(&self, hash: &str, user: UserId, csrf: &str, now: i64, expires_at: i64) -> Result<()> {
                sqlx::query("DELETE FROM web_sessions WHERE expires_at <= $1").bind(now).execute(&self.write).await?;
                sqlx::query(
                    "INSERT INTO web_sessions (session_hash, user_id, csrf, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(hash)
                .bind(user.0)
                .bind(csrf)
                .bind(now)
                .bind(expires_at)
                .execute(&self.write)
                .await?;
                Ok(())
            }

            async fn find_web_session(&self, hash: &str, now: i64) -> Result<Option<WebSession>> {
                let row: Option<(i64, String, i64)> = sqlx::query_as(
                    "SELECT user_id, csrf, created_at FROM web_sessions WHERE session_hash = $1 AND expires_at > $2",
                )
                .bind(hash)
                .bind(now)
                .fetch_optional(&self.read)
                .await?;
                Ok(row.map(|(u, csrf, created_at)| WebSession { user: UserId(u), csrf, created_at }))
            }

            async fn end_web_session(&self, hash: &str) -> Result<()> {
                sqlx::query("DELETE FROM web_sessions WHERE session_hash = $1")
                    .bind(hash)
                    .execute(&self.write)
                    .await?;
                Ok(())
            }

            async fn create_code(&self, code: &NewCode) -> Result<()> {
                sqlx::query(
                    "INSERT INTO auth_codes (code_hash, client_pk, user_id, redirect_uri, code_challenge, expires_at) \
                     VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(&code.code_hash)
                .bind(code.client.0)
                .bind(code.user.0)
                .bind(&code.redirect_uri)
                .bind(&code.code_challenge)
                .bind(code.expires_at)
                .execute(&self.write)
                .await?;
                Ok(())
            }

            async fn redeem_code(&self, code_hash: &str) -> Result<CodeRedemption> {
                // One conditional update: of concurrent redemptions exactly one wins.
                let won: Option<(i64, i64, String, Option<String>, i64)> = sqlx::query_as(
                    "UPDATE auth_codes SET used_at = 0 WHERE code_hash = $1 AND used_at IS NULL \
                     RETURNING client_pk, user_id, redirect_uri, code_challenge, expires_at",
                )
                .bind(code_hash)
                .fetch_optional(&self.write)
                .await?;
                if let Some((client, user, redirect_uri, code_challenge, expires_at)) = won {
                    return Ok(CodeRedemption::Redeemed(AuthCode {
                        client: ClientPk(client),
                        user: UserId(user),
                        redirect_uri,
                        code_challenge,
                        expires_at,
                    }));
                }
                let used: Option<Option<i64>> = sqlx::query_scalar("SELECT grant_id FROM auth_codes WHERE code_hash = $1")
                    .bind(code_hash)
                    .fetch_optional(&self.write)
                    .await?;
                Ok(match used {
                    Some(grant) => CodeRedemption::Replayed { grant },
                    None => CodeRedemption::Unknown,
                })
            }

            async fn create_grant(
                &self,
                code_hash: &str,
                code: &AuthCode,
                app: AppId,
                refresh_hash: &str,
                audit: &AuditContext,
            ) -> Result<Grant> {
                let mut tx = self.begin().await?;
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO grants (client_pk, app_id, user_id, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
                )
                .bind(code.client.0)
                .bind(app.0)
                .bind(code.user.0)
                .bind(audit.at)
                .fetch_one(&mut *tx)
                .await?;
                sqlx::query("UPDATE auth_codes SET grant_id = $1, used_at = $2 WHERE code_hash = $3")
                    .bind(id)
                    .bind(audit.at)
                    .bind(code_hash)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query("INSERT INTO refresh_tokens (token_hash, grant_id, created_at) VALUES ($1, $2, $3)")
                    .bind(refresh_hash)
                    .bind(id)
                    .bind(audit.at)
                    .execute(&mut *tx)
                    .await?;
                Self::audit(&mut tx, audit, Audit {
                    company: None,
                    app: Some(app),
                    action: "grant.create",
                    target_type: "grant",
                    target_id: id.to_string(),
                    before: None,
                    after: json_of(&[("user_id", code.user.0.into())]),
                })
                .await?;
                tx.commit().await?;
                Ok(Grant { id, client: code.client, app_id: app, user_id: code.user, revoked: false, created_at: audit.at })
            }

            async fn rotate_refresh(&self, old_hash: &str, new_hash: &str, audit: &AuditContext) -> Result<RefreshRotation> {
                let mut tx = self.begin().await?;
                let won: Option<i64> = sqlx::query_scalar(
                    "UPDATE refresh_tokens SET used_at = $1 WHERE token_hash = $2 AND used_at IS NULL RETURNING grant_id",
                )
                .bind(audit.at)
                .bind(old_hash)
                .fetch_optional(&mut *tx)
                .await?;
                let Some(grant) = won else {
                    let seen: Option<i64> = sqlx::query_scalar("SELECT grant_id FROM refresh_tokens WHERE token_hash = $1")
                        .bind(old_hash)
                        .fetch_optional(&mut *tx)
                        .await?;
                    let Some(grant) = seen else { return Ok(RefreshRotation::Unknown) };
                    // Reuse of a spent refresh token: revoke the whole grant.
                    let app: i64 = sqlx::query_scalar(
                        "UPDATE grants SET revoked_at = COALESCE(revoked_at, $1) WHERE id = $2 RETURNING app_id",
                    )
                    .bind(audit.at)
                    .bind(grant)
                    .fetch_one(&mut *tx)
                    .await?;
                    Self::audit(&mut tx, audit, Audit {
                        company: None,
                        app: Some(AppId(app)),
                        action: "grant.revoke",
                        target_type: "grant",
                        target_id: grant.to_string(),
                        before: None,
                        after: json_of(&[("reason", "refresh token reused".into())]),
                    })
                    .await?;
                    tx.commit().await?;
                    return Ok(RefreshRotation::Reused { grant });
                };
                let row: (i64, i64, i64, Option<i64>, i64) =
                    sqlx::query_as(
                        "SELECT g.client_pk, g.app_id, g.user_id, COALESCE(g.revoked_at, a.suspended_at), g.created_at \
                         FROM grants g JOIN apps a ON a.id = g.app_id WHERE g.id = $1",
                    )
                        .bind(grant)
                        .fetch_one(&mut *tx)
                        .await?;
                sqlx::query("INSERT INTO refresh_tokens (token_hash, grant_id, created_at) VALUES ($1, $2, $3)")
                    .bind(new_hash)
                    .bind(grant)
                    .bind(audit.at)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(RefreshRotation::Rotated(Grant {
                    id: grant,
                    client: ClientPk(row.0),
                    app_id: AppId(row.1),
                    user_id: UserId(row.2),
                    revoked: row.3.is_some(),
                    created_at: row.4,
                }))
            }

            async fn find_grant(&self, id: i64) -> Result<Option<Grant>> {
                let row: Option<(i64, i64, i64, Option<i64>, i64)> =
                    sqlx::query_as(
                        "SELECT g.client_pk, g.app_id, g.user_id, COALESCE(g.revoked_at, a.suspended_at), g.created_at \
                         FROM grants g JOIN apps a ON a.id = g.app_id WHERE g.id = $1",
                    )
                        .bind(id)
                        .fetch_optional(&self.read)
                        .await?;
                Ok(row.map(|r| Grant {
                    id,
                    client: ClientPk(r.0),
                    app_id: AppId(r.1),
                    user_id: UserId(r.2),
                    revoked: r.3.is_some(),
                    created_at: r.4,
                }))
            }

            async fn find_refresh_grant(&self, token_hash: &str) -> Result<Option<Grant>> {
                let id: Option<i64> = sqlx::query_scalar("SELECT grant_id FROM refresh_tokens WHERE token_hash = $1")
                    .bind(token_hash)
                    .fetch_optional(&self.read)
                    .await?;
                match id {
                    Some(id) => self.find_grant(id).await,
                    None => Ok(None),
                }
            }

            async fn revoke_grant(&self, id: i64, reason: &str, audit: &AuditContext) -> Result<()> {
                let mut tx = self.begin().await?;
                let app: Option<i64> =
                    sqlx::query_scalar("UPDATE grants SET revoked_at = COALESCE(revoked_at, $1) WHERE id = $2 RETURNING app_id")
                        .bind(audit.at)
                        .bind(id)
                        .fetch_optional(&mut *tx)
                        .await?;
                let app = app.ok_or(StoreError::NotFound)?;
                Self::audit(&mut tx, audit, Audit {
                    company: None,
                    app: Some(AppId(app)),
                    action: "grant.revoke",
                    target_type: "grant",
                    target_id: id.to_string(),
                    before: None,
                    after: json_of(&[("reason", reason.into())]),
                })
                .await?;
                tx.commit().await
            }
        }

        #[async_trait]
        impl PurgeStore for $store {
            async fn purge_expired(&self, cutoffs: &PurgeCutoffs, batch: i64) -> Result<PurgeCounts> {
                // Neither backend has DELETE … LIMIT: each batch is a keyed subquery. Rows another
                // node deleted first are simply not there (0 rows), so concurrent purges agree.
                let mut deleted = [0u64; 5];
                for (n, (sql, cutoff)) in [
                    (
                        "DELETE FROM web_sessions WHERE session_hash IN \
                         (SELECT session_hash FROM web_sessions WHERE expires_at <= $1 LIMIT $2)",
                        cutoffs.expired,
                    ),
                    (
                        "DELETE FROM auth_codes WHERE code_hash IN \
                         (SELECT code_hash FROM auth_codes WHERE expires_at <= $1 LIMIT $2)",
                        cutoffs.expired,
                    ),
                    (
                        "DELETE FROM revoked_tokens WHERE token_id IN \
                         (SELECT token_id FROM revoked_tokens WHERE expires_at <= $1 LIMIT $2)",
                        // Kept a grace period past the token's expiry: a clock set back must not
                        // bring a revoked token back to life.
                        cutoffs.expired.saturating_sub(REVOCATION_GRACE),
                    ),
                    (
                        "DELETE FROM refresh_tokens WHERE token_hash IN (SELECT r.token_hash FROM refresh_tokens r \
                         JOIN grants g ON g.id = r.grant_id WHERE g.created_at <= $1 LIMIT $2)",
                        cutoffs.refresh_granted,
                    ),
                    (
                        "DELETE FROM grants WHERE id IN (SELECT g.id FROM grants g WHERE g.created_at <= $1 \
                         AND NOT EXISTS (SELECT 1 FROM refresh_tokens r WHERE r.grant_id = g.id) \
                         AND NOT EXISTS (SELECT 1 FROM auth_codes c WHERE c.grant_id = g.id) LIMIT $2)",
                        cutoffs.granted,
                    ),
                ]
                .into_iter()
                .enumerate()
                {
                    deleted[n] = sqlx::query(sql).bind(cutoff).bind(batch).execute(&self.write).await?.rows_affected();
                }
                let [sessions, codes, revocations, refresh_tokens, grants] = deleted;
                Ok(PurgeCounts { sessions, codes, revocations, refresh_tokens, grants })
            }
        }

        #[async_trait]
        impl ServiceAccountStore for $store {
            async fn create_service_account(&self, new: &NewServiceAccount, audit: &AuditContext) -> Result<ServiceAccount> {
                let mut tx = self.begin().await?;
                let user: i64 = sqlx::query_scalar(
                    "INSERT INTO users (kind, email, name, created_at) VALUES ('bot', $1, $2, $3) RETURNING id",
                )
                .bind(&new.contact_email)
                .bind(&new.name)
                .bind(audit.at)
                .fetch_one(&mut *tx)
                .await?;
                sqlx::query(
                    "INSERT INTO company_users (company_id, user_id, is_admin, is_active, permissions, created_at) \
                     VALUES ($1, $2, FALSE, TRUE, '{}', $3)",
                )
                .bind(new.company.0)
                .bind(user)
                .bind(audit.at)
                .execute(&mut *tx)
                .await?;
                let row: SaRow = sqlx::query_as(&format!(
                    "INSERT INTO service_accounts (company_id, user_id, name, app_type, app_id, client_id, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING {SA_COLUMNS}"
                ))
                .bind(new.company.0)
                .bind(user)
                .bind(&new.name)
                .bind(&new.app_type)
                .bind(new.app_id.map(|a| a.0))
                .bind(&new.client_id)
                .bind(audit.at)
                .fetch_one(&mut *tx)
                .await?;
                sqlx::query("INSERT INTO service_account_secrets (account_id, secret_hash, created_at) VALUES ($1, $2, $3)")
                    .bind(row.id)
                    .bind(&new.secret_hash)
                    .bind(audit.at)
                    .execute(&mut *tx)
                    .await?;
                Self::audit(&mut tx, audit, Audit {
                    company: Some(new.company),
                    app: new.app_id,
                    action: "service_account.create",
                    target_type: "service_account",
                    target_id: row.id.to_string(),
                    before: None,
                    after: json_of(&[("name", new.name.clone().into()), ("app_type", new.app_type.clone().into())]),
                })
                .await?;
                tx.commit().await?;
                Ok(row.into())
            }

            async fn list_service_accounts(&self, company: Option<CompanyId>) -> Result<Vec<ServiceAccount>> {
                let rows: Vec<SaRow> = sqlx::query_as(&format!(
                    "SELECT {SA_COLUMNS} FROM service_accounts WHERE ($1 = -1 OR company_id = $1) ORDER BY id"
                ))
                .bind(company.map_or(-1, |c| c.0))
                .fetch_all(&self.read)
                .await?;
                Ok(rows.into_iter().map(Into::into).collect())
            }

            async fn find_service_account(&self, company: CompanyId, id: i64) -> Result<Option<ServiceAccount>> {
                let row: Option<SaRow> =
                    sqlx::query_as(&format!("SELECT {SA_COLUMNS} FROM service_accounts WHERE id = $1 AND company_id = $2"))
                        .bind(id)
                        .bind(company.0)
                        .fetch_optional(&self.read)
                        .await?;
                Ok(row.map(Into::into))
            }

            async fn find_service_account_by_client_id(
                &self,
                client_id: &str,
            ) -> Result<Option<(ServiceAccount, Vec<(i64, String)>)>> {
                let row: Option<SaRow> =
                    sqlx::query_as(&format!("SELECT {SA_COLUMNS} FROM service_accounts WHERE client_id = $1"))
                        .bind(client_id)
                        .fetch_optional(&self.read)
                        .await?;
                let Some(row) = row else { return Ok(None) };
                let secrets: Vec<(i64, String)> = sqlx::query_as(
                    "SELECT id, secret_hash FROM service_account_secrets WHERE account_id = $1 AND revoked_at IS NULL",
                )
                .bind(row.id)
                .fetch_all(&self.read)
                .await?;
                Ok(Some((row.into(), secrets)))
            }

            async fn find_service_account_by_secret(&self, secret_id: i64) -> Result<Option<ServiceAccount>> {
                let row: Option<SaRow> = sqlx::query_as(&format!(
                    "SELECT {SA_COLUMNS_A} FROM service_accounts a JOIN service_account_secrets s ON s.account_id = a.id \
                     WHERE s.id = $1 AND s.revoked_at IS NULL"
                ))
                .bind(secret_id)
                .fetch_optional(&self.read)
                .await?;
                Ok(row.map(Into::into))
            }

            async fn reset_service_account(
                &self,
                company: CompanyId,
                id: i64,
                secret_hash: &str,
                audit: &AuditContext,
            ) -> Result<()> {
                let mut tx = self.begin().await?;
                let user: Option<i64> = sqlx::query_scalar(
                    "SELECT user_id FROM service_accounts WHERE id = $1 AND company_id = $2 AND retired_at IS NULL",
                )
                .bind(id)
                .bind(company.0)
                .fetch_optional(&mut *tx)
                .await?;
                let user = user.ok_or(StoreError::NotFound)?;
                sqlx::query("UPDATE service_account_secrets SET revoked_at = $1 WHERE account_id = $2 AND revoked_at IS NULL")
                    .bind(audit.at)
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query("INSERT INTO service_account_secrets (account_id, secret_hash, created_at) VALUES ($1, $2, $3)")
                    .bind(id)
                    .bind(secret_hash)
                    .bind(audit.at)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query("UPDATE company_users SET permissions = '{}' WHERE company_id = $1 AND user_id = $2")
                    .bind(company.0)
                    .bind(user)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query("DELETE FROM project_users WHERE company_id = $1 AND user_id = $2")
                    .bind(company.0)
                    .bind(user)
                    .execute(&mut *tx)
                    .await?;
                Self::audit(&mut tx, audit, Audit {
                    company: Some(company),
                    app: None,
                    action: "service_account.reset_secret",
                    target_type: "service_account",
                    target_id: id.to_string(),
                    before: None,
                    after: json_of(&[("permissions", "reset".into())]),
                })
                .await?;
                tx.commit().await
            }

            async fn retire_service_account(&self, company: CompanyId, id: i64, audit: &AuditContext) -> Result<()> {
                let mut tx = self.begin().await?;
                let user: Option<i64> = sqlx::query_scalar(
                    "UPDATE service_accounts SET retired_at = $1 WHERE id = $2 AND company_id = $3 AND retired_at IS NULL \
                     RETURNING user_id",
                )
                .bind(audit.at)
                .bind(id)
                .bind(company.0)
                .fetch_optional(&mut *tx)
                .await?;
                let user = user.ok_or(StoreError::NotFound)?;
                sqlx::query("UPDATE service_account_secrets SET revoked_at = $1 WHERE account_id = $2 AND revoked_at IS NULL")
                    .bind(audit.at)
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query("UPDATE company_users SET is_active = FALSE WHERE company_id = $1 AND user_id = $2")
                    .bind(company.0)
                    .bind(user)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query("DELETE FROM project_users WHERE company_id = $1 AND user_id = $2")
                    .bind(company.0)
                    .bind(user)
                    .execute(&mut *tx)
                    .await?;
                Self::audit(&mut tx, audit, Audit {
                    company: Some(company),
                    app: None,
                    action: "service_account.retire",
                    target_type: "service_account",
                    target_id: id.to_string(),
                    before: None,
                    after: None,
                })
                .await?;
                tx.commit().await
            }
        }

        #[async_trait]
        impl HealthStore for $store {
            async fn ping(&self) -> Result<()> {
                sqlx::query("SELECT 1").execute(&self.read).await?;
                Ok(())
            }
        }

        #[async_trait]
        impl AuditStore for $store {
            async fn list_audit(&self, filter: AuditFilter, page: PageRequest) -> Result<Page<AuditEvent>> {
                // -1 never matches an id, so an absent filter is written as "no filter" in SQL.
                let company = filter.company.map(|c| c.0).unwrap_or(-1);
                let app = filter.app.map(|a| a.0).unwrap_or(-1);
                let cond = "($1 = -1 OR company_id = $1) AND ($2 = -1 OR app_id = $2)";
                let total = self.count(&format!("SELECT COUNT(*) FROM audit_events WHERE {cond}"), &[company, app]).await?;
                let rows: Vec<AuditRow> = sqlx::query_as(&format!(
                    "SELECT id, at, actor_kind, actor_user_id, company_id, app_id, action, target_type, target_id, \
                     before_json, after_json FROM audit_events WHERE {cond} ORDER BY id LIMIT $3 OFFSET $4"
                ))
                .bind(company)
                .bind(app)
                .bind(page.limit())
                .bind(page.offset())
                .fetch_all(&self.read)
                .await?;
                Ok(Page { items: rows.into_iter().map(Into::into).collect(), total })
            }

            async fn record_sign_in(&self, attempt: &SignInAttempt) -> Result<()> {
                let after = serde_json::json!({ "email": attempt.email, "address": attempt.address }).to_string();
                sqlx::query(
                    "INSERT INTO audit_events (at, actor_kind, actor_user_id, company_id, app_id, action, \
                     target_type, target_id, before_json, after_json) VALUES ($1,$2,$3,NULL,NULL,$4,$5,$6,NULL,$7)",
                )
                .bind(attempt.at)
                .bind(if attempt.user.is_some() { "person" } else { "anonymous" })
                .bind(attempt.user.map(|u| u.0))
                .bind(if attempt.success { "signin.success" } else { "signin.failure" })
                .bind(if attempt.user.is_some() { "user" } else { "email" })
                .bind(attempt.user.map_or_else(|| attempt.email.clone(), |u| u.0.to_string()))
                .bind(after)
                .execute(&self.write)
                .await?;
                Ok(())
            }
        }
    };
}

sql_store!(SqliteStore, sqlx::Sqlite, notify = false);
sql_store!(PgStore, sqlx::Postgres, notify = true);
