//! Domain events: the typed record of every state change.
//!
//! Every change the store commits carries one or more [`Event`]s, written in the same
//! transaction as the change itself (the store's transaction wrapper cannot commit a change
//! without them). Readers of the events: the audit log, and the outbox that webhook delivery
//! reads. [`Action`] is the closed vocabulary; its string form is what the audit log and its
//! API show, so a variant's string never changes once released.

use crate::ids::{AppId, CompanyId, EventId, ProjectId, UserId};

/// What kind of thing an event is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TargetKind {
    AccessToken,
    ApiToken,
    App,
    AppVersion,
    ClientSecret,
    Company,
    /// A document of either kind (its deletion).
    Document,
    /// A document that is a file.
    File,
    /// A document that is a folder.
    Folder,
    /// A sign-in attempt for an address that belongs to nobody.
    Email,
    Grant,
    Install,
    InstallUpdate,
    Invitation,
    OAuthClient,
    Project,
    ServiceAccount,
    User,
    /// A tool record (an RFI, a submittal, a vendor, …; see `crate::record`).
    Record,
    /// The server's clock (a sandbox clock moved by the operator).
    Clock,
    /// A webhook hook (see `crate::webhook`).
    WebhookHook,
    /// A trigger of a webhook hook.
    WebhookTrigger,
    /// The whole stored world: a sandbox snapshot taken or restored (its change touches
    /// every company and app).
    Sandbox,
    /// A scripted fault rule of a sandbox node (see `crate::fault`).
    Fault,
    /// One delivery of a webhook hook (its redelivery).
    WebhookDelivery,
    /// A lifecycle webhook endpoint of an app (see `crate::endpoint`).
    AppEndpoint,
    /// One delivery to an app endpoint (its redelivery).
    AppEndpointDelivery,
}

impl TargetKind {
    /// The audit log's `target_type`.
    pub const fn as_str(self) -> &'static str {
        match self {
            TargetKind::AccessToken => "access_token",
            TargetKind::ApiToken => "api_token",
            TargetKind::App => "app",
            TargetKind::AppVersion => "app_version",
            TargetKind::ClientSecret => "client_secret",
            TargetKind::Company => "company",
            TargetKind::Document => "document",
            TargetKind::File => "file",
            TargetKind::Folder => "folder",
            TargetKind::Email => "email",
            TargetKind::Grant => "grant",
            TargetKind::Install => "install",
            TargetKind::InstallUpdate => "install_update",
            TargetKind::Invitation => "invitation",
            TargetKind::OAuthClient => "oauth_client",
            TargetKind::Project => "project",
            TargetKind::ServiceAccount => "service_account",
            TargetKind::User => "user",
            TargetKind::Record => "record",
            TargetKind::Clock => "clock",
            TargetKind::WebhookHook => "webhook_hook",
            TargetKind::WebhookTrigger => "webhook_trigger",
            TargetKind::Sandbox => "sandbox",
            TargetKind::Fault => "fault",
            TargetKind::WebhookDelivery => "webhook_delivery",
            TargetKind::AppEndpoint => "app_endpoint",
            TargetKind::AppEndpointDelivery => "app_endpoint_delivery",
        }
    }

    /// Every target kind.
    pub const ALL: &'static [TargetKind] = &[
        TargetKind::AccessToken,
        TargetKind::ApiToken,
        TargetKind::App,
        TargetKind::AppVersion,
        TargetKind::ClientSecret,
        TargetKind::Company,
        TargetKind::Document,
        TargetKind::File,
        TargetKind::Folder,
        TargetKind::Email,
        TargetKind::Grant,
        TargetKind::Install,
        TargetKind::InstallUpdate,
        TargetKind::Invitation,
        TargetKind::OAuthClient,
        TargetKind::Project,
        TargetKind::ServiceAccount,
        TargetKind::User,
        TargetKind::Record,
        TargetKind::Clock,
        TargetKind::WebhookHook,
        TargetKind::WebhookTrigger,
        TargetKind::Sandbox,
        TargetKind::Fault,
        TargetKind::WebhookDelivery,
        TargetKind::AppEndpoint,
        TargetKind::AppEndpointDelivery,
    ];

    /// The target kind named `name`, if there is one.
    pub fn parse(name: &str) -> Option<TargetKind> {
        TargetKind::ALL.iter().copied().find(|t| t.as_str() == name)
    }
}

