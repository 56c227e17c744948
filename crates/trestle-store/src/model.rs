//! Rows as the rest of the system sees them.

use trestle_domain::*;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UserKind {
    Person,
    /// An app's DMSA bot (one per install).
    Bot,
    /// The directory contact of a traditional service account (not an app's bot).
    ServiceAccount,
}

impl UserKind {
    /// The kind as the management API names it.
    pub fn as_str(self) -> &'static str {
        match self {
            UserKind::Person => "person",
            UserKind::Bot => "bot",
            UserKind::ServiceAccount => "service_account",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct User {
    pub id: UserId,
    pub kind: UserKind,
    pub email: String,
    pub name: String,
    pub created_at: i64,
}

#[derive(Clone, Debug)]
pub struct NewPerson {
    pub email: String,
    pub name: String,
}

#[derive(Clone, Debug)]
pub struct NewMember {
    pub user: UserId,
    pub is_admin: bool,
    pub permissions_json: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Company {
    pub id: CompanyId,
    pub name: String,
    pub is_active: bool,
    pub created_at: i64,
    /// Set when this company is the development sandbox of an app.
    pub sandbox_of_app: Option<AppId>,
}

#[derive(Clone, Debug, Default)]
pub struct NewProject {
    pub name: String,
    pub project_number: Option<String>,
    pub address: Option<String>,
    pub city: Option<String>,
    pub state_code: Option<String>,
    pub country_code: Option<String>,
    pub zip: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Project {
    pub id: ProjectId,
    pub company_id: CompanyId,
    pub company_name: String,
    pub name: String,
    pub project_number: Option<String>,
    pub address: Option<String>,
    pub city: Option<String>,
    pub state_code: Option<String>,
    pub country_code: Option<String>,
    pub zip: Option<String>,
    pub active: bool,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct App {
    pub id: AppId,
    pub owner_id: UserId,
    pub name: String,
    pub created_at: i64,
    /// The app's development sandbox company.
    pub sandbox_company_id: Option<CompanyId>,
    /// When the developer listed the app in the marketplace.
    pub published_at: Option<i64>,
    /// When the operator suspended the app (no tokens, its tokens refused), and why.
    pub suspended_at: Option<i64>,
    pub suspended_reason: Option<String>,
}

/// A person or bot in a company directory, with their membership.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DirectoryEntry {
    pub user: User,
    pub is_active: bool,
    pub is_admin: bool,
    pub permissions_json: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DocumentKind {
    Folder,
    File,
}

impl DocumentKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DocumentKind::Folder => "folder",
            DocumentKind::File => "file",
        }
    }
}

/// A folder or file of a project's Documents tool.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Document {
    pub id: i64,
    pub company_id: CompanyId,
    pub project_id: ProjectId,
    pub parent_id: Option<i64>,
    pub kind: DocumentKind,
    pub name: String,
    pub data: Option<String>,
    pub created_by: Option<UserId>,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Clone, Debug)]
pub struct NewDocument {
    pub parent_id: Option<i64>,
    pub kind: DocumentKind,
    pub name: String,
    pub data: Option<String>,
    pub created_by: Option<UserId>,
}

/// The development sandbox created with an app: a company the developer administers, sample
/// projects and people, and sandbox OAuth credentials.
#[derive(Clone, Debug)]
pub struct NewSandbox {
    pub company_name: String,
    pub projects: Vec<NewProject>,
    /// Sample people: (e-mail, name).
    pub people: Vec<(String, String)>,
    pub client: NewClient,
}

/// A secret as listed (never the secret itself).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SecretInfo {
    pub id: i64,
    pub created_at: i64,
    pub expires_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

/// A newer promoted version offered to one installed company.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InstallUpdate {
    pub id: i64,
    pub install_id: InstallId,
    pub company_id: CompanyId,
    pub app_id: AppId,
    pub from_version_id: VersionId,
    pub to_version_id: VersionId,
    /// `pending`, `applied`, `approved` or `superseded`.
    pub status: String,
    /// JSON list of widened tools.
    pub widened_json: String,
    pub created_at: i64,
    pub decided_at: Option<i64>,
}

