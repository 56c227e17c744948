//! App manifests: parsing and validation that reports every problem at once.
//!
//! Accepted shape (a superset of Procore's v4.1 manifest):
//! ```json
//! { "schema_version": "4.1",
//!   "components": { "oauth": { "grant_type": "client_credentials" } },
//!   "permissions": { "company": { "documents": "read_only" },
//!                    "project": { "documents": "standard", "directory": "read_only" } },
//!   "post_installation_instruction": { "notes": "…", "page": { "url": "https://…", "label": "Setup" } } }
//! ```
//! `components.oauth` may also be Procore's v3 form `{ "instances": [ { "grant_type": … } ] }`.

use crate::permissions::{tool_info, Level, ToolPermissions, ToolScope};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

/// OAuth grant types an app's data-connection component may declare.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GrantType {
    /// A DMSA data-connection app: the app acts as its bot in each installing company.
    ClientCredentials,
    /// A user-level app: the app acts as a signed-in user.
    AuthorizationCode,
}

impl GrantType {
    pub fn as_str(self) -> &'static str {
        match self {
            GrantType::ClientCredentials => "client_credentials",
            GrantType::AuthorizationCode => "authorization_code",
        }
    }
}

/// A validated manifest.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub schema_version: String,
    pub grant_types: Vec<GrantType>,
    pub company_permissions: ToolPermissions,
    pub project_permissions: ToolPermissions,
    pub instructions_url: Option<String>,
    pub instructions_page_name: Option<String>,
    pub post_installation_notes: Option<String>,
}

/// One problem found in a manifest (or any input): where and why.
pub use crate::text::Problem;

const SCHEMA_VERSIONS: &[&str] = &["3", "4", "4.0", "4.1"];
const MAX_NOTES: crate::text::Text = crate::text::NOTES;
const MAX_LABEL: crate::text::Text = crate::text::Text::line(200);
const MAX_URL: crate::text::Text = crate::text::URL;

impl Manifest {
    /// Validates `value`, returning every problem found (never only the first).
    pub fn parse(value: &Value) -> Result<Manifest, Vec<Problem>> {
        let mut p = Problems::default();
        let Some(root) = value.as_object() else {
            p.add("$", "the manifest must be a JSON object");
            return Err(p.0);
        };
        for key in root.keys() {
            if !matches!(
                key.as_str(),
                "schema_version"
                    | "components"
                    | "permissions"
                    | "post_installation_instruction"
                    | "app_manifest"
                    | "fullscreen"
                    | "sidepanel"
                    | "description"
            ) {
                p.add(format!("$.{key}"), "unknown key");
            }
        }

        let schema_version = match root.get("schema_version") {
            None => {
                p.add("$.schema_version", "is required");
                String::new()
            }
            Some(Value::String(s)) if SCHEMA_VERSIONS.contains(&s.as_str()) => s.clone(),
            Some(Value::String(s)) => {
                p.add(
                    "$.schema_version",
                    format!(
                        "unsupported schema version {s:?} (supported: {})",
                        SCHEMA_VERSIONS.join(", ")
                    ),
                );
                s.clone()
            }
            Some(_) => {
                p.add("$.schema_version", "must be a string");
                String::new()
            }
        };

        let grant_types = parse_components(root.get("components"), &mut p);

        let (company_permissions, project_permissions) = match root.get("permissions") {
            None => (ToolPermissions::default(), ToolPermissions::default()),
            Some(Value::Object(perms)) => {
                for key in perms.keys() {
                    if key != "company" && key != "project" {
                        p.add(
                            format!("$.permissions.{key}"),
                            "unknown key (expected company or project)",
                        );
                    }
                }
                (
                    parse_tools(
                        perms.get("company"),
                        ToolScope::Company,
                        "$.permissions.company",
                        &mut p,
                    ),
                    parse_tools(
                        perms.get("project"),
                        ToolScope::Project,
                        "$.permissions.project",
                        &mut p,
                    ),
                )
            }
            Some(_) => {
                p.add("$.permissions", "must be an object");
                (ToolPermissions::default(), ToolPermissions::default())
            }
        };

        let (mut instructions_url, mut instructions_page_name, mut post_installation_notes) = (None, None, None);
        match root.get("post_installation_instruction") {
            None | Some(Value::Null) => {}
            Some(Value::Object(pii)) => {
                for key in pii.keys() {
                    if key != "notes" && key != "page" {
                        p.add(format!("$.post_installation_instruction.{key}"), "unknown key");
                    }
                }
                post_installation_notes =
                    string_field(pii, "notes", "$.post_installation_instruction.notes", MAX_NOTES, &mut p);
                match pii.get("page") {
                    None | Some(Value::Null) => {}
                    Some(Value::Object(page)) => {
                        let base = "$.post_installation_instruction.page";
                        for key in page.keys() {
                            if key != "url" && key != "label" {
                                p.add(format!("{base}.{key}"), "unknown key");
                            }
                        }
                        instructions_url = string_field(page, "url", &format!("{base}.url"), MAX_URL, &mut p);
                        if let Some(url) = &instructions_url {
                            if !(url.starts_with("https://") || url.starts_with("http://"))
                                || url.contains(char::is_whitespace)
                            {
                                p.add(format!("{base}.url"), "must be an absolute http(s) URL");
                            }
                        }
                        instructions_page_name =
                            string_field(page, "label", &format!("{base}.label"), MAX_LABEL, &mut p);
                    }
                    Some(_) => p.add("$.post_installation_instruction.page", "must be an object"),
                }
            }
            Some(_) => p.add("$.post_installation_instruction", "must be an object"),
        }

        if p.0.is_empty() {
            Ok(Manifest {
                schema_version,
                grant_types,
                company_permissions,
                project_permissions,
                instructions_url,
                instructions_page_name,
                post_installation_notes,
            })
        } else {
            Err(p.0)
        }
    }

