//! App lifecycle webhooks (issue #16 item 5): an app's developer registers endpoints that
//! receive the app's own lifecycle — installs, uninstalls, reinstalls, permitted projects,
//! update offers and approvals, suspension, client secrets about to expire — as signed JSON
//! events. They are made from the domain events the store already writes to the outbox, and
//! delivered by the webhook worker with the hooks' queue rules (`crate::webhook`: backoff,
//! discard, one delivery in flight per destination). Pure rules only.

use crate::event::{Action, RecordedEvent};
use crate::ids::{AppId, EndpointDeliveryId, EndpointId, EventId, UserId};
use crate::webhook::{ulid, DeliveryStatus};
use serde_json::{json, Value};

/// A destination of an app's lifecycle events.
#[derive(Clone, Debug, PartialEq)]
pub struct Endpoint {
    pub id: EndpointId,
    pub app: AppId,
    pub url: String,
    pub description: Option<String>,
    /// `false`: nothing is queued for it and its queue waits.
    pub active: bool,
    /// Random per endpoint; the signing secret is derived from the server key and this (it is
    /// not stored). A new salt rotates the secret.
    pub secret_salt: String,
    pub created_by: Option<UserId>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// What a new endpoint is made of.
#[derive(Clone, Debug, PartialEq)]
pub struct NewEndpoint {
    pub app: AppId,
    pub url: String,
    pub description: Option<String>,
    pub created_by: Option<UserId>,
    pub secret_salt: String,
}

/// A change to an endpoint: every field optional (an empty description clears it).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct EndpointPatch {
    pub url: Option<String>,
    pub description: Option<String>,
    pub active: Option<bool>,
}

/// One lifecycle event queued for one endpoint, with the last attempt's outcome.
#[derive(Clone, Debug, PartialEq)]
pub struct EndpointDelivery {
    pub id: EndpointDeliveryId,
    pub endpoint: EndpointId,
    pub app: AppId,
    pub event_id: EventId,
    /// The lifecycle type (`install.created`, …).
    pub event_type: String,
    /// The JSON body sent, rendered once when queued (stable across retries).
    pub payload: String,
    pub status: DeliveryStatus,
    pub attempts: i64,
    pub next_attempt_at: i64,
    pub first_failed_at: Option<i64>,
    pub response_status: Option<i64>,
    pub response_headers: Option<String>,
    pub response_body: Option<String>,
    pub error: Option<String>,
    pub started_at: Option<i64>,
    pub completed_at: Option<i64>,
    pub duration_ms: Option<i64>,
    pub created_at: i64,
}

/// A delivery to queue.
#[derive(Clone, Debug, PartialEq)]
pub struct NewEndpointDelivery {
    pub endpoint: EndpointId,
    pub app: AppId,
    pub event_id: EventId,
    pub event_type: String,
    pub payload: String,
}

/// A client secret expiring this soon (seconds) is announced (`secret.expiring`), once.
pub const EXPIRING_WITHIN: i64 = 7 * 86_400;

/// The lifecycle event types an endpoint receives.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Lifecycle {
    InstallCreated,
    InstallUninstalled,
    InstallReinstalled,
    PermittedProjectsAdded,
    PermittedProjectsRemoved,
    UpdatePending,
    UpdateApproved,
    AppSuspended,
    AppResumed,
    SecretExpiring,
}

impl Lifecycle {
    /// Every type, as the README lists them.
    pub const ALL: &'static [Lifecycle] = &[
        Lifecycle::InstallCreated,
        Lifecycle::InstallUninstalled,
        Lifecycle::InstallReinstalled,
        Lifecycle::PermittedProjectsAdded,
        Lifecycle::PermittedProjectsRemoved,
        Lifecycle::UpdatePending,
        Lifecycle::UpdateApproved,
        Lifecycle::AppSuspended,
        Lifecycle::AppResumed,
        Lifecycle::SecretExpiring,
    ];

    /// The payload's `type`; never changes once released.
    pub const fn as_str(self) -> &'static str {
        match self {
            Lifecycle::InstallCreated => "install.created",
            Lifecycle::InstallUninstalled => "install.uninstalled",
            Lifecycle::InstallReinstalled => "install.reinstalled",
            Lifecycle::PermittedProjectsAdded => "permitted_projects.added",
            Lifecycle::PermittedProjectsRemoved => "permitted_projects.removed",
            Lifecycle::UpdatePending => "update.pending",
            Lifecycle::UpdateApproved => "update.approved",
            Lifecycle::AppSuspended => "app.suspended",
            Lifecycle::AppResumed => "app.resumed",
            Lifecycle::SecretExpiring => "secret.expiring",
        }
    }
}