impl From<crate::document::DocumentKind> for TargetKind {
    fn from(kind: crate::document::DocumentKind) -> TargetKind {
        match kind {
            crate::document::DocumentKind::Folder => TargetKind::Folder,
            crate::document::DocumentKind::File => TargetKind::File,
        }
    }
}

macro_rules! actions {
    ($($(#[$doc:meta])* $variant:ident => $name:literal;)*) => {
        /// Every kind of state change Trestle records.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum Action {
            $($(#[$doc])* $variant,)*
        }

        impl Action {
            /// Every action, in declaration order.
            pub const ALL: &'static [Action] = &[$(Action::$variant,)*];

            /// The stable name, e.g. `"app.install"`: the audit log's `action`.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(Action::$variant => $name,)*
                }
            }
        }
    };
}

actions! {
    /// The operator created a person.
    UserCreate => "user.create";
    /// A new person was created by an invitation to an unknown address.
    UserInvite => "user.invite";
    UserSetPassword => "user.set_password";
    SigninSuccess => "signin.success";
    SigninFailure => "signin.failure";
    CompanyCreate => "company.create";
    CompanyUserAdd => "company_user.add";
    CompanyUserUpdate => "company_user.update";
    CompanyInvitationCreate => "company_invitation.create";
    CompanyInvitationAccept => "company_invitation.accept";
    CompanyInvitationCancel => "company_invitation.cancel";
    ProjectCreate => "project.create";
    ProjectBulkCreate => "project.bulk_create";
    ProjectUpdate => "project.update";
    ProjectDeactivate => "project.deactivate";
    ProjectReactivate => "project.reactivate";
    ProjectDelete => "project.delete";
    ProjectUserAdd => "project_user.add";
    ProjectUserRemove => "project_user.remove";
    AppCreate => "app.create";
    AppRename => "app.rename";
    AppPublish => "app.publish";
    AppSuspend => "app.suspend";
    AppResume => "app.resume";
    AppDelete => "app.delete";
    AppInstall => "app.install";
    AppUninstall => "app.uninstall";
    AppVersionCreate => "app_version.create";
    AppVersionUpdate => "app_version.update";
    AppVersionPromote => "app_version.promote";
    ClientCreate => "client.create";
    ClientSecretRotate => "client_secret.rotate";
    ClientSecretRetire => "client_secret.retire";
    RedirectUriAdd => "redirect_uri.add";
    TokenRevoke => "token.revoke";
    GrantCreate => "grant.create";
    GrantRevoke => "grant.revoke";
    ApiTokenCreate => "api_token.create";
    InstallAddToNewProjects => "install.add_to_new_projects";
    PermittedProjectsAdd => "permitted_projects.add";
    PermittedProjectsAddAll => "permitted_projects.add_all";
    PermittedProjectsRemove => "permitted_projects.remove";
    InstallUpdateOffered => "install_update.offered";
    InstallUpdateApplied => "install_update.applied";
    InstallUpdateApprove => "install_update.approve";
    DocumentCreate => "document.create";
    DocumentUpdate => "document.update";
    DocumentDelete => "document.delete";
    ServiceAccountCreate => "service_account.create";
    ServiceAccountResetSecret => "service_account.reset_secret";
    ServiceAccountRetire => "service_account.retire";
    /// A tool record was created (by a create or a sync).
    RecordCreate => "record.create";
    /// A tool record's body or origin id changed (by an update or a sync).
    RecordUpdate => "record.update";
    /// A tool record was (softly) deleted.
    RecordDelete => "record.delete";
    /// The operator moved a sandbox clock forward.
    ClockAdvance => "clock.advance";
    /// A webhook hook was created (its signing secret is never in the event).
    WebhookHookCreate => "webhook_hook.create";
    WebhookHookUpdate => "webhook_hook.update";
    /// A webhook hook was deleted, with its triggers; its queued deliveries are discarded.
    WebhookHookDelete => "webhook_hook.delete";
    /// The hook's signing secret was replaced.
    WebhookHookRotateSecret => "webhook_hook.rotate_secret";
    WebhookTriggerCreate => "webhook_trigger.create";
    WebhookTriggerDelete => "webhook_trigger.delete";
    /// The operator kept the stored world as the state a reset returns to.
    SandboxSnapshot => "sandbox.snapshot";
    /// The operator put the stored world back as the snapshot kept it.
    SandboxReset => "sandbox.reset";
    /// The operator added a scripted fault rule to a node.
    FaultAdd => "fault.add";
    /// The operator removed a scripted fault rule (rules that ran out go without an event).
    FaultRemove => "fault.remove";
    /// The operator queued a hook delivery again (same body and delivery id).
    WebhookDeliveryRedeliver => "webhook_delivery.redeliver";
    /// A developer made a lifecycle endpoint for their app (its signing secret is never in
    /// the event).
    AppEndpointCreate => "app_endpoint.create";
    AppEndpointUpdate => "app_endpoint.update";
    /// An endpoint was deleted with its deliveries.
    AppEndpointDelete => "app_endpoint.delete";
    /// The endpoint's signing secret was replaced.
    AppEndpointRotateSecret => "app_endpoint.rotate_secret";
    /// A developer queued an endpoint delivery again (same body and delivery id).
    AppEndpointDeliveryRedeliver => "app_endpoint_delivery.redeliver";
    /// A client secret of an app expires within [`crate::endpoint::EXPIRING_WITHIN`]: recorded
    /// once per secret by the worker's scan, with the secret's id and expiry (never the secret).
    ClientSecretExpiring => "client_secret.expiring";
}

impl Action {
    /// The action named `name`, if there is one.
    pub fn parse(name: &str) -> Option<Action> {
        Action::ALL.iter().copied().find(|a| a.as_str() == name)
    }
}

impl std::fmt::Display for Action {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Who caused a change.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ActorKind {
    Operator,
    Person,
    /// An app's bot user, acting through a DMSA token.
    Bot,
    /// An OAuth client authenticated by its secret (token revocation, refresh rotation).
    Client,
    /// Trestle itself (the janitor, an automatic update).
    System,
    /// Nobody known: a failed sign-in for an unknown address.
    Anonymous,
}

impl ActorKind {
    pub const fn as_str(self) -> &'static str {
        match self {
            ActorKind::Operator => "operator",
            ActorKind::Person => "person",
            ActorKind::Bot => "bot",
            ActorKind::Client => "client",
            ActorKind::System => "system",
            ActorKind::Anonymous => "anonymous",
        }
    }

    /// Every actor kind.
    pub const ALL: &'static [ActorKind] = &[
        ActorKind::Operator,
        ActorKind::Person,
        ActorKind::Bot,
        ActorKind::Client,
        ActorKind::System,
        ActorKind::Anonymous,
    ];

    /// The actor kind named `name`, if there is one.
    pub fn parse(name: &str) -> Option<ActorKind> {
        ActorKind::ALL.iter().copied().find(|k| k.as_str() == name)
    }
}

