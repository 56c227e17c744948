//! Trestle's storage. The rest of the system sees only the intent-named traits below
//! ([`DirectoryStore`], [`AppStore`], [`InstallStore`], [`AccessStore`], [`AuditStore`]),
//! bundled as [`Store`]; [`connect`] picks SQLite or PostgreSQL once, from the URL.
//!
//! Every mutating method is one transaction and writes its audit event inside it, so a
//! change and its audit row are committed together or not at all.

mod model;
mod sql;

pub use model::*;

use async_trait::async_trait;
use std::sync::Arc;
use trestle_domain::page::{Page, PageRequest};
use trestle_domain::policy::{CompanyMembership, ProjectMembership};
use trestle_domain::*;

/// Storage failures, free of any driver type.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    /// A uniqueness or state rule was broken (e.g. the app is already installed).
    #[error("conflict: {0}")]
    Conflict(String),
    /// The database cannot be reached or is overloaded right now; retrying later may work.
    #[error("database unavailable: {0}")]
    Unavailable(String),
    #[error("database error: {0}")]
    Other(String),
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// How long a revocation is remembered after the revoked token's own expiry (seconds). Tokens
/// expire by the clock, so a revocation forgotten at expiry would bring the token back if the
/// system clock were then set back; with this margin a clock set back by up to a day cannot.
pub const REVOCATION_GRACE: i64 = 86_400;

/// Companies, projects, people and their memberships.
#[async_trait]
pub trait DirectoryStore: Send + Sync {
    async fn create_person(&self, new: &NewPerson, audit: &AuditContext) -> Result<User>;
    async fn find_user(&self, id: UserId) -> Result<Option<User>>;
    /// Creates a company with `admin` as its first company admin.
    async fn create_company(&self, name: &str, admin: UserId, audit: &AuditContext) -> Result<Company>;
    async fn find_company(&self, id: CompanyId) -> Result<Option<Company>>;
    /// Adds (or re-activates) a person in a company directory.
    async fn add_company_member(&self, company: CompanyId, member: &NewMember, audit: &AuditContext) -> Result<()>;
    /// The user's current membership of the company, if any.
    async fn company_membership(&self, company: CompanyId, user: UserId) -> Result<Option<CompanyMembership>>;
    /// The user's current membership of the project, looked up inside `company` only.
    async fn project_membership(
        &self,
        company: CompanyId,
        project: ProjectId,
        user: UserId,
    ) -> Result<Option<ProjectMembership>>;
    /// Creates a project. Bots of installs marked "add to all new projects" join it in the
    /// same transaction, with their manifest's project permissions.
    async fn create_project(&self, company: CompanyId, new: &NewProject, audit: &AuditContext) -> Result<Project>;
    /// A project, only if it belongs to `company`.
    async fn find_project(&self, company: CompanyId, project: ProjectId) -> Result<Option<Project>>;
    /// Companies where the user is an active member.
    async fn list_user_companies(&self, user: UserId, page: PageRequest) -> Result<Page<Company>>;
    /// The company an active project belongs to (for routing `/projects/{id}/…`; callers still
    /// check access before answering). An inactive project routes nowhere: "not found".
    async fn find_project_company(&self, project: ProjectId) -> Result<Option<CompanyId>>;
    /// The company directory: people and bots with their memberships.
    async fn list_company_users(&self, company: CompanyId, page: PageRequest) -> Result<Page<DirectoryEntry>>;
    /// The project directory.
    async fn list_project_users(
        &self,
        company: CompanyId,
        project: ProjectId,
        page: PageRequest,
    ) -> Result<Page<DirectoryEntry>>;
    /// Changes a person's company role and permissions. Bots are refused (`Conflict`): their
    /// permissions come from the app's manifest.
    async fn update_company_member(&self, company: CompanyId, member: &NewMember, audit: &AuditContext) -> Result<()>;
    /// Adds an active company member (a person) to a project with permissions.
    async fn add_project_member(
        &self,
        company: CompanyId,
        project: ProjectId,
        user: UserId,
        permissions_json: &str,
        audit: &AuditContext,
    ) -> Result<()>;
    async fn remove_project_member(
        &self,
        company: CompanyId,
        project: ProjectId,
        user: UserId,
        audit: &AuditContext,
    ) -> Result<()>;
    /// Active projects of a company; with `member` set, only those the user belongs to.
    async fn list_projects(
        &self,
        company: CompanyId,
        member: Option<UserId>,
        page: PageRequest,
    ) -> Result<Page<Project>>;
    /// Active projects of `company` whose name or number contains `query` (case-insensitive),
    /// in id order.
    async fn search_projects(&self, company: CompanyId, query: &str, page: PageRequest) -> Result<Page<Project>>;
}

