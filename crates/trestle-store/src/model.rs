//! What the storage traits take: new rows, patches, filters, the audit context, the change
//! feed's vocabulary. The entities they return live in `trestle_domain` (re-exported by the
//! crate root for now).

use trestle_domain::credential::Environment;
use trestle_domain::document::DocumentKind;
use trestle_domain::*;

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

#[derive(Clone, Debug, Default)]
pub struct NewProject {
    pub name: String,
    pub project_number: Option<String>,
    pub address: Option<String>,
    pub city: Option<String>,
    pub state_code: Option<String>,
    pub country_code: Option<String>,
    pub zip: Option<String>,
    /// The fields without a column of their own, as a JSON object (`None`: `{}`).
    pub details_json: Option<String>,
}

#[derive(Clone, Debug)]
pub struct NewDocument {
    pub parent_id: Option<DocumentId>,
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

/// A client to create: public id and the keyed hash of its first secret.
#[derive(Clone, Debug)]
pub struct NewClient {
    pub environment: Environment,
    pub client_id: String,
    pub secret_hash: String,
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

/// Who did it and when, recorded with each change's events (the domain's type).
pub use trestle_domain::event::{ActorKind, EventContext};

#[derive(Clone, Copy, Debug, Default)]
pub struct AuditFilter {
    pub company: Option<CompanyId>,
    pub app: Option<AppId>,
}

/// What a committed change touched, for invalidating caches (on this node and, through the
/// database's change feed, on every other node).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Change {
    /// Anything of the company may have changed.
    Company(CompanyId),
    /// Only the company's tool records (`records`) changed: what is read of its directory
    /// (memberships, installs, projects, people) did not.
    Records(CompanyId),
    App(AppId),
    /// Anything may have changed (e.g. the change feed was interrupted).
    Everything,
}

impl Change {
    /// The wire form used on the PostgreSQL channel: `c:<id>`, `r:<id>`, `a:<id>` or `*`
    /// (a node that does not know `r:` takes it as `*`).
    pub fn encode(self) -> String {
        match self {
            Change::Company(c) => format!("c:{c}"),
            Change::Records(c) => format!("r:{c}"),
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
                    Some(("r", id)) => id.parse().ok().map(|i| Change::Records(CompanyId(i))),
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
    /// Fields without a column to merge into the project's (a JSON object; `None`: unchanged).
    pub details_json: Option<String>,
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Every change survives the channel's wire form; anything unreadable (an unknown kind
    /// from a newer node, a broken id) is taken as "everything".
    #[test]
    fn changes_round_trip_on_the_wire() {
        let all = [
            Change::Company(CompanyId(7)),
            Change::Records(CompanyId(7)),
            Change::App(AppId(3)),
            Change::Everything,
        ];
        let payload: Vec<String> = all.iter().map(|c| c.encode()).collect();
        assert_eq!(Change::decode_all(&payload.join(",")), all);
        assert_eq!(Change::decode_all("x:1,c:zz"), [Change::Everything, Change::Everything]);
    }
}