fn field(state: &Option<Value>, key: &str) -> Value {
    state.as_ref().and_then(|s| s.get(key)).cloned().unwrap_or(Value::Null)
}

fn id_of(target: &str) -> Value {
    target
        .parse::<i64>()
        .map(Value::from)
        .unwrap_or_else(|_| Value::from(target))
}

/// The lifecycle event a committed domain event is for an app's endpoints, with its `data`;
/// `None` for every event that is not about an app's lifecycle.
pub fn lifecycle_of(e: &RecordedEvent) -> Option<(Lifecycle, Value)> {
    e.event.app?;
    let ev = &e.event;
    let target = id_of(&ev.target_id);
    let (before, after) = (&ev.before, &ev.after);
    let update = |automatic: bool| {
        json!({
            "install_update_id": target,
            "from_version_id": field(before, "version_id"),
            "to_version_id": field(after, "version_id"),
            "automatic": automatic,
        })
    };
    Some(match ev.action {
        Action::AppInstall => {
            let ty = if field(after, "reinstall") == Value::Bool(true) {
                Lifecycle::InstallReinstalled
            } else {
                Lifecycle::InstallCreated
            };
            let data = json!({
                "install_id": target,
                "version_id": field(after, "version_id"),
                "bot_user_id": field(after, "bot_user_id"),
                "permitted_project_ids": field(after, "permitted_project_ids"),
            });
            (ty, data)
        }
        Action::AppUninstall => (
            Lifecycle::InstallUninstalled,
            json!({"install_id": target, "permitted_project_ids": field(before, "permitted_project_ids")}),
        ),
        Action::PermittedProjectsAdd | Action::PermittedProjectsAddAll => (
            Lifecycle::PermittedProjectsAdded,
            json!({
                "install_id": target,
                "project_ids": field(after, "project_ids"),
                "all": ev.action == Action::PermittedProjectsAddAll,
            }),
        ),
        Action::PermittedProjectsRemove => (
            Lifecycle::PermittedProjectsRemoved,
            json!({"install_id": target, "project_ids": [field(before, "project_id")]}),
        ),
        Action::InstallUpdateOffered => (Lifecycle::UpdatePending, update(false)),
        Action::InstallUpdateApprove => (Lifecycle::UpdateApproved, update(false)),
        Action::InstallUpdateApplied => (Lifecycle::UpdateApproved, update(true)),
        Action::AppSuspend => (Lifecycle::AppSuspended, json!({"reason": field(after, "reason")})),
        Action::AppResume => (Lifecycle::AppResumed, json!({})),
        Action::ClientSecretExpiring => (
            Lifecycle::SecretExpiring,
            json!({
                "secret_id": target,
                "expires_at": field(after, "expires_at"),
                "environment": field(after, "environment"),
            }),
        ),
        _ => return None,
    })
}

/// The body an endpoint receives: `{id, type, created_at, app_id, company_id, data}`. `id` is
/// the event's ULID (the same for every endpoint of the app and every retry); `created_at` is
/// `timestamp` (RFC 3339 of the event's time).
pub fn payload(e: &RecordedEvent, ty: Lifecycle, data: Value, timestamp: &str) -> Value {
    json!({
        "id": ulid(e.context.at.saturating_mul(1000), e.id),
        "type": ty.as_str(),
        "created_at": timestamp,
        "app_id": e.event.app.map(|a| a.0),
        "company_id": e.event.company.map(|c| c.0),
        "data": data,
    })
}

