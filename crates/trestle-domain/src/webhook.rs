//! Webhooks (Procore's Webhooks API, issue #16): hooks (a destination owned by one company or
//! one project), their triggers (resource × event type), deliveries (one committed event queued
//! for one hook), the resources a trigger may name, the retry schedule and the payloads.
//! Pure rules only; the store keeps the rows, the core's worker delivers.

use crate::event::{Action, RecordedEvent};
use crate::ids::{AppId, CompanyId, DeliveryId, EventId, HookId, ProjectId, TriggerId, UserId};
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// A hook: where a company's or a project's events go.
#[derive(Clone, Debug, PartialEq)]
pub struct Hook {
    pub id: HookId,
    pub company: CompanyId,
    /// `None`: a company hook, which receives the events of the company and of all its projects.
    pub project: Option<ProjectId>,
    pub namespace: String,
    /// The payload version (`v2.0`, …); v1 calls it `api_version`, v2 `payload_version`.
    pub api_version: String,
    pub destination_url: String,
    /// Sent with every delivery; `Authorization` is masked when shown.
    pub destination_headers: BTreeMap<String, String>,
    /// `false`: disabled (v2 `status: disabled`), nothing is queued for it.
    pub active: bool,
    pub owned_by: Option<UserId>,
    /// Random per hook; the signing secret is derived from the server key and this (it is not
    /// stored). A new salt rotates the secret.
    pub secret_salt: String,
    pub created_at: i64,
    pub updated_at: i64,
}

/// What a new hook is made of.
#[derive(Clone, Debug, PartialEq)]
pub struct NewHook {
    pub company: CompanyId,
    pub project: Option<ProjectId>,
    pub namespace: String,
    pub api_version: String,
    pub destination_url: String,
    pub destination_headers: BTreeMap<String, String>,
    pub owned_by: Option<UserId>,
    pub secret_salt: String,
}

/// A change to a hook: every field optional.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct HookPatch {
    pub namespace: Option<String>,
    pub api_version: Option<String>,
    pub destination_url: Option<String>,
    pub destination_headers: Option<BTreeMap<String, String>>,
    pub active: Option<bool>,
}

/// The kinds of change a trigger subscribes to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EventType {
    Create,
    Update,
    Delete,
}

impl EventType {
    pub const fn as_str(self) -> &'static str {
        match self {
            EventType::Create => "create",
            EventType::Update => "update",
            EventType::Delete => "delete",
        }
    }

    /// Case-insensitive (`CREATE` is what Procore's v1 schema echoes).
    pub fn parse(s: &str) -> Option<EventType> {
        match s.trim().to_ascii_lowercase().as_str() {
            "create" => Some(EventType::Create),
            "update" => Some(EventType::Update),
            "delete" => Some(EventType::Delete),
            _ => None,
        }
    }

    /// The event type of a domain event's action, if webhooks deliver it.
    pub fn of_action(a: Action) -> Option<EventType> {
        match a {
            Action::RecordCreate | Action::ProjectCreate => Some(EventType::Create),
            Action::RecordUpdate | Action::ProjectUpdate => Some(EventType::Update),
            Action::RecordDelete | Action::ProjectDelete => Some(EventType::Delete),
            _ => None,
        }
    }
}

/// A trigger of a hook.
#[derive(Clone, Debug, PartialEq)]
pub struct Trigger {
    pub id: TriggerId,
    pub hook: HookId,
    pub company: CompanyId,
    pub project: Option<ProjectId>,
    /// The display name of a [`WebhookResource`], e.g. `RFIs`.
    pub resource_name: String,
    pub event_type: EventType,
    pub created_by: Option<UserId>,
    pub created_at: i64,
}

/// Where a delivery stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DeliveryStatus {
    /// Not attempted yet.
    Queued,
    Successful,
    /// Failed at least once, will be retried at `next_attempt_at`.
    Failing,
    /// Given up (12 h of failures) or the hook was deleted.
    Discarded,
}