/// The Documents tool: folders and files per project. Every method is scoped to one company
/// and project; ids from elsewhere are "not found".
#[async_trait]
pub trait DocumentStore: Send + Sync {
    /// Children of `parent` (the project's root when `None`), folders first.
    async fn list_documents(
        &self,
        company: CompanyId,
        project: ProjectId,
        parent: Option<i64>,
    ) -> Result<Vec<Document>>;
    async fn find_document(&self, company: CompanyId, project: ProjectId, id: i64) -> Result<Option<Document>>;
    /// `NotFound` when the parent is not a folder of the same project.
    async fn create_document(
        &self,
        company: CompanyId,
        project: ProjectId,
        new: &NewDocument,
        audit: &AuditContext,
    ) -> Result<Document>;
    async fn update_document(
        &self,
        company: CompanyId,
        project: ProjectId,
        id: i64,
        name: Option<&str>,
        data: Option<&str>,
        audit: &AuditContext,
    ) -> Result<Document>;
    /// Deletes a file, or a folder with everything in it.
    async fn delete_document(
        &self,
        company: CompanyId,
        project: ProjectId,
        id: i64,
        audit: &AuditContext,
    ) -> Result<()>;
}

/// What people signing in need: passwords, redirect URIs, browser sessions, and the codes,
/// grants and refresh tokens of the authorization-code flow. Secrets are stored as keyed hashes.
#[async_trait]
pub trait SignInStore: Send + Sync {
    async fn set_password(&self, user: UserId, password_hash: &str, audit: &AuditContext) -> Result<()>;
    /// A person with a password, by e-mail: (id, password hash).
    async fn find_login(&self, email: &str) -> Result<Option<(UserId, String)>>;
    async fn add_redirect_uri(&self, app: AppId, uri: &str, audit: &AuditContext) -> Result<()>;
    async fn list_redirect_uris(&self, app: AppId) -> Result<Vec<String>>;
    async fn create_web_session(&self, hash: &str, user: UserId, csrf: &str, now: i64, expires_at: i64) -> Result<()>;
    /// A live session.
    async fn find_web_session(&self, hash: &str, now: i64) -> Result<Option<WebSession>>;
    /// Ends a session (sign-out). Ending an unknown session is not an error.
    async fn end_web_session(&self, hash: &str) -> Result<()>;
    async fn create_code(&self, code: &NewCode) -> Result<()>;
    /// Spends a code atomically: exactly one redemption wins.
    async fn redeem_code(&self, code_hash: &str) -> Result<CodeRedemption>;
    /// Creates the grant of a redeemed code with its first refresh token.
    async fn create_grant(
        &self,
        code_hash: &str,
        code: &AuthCode,
        app: AppId,
        refresh_hash: &str,
        audit: &AuditContext,
    ) -> Result<Grant>;
    /// Spends a refresh token and stores its successor; a second use revokes the grant.
    async fn rotate_refresh(&self, old_hash: &str, new_hash: &str, audit: &AuditContext) -> Result<RefreshRotation>;
    async fn find_grant(&self, id: i64) -> Result<Option<Grant>>;
    /// The grant a refresh token (spent or not) belongs to.
    async fn find_refresh_grant(&self, token_hash: &str) -> Result<Option<Grant>>;
    async fn revoke_grant(&self, id: i64, reason: &str, audit: &AuditContext) -> Result<()>;
}

