//! The seed file (issue #17): a sandbox world declared once — people, companies and their
//! projects, apps with their manifest versions, installs, tool records and webhooks — that
//! `trestle up --seed FILE` and `trestle seed FILE` make true.
//!
//! Everything in the file is found again by a natural key, so the same file applied twice
//! changes nothing, and an edited file converges: people by e-mail, companies by name,
//! projects by name within their company, apps by name within their developer's, versions by
//! version string within their app, installs by (company, app), tool records by `origin_id`
//! within their collection (a record without one gets `seed:<collection>:<position>`), hooks
//! by (project, namespace, destination URL), triggers by (resource, event). What the file
//! adds is created; what it changes is updated where the platform allows it (a password, an
//! unpromoted version's manifest, an install's projects, a record's fields); what it leaves
//! out is left as it is (seeding never deletes).
//!
//! [`check`] is the part of the checking that needs nothing but the file: required fields,
//! lengths, duplicates of a natural key, and references between the file's parts (an install
//! names an app and a version of the file, a project member is a person of the file…). The
//! core adds what needs the catalog or the stored world, and refuses the whole file before
//! anything is written, listing every problem with its path (`$.companies[0].projects[2].name`).

use crate::text::{self, Fields, Problem};
use serde::Deserialize;
use serde_json::{Map, Value};
use std::collections::{BTreeMap, HashMap, HashSet};

/// Most people, companies, apps and projects (each) a file may declare.
pub const MAX_ENTITIES: usize = 100_000;
/// Most tool records a file may declare.
pub const MAX_RECORDS: usize = 1_000_000;
/// A fixed API token or client secret is at least this long.
pub const MIN_SECRET: usize = 16;
/// …and at most this long.
pub const MAX_SECRET: usize = 200;

/// The whole file.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedFile {
    /// A fixed operator API token (the CI job's token for reset, faults and the clock).
    #[serde(default)]
    pub operator_api_token: Option<String>,
    #[serde(default)]
    pub people: Vec<SeedPerson>,
    #[serde(default)]
    pub companies: Vec<SeedCompany>,
    #[serde(default)]
    pub apps: Vec<SeedApp>,
}