/// What promotion does to one active install, decided by the core.
#[derive(Clone, Debug)]
pub struct PlannedUpdate {
    pub install: InstallId,
    pub company: CompanyId,
    pub from_version: VersionId,
    pub widened_json: String,
    /// Apply at once (the version does not widen permissions); else wait for the admin.
    pub apply_now: bool,
    pub company_permissions_json: String,
    pub project_permissions_json: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VersionStatus {
    ReadyForTesting,
    Promoted,
}

impl VersionStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            VersionStatus::ReadyForTesting => "ready_for_testing",
            VersionStatus::Promoted => "promoted",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AppVersion {
    pub id: VersionId,
    pub app_id: AppId,
    pub version: String,
    pub manifest_json: String,
    pub status: VersionStatus,
    pub app_version_uuid: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    pub promoted_at: Option<i64>,
    /// Installs this version in the app's development sandbox; renewed on every save.
    pub sandbox_key: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Environment {
    Production,
    Sandbox,
}

impl Environment {
    pub fn as_str(self) -> &'static str {
        match self {
            Environment::Production => "production",
            Environment::Sandbox => "sandbox",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OAuthClient {
    pub pk: ClientPk,
    pub app_id: AppId,
    pub environment: Environment,
    pub client_id: String,
    pub created_at: i64,
}

/// A client to create: public id and the keyed hash of its first secret.
#[derive(Clone, Debug)]
pub struct NewClient {
    pub environment: Environment,
    pub client_id: String,
    pub secret_hash: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientSecret {
    pub id: i64,
    pub secret_hash: String,
    pub expires_at: Option<i64>,
}

/// A client with its live secrets, for authenticating a token request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientCredentials {
    pub client: OAuthClient,
    pub secrets: Vec<ClientSecret>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Promotion {
    pub version: AppVersion,
    /// Set when this promotion created the production client.
    pub created_client: Option<OAuthClient>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InstallStatus {
    Installed,
    Uninstalled,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Install {
    pub id: InstallId,
    pub company_id: CompanyId,
    pub app_id: AppId,
    pub version_id: VersionId,
    pub bot_user_id: UserId,
    pub status: InstallStatus,
    pub add_to_new_projects: bool,
    pub installed_at: i64,
    pub uninstalled_at: Option<i64>,
}

/// What [`crate::InstallStore::install_app`] needs.
#[derive(Clone, Debug)]
pub struct NewInstall {
    pub company: CompanyId,
    pub app: AppId,
    pub version: VersionId,
    /// Used only when the company has no bot for this app yet.
    pub bot_email: String,
    pub bot_name: String,
    pub company_permissions_json: String,
    pub project_permissions_json: String,
    pub permitted_projects: Vec<ProjectId>,
    pub add_to_new_projects: bool,
    pub installed_by: Option<UserId>,
}

#[derive(Clone, Debug)]
pub struct NewApiToken {
    pub token_hash: String,
    /// `None` for an operator token.
    pub user: Option<UserId>,
    pub label: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ApiTokenOwner {
    Operator,
    User(UserId),
}

/// Who did it and when, recorded with each change.
#[derive(Clone, Debug)]
pub struct AuditContext {
    /// `"operator"`, `"person"` or `"system"`.
    pub actor_kind: &'static str,
    pub actor_user: Option<UserId>,
    pub at: i64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditEvent {
    pub id: i64,
    pub at: i64,
    pub actor_kind: String,
    pub actor_user_id: Option<UserId>,
    pub company_id: Option<CompanyId>,
    pub app_id: Option<AppId>,
    pub action: String,
    pub target_type: String,
    pub target_id: String,
    pub before_json: Option<String>,
    pub after_json: Option<String>,
}

#[derive(Clone, Copy, Debug, Default)]
pub struct AuditFilter {
    pub company: Option<CompanyId>,
    pub app: Option<AppId>,
}

/// What a committed change touched, for invalidating caches (on this node and, through the
/// database's change feed, on every other node).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Change {
    Company(CompanyId),
    App(AppId),
    /// Anything may have changed (e.g. the change feed was interrupted).
    Everything,
}

impl Change {
    /// The wire form used on the PostgreSQL channel: `c:<id>`, `a:<id>` or `*`.
    pub fn encode(self) -> String {
        match self {
            Change::Company(c) => format!("c:{c}"),
            Change::App(a) => format!("a:{a}"),
            Change::Everything => "*".into(),
        }
    }

    /// Parses one comma-separated payload; anything unreadable means "everything".
    pub fn decode_all(payload: &str) -> Vec<Change> {
        payload
            .split(',')
            .map(|part| {
                let parsed = match part.split_once(':') {
                    Some(("c", id)) => id.parse().ok().map(|i| Change::Company(CompanyId(i))),
                    Some(("a", id)) => id.parse().ok().map(|i| Change::App(AppId(i))),
                    _ => None,
                };
                parsed.unwrap_or(Change::Everything)
            })
            .collect()
    }
}

/// Receives the change feed.
pub trait ChangeSink: Send + Sync {
    fn changed(&self, change: Change);
    /// The feed is interrupted: changes may be missed until [`ChangeSink::feed_restored`].
    fn feed_lost(&self);
    /// The feed works again (anything may have changed meanwhile).
    fn feed_restored(&self);
}

#[derive(Clone, Copy, Debug)]
pub enum UpdateFilter {
    App(AppId),
    Install(InstallId),
}

/// An authorization code to store (its keyed hash only).
#[derive(Clone, Debug)]
pub struct NewCode {
    pub code_hash: String,
    pub client: ClientPk,
    pub user: UserId,
    pub redirect_uri: String,
    pub code_challenge: Option<String>,
    pub expires_at: i64,
}

/// A code taken out of circulation by its first redemption.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuthCode {
    pub client: ClientPk,
    pub user: UserId,
    pub redirect_uri: String,
    pub code_challenge: Option<String>,
    pub expires_at: i64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CodeRedemption {
    /// First use: the code, now spent.
    Redeemed(AuthCode),
    /// Used before: the grant it produced (to revoke), if any.
    Replayed {
        grant: Option<i64>,
    },
    Unknown,
}

/// A person's approval of a client; its tokens live while it is not revoked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Grant {
    pub id: i64,
    pub client: ClientPk,
    pub app_id: AppId,
    pub user_id: UserId,
    pub revoked: bool,
    /// When the person approved (the start of the refresh tokens' absolute lifetime).
    pub created_at: i64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RefreshRotation {
    /// The old token is spent and the new one stored, for this grant.
    Rotated(Grant),
    /// The token was used before: the grant has been revoked (reuse detection).
    Reused {
        grant: i64,
    },
    Unknown,
}

/// A traditional service account (legacy): one company, its own client id.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServiceAccount {
    pub id: i64,
    pub company_id: CompanyId,
    /// Its directory contact (a bot user).
    pub user_id: UserId,
    pub name: String,
    /// `custom` or `marketplace`.
    pub app_type: String,
    pub app_id: Option<AppId>,
    pub client_id: String,
    pub created_at: i64,
    pub retired_at: Option<i64>,
}

#[derive(Clone, Debug)]
pub struct NewServiceAccount {
    pub company: CompanyId,
    pub name: String,
    pub app_type: String,
    pub app_id: Option<AppId>,
    pub client_id: String,
    pub secret_hash: String,
    pub contact_email: String,
}

/// A live browser session.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WebSession {
    pub user: UserId,
    /// The session's CSRF token (every form carries it).
    pub csrf: String,
    /// When the person signed in (sensitive actions want a recent sign-in).
    pub created_at: i64,
}

/// A password sign-in attempt, for the audit log. Never carries the password.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignInAttempt {
    /// The person, when the e-mail address is one.
    pub user: Option<UserId>,
    /// The e-mail address as typed (normalised).
    pub email: String,
    pub success: bool,
    /// The client's network address.
    pub address: Option<String>,
    pub at: i64,
}

/// Which projects a company listing shows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ProjectStatus {
    #[default]
    Active,
    Inactive,
    All,
}

/// A company's project listing: by status, optionally by a name-or-number search.
#[derive(Clone, Debug, Default)]
pub struct ProjectFilter {
    pub status: ProjectStatus,
    /// Case-insensitive substring of the name or number; empty for every project.
    pub query: String,
}

/// A project change: `None` leaves a field as it is; `Some(None)` clears an optional field.
#[derive(Clone, Debug, Default)]
pub struct ProjectPatch {
    pub name: Option<String>,
    pub project_number: Option<Option<String>>,
    pub address: Option<Option<String>>,
    pub city: Option<Option<String>>,
    pub state_code: Option<Option<String>>,
    pub country_code: Option<Option<String>>,
    pub zip: Option<Option<String>>,
    pub active: Option<bool>,
}

/// What an admin asks for when inviting someone into the company directory.
#[derive(Clone, Debug)]
pub struct NewInvitation {
    /// Normalised (lower case).
    pub email: String,
    /// The name a person created by this invitation gets (when no one has the address yet).
    pub name: String,
    pub is_admin: bool,
    pub permissions_json: String,
    pub invited_by: Option<UserId>,
}

/// An invitation as its company's admins and the invited person see it. It never says whether
/// the address belongs to anyone.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Invitation {
    pub id: i64,
    pub company_id: CompanyId,
    pub company_name: String,
    pub email: String,
    pub is_admin: bool,
    pub permissions_json: String,
    /// `pending`, `accepted` or `cancelled`.
    pub status: String,
    pub created_at: i64,
    pub decided_at: Option<i64>,
}