/// One state change: what happened, to what, in which company / project / app, and the
/// state before and after (JSON objects of the fields that matter; secrets never appear).
#[derive(Clone, Debug, PartialEq)]
pub struct Event {
    pub action: Action,
    pub target: TargetKind,
    pub target_id: String,
    pub company: Option<CompanyId>,
    pub project: Option<ProjectId>,
    pub app: Option<AppId>,
    /// The collection of a tool record (`rfis`, `rfis/{}/replies`, …), which webhooks filter
    /// on; `None` for every other event.
    pub resource: Option<String>,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
}

impl Event {
    /// An event about the `target` with id `target_id`, in no company, project or app yet.
    pub fn new(action: Action, target: TargetKind, target_id: impl ToString) -> Event {
        Event {
            action,
            target,
            target_id: target_id.to_string(),
            company: None,
            project: None,
            app: None,
            resource: None,
            before: None,
            after: None,
        }
    }

    pub fn in_company(mut self, company: CompanyId) -> Event {
        self.company = Some(company);
        self
    }

    pub fn in_project(mut self, project: ProjectId) -> Event {
        self.project = Some(project);
        self
    }

    pub fn for_app(mut self, app: AppId) -> Event {
        self.app = Some(app);
        self
    }

    /// The collection of the tool record the event is about.
    pub fn of_resource(mut self, resource: impl Into<String>) -> Event {
        self.resource = Some(resource.into());
        self
    }

    pub fn before(mut self, state: serde_json::Value) -> Event {
        self.before = Some(state);
        self
    }

