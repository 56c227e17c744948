//! How the Directory's people and the projects read on Procore's REST surface: one rendering,
//! used by the hand-written lists and by the catalog operations that write them (whose answers
//! are also what an `Idempotency-Token` replays).

use serde::Serialize;
use serde_json::{json, Map, Value};
use std::borrow::Cow;
use trestle_domain::entities::{DirectoryEntry, Project, UserKind};

/// The fields a directory person's JSON has of its own; a company profile never repeats them.
pub const DIRECTORY_OWN_FIELDS: &[&str] = &[
    "id",
    "name",
    "first_name",
    "last_name",
    "email_address",
    "is_active",
    "is_employee",
    "job_title",
    "last_login_at",
    "permission_template",
    "vendor",
    "is_dmsa",
];

/// The fields a project's JSON has of its own; its details never repeat them.
pub const PROJECT_OWN_FIELDS: &[&str] = &[
    "id",
    "name",
    "display_name",
    "project_number",
    "address",
    "city",
    "state_code",
    "country_code",
    "zip",
    "active",
    "created_at",
    "updated_at",
    "origin_id",
    "origin_data",
    "company",
    "company_id",
];

/// A person or bot of a company or project directory.
#[derive(Serialize)]
pub struct DirectoryUserJson {
    pub id: i64,
    pub name: String,
    pub first_name: String,
    pub last_name: String,
    pub email_address: String,
    pub is_active: bool,
    pub is_employee: bool,
    pub job_title: Option<String>,
    pub last_login_at: Option<String>,
    pub permission_template: Option<Value>,
    pub vendor: Option<Value>,
    /// Trestle: the user is an app's DMSA bot (a traditional service account is not: its job
    /// title is "Service account").
    pub is_dmsa: bool,
    /// The company's profile of the person (phones, address, …).
    #[serde(flatten)]
    pub profile: Map<String, Value>,
}

fn text(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) => Some(s.clone()),
        Value::Null => None,
        other => Some(other.to_string()),
    }
}

impl From<DirectoryEntry> for DirectoryUserJson {
    fn from(e: DirectoryEntry) -> Self {
        let mut profile = match e.profile_json.as_str() {
            "" | "{}" => Map::new(),
            p => serde_json::from_str::<Map<String, Value>>(p).unwrap_or_default(),
        };
        let (mut first, mut last) = match e.user.name.rsplit_once(' ') {
            Some((f, l)) => (f.to_string(), l.to_string()),
            None => (e.user.name.clone(), String::new()),
        };
        let own_names = profile.contains_key("first_name") || profile.contains_key("last_name");
        if let Some(f) = text(profile.get("first_name")) {
            first = f;
        }
        if let Some(l) = text(profile.get("last_name")) {
            last = l;
        }
        let name = if own_names {
            format!("{first} {last}").trim().to_string()
        } else {
            e.user.name.clone()
        };
        let bot = e.user.kind == UserKind::Bot;
        let job_title = match e.user.kind {
            UserKind::Bot => Some("DMSA app user".to_string()),
            UserKind::ServiceAccount => Some("Service account".to_string()),
            UserKind::Person => text(profile.get("job_title")),
        };
        let is_employee = match profile.get("is_employee") {
            Some(Value::Bool(b)) => *b,
            _ => e.user.kind == UserKind::Person,
        };
        profile.retain(|k, _| !DIRECTORY_OWN_FIELDS.contains(&k.as_str()));
        DirectoryUserJson {
            id: e.user.id.0,
            name,
            first_name: first,
            last_name: last,
            email_address: e.user.email,
            is_active: e.is_active,
            is_employee,
            job_title,
            last_login_at: None,
            permission_template: Some(
                json!({"permissions": serde_json::from_str::<Value>(&e.permissions_json).unwrap_or(Value::Null)}),
            ),
            vendor: None,
            is_dmsa: bot,
            profile,
        }
    }
}

#[derive(Serialize)]
pub struct CompanyRef<'a> {
    pub id: i64,
    pub name: &'a str,
}

/// A project as Procore's project lists and show answer it.
#[derive(Serialize)]
pub struct ProjectJson<'a> {
    pub id: i64,
    pub name: &'a str,
    pub display_name: Cow<'a, str>,
    pub project_number: Option<&'a str>,
    pub address: Option<&'a str>,
    pub city: Option<&'a str>,
    pub state_code: Option<&'a str>,
    pub country_code: Option<&'a str>,
    pub zip: Option<&'a str>,
    pub active: bool,
    pub created_at: String,
    pub updated_at: String,
    pub origin_id: Option<String>,
    pub origin_data: Option<String>,
    pub company: CompanyRef<'a>,
    /// The project's fields without a column (description, dates, …).
    #[serde(flatten)]
    pub details: Map<String, Value>,
}

impl<'a> From<&'a Project> for ProjectJson<'a> {
    fn from(p: &'a Project) -> Self {
        let display_name = match &p.project_number {
            Some(n) if !n.is_empty() => Cow::Owned(format!("{n} - {}", p.name)),
            _ => Cow::Borrowed(p.name.as_str()),
        };
        let mut details = match p.details_json.as_str() {
            "" | "{}" => Map::new(),
            d => serde_json::from_str::<Map<String, Value>>(d).unwrap_or_default(),
        };
        let (origin_id, origin_data) = (text(details.get("origin_id")), text(details.get("origin_data")));
        details.retain(|k, _| !PROJECT_OWN_FIELDS.contains(&k.as_str()));
        ProjectJson {
            id: p.id.0,
            display_name,
            name: &p.name,
            project_number: p.project_number.as_deref(),
            address: p.address.as_deref(),
            city: p.city.as_deref(),
            state_code: p.state_code.as_deref(),
            country_code: p.country_code.as_deref(),
            zip: p.zip.as_deref(),
            active: p.active,
            created_at: crate::format_timestamp(p.created_at),
            updated_at: crate::format_timestamp(p.updated_at),
            origin_id,
            origin_data,
            company: CompanyRef {
                id: p.company_id.0,
                name: &p.company_name,
            },
            details,
        }
    }
}