/// Endpoint URLs are http(s) with a host, at most 2,000 characters.
pub fn valid_url(url: &str) -> bool {
    url.len() <= 2000
        && (url.starts_with("https://") || url.starts_with("http://"))
        && url.split("://").nth(1).is_some_and(|rest| {
            let host = rest.split(['/', '?', '#']).next().unwrap_or("");
            !host.is_empty() && !host.contains(char::is_whitespace)
        })
}

/// Most characters of an endpoint's description.
pub const DESCRIPTION_MAX: usize = 500;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{ActorKind, Event, EventContext, TargetKind};
    use crate::ids::CompanyId;

    fn recorded(event: Event) -> RecordedEvent {
        RecordedEvent {
            id: EventId(9),
            context: EventContext {
                actor: ActorKind::Person,
                actor_user: Some(UserId(1)),
                actor_app: None,
                at: 1_700_000_000,
            },
            event,
        }
    }

    #[test]
    fn install_events_become_created_or_reinstalled() {
        let first = Event::new(Action::AppInstall, TargetKind::Install, 4)
            .in_company(CompanyId(2))
            .for_app(AppId(3))
            .after(json!({"version_id": 5, "bot_user_id": 8, "permitted_project_ids": [10, 11], "reinstall": false}));
        let (ty, data) = lifecycle_of(&recorded(first.clone())).unwrap();
        assert_eq!(ty.as_str(), "install.created");
        assert_eq!(data["permitted_project_ids"], json!([10, 11]));
        assert_eq!(data["install_id"], 4);
        let again = first.after(json!({"version_id": 5, "reinstall": true}));
        assert_eq!(lifecycle_of(&recorded(again)).unwrap().0, Lifecycle::InstallReinstalled);
    }

    #[test]
    fn each_lifecycle_action_maps_and_others_do_not() {
        let app = |a: Action, t: TargetKind| Event::new(a, t, 7).in_company(CompanyId(2)).for_app(AppId(3));
        let removed = app(Action::PermittedProjectsRemove, TargetKind::Install).before(json!({"project_id": 12}));
        let (ty, data) = lifecycle_of(&recorded(removed)).unwrap();
        assert_eq!(
            (ty.as_str(), data["project_ids"].clone()),
            ("permitted_projects.removed", json!([12]))
        );
        let offered = app(Action::InstallUpdateOffered, TargetKind::InstallUpdate)
            .before(json!({"version_id": 1}))
            .after(json!({"version_id": 2}));
        let (ty, data) = lifecycle_of(&recorded(offered)).unwrap();
        assert_eq!(
            (
                ty.as_str(),
                data["from_version_id"].clone(),
                data["to_version_id"].clone()
            ),
            ("update.pending", json!(1), json!(2))
        );
        let suspended = Event::new(Action::AppSuspend, TargetKind::App, 3)
            .for_app(AppId(3))
            .after(json!({"reason": "abuse"}));
        let e = recorded(suspended);
        let (ty, data) = lifecycle_of(&e).unwrap();
        assert_eq!((ty.as_str(), data["reason"].as_str()), ("app.suspended", Some("abuse")));
        let body = payload(&e, ty, data, "2023-11-14T22:13:20Z");
        let keys: Vec<&String> = body.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["app_id", "company_id", "created_at", "data", "id", "type"]);
        assert_eq!(
            (body["app_id"].as_i64(), body["company_id"].clone()),
            (Some(3), Value::Null)
        );
        // Not about an app, or not a lifecycle action.
        let no_app = Event::new(Action::AppInstall, TargetKind::Install, 1).in_company(CompanyId(2));
        assert!(lifecycle_of(&recorded(no_app)).is_none());
        assert!(lifecycle_of(&recorded(app(Action::AppRename, TargetKind::App))).is_none());
        let types: std::collections::HashSet<&str> = Lifecycle::ALL.iter().map(|l| l.as_str()).collect();
        assert_eq!(types.len(), Lifecycle::ALL.len());
    }

    #[test]
    fn urls_are_http_with_a_host() {
        assert!(valid_url("https://example.com/hooks"));
        assert!(valid_url("http://127.0.0.1:9/x"));
        assert!(!valid_url("ftp://example.com"));
        assert!(!valid_url("https:///path"));
        assert!(!valid_url(&format!("https://e.com/{}", "a".repeat(2000))));
    }
}