/// Where the janitor's purge stops. Each kind of row goes once nothing can use it any more:
/// everything dated at or before its cutoff.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PurgeCutoffs {
    /// Browser sessions and authorization codes that expired then; access-token revocations
    /// that expired [`REVOCATION_GRACE`] before it.
    pub expired: i64,
    /// Refresh tokens of grants approved then (too old to refresh: the person signs in again).
    pub refresh_granted: i64,
    /// Grants approved then, once no refresh token or code refers to them (their last access
    /// token has expired too).
    pub granted: i64,
}

/// How many rows one purge batch removed, by kind.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PurgeCounts {
    pub sessions: u64,
    pub codes: u64,
    pub revocations: u64,
    pub refresh_tokens: u64,
    pub grants: u64,
}

impl PurgeCounts {
    pub fn total(&self) -> u64 {
        self.sessions + self.codes + self.revocations + self.refresh_tokens + self.grants
    }
}

/// Housekeeping: removing rows that have expired, in small batches so that no statement holds
/// locks for long. Idempotent, so every node may run it at the same time.
#[async_trait]
pub trait PurgeStore: Send + Sync {
    /// Deletes at most `batch` expired rows of each kind; call again while it removes any.
    async fn purge_expired(&self, cutoffs: &PurgeCutoffs, batch: i64) -> Result<PurgeCounts>;
}

/// Traditional service accounts (legacy).
#[async_trait]
pub trait ServiceAccountStore: Send + Sync {
    /// Creates the account, its directory contact (no permissions) and its first secret.
    async fn create_service_account(&self, new: &NewServiceAccount, audit: &AuditContext) -> Result<ServiceAccount>;
    async fn list_service_accounts(&self, company: Option<CompanyId>) -> Result<Vec<ServiceAccount>>;
    async fn find_service_account(&self, company: CompanyId, id: i64) -> Result<Option<ServiceAccount>>;
    /// An account and its live secrets (id, hash), by client id.
    async fn find_service_account_by_client_id(
        &self,
        client_id: &str,
    ) -> Result<Option<(ServiceAccount, Vec<(i64, String)>)>>;
    /// The account of a live secret.
    async fn find_service_account_by_secret(&self, secret_id: i64) -> Result<Option<ServiceAccount>>;
    /// New secret; every old one is revoked and every permission and project membership reset.
    async fn reset_service_account(
        &self,
        company: CompanyId,
        id: i64,
        secret_hash: &str,
        audit: &AuditContext,
    ) -> Result<()>;
    /// Retires the account: secrets revoked, directory contact deactivated.
    async fn retire_service_account(&self, company: CompanyId, id: i64, audit: &AuditContext) -> Result<()>;
}

