//! The manifest editor: a permission builder or the raw JSON, for a new version or a
//! saved one.

use super::shared::*;
use crate::error::WebError;
use crate::forms::Fields;
use crate::forms::WebPath as Path;
use crate::layout::{csrf, page, problems, Section};
use crate::session::{see_other, Posted, WebSession};
use crate::state::WebState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use maud::{html, Markup};
use serde_json::{json, Map, Value};
use trestle_core::CoreError;
use trestle_domain::entities::AppVersion;
use trestle_domain::manifest::{GrantType, Manifest, Problem};
use trestle_domain::permissions::{Level, ToolPermissions, COMPANY_TOOLS, PROJECT_TOOLS};
use trestle_domain::*;

pub(super) fn routes() -> Router<WebState> {
    Router::new()
        .route("/ui/apps/{app}/versions/new", get(new_version))
        .route("/ui/apps/{app}/versions", post(create_version))
}

/// What the editor shows: either a parsed manifest or the raw text the developer typed.
pub(super) struct Draft {
    pub(super) version: String,
    pub(super) manifest: Manifest,
    pub(super) json: String,
}

fn default_manifest() -> Manifest {
    Manifest {
        schema_version: "4.1".into(),
        grant_types: vec![GrantType::ClientCredentials],
        company_permissions: ToolPermissions::default(),
        project_permissions: ToolPermissions::default(),
        instructions_url: None,
        instructions_page_name: None,
        post_installation_notes: None,
    }
}

pub(super) fn pretty(v: &Value) -> String {
    serde_json::to_string_pretty(v).unwrap_or_default()
}

/// The manifest the builder's fields describe.
fn manifest_from_builder(form: &Fields) -> Value {
    let tools = |scope: &str, catalog: &[(&str, bool)]| {
        let mut m = Map::new();
        for (tool, _) in catalog {
            match form.get(&format!("{scope}.{tool}")) {
                Some(level) if !level.is_empty() && level != "none" => {
                    m.insert(tool.to_string(), json!(level));
                }
                _ => {}
            }
        }
        Value::Object(m)
    };
    let mut pii = Map::new();
    let notes = form.text("notes").trim();
    if !notes.is_empty() {
        pii.insert("notes".into(), json!(notes));
    }
    let (url, label) = (form.text("setup_url").trim(), form.text("setup_label").trim());
    if !url.is_empty() || !label.is_empty() {
        let mut p = Map::new();
        if !url.is_empty() {
            p.insert("url".into(), json!(url));
        }
        if !label.is_empty() {
            p.insert("label".into(), json!(label));
        }
        pii.insert("page".into(), Value::Object(p));
    }
    json!({
        "schema_version": "4.1",
        "components": { "oauth": match form.get("grant_type").unwrap_or("client_credentials") {
            "both" => json!({ "instances": [
                { "grant_type": "client_credentials" },
                { "grant_type": "authorization_code" },
            ] }),
            one => json!({ "grant_type": one }),
        } },
        "permissions": { "company": tools("company", COMPANY_TOOLS), "project": tools("project", PROJECT_TOOLS) },
        "post_installation_instruction": Value::Object(pii),
    })
}

/// The manifest a submitted editor form carries: from the JSON box when the developer chose
/// "Save from JSON", else from the builder. `Err` is the unparseable JSON text with its error.
fn submitted_manifest(form: &Fields) -> Result<Value, (String, String)> {
    if form.get("editor") == Some("json") {
        let text = form.text("manifest_json");
        serde_json::from_str(text).map_err(|e| (text.to_string(), format!("the manifest is not valid JSON: {e}")))
    } else {
        Ok(manifest_from_builder(form))
    }
}

fn level_select(name: &str, label: &str, admin_only: bool, current: Level) -> Markup {
    let levels: &[Level] = if admin_only {
        &[Level::None, Level::Admin]
    } else {
        &[Level::None, Level::ReadOnly, Level::Standard, Level::Admin]
    };
    html! {
        select name=(name) aria-label=(label) {
            @for l in levels {
                option value=(l.as_str()) selected[*l == current] {
                    @match l { Level::None => "—", Level::ReadOnly => "Read only", Level::Standard => "Standard", Level::Admin => "Admin" }
                }
            }
        }
    }
}