/// A person: a developer, a company admin or member.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedPerson {
    pub email: String,
    pub name: String,
    /// For signing in (the web UI, the authorization-code flow).
    #[serde(default)]
    pub password: Option<String>,
    /// A fixed management API token; without it one is generated (once) and reported.
    #[serde(default)]
    pub api_token: Option<String>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedCompany {
    pub name: String,
    /// The e-mail of the company's first admin (a person of the file).
    pub admin: String,
    /// More people of the company's directory (e-mails of people of the file).
    #[serde(default)]
    pub members: Vec<String>,
    #[serde(default)]
    pub projects: Vec<SeedProject>,
    /// Company-level tool records by collection (`vendors`, …).
    #[serde(default)]
    pub records: BTreeMap<String, Vec<Map<String, Value>>>,
    #[serde(default)]
    pub installs: Vec<SeedInstall>,
    #[serde(default)]
    pub webhooks: Vec<SeedHook>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedProject {
    pub name: String,
    #[serde(default)]
    pub project_number: Option<String>,
    #[serde(default)]
    pub address: Option<String>,
    #[serde(default)]
    pub city: Option<String>,
    #[serde(default)]
    pub state_code: Option<String>,
    #[serde(default)]
    pub country_code: Option<String>,
    #[serde(default)]
    pub zip: Option<String>,
    /// People of the project (members of the company, or its admin).
    #[serde(default)]
    pub members: Vec<String>,
    /// Project-level tool records by collection (`rfis`, `submittals`, `punch_items`, …).
    #[serde(default)]
    pub records: BTreeMap<String, Vec<Map<String, Value>>>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedApp {
    pub name: String,
    /// The e-mail of the developer who owns it (a person of the file).
    pub developer: String,
    /// Fixed production credentials (the app's first promotion creates its client).
    #[serde(default)]
    pub client_id: Option<String>,
    #[serde(default)]
    pub client_secret: Option<String>,
    /// Fixed development-sandbox credentials.
    #[serde(default)]
    pub sandbox_client_id: Option<String>,
    #[serde(default)]
    pub sandbox_client_secret: Option<String>,
    #[serde(default)]
    pub redirect_uris: Vec<String>,
    #[serde(default)]
    pub versions: Vec<SeedVersion>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedVersion {
    /// `1.0.0`.
    pub version: String,
    /// The manifest, as the management API takes it.
    pub manifest: Value,
    /// Promoted versions are installable; they are promoted in the file's order.
    #[serde(default)]
    pub promoted: bool,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedInstall {
    /// The name of an app of the file.
    pub app: String,
    /// A promoted version of that app in the file; default: its last promoted one.
    #[serde(default)]
    pub version: Option<String>,
    /// The names of the company's projects the app may touch.
    #[serde(default)]
    pub projects: Vec<String>,
    #[serde(default)]
    pub add_to_new_projects: bool,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedHook {
    /// A project of the company (name); without it a company hook.
    #[serde(default)]
    pub project: Option<String>,
    #[serde(default)]
    pub namespace: Option<String>,
    pub destination_url: String,
    #[serde(default)]
    pub destination_headers: BTreeMap<String, String>,
    #[serde(default)]
    pub triggers: Vec<SeedTrigger>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedTrigger {
    /// A webhook resource name, e.g. `RFIs`.
    pub resource_name: String,
    /// `create`, `update` or `delete`.
    pub event_type: String,
}

/// The `origin_id` a seeded record is found again by.
pub fn record_key(collection: &str, position: usize, record: &Map<String, Value>) -> Result<String, String> {
    match record.get("origin_id") {
        None | Some(Value::Null) => Ok(format!("seed:{collection}:{position}")),
        Some(Value::String(s)) if !s.trim().is_empty() && s.chars().count() <= 255 && !s.contains('\0') => {
            Ok(s.clone())
        }
        Some(Value::Number(n)) => Ok(n.to_string()),
        Some(_) => Err("must be a non-empty text of at most 255 characters".into()),
    }
}

/// How many records the file declares.
pub fn record_count(file: &SeedFile) -> usize {
    file.companies
        .iter()
        .map(|c| {
            c.records.values().map(Vec::len).sum::<usize>()
                + c.projects
                    .iter()
                    .map(|p| p.records.values().map(Vec::len).sum::<usize>())
                    .sum::<usize>()
        })
        .sum()
}

fn secret(f: &mut Fields, path: &str, value: &Option<String>) {
    if let Some(v) = value {
        let n = v.chars().count();
        if !(MIN_SECRET..=MAX_SECRET).contains(&n) {
            f.add(
                path,
                format!("must be {MIN_SECRET} to {MAX_SECRET} characters (got {n})"),
            );
        } else if !v.chars().all(|c| c.is_ascii_graphic()) {
            f.add(path, "must be visible ASCII characters only (no spaces)");
        }
    }
}

/// Notes a natural key; the second time it is seen is a problem at `path`.
fn unique(seen: &mut HashMap<String, String>, f: &mut Fields, path: &str, key: &str, what: &str) {
    let k = key.trim().to_lowercase();
    if let Some(first) = seen.get(&k) {
        f.add(path, format!("{what} {key:?} is already declared at {first}"));
    } else {
        seen.insert(k, path.to_string());
    }
}

/// Every problem of the file that the file alone shows.
pub fn check(file: &SeedFile) -> Vec<Problem> {
    let mut f = Fields::new();
    secret(&mut f, "$.operator_api_token", &file.operator_api_token);
    for (what, n, path) in [
        ("people", file.people.len(), "$.people"),
        ("companies", file.companies.len(), "$.companies"),
        ("apps", file.apps.len(), "$.apps"),
    ] {
        if n > MAX_ENTITIES {
            f.add(path, format!("at most {MAX_ENTITIES} {what} (got {n})"));
        }
    }
    let records = record_count(file);
    if records > MAX_RECORDS {
        f.add(
            "$.companies",
            format!("at most {MAX_RECORDS} tool records in all (got {records})"),
        );
    }

    // People, by e-mail.
    let mut emails = HashMap::new();
    let mut tokens = HashMap::new();
    if let Some(t) = &file.operator_api_token {
        tokens.insert(t.clone(), "$.operator_api_token".to_string());
    }
    for (i, p) in file.people.iter().enumerate() {
        let at = format!("$.people[{i}]");
        let email = f.required(&format!("{at}.email"), &p.email, text::EMAIL);
        if !email.is_empty() && !email.contains('@') {
            f.add(&format!("{at}.email"), "must be an e-mail address");
        }
        unique(&mut emails, &mut f, &format!("{at}.email"), &email, "the person");
        f.required(&format!("{at}.name"), &p.name, text::NAME);
        if let Some(pw) = &p.password {
            f.check(&format!("{at}.password"), pw, text::PASSWORD);
        }
        secret(&mut f, &format!("{at}.api_token"), &p.api_token);
        if let Some(t) = &p.api_token {
            if let Some(first) = tokens.insert(t.clone(), format!("{at}.api_token")) {
                f.add(&format!("{at}.api_token"), format!("is the same token as {first}"));
            }
        }
    }
    let person = |f: &mut Fields, path: &str, email: &str| {
        if !emails.contains_key(&email.trim().to_lowercase()) {
            f.add(path, format!("{email:?} is not a person of the file ($.people)"));
        }
    };

    // Apps, by name within the developer's; versions by version string.
    let mut app_names = HashMap::new();
    let mut apps: HashMap<String, &SeedApp> = HashMap::new();
    let mut client_ids = HashMap::new();
    for (i, a) in file.apps.iter().enumerate() {
        let at = format!("$.apps[{i}]");
        let name = f.required(&format!("{at}.name"), &a.name, text::APP_NAME);
        // Installs name apps by name alone, so an app name is one app in the whole file.
        unique(&mut app_names, &mut f, &format!("{at}.name"), &name, "the app");
        apps.entry(name.to_lowercase()).or_insert(a);
        person(&mut f, &format!("{at}.developer"), &a.developer);
        for (field, id, secret_value) in [
            ("client_id", &a.client_id, &a.client_secret),
            ("sandbox_client_id", &a.sandbox_client_id, &a.sandbox_client_secret),
        ] {
            let secret_field = field.replace("_id", "_secret");
            secret(&mut f, &format!("{at}.{field}"), id);
            secret(&mut f, &format!("{at}.{secret_field}"), secret_value);
            if id.is_some() != secret_value.is_some() {
                f.add(
                    &format!("{at}.{field}"),
                    format!("{field} and {secret_field} are fixed together or not at all"),
                );
            }
            if let Some(id) = id {
                if let Some(first) = client_ids.insert(id.clone(), format!("{at}.{field}")) {
                    f.add(&format!("{at}.{field}"), format!("is the same client_id as {first}"));
                }
            }
        }
        if a.client_id.is_some() && !a.versions.iter().any(|v| v.promoted) {
            f.add(
                &format!("{at}.client_id"),
                "production credentials come with the first promoted version: promote one",
            );
        }
        for (j, u) in a.redirect_uris.iter().enumerate() {
            f.required(&format!("{at}.redirect_uris[{j}]"), u, text::URL);
        }
        let mut versions = HashMap::new();
        for (j, v) in a.versions.iter().enumerate() {
            let vat = format!("{at}.versions[{j}]");
            let s = f.required(&format!("{vat}.version"), &v.version, text::VERSION);
            if let Err(e) = crate::version::parse_version(&s) {
                f.add(&format!("{vat}.version"), e);
            }
            unique(&mut versions, &mut f, &format!("{vat}.version"), &s, "the version");
            if !v.manifest.is_object() {
                f.add(&format!("{vat}.manifest"), "must be an object");
            }
        }
    }

    // Companies, by name; projects by name within their company.
    let mut company_names = HashMap::new();
    for (i, c) in file.companies.iter().enumerate() {
        let at = format!("$.companies[{i}]");
        let name = f.required(&format!("{at}.name"), &c.name, text::NAME);
        unique(&mut company_names, &mut f, &format!("{at}.name"), &name, "the company");
        person(&mut f, &format!("{at}.admin"), &c.admin);
        let mut in_company: HashSet<String> = HashSet::from([c.admin.trim().to_lowercase()]);
        for (j, m) in c.members.iter().enumerate() {
            person(&mut f, &format!("{at}.members[{j}]"), m);
            in_company.insert(m.trim().to_lowercase());
        }
        if c.projects.len() > MAX_ENTITIES {
            f.add(
                &format!("{at}.projects"),
                format!("at most {MAX_ENTITIES} projects (got {})", c.projects.len()),
            );
        }
        let mut projects = HashMap::new();
        for (j, p) in c.projects.iter().enumerate() {
            let pat = format!("{at}.projects[{j}]");
            let pname = f.required(&format!("{pat}.name"), &p.name, text::NAME);
            unique(&mut projects, &mut f, &format!("{pat}.name"), &pname, "the project");
            for (field, v, kind) in [
                ("project_number", &p.project_number, text::CODE),
                ("address", &p.address, text::ADDRESS),
                ("city", &p.city, text::ADDRESS),
                ("state_code", &p.state_code, text::CODE),
                ("country_code", &p.country_code, text::CODE),
                ("zip", &p.zip, text::CODE),
            ] {
                f.optional(&format!("{pat}.{field}"), v.as_deref(), kind);
            }
            for (k, m) in p.members.iter().enumerate() {
                if !in_company.contains(&m.trim().to_lowercase()) {
                    f.add(
                        &format!("{pat}.members[{k}]"),
                        format!("{m:?} is neither the company's admin nor one of its members"),
                    );
                }
            }
            check_records(&mut f, &format!("{pat}.records"), &p.records);
        }
        check_records(&mut f, &format!("{at}.records"), &c.records);
        let mut installed = HashMap::new();
        for (j, inst) in c.installs.iter().enumerate() {
            let iat = format!("{at}.installs[{j}]");
            unique(
                &mut installed,
                &mut f,
                &format!("{iat}.app"),
                &inst.app,
                "an install of the app",
            );
            match apps.get(&inst.app.trim().to_lowercase()) {
                None => f.add(
                    &format!("{iat}.app"),
                    format!("{:?} is not an app of the file ($.apps)", inst.app),
                ),
                Some(app) => {
                    let promoted = |v: &&SeedVersion| v.promoted;
                    match &inst.version {
                        Some(want) => match app.versions.iter().find(|v| v.version.trim() == want.trim()) {
                            None => f.add(
                                &format!("{iat}.version"),
                                format!("{want:?} is not a version of {:?} in the file", app.name),
                            ),
                            Some(v) if !v.promoted => f.add(
                                &format!("{iat}.version"),
                                format!("{want:?} is not promoted (promoted: true): only promoted versions install"),
                            ),
                            Some(_) => {}
                        },
                        None if !app.versions.iter().any(|v| promoted(&v)) => f.add(
                            &format!("{iat}.app"),
                            format!("{:?} has no promoted version in the file to install", app.name),
                        ),
                        None => {}
                    }
                }
            }
            for (k, p) in inst.projects.iter().enumerate() {
                if !projects.contains_key(&p.trim().to_lowercase()) {
                    f.add(
                        &format!("{iat}.projects[{k}]"),
                        format!("{p:?} is not a project of this company"),
                    );
                }
            }
        }
        for (j, h) in c.webhooks.iter().enumerate() {
            let hat = format!("{at}.webhooks[{j}]");
            f.required(&format!("{hat}.destination_url"), &h.destination_url, text::URL);
            if let Some(p) = &h.project {
                if !projects.contains_key(&p.trim().to_lowercase()) {
                    f.add(
                        &format!("{hat}.project"),
                        format!("{p:?} is not a project of this company"),
                    );
                }
            }
            if h.triggers.is_empty() {
                f.add(
                    &format!("{hat}.triggers"),
                    "must list at least one trigger (resource_name, event_type)",
                );
            }
        }
    }
    f.problems
}

fn check_records(f: &mut Fields, at: &str, records: &BTreeMap<String, Vec<Map<String, Value>>>) {
    for (collection, items) in records {
        let mut keys = HashMap::new();
        for (i, r) in items.iter().enumerate() {
            let path = format!("{at}.{collection}[{i}].origin_id");
            match record_key(collection, i, r) {
                Ok(k) => unique(&mut keys, f, &path, &k, "a record with origin_id"),
                Err(e) => f.add(&path, e),
            }
            if r.contains_key("id") {
                f.add(
                    &format!("{at}.{collection}[{i}].id"),
                    "ids are the server's: find a seeded record again by origin_id",
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn file(v: Value) -> SeedFile {
        serde_json::from_value(v).expect("a seed file")
    }

    fn paths(problems: &[Problem]) -> Vec<&str> {
        problems.iter().map(|p| p.path.as_str()).collect()
    }

    fn world() -> Value {
        json!({
            "people": [
                {"email": "dev@x.test", "name": "Dev", "api_token": "dev-token-0123456789"},
                {"email": "admin@x.test", "name": "Admin", "password": "long-enough-pw"},
                {"email": "pm@x.test", "name": "PM"}
            ],
            "apps": [{
                "name": "Sync", "developer": "dev@x.test",
                "client_id": "ci-client-0123456789", "client_secret": "ci-secret-0123456789",
                "versions": [{"version": "1.0.0", "manifest": {}, "promoted": true}]
            }],
            "companies": [{
                "name": "Acme", "admin": "admin@x.test", "members": ["pm@x.test"],
                "projects": [{"name": "Tower", "members": ["pm@x.test"],
                              "records": {"rfis": [{"subject": "A"}, {"origin_id": "r-2", "subject": "B"}]}}],
                "installs": [{"app": "Sync", "projects": ["Tower"]}],
                "webhooks": [{"project": "Tower", "destination_url": "http://127.0.0.1:9/h",
                              "triggers": [{"resource_name": "RFIs", "event_type": "create"}]}]
            }]
        })
    }

    #[test]
    fn a_coherent_world_has_no_problem() {
        assert_eq!(check(&file(world())), vec![]);
        assert_eq!(record_count(&file(world())), 2);
    }

    #[test]
    fn every_broken_reference_and_duplicate_is_listed_with_its_path() {
        let mut w = world();
        w["people"][2]["email"] = json!("DEV@x.test");
        w["apps"][0]["client_secret"] = json!(null);
        w["companies"][0]["projects"][0]["members"] = json!(["stranger@x.test"]);
        w["companies"][0]["installs"] =
            json!([{"app": "Nope"}, {"app": "Sync", "version": "2.0.0", "projects": ["Nowhere"]}]);
        w["companies"][0]["projects"][0]["records"]["rfis"][1]["origin_id"] = json!("seed:rfis:0");
        w["companies"][0]["webhooks"][0]["triggers"] = json!([]);
        let problems = check(&file(w));
        assert_eq!(
            paths(&problems),
            vec![
                "$.people[2].email",
                "$.apps[0].client_id",
                "$.companies[0].members[0]",
                "$.companies[0].projects[0].members[0]",
                "$.companies[0].projects[0].records.rfis[1].origin_id",
                "$.companies[0].installs[0].app",
                "$.companies[0].installs[1].version",
                "$.companies[0].installs[1].projects[0]",
                "$.companies[0].webhooks[0].triggers",
            ],
            "{problems:#?}"
        );
    }

    #[test]
    fn secrets_have_bounds_and_unpromoted_versions_do_not_install() {
        let mut w = world();
        w["people"][0]["api_token"] = json!("short");
        w["apps"][0]["versions"][0]["promoted"] = json!(false);
        let problems = check(&file(w));
        assert_eq!(
            paths(&problems),
            vec![
                "$.people[0].api_token",
                "$.apps[0].client_id",
                "$.companies[0].installs[0].app"
            ],
            "{problems:#?}"
        );
    }

    #[test]
    fn unknown_fields_are_refused_by_name() {
        let e = serde_json::from_value::<SeedFile>(json!({"peeple": []})).unwrap_err();
        assert!(e.to_string().contains("peeple"), "{e}");
    }

    #[test]
    fn a_record_s_key_is_its_origin_id_or_its_position() {
        let m = |v: Value| v.as_object().cloned().unwrap();
        assert_eq!(record_key("rfis", 3, &m(json!({}))).unwrap(), "seed:rfis:3");
        assert_eq!(record_key("rfis", 3, &m(json!({"origin_id": "x"}))).unwrap(), "x");
        assert_eq!(record_key("rfis", 3, &m(json!({"origin_id": 7}))).unwrap(), "7");
        assert!(record_key("rfis", 3, &m(json!({"origin_id": ""}))).is_err());
    }
}