/// Developer apps, manifest versions and OAuth clients.
#[async_trait]
pub trait AppStore: Send + Sync {
    /// Creates an app with its development sandbox (company, sample people and projects,
    /// sandbox client), in one transaction.
    async fn create_app(&self, owner: UserId, name: &str, sandbox: &NewSandbox, audit: &AuditContext) -> Result<App>;
    async fn rename_app(&self, app: AppId, name: &str, audit: &AuditContext) -> Result<App>;
    /// Deletes an app: refused (`Conflict`) while it is installed in any real company; revokes
    /// its secrets, ends its sandbox installs and deactivates its sandbox company.
    async fn delete_app(&self, app: AppId, audit: &AuditContext) -> Result<()>;
    /// A version by its sandbox key.
    async fn find_version_by_sandbox_key(&self, key: &str) -> Result<Option<AppVersion>>;
    /// The app's newest version, promoted or not.
    async fn latest_version(&self, app: AppId) -> Result<Option<AppVersion>>;
    /// Adds a secret to a client (rotation); optionally makes the other live secrets expire at
    /// `expire_others_at`.
    async fn add_secret(
        &self,
        client: ClientPk,
        secret_hash: &str,
        expire_others_at: Option<i64>,
        audit: &AuditContext,
    ) -> Result<i64>;
    /// Retires a secret at once. Refused (`Conflict`) for the client's last live secret.
    async fn revoke_secret(&self, client: ClientPk, secret_id: i64, audit: &AuditContext) -> Result<()>;
    async fn list_secrets(&self, client: ClientPk) -> Result<Vec<SecretInfo>>;
    async fn find_app(&self, id: AppId) -> Result<Option<App>>;
    async fn list_apps(&self, owner: UserId, page: PageRequest) -> Result<Page<App>>;
    /// Suspends the app (`Some(reason)`) or lifts the suspension (`None`). A suspended app's
    /// secrets and grants stop counting as live.
    async fn set_app_suspension(&self, app: AppId, reason: Option<&str>, audit: &AuditContext) -> Result<App>;
    /// Lists the app in the marketplace (`Conflict` without a promoted version).
    async fn publish_app(&self, app: AppId, audit: &AuditContext) -> Result<App>;
    /// Published apps that have a promoted version.
    async fn list_published_apps(&self, page: PageRequest) -> Result<Page<App>>;
    /// Adds a version in status `ready_for_testing`. `Conflict` unless the version orders
    /// above every version of the app by SemVer precedence (checked under a lock on the app, so
    /// concurrent creations cannot both pass).
    async fn create_version(
        &self,
        app: AppId,
        version: &str,
        manifest_json: &str,
        sandbox_key: &str,
        audit: &AuditContext,
    ) -> Result<AppVersion>;
    async fn list_versions(&self, app: AppId) -> Result<Vec<AppVersion>>;
    async fn find_version(&self, app: AppId, version: VersionId) -> Result<Option<AppVersion>>;
    /// A promoted version by its public App Version ID.
    async fn find_version_by_uuid(&self, app_version_uuid: &str) -> Result<Option<AppVersion>>;
    /// Replaces the manifest of a version that is still `ready_for_testing`.
    async fn update_version(
        &self,
        app: AppId,
        version: VersionId,
        manifest_json: &str,
        new_sandbox_key: &str,
        audit: &AuditContext,
    ) -> Result<AppVersion>;
    /// Promotes a `ready_for_testing` version to production under `app_version_uuid`. When the
    /// app has no production client yet, `first_credentials` creates it in the same transaction.
    async fn promote_version(
        &self,
        app: AppId,
        version: VersionId,
        app_version_uuid: &str,
        first_credentials: Option<&NewClient>,
        updates: &[PlannedUpdate],
        audit: &AuditContext,
    ) -> Result<Promotion>;
    /// The app's newest promoted version.
    async fn latest_promoted_version(&self, app: AppId) -> Result<Option<AppVersion>>;
    async fn find_client(&self, environment: Environment, app: AppId) -> Result<Option<OAuthClient>>;
    /// A client and its live (not revoked) secrets, by public client_id.
    async fn find_client_by_client_id(&self, client_id: &str) -> Result<Option<ClientCredentials>>;
    /// Remembers a revoked access token until [`REVOCATION_GRACE`] after `expires_at`.
    /// Revoking twice is harmless.
    async fn revoke_token(&self, app: AppId, token_id: &str, expires_at: i64, audit: &AuditContext) -> Result<()>;
    /// Ids of the app's revoked tokens that had not expired [`REVOCATION_GRACE`] before `now`
    /// (a token that expired a moment ago is still listed: the clock may be set back).
    async fn list_revoked_tokens(&self, app: AppId, now: i64) -> Result<Vec<String>>;
    /// The client a secret belongs to.
    async fn find_client_by_secret(&self, secret_id: i64) -> Result<Option<OAuthClient>>;
    /// A secret that is not revoked: `Some(expires_at)`; `None` when unknown or revoked.
    async fn find_live_secret(&self, secret_id: i64) -> Result<Option<Option<i64>>>;
}