    pub fn allows(&self, grant: GrantType) -> bool {
        self.grant_types.contains(&grant)
    }

    /// The canonical JSON form, as stored and returned by the API.
    pub fn to_json(&self) -> Value {
        let tools =
            |t: &ToolPermissions| Value::Object(t.0.iter().map(|(k, v)| (k.clone(), json!(v.as_str()))).collect());
        let mut pii = Map::new();
        if let Some(notes) = &self.post_installation_notes {
            pii.insert("notes".into(), json!(notes));
        }
        if self.instructions_url.is_some() || self.instructions_page_name.is_some() {
            let mut page = Map::new();
            if let Some(url) = &self.instructions_url {
                page.insert("url".into(), json!(url));
            }
            if let Some(label) = &self.instructions_page_name {
                page.insert("label".into(), json!(label));
            }
            pii.insert("page".into(), Value::Object(page));
        }
        let oauth = match self.grant_types.as_slice() {
            [one] => json!({ "grant_type": one.as_str() }),
            many => {
                json!({ "instances": many.iter().map(|g| json!({"grant_type": g.as_str()})).collect::<Vec<_>>() })
            }
        };
        json!({
            "schema_version": self.schema_version,
            "components": { "oauth": oauth },
            "permissions": { "company": tools(&self.company_permissions), "project": tools(&self.project_permissions) },
            "post_installation_instruction": Value::Object(pii),
        })
    }
}

#[derive(Default)]
struct Problems(Vec<Problem>);

impl Problems {
    fn add(&mut self, path: impl Into<String>, reason: impl Into<String>) {
        self.0.push(Problem {
            path: path.into(),
            reason: reason.into(),
        });
    }
}

fn string_field(
    obj: &Map<String, Value>,
    key: &str,
    path: &str,
    kind: crate::text::Text,
    p: &mut Problems,
) -> Option<String> {
    match obj.get(key) {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if s.trim().is_empty() => {
            p.add(path, "must not be empty");
            None
        }
        Some(Value::String(s)) => match crate::text::refusal(s, kind) {
            Some(reason) => {
                p.add(path, reason);
                None
            }
            None => Some(s.clone()),
        },
        Some(_) => {
            p.add(path, "must be a string");
            None
        }
    }
}

fn parse_grant(v: &Value, path: &str, p: &mut Problems) -> Option<GrantType> {
    match v {
        Value::String(s) if s == "client_credentials" => Some(GrantType::ClientCredentials),
        Value::String(s) if s == "authorization_code" => Some(GrantType::AuthorizationCode),
        Value::String(s) => {
            p.add(
                path,
                format!("unknown grant type {s:?} (expected client_credentials or authorization_code)"),
            );
            None
        }
        _ => {
            p.add(path, "must be a string");
            None
        }
    }
}

