//! Rows as the database returns them, the column lists that select them, and their
//! conversion into the types the rest of the system sees.

use crate::entities::*;
use crate::*;
use sqlx::FromRow;
use trestle_domain::*;

#[derive(FromRow)]
pub(super) struct UserRow {
    pub(super) id: i64,
    pub(super) kind: String,
    pub(super) email: String,
    pub(super) name: String,
    pub(super) created_at: i64,
}

pub(super) fn user_kind(kind: &str) -> UserKind {
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
pub(super) struct CompanyRow {
    pub(super) id: i64,
    pub(super) name: String,
    pub(super) is_active: bool,
    pub(super) created_at: i64,
    pub(super) sandbox_of_app: Option<i64>,
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
pub(super) struct ProjectRow {
    pub(super) id: i64,
    pub(super) company_id: i64,
    pub(super) company_name: String,
    pub(super) name: String,
    pub(super) project_number: Option<String>,
    pub(super) address: Option<String>,
    pub(super) city: Option<String>,
    pub(super) state_code: Option<String>,
    pub(super) country_code: Option<String>,
    pub(super) zip: Option<String>,
    pub(super) active: bool,
    pub(super) created_at: i64,
    pub(super) updated_at: i64,
    pub(super) details: String,
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
            details_json: r.details,
        }
    }
}

#[derive(FromRow)]
pub(super) struct AppRow {
    pub(super) id: i64,
    pub(super) owner_id: i64,
    pub(super) name: String,
    pub(super) created_at: i64,
    pub(super) sandbox_company_id: Option<i64>,
    pub(super) published_at: Option<i64>,
    pub(super) suspended_at: Option<i64>,
    pub(super) suspended_reason: Option<String>,
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
pub(super) struct VersionRow {
    pub(super) id: i64,
    pub(super) app_id: i64,
    pub(super) version: String,
    pub(super) manifest: String,
    pub(super) status: String,
    pub(super) app_version_uuid: Option<String>,
    pub(super) created_at: i64,
    pub(super) updated_at: i64,
    pub(super) promoted_at: Option<i64>,
    pub(super) sandbox_key: Option<String>,
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
pub(super) struct ClientRow {
    pub(super) id: i64,
    pub(super) app_id: i64,
    pub(super) environment: String,
    pub(super) client_id: String,
    pub(super) created_at: i64,
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
pub(super) struct SecretRow {
    pub(super) id: i64,
    pub(super) secret_hash: String,
    pub(super) expires_at: Option<i64>,
}

#[derive(FromRow)]
pub(super) struct InstallRow {
    pub(super) id: i64,
    pub(super) company_id: i64,
    pub(super) app_id: i64,
    pub(super) version_id: i64,
    pub(super) bot_user_id: i64,
    pub(super) status: String,
    pub(super) add_to_new_projects: bool,
    pub(super) installed_at: i64,
    pub(super) uninstalled_at: Option<i64>,
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
pub(super) struct AuditRow {
    pub(super) id: i64,
    pub(super) at: i64,
    pub(super) actor_kind: String,
    pub(super) actor_user_id: Option<i64>,
    pub(super) company_id: Option<i64>,
    pub(super) app_id: Option<i64>,
    pub(super) action: String,
    pub(super) target_type: String,
    pub(super) target_id: String,
    pub(super) before_json: Option<String>,
    pub(super) after_json: Option<String>,
    pub(super) resource: Option<String>,
}

impl From<AuditRow> for AuditEvent {
    fn from(r: AuditRow) -> Self {
        AuditEvent {
            id: EventId(r.id),
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
            resource: r.resource,
        }
    }
}

#[derive(FromRow)]
pub(super) struct OutboxRow {
    pub(super) id: i64,
    pub(super) at: i64,
    pub(super) actor_kind: String,
    pub(super) actor_user_id: Option<i64>,
    pub(super) company_id: Option<i64>,
    pub(super) project_id: Option<i64>,
    pub(super) app_id: Option<i64>,
    pub(super) action: String,
    pub(super) target_type: String,
    pub(super) target_id: String,
    pub(super) before_json: Option<String>,
    pub(super) after_json: Option<String>,
    pub(super) resource: Option<String>,
    pub(super) actor_app_id: Option<i64>,
}

impl TryFrom<OutboxRow> for trestle_domain::event::RecordedEvent {
    type Error = StoreError;