/// Installs of apps in companies, their bots and permitted projects.
#[async_trait]
pub trait InstallStore: Send + Sync {
    /// Every install of the app, in any company and status (for promotion and metrics).
    async fn list_app_installs(&self, app: AppId) -> Result<Vec<Install>>;
    /// Update offers, by app or by install.
    async fn list_updates(&self, filter: UpdateFilter) -> Result<Vec<InstallUpdate>>;
    /// Approves a pending update: the install moves to the new version and its bot gets the
    /// given permissions, in one transaction.
    async fn approve_update(
        &self,
        company: CompanyId,
        update: i64,
        company_permissions_json: &str,
        project_permissions_json: &str,
        audit: &AuditContext,
    ) -> Result<InstallUpdate>;
    /// Installs a version in a company: creates (or re-activates) the app's bot, gives it the
    /// manifest's company permissions, adds it to each permitted project with the manifest's
    /// project permissions, records the install. One transaction. `Conflict` if already installed.
    async fn install_app(&self, new: &NewInstall, audit: &AuditContext) -> Result<Install>;
    /// Uninstalls: access ends at once (bot deactivated, removed from every project).
    async fn uninstall(&self, company: CompanyId, install: InstallId, audit: &AuditContext) -> Result<Install>;
    async fn find_install(&self, company: CompanyId, install: InstallId) -> Result<Option<Install>>;
    /// The active install of an app in a company.
    async fn find_active_install(&self, company: CompanyId, app: AppId) -> Result<Option<Install>>;
    async fn list_installs(&self, company: CompanyId) -> Result<Vec<Install>>;
    /// Adds permitted projects (ids must belong to the company; unknown ones give `NotFound`).
    async fn add_permitted_projects(
        &self,
        company: CompanyId,
        install: InstallId,
        projects: &[ProjectId],
        audit: &AuditContext,
    ) -> Result<Vec<ProjectId>>;
    /// Permits every active project of the company in one statement.
    async fn add_all_permitted_projects(
        &self,
        company: CompanyId,
        install: InstallId,
        audit: &AuditContext,
    ) -> Result<u64>;
    async fn remove_permitted_project(
        &self,
        company: CompanyId,
        install: InstallId,
        project: ProjectId,
        audit: &AuditContext,
    ) -> Result<()>;
    async fn list_permitted_projects(&self, company: CompanyId, install: InstallId) -> Result<Vec<ProjectId>>;
    /// Turns "add to all new projects" on or off.
    async fn set_add_to_new_projects(
        &self,
        company: CompanyId,
        install: InstallId,
        on: bool,
        audit: &AuditContext,
    ) -> Result<Install>;
    /// Companies where the app is installed now.
    /// Companies where the app is installed now: real companies for `Production`, its
    /// development sandbox for `Sandbox`.
    async fn list_app_companies(
        &self,
        app: AppId,
        environment: Environment,
        page: PageRequest,
    ) -> Result<Page<Company>>;
}

/// Project management, invitations into company directories and the operator's listings.
/// Company-scoped methods filter on the `CompanyId`; a foreign id is "not found".
#[async_trait]
pub trait ManageStore: Send + Sync {
    /// A company's projects by status and name-or-number search, in id order.
    async fn list_company_projects(
        &self,
        company: CompanyId,
        filter: &ProjectFilter,
        page: PageRequest,
    ) -> Result<Page<Project>>;
    /// Changes a project of `company`; deactivating or reactivating is a change of `active`.
    async fn update_project(
        &self,
        company: CompanyId,
        project: ProjectId,
        patch: &ProjectPatch,
        audit: &AuditContext,
    ) -> Result<Project>;
    /// Deletes a project nothing depends on; `Conflict` naming what does (documents, members,
    /// apps permitted on it).
    async fn delete_project(&self, company: CompanyId, project: ProjectId, audit: &AuditContext) -> Result<()>;
    /// Creates every project or none, in one transaction (one audit row); bots of installs
    /// marked "add to all new projects" join each.
    async fn create_projects(
        &self,
        company: CompanyId,
        new: &[NewProject],
        audit: &AuditContext,
    ) -> Result<Vec<Project>>;
    /// Every company, or (with `member`) the active ones the user actively belongs to; by a
    /// case-insensitive substring of the name.
    async fn list_companies(&self, member: Option<UserId>, query: &str, page: PageRequest) -> Result<Page<Company>>;
    /// People (not bots) by a case-insensitive substring of the name or e-mail address.
    async fn list_people(&self, query: &str, page: PageRequest) -> Result<Page<User>>;
    /// Invites an e-mail address into the company directory (a pending invitation; a second
    /// invitation of the same address replaces the terms of the first). When no one has the
    /// address, a person without credentials is created for it (recorded in the platform's log
    /// only). The answer is the same whoever has the address; `Conflict` only when it belongs
    /// to an active member already (who is in the directory anyway).
    async fn invite(&self, company: CompanyId, new: &NewInvitation, audit: &AuditContext) -> Result<Invitation>;
    /// The company's pending invitations.
    async fn list_invitations(&self, company: CompanyId, page: PageRequest) -> Result<Page<Invitation>>;
    async fn cancel_invitation(&self, company: CompanyId, id: i64, audit: &AuditContext) -> Result<()>;
    /// A person's pending invitations (of active companies).
    async fn list_my_invitations(&self, user: UserId) -> Result<Vec<Invitation>>;
    /// Accepts a pending invitation of `user`: they join the directory with its role and
    /// permissions. Another person's invitation is `NotFound`.
    async fn accept_invitation(&self, user: UserId, id: i64, audit: &AuditContext) -> Result<Invitation>;
}