impl DeliveryStatus {
    pub const fn as_str(self) -> &'static str {
        match self {
            DeliveryStatus::Queued => "queued",
            DeliveryStatus::Successful => "successful",
            DeliveryStatus::Failing => "failing",
            DeliveryStatus::Discarded => "discarded",
        }
    }

    pub fn parse(s: &str) -> Option<DeliveryStatus> {
        [
            DeliveryStatus::Queued,
            DeliveryStatus::Successful,
            DeliveryStatus::Failing,
            DeliveryStatus::Discarded,
        ]
        .into_iter()
        .find(|d| d.as_str() == s)
    }

    /// Procore v1's `outcome`.
    pub const fn v1_outcome(self) -> &'static str {
        match self {
            DeliveryStatus::Queued => "queued",
            DeliveryStatus::Successful => "ok",
            DeliveryStatus::Failing => "retried",
            DeliveryStatus::Discarded => "discarded",
        }
    }

    /// Procore v2's `status`.
    pub const fn v2_status(self) -> &'static str {
        match self {
            DeliveryStatus::Queued => "enqueued",
            DeliveryStatus::Successful => "delivered",
            DeliveryStatus::Failing => "retrying",
            DeliveryStatus::Discarded => "discarded",
        }
    }

    /// A deliveries filter value (`filters[status]` of v1, `filter[status]` of v2): `Ok(None)`
    /// for `any` (or nothing), `Err` for a word that is neither.
    pub fn filter(s: Option<&str>) -> Result<Option<DeliveryStatus>, String> {
        let Some(s) = s.map(str::trim).filter(|s| !s.is_empty()) else {
            return Ok(None);
        };
        match s.to_ascii_lowercase().as_str() {
            "any" => Ok(None),
            "successful" | "succeeded" | "delivered" | "ok" => Ok(Some(DeliveryStatus::Successful)),
            "failing" | "failed" | "retrying" | "retried" => Ok(Some(DeliveryStatus::Failing)),
            "discarded" => Ok(Some(DeliveryStatus::Discarded)),
            "queued" | "enqueued" => Ok(Some(DeliveryStatus::Queued)),
            other => Err(format!(
                "status must be one of any, successful, failing, discarded; got {other:?}"
            )),
        }
    }
}

/// One event queued for one hook, with the last attempt's outcome.
#[derive(Clone, Debug, PartialEq)]
pub struct Delivery {
    pub id: DeliveryId,
    pub hook: HookId,
    pub company: CompanyId,
    pub event_id: EventId,
    /// The JSON body sent, rendered once when the event was queued (stable across retries).
    pub payload: String,
    pub status: DeliveryStatus,
    pub attempts: i64,
    pub next_attempt_at: i64,
    /// When the hook's current run of failures began (`None` while nothing failed).
    pub first_failed_at: Option<i64>,
    pub response_status: Option<i64>,
    /// JSON object of the response headers.
    pub response_headers: Option<String>,
    /// The first [`BODY_EXCERPT`] bytes of the response.
    pub response_body: Option<String>,
    pub error: Option<String>,
    pub started_at: Option<i64>,
    pub completed_at: Option<i64>,
    /// Milliseconds the last attempt took.
    pub duration_ms: Option<i64>,
    pub created_at: i64,
}

/// A delivery to queue: the event and its rendered body.
#[derive(Clone, Debug, PartialEq)]
pub struct NewDelivery {
    pub hook: HookId,
    pub company: CompanyId,
    pub event_id: EventId,
    pub payload: String,
}

/// What one attempt found.
#[derive(Clone, Debug, PartialEq)]
pub struct Attempt {
    pub started_at: i64,
    pub completed_at: i64,
    pub duration_ms: i64,
    pub response_status: Option<i64>,
    pub response_headers: Option<String>,
    pub response_body: Option<String>,
    pub error: Option<String>,
}

impl Attempt {
    /// Success is any 2xx.
    pub fn succeeded(&self) -> bool {
        self.error.is_none() && self.response_status.is_some_and(|s| (200..300).contains(&s))
    }
}

/// What follows an attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AfterAttempt {
    /// Delivered; the hook's queue goes on.
    Delivered,
    /// Failed: retry at this time; the queue waits.
    RetryAt(i64),
    /// Failed for [`DISCARD_AFTER`]: this delivery and every queued one of the hook are discarded.
    DiscardQueue,
}