fn builder(m: &Manifest) -> Markup {
    let all_tools: std::collections::BTreeMap<&str, (Option<bool>, Option<bool>)> = {
        let mut t = std::collections::BTreeMap::new();
        for (name, admin_only) in COMPANY_TOOLS {
            t.entry(*name).or_insert((None, None)).0 = Some(*admin_only);
        }
        for (name, admin_only) in PROJECT_TOOLS {
            t.entry(*name).or_insert((None, None)).1 = Some(*admin_only);
        }
        t
    };
    let has = |g: GrantType| m.grant_types.contains(&g);
    let both = has(GrantType::ClientCredentials) && has(GrantType::AuthorizationCode);
    let grant = m.grant_types.first().copied().unwrap_or(GrantType::ClientCredentials);
    html! {
        fieldset.card {
            legend { "How the app connects" }
            label for="grant_type" { "Grant type" }
            select #grant_type name="grant_type" {
                option value="client_credentials" selected[!both && grant == GrantType::ClientCredentials] { "client_credentials — the app acts as its own bot in each company (DMSA)" }
                option value="authorization_code" selected[!both && grant == GrantType::AuthorizationCode] { "authorization_code — the app acts as a signed-in person" }
                option value="both" selected[both] { "both — a bot in each company, and on behalf of signed-in people" }
            }
        }
        fieldset.card {
            legend { "Permissions" }
            p.hint { "The least each tool needs. Company tools apply company-wide; project tools apply in the projects an admin permits." }
            div.table-wrap { table.builder {
                thead { tr { th scope="col" { "Tool" } th scope="col" { "Company level" } th scope="col" { "Project level" } } }
                tbody {
                    @for (tool, (company, project)) in &all_tools {
                        tr {
                            th.tool scope="row" { (tool) }
                            td { @if let Some(admin_only) = company {
                                (level_select(&format!("company.{tool}"), &format!("{tool} at company level"), *admin_only, m.company_permissions.level(tool)))
                            } @else { span.muted { "—" } } }
                            td { @if let Some(admin_only) = project {
                                (level_select(&format!("project.{tool}"), &format!("{tool} at project level"), *admin_only, m.project_permissions.level(tool)))
                            } @else { span.muted { "—" } } }
                        }
                    }
                }
            } }
        }
        fieldset.card {
            legend { "After installation" }
            label for="notes" { "Post-installation notes" span.hint { "Shown to the company admin after installing." } }
            textarea #notes.short name="notes" rows="3" { (m.post_installation_notes.as_deref().unwrap_or("")) }
            label for="setup_url" { "Setup page URL" }
            input #setup_url type="text" name="setup_url" value=(m.instructions_url.as_deref().unwrap_or("")) placeholder="https://";
            label for="setup_label" { "Setup page label" }
            input #setup_label type="text" name="setup_label" value=(m.instructions_page_name.as_deref().unwrap_or(""));
        }
    }
}

/// Where an editor form lives: the app, and whether it creates a version or saves one.
pub(super) struct EditorAt<'a> {
    pub(super) session: &'a WebSession,
    pub(super) app: AppId,
    pub(super) app_name: &'a str,
    pub(super) action: String,
    pub(super) new: bool,
}

pub(super) fn editor(at: &EditorAt<'_>, draft: &Draft, error: Option<Markup>) -> Markup {
    html! {
        p.crumbs { a href="/ui/apps" { "My apps" } " / " a href=(app_path(at.app)) { (at.app_name) } }
        h1 { @if at.new { "New version" } @else { "Edit version " (draft.version) } }
        @if let Some(e) = error { (e) }
        form method="post" action=(at.action) {
            (csrf(&at.session.csrf))
            @if at.new {
                section.card {
                    label for="version" { "Version" span.hint { "Semantic version, greater than every existing version, e.g. 1.2.0" } }
                    input #version type="text" name="version" value=(draft.version) required;
                }
            } @else {
                input type="hidden" name="version" value=(draft.version);
            }
            (builder(&draft.manifest))
            p { button type="submit" name="editor" value="builder" { "Save version" } }
            details.card {
                summary { "Edit the manifest as JSON" }
                p.hint { "Paste a Procore-style manifest (schema 3, 4.0 or 4.1). Saving from JSON ignores the builder above." }
                label for="manifest_json" { "Manifest JSON" }
                textarea #manifest_json name="manifest_json" spellcheck="false" { (draft.json) }
                p { button.secondary type="submit" name="editor" value="json" { "Save from JSON" } }
            }
        }
    }
}

