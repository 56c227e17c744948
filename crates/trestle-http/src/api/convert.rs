//! From what the use cases return to the management API's types (`trestle_api`): one
//! conversion per type, used by every resource module. Imports none of them.

use serde_json::Value;
use trestle_api::audit::*;
use trestle_api::companies::*;
use trestle_api::installs::*;
use trestle_api::invitations::*;
use trestle_api::mail::MailOut;
use trestle_api::metrics::*;
use trestle_api::people::*;
use trestle_api::projects::*;
use trestle_api::service_accounts::*;
use trestle_api::versions::*;
use trestle_core::{AppMetrics, InstallView, MigrationRow, ToolChange};
use trestle_domain::entities::{
    AppVersion, AuditEvent, Company, DirectoryEntry, Invitation, Mail, Project, ServiceAccount, User,
};
use trestle_store::NewProject;

/// A value the use cases return, as the management API shows it.
pub(crate) trait ToDto {
    type Dto;
    fn dto(self) -> Self::Dto;
}

impl ToDto for User {
    type Dto = UserOut;
    fn dto(self) -> UserOut {
        let u = self;
        UserOut {
            id: u.id.0,
            kind: u.kind.as_str().into(),
            email: u.email,
            name: u.name,
            created_at: u.created_at,
        }
    }
}

impl ToDto for Company {
    type Dto = CompanyOut;
    fn dto(self) -> CompanyOut {
        let c = self;
        CompanyOut {
            id: c.id.0,
            name: c.name,
            is_active: c.is_active,
            created_at: c.created_at,
        }
    }
}

pub(crate) fn new_project(b: CreateProject) -> NewProject {
    NewProject {
        name: b.name,
        project_number: b.project_number,
        address: b.address,
        city: b.city,
        state_code: b.state_code,
        country_code: b.country_code,
        zip: b.zip,
        details_json: None,
    }
}

impl ToDto for Project {
    type Dto = ProjectOut;
    fn dto(self) -> ProjectOut {
        let p = self;
        ProjectOut {
            id: p.id.0,
            company_id: p.company_id.0,
            name: p.name,
            project_number: p.project_number,
            address: p.address,
            city: p.city,
            state_code: p.state_code,
            country_code: p.country_code,
            zip: p.zip,
            active: p.active,
            created_at: p.created_at,
            updated_at: p.updated_at,
        }
    }
}

impl ToDto for AppVersion {
    type Dto = VersionOut;
    fn dto(self) -> VersionOut {
        let v = self;
        VersionOut {
            id: v.id.0,
            app_id: v.app_id.0,
            status: v.status.as_str().into(),
            version: v.version,
            app_version_id: v.app_version_uuid,
            manifest: serde_json::from_str(&v.manifest_json).unwrap_or(Value::Null),
            created_at: v.created_at,
            updated_at: v.updated_at,
            promoted_at: v.promoted_at,
            sandbox_key: v.sandbox_key,
        }
    }
}

impl ToDto for trestle_domain::entities::InstallUpdate {
    type Dto = UpdateOut;
    fn dto(self) -> UpdateOut {
        let u = self;
        UpdateOut {
            id: u.id.0,
            install_id: u.install_id.0,
            company_id: u.company_id.0,
            app_id: u.app_id.0,
            from_version_id: u.from_version_id.0,
            to_version_id: u.to_version_id.0,
            status: u.status,
            widened: serde_json::from_str(&u.widened_json).unwrap_or(Value::Null),
            created_at: u.created_at,
            decided_at: u.decided_at,
        }
    }
}

impl ToDto for InstallView {
    type Dto = InstallOut;
    fn dto(self) -> InstallOut {
        let v = self;
        InstallOut {
            id: v.install.id.0,
            company_id: v.install.company_id.0,
            app: AppRef {
                id: v.app.id.0,
                name: v.app.name,
            },
            version: v.version.version,
            app_version_id: v.version.app_version_uuid,
            status: if v.install.status == trestle_domain::entities::InstallStatus::Installed {
                "installed"
            } else {
                "uninstalled"
            }
            .into(),
            installed_at: v.install.installed_at,
            uninstalled_at: v.install.uninstalled_at,
            add_to_new_projects: v.install.add_to_new_projects,
            bot: BotOut {
                id: v.bot.id.0,
                name: v.bot.name,
                email: v.bot.email,
            },
            permitted_project_ids: v.permitted_project_ids.into_iter().map(|p| p.0).collect(),
            company_permissions: serde_json::to_value(&v.manifest.company_permissions).unwrap_or(Value::Null),
            project_permissions: serde_json::to_value(&v.manifest.project_permissions).unwrap_or(Value::Null),
            post_installation_notes: v.manifest.post_installation_notes,
            instructions_url: v.manifest.instructions_url,
            instructions_page_name: v.manifest.instructions_page_name,
            pending_update: v.pending_update.map(ToDto::dto),
        }
    }
}