    pub fn after(mut self, state: serde_json::Value) -> Event {
        self.after = Some(state);
        self
    }
}

/// Who and when, for every event of one change.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EventContext {
    pub actor: ActorKind,
    pub actor_user: Option<UserId>,
    /// The app whose token made the change (a DMSA bot's writes of tool records), which
    /// webhook payloads name as `source_application_id`; kept in the outbox only.
    pub actor_app: Option<AppId>,
    /// Unix seconds.
    pub at: i64,
}

/// An event as committed: its id (the same in the audit log and the outbox, increasing in the
/// order the events were written), who caused it and when, and the event itself.
#[derive(Clone, Debug, PartialEq)]
pub struct RecordedEvent {
    pub id: EventId,
    pub context: EventContext,
    pub event: Event,
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn every_action_has_a_distinct_stable_name_that_parses_back() {
        let mut seen = HashSet::new();
        for a in Action::ALL {
            assert!(seen.insert(a.as_str()), "two actions named {}", a.as_str());
            assert_eq!(Action::parse(a.as_str()), Some(*a));
            let (stem, verb) = a.as_str().split_once('.').expect("names are <thing>.<verb>");
            assert!(!stem.is_empty() && !verb.is_empty());
        }
        assert_eq!(Action::parse("app.explode"), None);
    }

    #[test]
    fn names_already_in_audit_logs_do_not_change() {
        // These strings are stored in audit logs and shown by the API: renaming one would
        // split a log's history in two.
        let table = [
            (Action::UserCreate, "user.create"),
            (Action::AppInstall, "app.install"),
            (Action::AppSuspend, "app.suspend"),
            (Action::ClientSecretRetire, "client_secret.retire"),
            (Action::InstallUpdateOffered, "install_update.offered"),
            (Action::ProjectUserAdd, "project_user.add"),
            (Action::TokenRevoke, "token.revoke"),
            (Action::SigninFailure, "signin.failure"),
        ];
        for (action, name) in table {
            assert_eq!(action.as_str(), name);
        }
        let kinds = [
            (TargetKind::AccessToken, "access_token"),
            (TargetKind::InstallUpdate, "install_update"),
            (TargetKind::OAuthClient, "oauth_client"),
            (TargetKind::Folder, "folder"),
            (TargetKind::Email, "email"),
            (TargetKind::Record, "record"),
        ];
        for (kind, name) in kinds {
            assert_eq!(kind.as_str(), name);
        }
        let actors = [
            (ActorKind::Operator, "operator"),
            (ActorKind::Person, "person"),
            (ActorKind::Bot, "bot"),
            (ActorKind::Client, "client"),
            (ActorKind::System, "system"),
            (ActorKind::Anonymous, "anonymous"),
        ];
        for (kind, name) in actors {
            assert_eq!(kind.as_str(), name);
        }
    }

    #[test]
    fn target_and_actor_names_parse_back() {
        let mut seen = HashSet::new();
        for t in TargetKind::ALL {
            assert!(seen.insert(t.as_str()), "two target kinds named {}", t.as_str());
            assert_eq!(TargetKind::parse(t.as_str()), Some(*t));
        }
        assert_eq!(TargetKind::ALL.len(), 27);
        for k in ActorKind::ALL {
            assert_eq!(ActorKind::parse(k.as_str()), Some(*k));
        }
        assert_eq!(TargetKind::parse("gizmo"), None);
        assert_eq!(ActorKind::parse("robot"), None);
    }

    #[test]
    fn the_builder_places_an_event() {
        let e = Event::new(Action::AppInstall, TargetKind::Install, 7)
            .in_company(CompanyId(3))
            .for_app(AppId(9))
            .after(serde_json::json!({"status": "active"}));
        assert_eq!(e.target_id, "7");
        assert_eq!(
            (e.company, e.app, e.project),
            (Some(CompanyId(3)), Some(AppId(9)), None)
        );
        assert_eq!(e.target.as_str(), "install");
        assert!(e.before.is_none());
        assert!(e.resource.is_none());
        let r = Event::new(Action::RecordCreate, TargetKind::Record, 1).of_resource("rfis");
        assert_eq!(
            (r.resource.as_deref(), r.action.as_str()),
            (Some("rfis"), "record.create")
        );
    }
}