fn suggest_next(versions: &[AppVersion]) -> String {
    let parsed: Vec<semver::Version> = versions
        .iter()
        .filter_map(|v| semver::Version::parse(&v.version).ok())
        .collect();
    trestle_domain::version::newest(&parsed).map_or("1.0.0".to_string(), |v| format!("{}.{}.0", v.major, v.minor + 1))
}

async fn new_version(State(s): State<WebState>, session: WebSession, Path(app): Path<AppId>) -> Page {
    let actor = session.actor();
    let err = |e| WebError::new(e, app_path(app));
    let found = s.core.get_app(actor, app).await.map_err(err)?;
    let versions = s.core.list_versions(actor, app).await.map_err(err)?;
    // Start from the newest version's manifest: most new versions change a little.
    let manifest = match versions.last() {
        Some(v) => trestle_core::stored_manifest(v).map_err(err)?,
        None => default_manifest(),
    };
    let draft = Draft {
        version: suggest_next(&versions),
        json: pretty(&manifest.to_json()),
        manifest,
    };
    let at = EditorAt {
        session: &session,
        app,
        app_name: &found.name,
        action: format!("{}/versions", app_path(app)),
        new: true,
    };
    let body = editor(&at, &draft, None);
    Ok(page(
        &session.chrome(Section::Apps),
        StatusCode::OK,
        "New version",
        body,
    ))
}

/// Re-shows the editor with what was submitted and why it was refused (422).
fn refused_editor(at: &EditorAt<'_>, form: &Fields, message: &str, found: &[Problem]) -> Response {
    let (manifest, json) = match submitted_manifest(form) {
        Ok(v) => (Manifest::parse(&v).unwrap_or_else(|_| default_manifest()), pretty(&v)),
        Err((text, _)) => (default_manifest(), text),
    };
    let draft = Draft {
        version: form.text("version").to_string(),
        manifest,
        json,
    };
    let body = editor(at, &draft, Some(problems(message, found)));
    page(
        &at.session.chrome(Section::Apps),
        StatusCode::UNPROCESSABLE_ENTITY,
        "Check the version",
        body,
    )
}

/// Creates (`version` = None) or saves a version from the editor form.
async fn submit_version(s: &WebState, app: AppId, version: Option<VersionId>, posted: Posted) -> Page {
    let Posted { session, form } = posted;
    let actor = session.actor();
    let found = s
        .core
        .get_app(actor, app)
        .await
        .map_err(|e| WebError::new(e, "/ui/apps"))?;
    let at = EditorAt {
        session: &session,
        app,
        app_name: &found.name,
        action: match version {
            None => format!("{}/versions", app_path(app)),
            Some(v) => format!("{}/versions/{v}", app_path(app)),
        },
        new: version.is_none(),
    };
    let manifest = match submitted_manifest(&form) {
        Ok(v) => v,
        Err((_, msg)) => return Ok(refused_editor(&at, &form, &msg, &[])),
    };
    let result = match version {
        None => s
            .core
            .create_version(actor, app, form.text("version").trim(), &manifest)
            .await
            .map(|v| format!("{}/versions/{}?done=created", app_path(app), v.id.0)),
        Some(v) => s
            .core
            .update_version(actor, app, v, &manifest)
            .await
            .map(|_| format!("{}?done=saved", at.action)),
    };
    match result {
        Ok(next) => Ok(see_other(&next)),
        Err(CoreError::Invalid { message, problems }) => Ok(refused_editor(&at, &form, &message, &problems)),
        Err(e @ CoreError::Conflict(_)) => Ok(refused_editor(&at, &form, &e.to_string(), &[])),
        Err(e) => Err(WebError::new(e, at.action.clone())),
    }
}

async fn create_version(State(s): State<WebState>, Path(app): Path<AppId>, posted: Posted) -> Page {
    submit_version(&s, app, None, posted).await
}

pub(super) async fn save_version(
    State(s): State<WebState>,
    Path((app, version)): Path<(AppId, VersionId)>,
    posted: Posted,
) -> Page {
    submit_version(&s, app, Some(version), posted).await
}