/// Bytes of a response body kept with a delivery.
pub const BODY_EXCERPT: usize = 2048;
/// The first retry waits this long; each next one twice as long …
pub const FIRST_BACKOFF: i64 = 1;
/// … up to this.
pub const MAX_BACKOFF: i64 = 3600;
/// A hook failing this long has its queue discarded.
pub const DISCARD_AFTER: i64 = 12 * 3600;
/// Most triggers one bulk call may name.
pub const MAX_BULK: usize = 500;

/// The wait before the next attempt after `attempts` failed ones (1 s, 2 s, 4 s … 1 h).
pub fn backoff(attempts: i64) -> i64 {
    let n = attempts.clamp(1, 63) - 1;
    if n >= 12 {
        return MAX_BACKOFF;
    }
    (FIRST_BACKOFF << n).min(MAX_BACKOFF)
}

/// The next step after an attempt at `now` of a delivery that had failed `attempts_before`
/// times, its hook failing since `failing_since`.
pub fn after_attempt(a: &Attempt, attempts_before: i64, failing_since: Option<i64>, now: i64) -> AfterAttempt {
    if a.succeeded() {
        return AfterAttempt::Delivered;
    }
    let since = failing_since.unwrap_or(a.started_at);
    if now - since >= DISCARD_AFTER {
        return AfterAttempt::DiscardQueue;
    }
    AfterAttempt::RetryAt(now + backoff(attempts_before + 1))
}

/// A resource a trigger may name, and the events it comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WebhookResource {
    /// Procore's display name (`RFIs`), what triggers and payloads carry.
    pub name: &'static str,
    /// The record collection (`rfis`) whose events it is, or `None` for [`PROJECTS`].
    pub collection: Option<&'static str>,
    pub category: &'static str,
    pub tool: &'static str,
}

/// The `Projects` resource: project create, update and delete.
pub const PROJECTS: &str = "Projects";

macro_rules! resources {
    ($(($name:literal, $coll:expr, $cat:literal, $tool:literal)),* $(,)?) => {
        /// Every resource a trigger may name.
        pub const RESOURCES: &[WebhookResource] = &[
            $(WebhookResource { name: $name, collection: $coll, category: $cat, tool: $tool },)*
        ];
    };
}

resources! {
    ("Projects", None, "Core", "Projects"),
    ("RFIs", Some("rfis"), "Project Management", "RFIs"),
    ("Submittals", Some("submittals"), "Project Management", "Submittals"),
    ("Punch Items", Some("punch_items"), "Project Management", "Punch List"),
    ("Observations", Some("observations/items"), "Quality & Safety", "Observations"),
    ("Inspections", Some("checklist/lists"), "Quality & Safety", "Inspections"),
    ("Change Events", Some("change_events"), "Financial Management", "Change Events"),
    ("Direct Costs", Some("direct_costs"), "Financial Management", "Direct Costs"),
    ("Prime Contracts", Some("prime_contract"), "Financial Management", "Prime Contracts"),
    ("Work Order Contracts", Some("work_order_contracts"), "Financial Management", "Commitments"),
    ("Purchase Order Contracts", Some("purchase_order_contracts"), "Financial Management", "Commitments"),
    ("Company Vendors", Some("vendors"), "Core", "Directory"),
    ("Tasks", Some("tasks"), "Project Management", "Tasks"),
    ("Meetings", Some("meetings"), "Project Management", "Meetings"),
    ("Images", Some("images"), "Project Management", "Photos"),
    ("Timecard Entries", Some("timecard_entries"), "Resource Management", "Timesheets"),
    ("Manpower Logs", Some("manpower_logs"), "Project Management", "Daily Log"),
    ("Notes Logs", Some("notes_logs"), "Project Management", "Daily Log"),
}

/// The resource named `name` (case-insensitive).
pub fn resource_named(name: &str) -> Option<&'static WebhookResource> {
    RESOURCES.iter().find(|r| r.name.eq_ignore_ascii_case(name.trim()))
}

/// The resource a committed event is about, with its event type, if webhooks deliver it.
pub fn resource_of(e: &RecordedEvent) -> Option<(&'static WebhookResource, EventType)> {
    let ty = EventType::of_action(e.event.action)?;
    let r = match e.event.action {
        Action::ProjectCreate | Action::ProjectUpdate | Action::ProjectDelete => resource_named(PROJECTS)?,
        _ => {
            let coll = e.event.resource.as_deref()?;
            RESOURCES.iter().find(|r| r.collection == Some(coll))?
        }
    };
    Some((r, ty))
}