impl ToDto for DirectoryEntry {
    type Dto = DirectoryUserOut;
    fn dto(self) -> DirectoryUserOut {
        let e = self;
        DirectoryUserOut {
            id: e.user.id.0,
            name: e.user.name,
            email_address: e.user.email,
            kind: e.user.kind.as_str().into(),
            is_active: e.is_active,
            is_admin: e.is_admin,
            permissions: serde_json::from_str(&e.permissions_json).unwrap_or(Value::Null),
        }
    }
}

impl ToDto for AuditEvent {
    type Dto = AuditOut;
    fn dto(self) -> AuditOut {
        let e = self;
        let parse = |j: Option<String>| j.and_then(|j| serde_json::from_str(&j).ok()).unwrap_or(Value::Null);
        AuditOut {
            id: e.id.0,
            at: e.at,
            actor_kind: e.actor_kind,
            actor_user_id: e.actor_user_id.map(|u| u.0),
            company_id: e.company_id.map(|c| c.0),
            app_id: e.app_id.map(|a| a.0),
            action: e.action,
            target_type: e.target_type,
            target_id: e.target_id,
            before: parse(e.before_json),
            after: parse(e.after_json),
        }
    }
}

impl ToDto for ToolChange {
    type Dto = ToolChangeOut;
    fn dto(self) -> ToolChangeOut {
        let c = self;
        ToolChangeOut {
            tool: c.tool,
            from: c.from.as_str().into(),
            to: c.to.as_str().into(),
        }
    }
}

impl ToDto for AppMetrics {
    type Dto = MetricsOut;
    fn dto(self) -> MetricsOut {
        let m = self;
        MetricsOut {
            installs: m.installs,
            uninstalls: m.uninstalls,
            active_installs: m.active_installs,
            from: m.from,
            to: m.to,
            daily: m
                .daily
                .into_iter()
                .map(|d| DayOut {
                    date: d.date,
                    installs: d.installs,
                    uninstalls: d.uninstalls,
                    active: d.active,
                })
                .collect(),
            companies: m
                .companies
                .into_iter()
                .map(|c| CompanyMetricsOut {
                    company_id: c.company_id.0,
                    company_name: c.company_name,
                    installs: c.installs,
                    uninstalls: c.uninstalls,
                    active: c.active,
                    first_installed_at: c.first_installed_at,
                    last_uninstalled_at: c.last_uninstalled_at,
                })
                .collect(),
        }
    }
}

impl ToDto for Mail {
    type Dto = MailOut;
    fn dto(self) -> MailOut {
        let m = self;
        MailOut {
            id: m.id.0,
            recipient_user_id: m.recipient.0,
            recipient_address: m.address,
            subject: m.subject,
            body: m.body,
            event_id: m.event_id.0,
            action: m.action,
            company_id: m.company.map(|c| c.0),
            status: m.status.as_str().into(),
            attempts: m.attempts,
            next_attempt_at: m.next_attempt_at,
            last_error: m.last_error,
            created_at: m.created_at,
            updated_at: m.updated_at,
            sent_at: m.sent_at,
        }
    }
}

impl ToDto for Invitation {
    type Dto = InvitationOut;
    fn dto(self) -> InvitationOut {
        let i = self;
        InvitationOut {
            id: i.id.0,
            company_id: i.company_id.0,
            company_name: i.company_name,
            email: i.email,
            is_admin: i.is_admin,
            permissions: serde_json::from_str(&i.permissions_json).unwrap_or(Value::Null),
            status: i.status,
            created_at: i.created_at,
            decided_at: i.decided_at,
        }
    }
}

impl ToDto for ServiceAccount {
    type Dto = ServiceAccountOut;
    fn dto(self) -> ServiceAccountOut {
        let a = self;
        ServiceAccountOut {
            id: a.id.0,
            company_id: a.company_id.0,
            name: a.name,
            app_type: a.app_type,
            app_id: a.app_id.map(|x| x.0),
            client_id: a.client_id,
            user_id: a.user_id.0,
            created_at: a.created_at,
            retired_at: a.retired_at,
        }
    }
}

impl ToDto for MigrationRow {
    type Dto = MigrationRowOut;
    fn dto(self) -> MigrationRowOut {
        let r = self;
        MigrationRowOut {
            service_account_id: r.account.id.0,
            name: r.account.name,
            company_id: r.account.company_id.0,
            company_name: r.company_name,
            app_type: r.account.app_type,
            app_id: r.account.app_id.map(|a| a.0),
            app_name: r.app_name,
            dmsa_installed: r.dmsa_installed,
            covers_projects: r.covers_projects,
            covers_permissions: r.covers_permissions,
            ready_to_retire: r.ready_to_retire,
            retired: r.account.retired_at.is_some(),
        }
    }
}