    /// Every name in the outbox was written from the event vocabulary; one that does not parse
    /// back is a database written by a newer Trestle, and an error rather than a guess.
    fn try_from(r: OutboxRow) -> Result<Self> {
        use trestle_domain::event::{Action, ActorKind, Event, EventContext, TargetKind};
        let unknown =
            |what: &str, name: &str| StoreError::Other(format!("outbox event {}: unknown {what} {name:?}", r.id));
        let json = |text: &Option<String>| -> Result<Option<serde_json::Value>> {
            text.as_deref()
                .map(serde_json::from_str)
                .transpose()
                .map_err(|e| StoreError::Other(format!("outbox event {}: {e}", r.id)))
        };
        Ok(trestle_domain::event::RecordedEvent {
            id: EventId(r.id),
            context: EventContext {
                actor: ActorKind::parse(&r.actor_kind).ok_or_else(|| unknown("actor kind", &r.actor_kind))?,
                actor_user: r.actor_user_id.map(UserId),
                actor_app: r.actor_app_id.map(AppId),
                at: r.at,
            },
            event: Event {
                action: Action::parse(&r.action).ok_or_else(|| unknown("action", &r.action))?,
                target: TargetKind::parse(&r.target_type).ok_or_else(|| unknown("target type", &r.target_type))?,
                target_id: r.target_id.clone(),
                company: r.company_id.map(CompanyId),
                project: r.project_id.map(ProjectId),
                app: r.app_id.map(AppId),
                before: json(&r.before_json)?,
                after: json(&r.after_json)?,
                resource: r.resource.clone(),
            },
        })
    }
}

#[derive(FromRow)]
pub(super) struct MembershipRow {
    pub(super) is_active: bool,
    pub(super) is_admin: bool,
    pub(super) permissions: String,
}

pub(super) const PROJECT_COLUMNS: &str =
    "p.id, p.company_id, c.name AS company_name, p.name, p.project_number, p.address, \
     p.city, p.state_code, p.country_code, p.zip, p.active, p.created_at, p.updated_at, p.details";
pub(super) const VERSION_COLUMNS: &str =
    "id, app_id, version, manifest, status, app_version_uuid, created_at, updated_at, promoted_at, sandbox_key";
pub(super) const APP_COLUMNS: &str = "a.id, a.owner_id, a.name, a.created_at, \
     (SELECT c.id FROM companies c WHERE c.sandbox_of_app = a.id) AS sandbox_company_id, a.published_at, \
     a.suspended_at, a.suspended_reason";
pub(super) const DOCUMENT_COLUMNS: &str =
    "id, company_id, project_id, parent_id, kind, name, data, created_by, created_at, updated_at";
/// A user's kind as the rest of the system sees it: a traditional service account's contact is
/// stored as a bot but is reported as `service` (not an app's DMSA bot).
macro_rules! user_kind_sql {
    () => {
        "CASE WHEN u.kind = 'bot' AND EXISTS (SELECT 1 FROM service_accounts sa WHERE sa.user_id = u.id) \
         THEN 'service' ELSE u.kind END"
    };
}
pub(super) use user_kind_sql;
pub(super) const DIRECTORY_COLUMNS: &str = concat!(
    "u.id, ",
    user_kind_sql!(),
    " AS kind, u.email, u.name, u.created_at, cu.is_active, cu.is_admin, cu.profile"
);

pub(super) const SA_COLUMNS: &str =
    "id, company_id, user_id, name, app_type, app_id, client_id, created_at, retired_at";
pub(super) const SA_COLUMNS_A: &str =
    "a.id, a.company_id, a.user_id, a.name, a.app_type, a.app_id, a.client_id, a.created_at, a.retired_at";

#[derive(FromRow)]
pub(super) struct SaRow {
    pub(super) id: i64,
    pub(super) company_id: i64,
    pub(super) user_id: i64,
    pub(super) name: String,
    pub(super) app_type: String,
    pub(super) app_id: Option<i64>,
    pub(super) client_id: String,
    pub(super) created_at: i64,
    pub(super) retired_at: Option<i64>,
}

impl From<SaRow> for ServiceAccount {
    fn from(r: SaRow) -> Self {
        ServiceAccount {
            id: ServiceAccountId(r.id),
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
pub(super) struct DocumentRow {
    pub(super) id: i64,
    pub(super) company_id: i64,
    pub(super) project_id: i64,
    pub(super) parent_id: Option<i64>,
    pub(super) kind: String,
    pub(super) name: String,
    pub(super) data: Option<String>,
    pub(super) created_by: Option<i64>,
    pub(super) created_at: i64,
    pub(super) updated_at: i64,
}

impl From<DocumentRow> for Document {
    fn from(r: DocumentRow) -> Self {
        Document {
            id: DocumentId(r.id),
            company_id: CompanyId(r.company_id),
            project_id: ProjectId(r.project_id),
            parent_id: r.parent_id.map(DocumentId),
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
pub(super) struct DirectoryRow {
    pub(super) id: i64,
    pub(super) kind: String,
    pub(super) email: String,
    pub(super) name: String,
    pub(super) created_at: i64,
    pub(super) is_active: bool,
    pub(super) is_admin: bool,
    pub(super) profile: String,
    pub(super) permissions: String,
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
            profile_json: r.profile,
        }
    }
}
pub(super) const UPDATE_COLUMNS: &str =
    "id, install_id, company_id, app_id, from_version_id, to_version_id, status, widened, \
     created_at, decided_at";

#[derive(FromRow)]
pub(super) struct UpdateRow {
    pub(super) id: i64,
    pub(super) install_id: i64,
    pub(super) company_id: i64,
    pub(super) app_id: i64,
    pub(super) from_version_id: i64,
    pub(super) to_version_id: i64,
    pub(super) status: String,
    pub(super) widened: String,
    pub(super) created_at: i64,
    pub(super) decided_at: Option<i64>,
}

impl From<UpdateRow> for InstallUpdate {
    fn from(r: UpdateRow) -> Self {
        InstallUpdate {
            id: InstallUpdateId(r.id),
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
pub(super) const INSTALL_COLUMNS: &str =
    "id, company_id, app_id, version_id, bot_user_id, status, add_to_new_projects, installed_at, uninstalled_at";