/// The payload versions Trestle delivers (Procore's §4.8 formats).
pub const API_VERSIONS: &[&str] = &["v2.0", "v3.0", "v4.0"];

/// The payload version a hook asks for, normalised (`v2` is `v2.0`); `None` when unsupported.
pub fn api_version(v: &str) -> Option<&'static str> {
    match v.trim() {
        "v2" | "v2.0" | "2" | "2.0" => Some("v2.0"),
        "v3" | "v3.0" | "3" | "3.0" => Some("v3.0"),
        "v4" | "v4.0" | "4" | "4.0" => Some("v4.0"),
        _ => None,
    }
}

/// Procore's rule: lowercase letters, digits and `-` (with `.` and `_` let through, as n8n
/// sends `rfis.create`), 1 to 100 characters.
pub fn valid_namespace(ns: &str) -> bool {
    !ns.is_empty()
        && ns.len() <= 100
        && ns
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'-' | b'.' | b'_'))
}

/// How a destination header is shown: `Authorization` masked to its last five characters.
pub fn masked_header(name: &str, value: &str) -> String {
    if !name.eq_ignore_ascii_case("authorization") {
        return value.to_string();
    }
    let chars: Vec<char> = value.chars().collect();
    if chars.len() <= 5 {
        return value.to_string();
    }
    let tail: String = chars[chars.len() - 5..].iter().collect();
    format!("*****{tail}")
}

/// A ULID for an event: its time in milliseconds and its id as the 80 "random" bits, so the
/// same event always has the same ULID and two events never share one.
pub fn ulid(at_ms: i64, id: EventId) -> String {
    const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    let value: u128 = ((at_ms.max(0) as u128 & ((1 << 48) - 1)) << 80) | (id.0.max(0) as u128);
    (0..26)
        .map(|i| ALPHABET[((value >> (125 - 5 * i)) & 31) as usize] as char)
        .collect()
}

/// Who made the change, for the payload's `metadata`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Source {
    pub user: Option<UserId>,
    /// The app whose token made the change (a DMSA bot's record writes).
    pub application: Option<AppId>,
}

/// The v2.0 body of one event (Procore's payload format: every field of §4.8).
pub fn payload_v2(
    e: &RecordedEvent,
    resource: &WebhookResource,
    ty: EventType,
    timestamp: &str,
    source: &Source,
) -> Value {
    let company = e.event.company.map(|c| c.0);
    let project = e.event.project.map(|p| p.0);
    let resource_id: Value = e
        .event
        .target_id
        .parse::<i64>()
        .map(Value::from)
        .unwrap_or_else(|_| Value::from(e.event.target_id.clone()));
    json!({
        "id": e.id.0,
        "ulid": ulid(e.context.at.saturating_mul(1000), e.id),
        "timestamp": timestamp,
        "event_type": ty.as_str(),
        "resource_name": resource.name,
        "resource_id": resource_id,
        "company_id": company,
        "project_id": project,
        "user_id": source.user.map(|u| u.0),
        "api_version": "v2.0",
        "metadata": {
            "source_user_id": source.user.map(|u| u.0),
            "source_company_id": company,
            "source_project_id": project,
            "source_application_id": source.application.map(|a| a.0),
            "source_operation_id": Value::Null,
        },
    })
}

/// The body of one event for a hook of payload `version` (normalised by [`api_version`];
/// anything else is v2.0): v3.0 is v2.0 with `related_resources` (empty: Trestle's record
/// events name no parent resource yet), v4.0 has string ids, the ULID as `id`, `reason` and
/// `resource_type`, and no metadata.
pub fn payload(
    version: &str,
    e: &RecordedEvent,
    resource: &WebhookResource,
    ty: EventType,
    timestamp: &str,
    source: &Source,
) -> Value {
    match version {
        "v4.0" => json!({
            "id": ulid(e.context.at.saturating_mul(1000), e.id),
            "timestamp": timestamp,
            "reason": ty.as_str(),
            "company_id": e.event.company.map(|c| c.0.to_string()),
            "project_id": e.event.project.map(|p| p.0.to_string()),
            "user_id": source.user.map(|u| u.0.to_string()),
            "resource_type": resource.name,
            "resource_id": e.event.target_id,
        }),
        "v3.0" => {
            let mut v = payload_v2(e, resource, ty, timestamp, source);
            v["api_version"] = "v3.0".into();
            v["related_resources"] = json!([]);
            v
        }
        _ => payload_v2(e, resource, ty, timestamp, source),
    }
}