fn parse_components(components: Option<&Value>, p: &mut Problems) -> Vec<GrantType> {
    let Some(components) = components else {
        p.add("$.components", "is required: declare components.oauth.grant_type");
        return vec![];
    };
    let Some(components) = components.as_object() else {
        p.add("$.components", "must be an object");
        return vec![];
    };
    for key in components.keys() {
        if !matches!(key.as_str(), "oauth" | "iframe") {
            p.add(format!("$.components.{key}"), "unknown component");
        }
    }
    let Some(oauth) = components.get("oauth") else {
        p.add("$.components.oauth", "is required: declare a grant_type");
        return vec![];
    };
    let Some(oauth) = oauth.as_object() else {
        p.add("$.components.oauth", "must be an object");
        return vec![];
    };
    let mut grants = Vec::new();
    match (oauth.get("grant_type"), oauth.get("instances")) {
        (Some(_), Some(_)) => p.add("$.components.oauth", "give either grant_type or instances, not both"),
        (Some(g), None) => grants.extend(parse_grant(g, "$.components.oauth.grant_type", p)),
        (None, Some(Value::Array(instances))) if !instances.is_empty() => {
            for (i, inst) in instances.iter().enumerate() {
                let path = format!("$.components.oauth.instances[{i}]");
                match inst.as_object().map(|o| o.get("grant_type")) {
                    Some(Some(g)) => {
                        if let Some(g) = parse_grant(g, &format!("{path}.grant_type"), p) {
                            if grants.contains(&g) {
                                p.add(format!("{path}.grant_type"), "duplicate grant type");
                            } else {
                                grants.push(g);
                            }
                        }
                    }
                    Some(None) => p.add(format!("{path}.grant_type"), "is required"),
                    None => p.add(path, "must be an object"),
                }
            }
        }
        (None, Some(_)) => p.add("$.components.oauth.instances", "must be a non-empty array"),
        (None, None) => p.add("$.components.oauth.grant_type", "is required"),
    }
    for key in oauth.keys() {
        if !matches!(key.as_str(), "grant_type" | "instances" | "uuid" | "uid") {
            p.add(format!("$.components.oauth.{key}"), "unknown key");
        }
    }
    grants
}

fn parse_tools(v: Option<&Value>, scope: ToolScope, path: &str, p: &mut Problems) -> ToolPermissions {
    let mut out = ToolPermissions::default();
    let obj = match v {
        None | Some(Value::Null) => return out,
        Some(Value::Object(obj)) => obj,
        Some(_) => {
            p.add(path, "must be an object of tool: level");
            return out;
        }
    };
    for (tool, level) in obj {
        let tool_path = format!("{path}.{tool}");
        let admin_only = match tool_info(scope, tool) {
            Some(admin_only) => Some(admin_only),
            None => {
                let where_ = match scope {
                    ToolScope::Company => "company",
                    ToolScope::Project => "project",
                };
                p.add(&tool_path, format!("unknown {where_} tool {tool:?}"));
                None
            }
        };
        let parsed = match level.as_str() {
            Some(s) => match Level::parse(s) {
                Some(l) => Some(l),
                None => {
                    p.add(
                        &tool_path,
                        format!("unknown level {s:?} (expected none, read_only, standard or admin)"),
                    );
                    None
                }
            },
            None => {
                p.add(&tool_path, "level must be a string");
                None
            }
        };
        if let (Some(true), Some(l)) = (admin_only, parsed) {
            if l != Level::None && l != Level::Admin {
                p.add(&tool_path, format!("tool {tool:?} allows only none or admin"));
                continue;
            }
        }
        if let (Some(_), Some(l)) = (admin_only, parsed) {
            if l != Level::None {
                out.0.insert(tool.clone(), l);
            }
        }
    }
    out
}

/// Validates a `{tool: level}` object of one scope (used for directory members' permissions).
pub fn parse_tool_permissions(value: &Value, scope: ToolScope, path: &str) -> Result<ToolPermissions, Vec<Problem>> {
    let mut p = Problems::default();
    let out = parse_tools(Some(value), scope, path, &mut p);
    if p.0.is_empty() {
        Ok(out)
    } else {
        Err(p.0)
    }
}