/// Management API tokens.
#[async_trait]
pub trait AccessStore: Send + Sync {
    async fn create_api_token(&self, new: &NewApiToken, audit: &AuditContext) -> Result<i64>;
    /// The owner of a live API token, by its keyed hash.
    async fn find_api_token(&self, token_hash: &str) -> Result<Option<ApiTokenOwner>>;
}

/// The audit log.
#[async_trait]
pub trait AuditStore: Send + Sync {
    async fn list_audit(&self, filter: AuditFilter, page: PageRequest) -> Result<Page<AuditEvent>>;
    /// Records a password sign-in attempt (successful or not) in the platform's audit log.
    async fn record_sign_in(&self, attempt: &SignInAttempt) -> Result<()>;
}

/// Liveness of the database itself.
#[async_trait]
pub trait HealthStore: Send + Sync {
    /// Runs a trivial query; `Unavailable` when the database cannot answer.
    async fn ping(&self) -> Result<()>;
}

/// The feed of committed changes, from every node sharing the database.
pub trait ChangeStore: Send + Sync {
    /// Starts delivering changes to `sink` in the background. Returns `false` when the backend
    /// serves a single node (SQLite), where the node's own invalidation is all there is.
    fn watch_changes(&self, sink: Arc<dyn ChangeSink>) -> bool;
}

/// Everything Trestle stores.
pub trait Store:
    DirectoryStore
    + ManageStore
    + AppStore
    + InstallStore
    + DocumentStore
    + SignInStore
    + PurgeStore
    + ServiceAccountStore
    + AccessStore
    + AuditStore
    + HealthStore
    + ChangeStore
{
}
impl<T> Store for T where
    T: DirectoryStore
        + ManageStore
        + AppStore
        + InstallStore
        + DocumentStore
        + SignInStore
        + PurgeStore
        + ServiceAccountStore
        + AccessStore
        + AuditStore
        + HealthStore
        + ChangeStore
{
}

/// Connection settings.
#[derive(Clone, Debug)]
pub struct StoreConfig {
    /// `sqlite://path/to/file.db` or `postgres://…`.
    pub url: String,
    /// Largest number of pooled connections (PostgreSQL) or readers (SQLite).
    pub max_connections: u32,
    /// How long a request waits for a pooled connection before answering "unavailable".
    pub acquire_timeout: std::time::Duration,
}

impl StoreConfig {
    pub fn new(url: impl Into<String>) -> Self {
        StoreConfig {
            url: url.into(),
            max_connections: 16,
            acquire_timeout: std::time::Duration::from_secs(3),
        }
    }
}

/// Opens the database named by the URL scheme and brings its schema up to date.
pub async fn connect(config: &StoreConfig) -> Result<Arc<dyn Store>> {
    if config.url.starts_with("postgres://") || config.url.starts_with("postgresql://") {
        Ok(Arc::new(sql::PgStore::connect(config).await?))
    } else if config.url.starts_with("sqlite:") {
        Ok(Arc::new(sql::SqliteStore::connect(config).await?))
    } else {
        Err(StoreError::Other(
            "database URL must start with sqlite: or postgres://".into(),
        ))
    }
}

#[cfg(feature = "testing")]
pub mod testing;