/// Whether a hook's scope contains an event of `company` / `project`: a company hook holds
/// every project of its company, a project hook only its project.
pub fn scope_contains(
    hook_company: CompanyId,
    hook_project: Option<ProjectId>,
    company: CompanyId,
    project: Option<ProjectId>,
) -> bool {
    hook_company == company && (hook_project.is_none() || hook_project == project)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{ActorKind, Event, EventContext, TargetKind};

    fn attempt(status: Option<i64>, error: Option<&str>) -> Attempt {
        Attempt {
            started_at: 100,
            completed_at: 100,
            duration_ms: 3,
            response_status: status,
            response_headers: None,
            response_body: None,
            error: error.map(String::from),
        }
    }

    #[test]
    fn backoff_doubles_from_one_second_to_an_hour() {
        let waits: Vec<i64> = (1..=14).map(backoff).collect();
        assert_eq!(waits, [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 3600, 3600]);
        assert_eq!(backoff(1000), 3600);
        assert_eq!(backoff(0), 1);
    }

    #[test]
    fn an_attempt_is_delivered_retried_or_discards_the_queue() {
        assert_eq!(
            after_attempt(&attempt(Some(204), None), 0, None, 100),
            AfterAttempt::Delivered
        );
        assert_eq!(
            after_attempt(&attempt(Some(500), None), 0, None, 100),
            AfterAttempt::RetryAt(101)
        );
        assert_eq!(
            after_attempt(&attempt(Some(302), None), 2, Some(90), 100),
            AfterAttempt::RetryAt(104)
        );
        assert_eq!(
            after_attempt(&attempt(None, Some("timeout")), 3, Some(90), 100),
            AfterAttempt::RetryAt(108)
        );
        assert_eq!(
            after_attempt(&attempt(Some(500), None), 30, Some(100 - DISCARD_AFTER), 100),
            AfterAttempt::DiscardQueue
        );
        assert_eq!(
            after_attempt(&attempt(Some(200), None), 30, Some(100 - DISCARD_AFTER), 100),
            AfterAttempt::Delivered
        );
    }

    #[test]
    fn filters_take_both_vocabularies() {
        assert_eq!(DeliveryStatus::filter(None), Ok(None));
        assert_eq!(DeliveryStatus::filter(Some("any")), Ok(None));
        for (word, want) in [
            ("successful", DeliveryStatus::Successful),
            ("succeeded", DeliveryStatus::Successful),
            ("delivered", DeliveryStatus::Successful),
            ("failing", DeliveryStatus::Failing),
            ("failed", DeliveryStatus::Failing),
            ("retrying", DeliveryStatus::Failing),
            ("discarded", DeliveryStatus::Discarded),
            ("enqueued", DeliveryStatus::Queued),
        ] {
            assert_eq!(DeliveryStatus::filter(Some(word)), Ok(Some(want)), "{word}");
        }
        assert!(DeliveryStatus::filter(Some("bogus")).is_err());
        for s in [
            DeliveryStatus::Queued,
            DeliveryStatus::Successful,
            DeliveryStatus::Failing,
            DeliveryStatus::Discarded,
        ] {
            assert_eq!(DeliveryStatus::parse(s.as_str()), Some(s));
        }
    }

    #[test]
    fn authorization_is_masked_to_its_last_five_characters() {
        assert_eq!(masked_header("Authorization", "Bearer abcdefghij"), "*****fghij");
        assert_eq!(masked_header("authorization", "abc"), "abc");
        assert_eq!(masked_header("X-Hook-Event", "rfis.create"), "rfis.create");
    }

    #[test]
    fn namespaces_and_versions() {
        assert!(valid_namespace("my-app"));
        assert!(valid_namespace("rfis.create"));
        assert!(!valid_namespace("My App"));
        assert!(!valid_namespace(""));
        assert_eq!(api_version("v2"), Some("v2.0"));
        assert_eq!(api_version("v2.0"), Some("v2.0"));
        assert_eq!(api_version("v9.0"), None);
        assert_eq!(api_version("v4"), Some("v4.0"));
        assert_eq!(EventType::parse("CREATE"), Some(EventType::Create));
        assert_eq!(EventType::parse("explode"), None);
        assert_eq!(resource_named("rfis").map(|r| r.name), Some("RFIs"));
    }

    #[test]
    fn ulids_are_26_crockford_characters_ordered_by_time_and_id() {
        let a = ulid(1_700_000_000_000, EventId(1));
        let b = ulid(1_700_000_000_000, EventId(2));
        let c = ulid(1_700_000_001_000, EventId(1));
        assert_eq!(a.len(), 26);
        assert!(a < b && b < c);
        assert_eq!(a, ulid(1_700_000_000_000, EventId(1)));
        assert!(a.bytes().all(|b| b"0123456789ABCDEFGHJKMNPQRSTVWXYZ".contains(&b)));
    }

    #[test]
    fn a_record_event_becomes_a_v2_payload_with_every_field() {
        let e = RecordedEvent {
            id: EventId(77),
            context: EventContext {
                actor: ActorKind::Bot,
                actor_user: Some(UserId(5)),
                actor_app: Some(AppId(6)),
                at: 1_700_000_000,
            },
            event: Event::new(Action::RecordUpdate, TargetKind::Record, 42)
                .in_company(CompanyId(3))
                .in_project(ProjectId(9))
                .of_resource("rfis"),
        };
        let (r, ty) = resource_of(&e).expect("an RFI update is delivered");
        assert_eq!((r.name, ty), ("RFIs", EventType::Update));
        let source = Source {
            user: Some(UserId(5)),
            application: Some(AppId(6)),
        };
        let p = payload_v2(&e, r, ty, "2023-11-14T22:13:20.000000Z", &source);
        for key in [
            "id",
            "ulid",
            "timestamp",
            "event_type",
            "resource_name",
            "resource_id",
            "company_id",
            "project_id",
            "user_id",
            "api_version",
            "metadata",
        ] {
            assert!(p.get(key).is_some(), "{key}");
        }
        assert_eq!(p["resource_id"], 42);
        assert_eq!(p["metadata"]["source_application_id"], 6);
        assert_eq!(p["metadata"]["source_user_id"], 5);
        let v3 = payload("v3.0", &e, r, ty, "t", &source);
        assert_eq!(
            (v3["api_version"].as_str(), v3["related_resources"].clone()),
            (Some("v3.0"), json!([]))
        );
        assert_eq!(v3["ulid"], p["ulid"]);
        let v4 = payload("v4.0", &e, r, ty, "t", &source);
        let keys: Vec<&String> = v4.as_object().unwrap().keys().collect();
        assert_eq!(
            keys,
            [
                "company_id",
                "id",
                "project_id",
                "reason",
                "resource_id",
                "resource_type",
                "timestamp",
                "user_id"
            ]
        );
        assert!(
            v4.as_object().unwrap().values().all(Value::is_string),
            "v4 ids are strings: {v4}"
        );
        assert_eq!(
            (v4["id"].clone(), v4["reason"].as_str()),
            (p["ulid"].clone(), Some("update"))
        );
        let other = RecordedEvent {
            event: Event::new(Action::RecordCreate, TargetKind::Record, 1).of_resource("unknown_things"),
            ..e.clone()
        };
        assert!(resource_of(&other).is_none());
        let app = RecordedEvent {
            event: Event::new(Action::AppCreate, TargetKind::App, 1),
            ..e
        };
        assert!(resource_of(&app).is_none());
    }

    #[test]
    fn a_company_hook_holds_its_projects() {
        let (c, p) = (CompanyId(1), ProjectId(2));
        assert!(scope_contains(c, None, c, Some(p)));
        assert!(scope_contains(c, None, c, None));
        assert!(scope_contains(c, Some(p), c, Some(p)));
        assert!(!scope_contains(c, Some(p), c, Some(ProjectId(3))));
        assert!(!scope_contains(c, Some(p), c, None));
        assert!(!scope_contains(c, None, CompanyId(9), Some(p)));
    }
}