/// Versions live in [`crate::version`] (SemVer precedence); re-exported for existing callers.
pub use crate::version::parse_version;

#[cfg(test)]
mod tests {
    use super::*;

    fn dmsa() -> Value {
        json!({
            "schema_version": "4.1",
            "components": { "oauth": { "grant_type": "client_credentials" } },
            "permissions": {
                "company": { "documents": "readonly", "directory": "read_only", "home": "none" },
                "project": { "documents": "standard", "admin": "admin" }
            },
            "post_installation_instruction": {
                "notes": "Thanks for installing",
                "page": { "url": "https://example.com/setup", "label": "Setup guide" }
            }
        })
    }

    #[test]
    fn parses_a_dmsa_manifest() {
        let m = Manifest::parse(&dmsa()).unwrap();
        assert_eq!(m.grant_types, vec![GrantType::ClientCredentials]);
        assert_eq!(m.company_permissions.level("documents"), Level::ReadOnly);
        assert_eq!(m.company_permissions.level("home"), Level::None);
        assert!(!m.company_permissions.0.contains_key("home"), "none is not stored");
        assert_eq!(m.project_permissions.level("admin"), Level::Admin);
        assert_eq!(m.instructions_url.as_deref(), Some("https://example.com/setup"));
        assert_eq!(m.instructions_page_name.as_deref(), Some("Setup guide"));
        assert_eq!(m.post_installation_notes.as_deref(), Some("Thanks for installing"));
        // canonical JSON round-trips
        assert_eq!(Manifest::parse(&m.to_json()).unwrap(), m);
    }

    #[test]
    fn v3_instances_form_is_accepted() {
        let v = json!({ "schema_version": "3", "components": { "oauth": { "instances": [
            { "grant_type": "client_credentials" }, { "grant_type": "authorization_code" } ] } } });
        let m = Manifest::parse(&v).unwrap();
        assert!(m.allows(GrantType::ClientCredentials));
        assert!(m.allows(GrantType::AuthorizationCode));
        assert_eq!(Manifest::parse(&m.to_json()).unwrap(), m);
    }

    #[test]
    fn reports_every_problem_with_its_path() {
        let v = json!({
            "schema_version": "9",
            "components": { "oauth": { "grant_type": "password" } },
            "permissions": {
                "company": { "nope": "read_only", "documents": "writer", "admin": "standard" },
                "project": { "documents": 3 },
                "global": {}
            },
            "post_installation_instruction": { "page": { "url": "ftp://x", "label": "" } },
            "extra": true
        });
        let problems = Manifest::parse(&v).unwrap_err();
        let paths: Vec<&str> = problems.iter().map(|p| p.path.as_str()).collect();
        for expected in [
            "$.extra",
            "$.schema_version",
            "$.components.oauth.grant_type",
            "$.permissions.global",
            "$.permissions.company.nope",
            "$.permissions.company.documents",
            "$.permissions.company.admin",
            "$.permissions.project.documents",
            "$.post_installation_instruction.page.url",
            "$.post_installation_instruction.page.label",
        ] {
            assert!(paths.contains(&expected), "missing {expected} in {problems:?}");
        }
        assert_eq!(problems.len(), 10, "{problems:?}");
        let unknown_tool = problems
            .iter()
            .find(|p| p.path == "$.permissions.company.nope")
            .unwrap();
        assert!(unknown_tool.reason.contains("unknown company tool"));
    }

    #[test]
    fn missing_required_parts_are_reported() {
        let problems = Manifest::parse(&json!({})).unwrap_err();
        let paths: Vec<&str> = problems.iter().map(|p| p.path.as_str()).collect();
        assert_eq!(paths, vec!["$.schema_version", "$.components"]);
        assert_eq!(Manifest::parse(&json!([1])).unwrap_err()[0].path, "$");
    }

    #[test]
    fn versions_must_be_semver() {
        assert!(parse_version("0.1.0").is_ok());
        assert!(parse_version("1.0").is_err());
        assert!(parse_version("v1.0.0").is_err());
    }
}
