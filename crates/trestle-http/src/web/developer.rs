//! Developer pages: apps, the manifest editor with its permission builder, versions,
//! promotion, credentials and metrics.

use super::forms::{described_by, field_error, form_notice, problem, value, Refusal};
use super::forms::{WebPath as Path, WebQuery as Query};
use super::layout::{copyable, csrf, notice, page, problems, secret_once, when, Section};
use super::{see_other, Fields, Posted, WebSession};
use crate::error::WebError;
use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use maud::{html, Markup};
use serde_json::{json, Map, Value};
use trestle_core::AppMetrics;
use trestle_core::{CoreError, VersionDiff};
use trestle_domain::manifest::{GrantType, Manifest, Problem};
use trestle_domain::page::PageRequest;
use trestle_domain::permissions::{Level, ToolPermissions, COMPANY_TOOLS, PROJECT_TOOLS};
use trestle_domain::text;
use trestle_domain::*;
use trestle_store::{AppVersion, Environment, VersionStatus};

type Page = Result<Response, WebError>;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/ui/apps", get(apps).post(create_app))
        .route("/ui/apps/{app}", get(app))
        .route("/ui/apps/{app}/rename", post(rename))
        .route("/ui/apps/{app}/delete", post(delete))
        .route("/ui/apps/{app}/publish", post(publish))
        .route("/ui/apps/{app}/redirect-uris", post(add_redirect_uri))
        .route("/ui/apps/{app}/secrets", post(rotate_secret))
        .route("/ui/apps/{app}/secrets/{secret}/retire", post(retire_secret))
        .route("/ui/apps/{app}/versions/new", get(new_version))
        .route("/ui/apps/{app}/versions", post(create_version))
        .route("/ui/apps/{app}/versions/{version}", get(version).post(save_version))
        .route("/ui/apps/{app}/versions/{version}/promote", post(promote))
        .route("/ui/apps/{app}/metrics", get(metrics))
}

#[derive(serde::Deserialize, Default)]
pub(super) struct Done {
    done: Option<String>,
}

/// The fixed messages a redirect may ask for.
fn done_message(code: Option<&str>) -> Option<&'static str> {
    Some(match code? {
        "renamed" => "The app was renamed.",
        "published" => "The app is listed in the marketplace.",
        "redirect" => "The redirect URI was added.",
        "retired" => "The secret was retired; tokens issued with it stop working now.",
        "saved" => "The version was saved. Sandbox installs use it at once.",
        "created" => "The version was created. Try it in your sandbox, then promote it.",
        "deleted" => "The app was deleted.",
        _ => return None,
    })
}

fn app_path(app: i64) -> String {
    format!("/ui/apps/{app}")
}

/// `GET /ui`: what this person can do here — their apps and their companies.
pub async fn home(State(s): State<AppState>, session: WebSession) -> Page {
    let actor = session.actor();
    let apps = s
        .core
        .list_apps(actor, PageRequest { page: 1, per_page: 100 })
        .await
        .map_err(|e| WebError::new(e, "/ui"))?;
    let companies = s.core.my_companies(actor).await.map_err(|e| WebError::new(e, "/ui"))?;
    let body = html! {
        h1 { "Welcome, " (session.user.name) }
        div.grid {
            section.card aria-labelledby="apps-h" {
                div.spread {
                    h2 #apps-h { "My apps" }
                    a.button.small href="/ui/apps#new-app" { "New app" }
                }
                @if apps.items.is_empty() {
                    p.empty { "No apps yet. Create one to get a development sandbox and credentials." }
                } @else {
                    ul { @for a in &apps.items { li { a href=(app_path(a.id.0)) { (a.name) } } } }
                }
            }
            section.card aria-labelledby="companies-h" {
                div.spread {
                    h2 #companies-h { "My companies" }
                    a.button.small.secondary href="/ui/invitations" { "Invitations" }
                }
                @if companies.is_empty() {
                    p.empty { "You are not in any company directory." }
                } @else {
                    ul {
                        @for (c, admin) in &companies {
                            li {
                                @if *admin {
                                    a href={ "/ui/companies/" (c.id.0) } { (c.name) }
                                    " " span.badge.brand { "Admin" }
                                } @else {
                                    (c.name)
                                }
                                @if c.sandbox_of_app.is_some() { " " span.badge { "Sandbox" } }
                            }
                        }
                    }
                }
            }
        }
    };
    Ok(page(&session.chrome(Section::Home), StatusCode::OK, "Home", body))
}

async fn apps(State(s): State<AppState>, session: WebSession, Query(d): Query<Done>) -> Page {
    apps_page(&s, &session, d.done.as_deref(), None).await
}

/// The apps page; `refused` shows the create form again with what was typed.
async fn apps_page(s: &AppState, session: &WebSession, done: Option<&str>, refused: Option<&Refusal<'_>>) -> Page {
    let r = refused;
    let list = s
        .core
        .list_apps(session.actor(), PageRequest { page: 1, per_page: 100 })
        .await
        .map_err(|e| WebError::new(e, "/ui"))?;
    let body = html! {
        h1 { "My apps" }
        (notice(done_message(done)))
        section.card {
            @if list.items.is_empty() {
                p.empty { "You have no apps yet." }
            } @else {
                div.table-wrap { table {
                    thead { tr { th { "App" } th { "Created" } th { "Marketplace" } } }
                    tbody {
                        @for a in &list.items {
                            tr {
                                td { a href=(app_path(a.id.0)) { (a.name) } }
                                td { (when(a.created_at)) }
                                td { @if a.published_at.is_some() { span.badge.ok { "Listed" } } @else { span.muted { "Not listed" } } }
                            }
                        }
                    }
                } }
            }
        }
        section.card #new-app aria-labelledby="new-app-h" {
            h2 #new-app-h { "Create an app" }
            p.muted { "Each app gets a development sandbox company with sample projects and people, and sandbox credentials." }
            form method="post" action="/ui/apps" {
                (csrf(&session.csrf))
                (form_notice(r, "new-app", &["name"]))
                label for="name" { "App name" }
                input #name type="text" name="name" required maxlength=(text::APP_NAME.max)
                    value=(value(r, "new-app", "name", "")) aria-invalid=[problem(r, "new-app", "name").map(|_| "true")]
                    aria-describedby=[described_by(r, "new-app", "name")];
                (field_error(r, "new-app", "name"))
                p { button type="submit" { "Create app" } }
            }
        }
    };
    let status = r.map_or(StatusCode::OK, Refusal::status);
    Ok(page(&session.chrome(Section::Apps), status, "My apps", body))
}

async fn create_app(State(s): State<AppState>, posted: Posted) -> Page {
    let Posted { session, form } = posted;
    let created = match s.core.create_app(session.actor(), form.text("name")).await {
        Ok(created) => created,
        Err(e) => {
            let refused = Refusal::of("new-app", &form, e).map_err(|e| WebError::new(e, "/ui/apps"))?;
            return apps_page(&s, &session, None, Some(&refused)).await;
        }
    };
    let id = created.app.id.0;
    let body = html! {
        p.crumbs { a href="/ui/apps" { "My apps" } }
        h1 { (created.app.name) " is ready" }
        section.card {
            h2 { "Sandbox credentials" }
            p { "Use these to call Trestle as your app inside its development sandbox. Production credentials are created when you first promote a version." }
            p.notice.warn { "These credentials get a token only once the app has a version: create a version on the app's page (it need not be promoted) before asking for a token." }
            (copyable("client-id", "Sandbox client ID", &created.sandbox_credentials.client_id))
            (secret_once("client-secret", "Sandbox client secret", &created.sandbox_credentials.client_secret))
            p { a.button href=(app_path(id)) data-secret-ack { "I have saved the secret — continue" } }
        }
    };
    Ok(page(
        &session.chrome(Section::Apps),
        StatusCode::CREATED,
        "App created",
        body,
    ))
}

fn env_of(form: &Fields) -> Result<Environment, CoreError> {
    match form.text("environment") {
        "production" => Ok(Environment::Production),
        "sandbox" => Ok(Environment::Sandbox),
        _ => Err(CoreError::invalid_field(
            "$.environment",
            "must be production or sandbox",
        )),
    }
}

fn status_badge(v: &AppVersion) -> Markup {
    html! {
        @match v.status {
            VersionStatus::Promoted => span.badge.ok { "Promoted" },
            VersionStatus::ReadyForTesting => span.badge.warn { "Ready for testing" },
        }
    }
}

async fn app(State(s): State<AppState>, session: WebSession, Path(app): Path<i64>, Query(d): Query<Done>) -> Page {
    app_page(&s, &session, app, d.done.as_deref(), None).await
}

/// An app's page; `refused` shows one of its forms again with what was typed.
async fn app_page(
    s: &AppState,
    session: &WebSession,
    app: i64,
    done: Option<&str>,
    refused: Option<&Refusal<'_>>,
) -> Page {
    let r = refused;
    let actor = session.actor();
    let err = |e| WebError::new(e, "/ui/apps");
    let found = s.core.get_app(actor, AppId(app)).await.map_err(err)?;
    let mut versions = s.core.list_versions(actor, AppId(app)).await.map_err(err)?;
    versions.reverse();
    let clients = s.core.list_clients(actor, AppId(app)).await.map_err(err)?;
    let uris = s.core.list_redirect_uris(actor, AppId(app)).await.map_err(err)?;
    let updates = s.core.list_app_updates(actor, AppId(app)).await.map_err(err)?;
    let pending = updates.iter().filter(|u| u.status == "pending").count();
    let c = &session.csrf;
    let body = html! {
        p.crumbs { a href="/ui/apps" { "My apps" } }
        div.spread {
            h1 { (found.name) }
            div.row {
                a.button.secondary href={ (app_path(app)) "/metrics" } { "Metrics" }
                a.button href={ (app_path(app)) "/versions/new" } { "New version" }
            }
        }
        (notice(done_message(done)))
        @if let Some(t) = found.suspended_at {
            div.notice.error role="alert" {
                strong { "Suspended by the platform operator" } " since " (when(t))
                @if let Some(r) = &found.suspended_reason { ": " (r) }
                ". The app gets no tokens, and the tokens it holds are refused, until the suspension is lifted."
            }
        }
        section.card aria-labelledby="versions-h" {
            h2 #versions-h { "Versions" }
            @if versions.is_empty() {
                p.empty { "No versions yet. Write a manifest to declare the permissions your app needs." }
            } @else {
                div.table-wrap { table {
                    thead { tr { th { "Version" } th { "Status" } th { "App Version ID" } th { "Created" } } }
                    tbody {
                        @for v in &versions {
                            tr {
                                td { a href={ (app_path(app)) "/versions/" (v.id.0) } { (v.version) } }
                                td { (status_badge(v)) }
                                td { @if let Some(u) = &v.app_version_uuid { code { (u) } } @else { span.muted { "—" } } }
                                td { (when(v.created_at)) }
                            }
                        }
                    }
                } }
            }
            @if pending > 0 {
                p.notice.warn { (pending) " company install(s) have not yet approved a permission upgrade." }
            }
        }
        section.card aria-labelledby="creds-h" {
            h2 #creds-h { "Credentials" }
            (form_notice(r, "secrets", &[]))
            @if !clients.iter().any(|c| c.client.environment == Environment::Production) {
                p.muted { "Production credentials are created when you promote your first version." }
            }
            @for cv in &clients {
                h3 { @if cv.client.environment == Environment::Production { "Production" } @else { "Sandbox" } }
                @if cv.client.environment == Environment::Sandbox && versions.is_empty() {
                    p.notice.warn { "The sandbox credentials get a token only once the app has a version: create one above (it need not be promoted)." }
                }
                (copyable(&format!("client-id-{}", cv.client.environment.as_str()), "Client ID", &cv.client.client_id))
                div.table-wrap { table {
                    thead { tr { th { "Secret" } th { "Created" } th { "Expires" } th { "State" } th { span.sr-only { "Actions" } } } }
                    tbody {
                        @for sec in &cv.secrets {
                            tr {
                                td { "#" (sec.id) }
                                td { (when(sec.created_at)) }
                                td { @if let Some(t) = sec.expires_at { (when(t)) } @else { span.muted { "never" } } }
                                td {
                                    @if sec.revoked_at.is_some() { span.badge { "Retired" } }
                                    @else if sec.expires_at.is_some_and(|t| t <= s.core.now()) { span.badge { "Expired" } }
                                    @else { span.badge.ok { "Active" } }
                                }
                                td {
                                    @if sec.revoked_at.is_none() {
                                        form.inline method="post" action={ (app_path(app)) "/secrets/" (sec.id) "/retire" }
                                            data-confirm="Retire this secret? Tokens issued with it stop working at once." {
                                            (csrf(c))
                                            input type="hidden" name="environment" value=(cv.client.environment.as_str());
                                            button.small.secondary type="submit" { "Retire" }
                                        }
                                    }
                                }
                            }
                        }
                    }
                } }
                form method="post" action={ (app_path(app)) "/secrets" } {
                    (csrf(c))
                    input type="hidden" name="environment" value=(cv.client.environment.as_str());
                    div.row {
                        div {
                            label for={ "expire-" (cv.client.environment.as_str()) } { "The other secrets" }
                            select id={ "expire-" (cv.client.environment.as_str()) } name="expire_others_in" {
                                option value="" { "keep working until retired" }
                                option value="3600" { "expire in 1 hour" }
                                option value="86400" { "expire in 1 day" }
                                option value="604800" { "expire in 7 days" }
                                option value="0" { "expire now" }
                            }
                        }
                        button.secondary type="submit" { "Generate new secret" }
                    }
                }
            }
        }
        div.grid {
            section.card aria-labelledby="redirect-h" {
                h2 #redirect-h { "Redirect URIs" }
                p.muted { "For apps that act as a signed-in person (authorization code flow). Matched exactly." }
                @if uris.is_empty() { p.empty { "None." } } @else { ul { @for u in &uris { li { code { (u) } } } } }
                form method="post" action={ (app_path(app)) "/redirect-uris" } {
                    (csrf(c))
                    (form_notice(r, "redirect", &["uri"]))
                    label for="redirect-uri" { "Add a redirect URI" }
                    div.row {
                        input #redirect-uri type="text" name="uri" placeholder="https://example.com/callback" required
                            maxlength=(text::URL.max) value=(value(r, "redirect", "uri", ""))
                            aria-invalid=[problem(r, "redirect", "uri").map(|_| "true")]
                            aria-describedby=[described_by(r, "redirect", "uri")];
                        button.secondary type="submit" { "Add" }
                    }
                    (field_error(r, "redirect", "uri"))
                }
            }
            section.card aria-labelledby="settings-h" {
                h2 #settings-h { "Settings" }
                form method="post" action={ (app_path(app)) "/rename" } {
                    (csrf(c))
                    (form_notice(r, "rename", &["name"]))
                    label for="app-name" { "Name" }
                    div.row {
                        input #app-name type="text" name="name" value=(value(r, "rename", "name", &found.name)) required
                            maxlength=(text::APP_NAME.max) aria-invalid=[problem(r, "rename", "name").map(|_| "true")]
                            aria-describedby=[described_by(r, "rename", "name")];
                        button.secondary type="submit" { "Rename" }
                    }
                    (field_error(r, "rename", "name"))
                }
                h3 { "Marketplace" }
                @if let Some(t) = found.published_at {
                    p { span.badge.ok { "Listed" } " since " (when(t)) }
                } @else {
                    form method="post" action={ (app_path(app)) "/publish" } {
                        (csrf(c))
                        p.muted { "Listing lets any company admin install the newest promoted version from the marketplace." }
                        button.secondary type="submit" { "List in marketplace" }
                    }
                }
                @if let Some(sb) = found.sandbox_company_id {
                    h3 { "Development sandbox" }
                    p { a href={ "/ui/companies/" (sb.0) } { "Open the sandbox company" } }
                }
            }
        }
        section.card.danger-zone aria-labelledby="danger-h" {
            h2 #danger-h { "Delete app" }
            p.muted { "Only an app that no company has installed can be deleted. Type the app's name to confirm." }
            form method="post" action={ (app_path(app)) "/delete" } {
                (csrf(c))
                (form_notice(r, "delete", &["confirm"]))
                label for="confirm" { "App name" }
                div.row {
                    input #confirm type="text" name="confirm" required autocomplete="off"
                        value=(value(r, "delete", "confirm", "")) aria-invalid=[problem(r, "delete", "confirm").map(|_| "true")]
                        aria-describedby=[described_by(r, "delete", "confirm")];
                    button.danger type="submit" { "Delete app" }
                }
                (field_error(r, "delete", "confirm"))
            }
        }
    };
    let status = r.map_or(StatusCode::OK, Refusal::status);
    Ok(page(&session.chrome(Section::Apps), status, &found.name, body))
}

/// Shows the app page again with the refused form `form`, or the error page for other errors.
async fn refused_on_app(
    s: &AppState,
    session: &WebSession,
    app: i64,
    form: &'static str,
    values: &Fields,
    e: CoreError,
) -> Page {
    let refused = Refusal::of(form, values, e).map_err(|e| WebError::new(e, app_path(app)))?;
    app_page(s, session, app, None, Some(&refused)).await
}

async fn rename(State(s): State<AppState>, Path(app): Path<i64>, posted: Posted) -> Page {
    let Posted { session, form } = posted;
    if let Err(e) = s.core.rename_app(session.actor(), AppId(app), form.text("name")).await {
        return refused_on_app(&s, &session, app, "rename", &form, e).await;
    }
    Ok(see_other(&format!("{}?done=renamed", app_path(app))))
}

async fn delete(State(s): State<AppState>, Path(app): Path<i64>, posted: Posted) -> Page {
    let Posted { session, form } = posted;
    if let Err(e) = s
        .core
        .delete_app(session.actor(), AppId(app), form.text("confirm"))
        .await
    {
        return refused_on_app(&s, &session, app, "delete", &form, e).await;
    }
    Ok(see_other("/ui/apps?done=deleted"))
}

async fn publish(State(s): State<AppState>, Path(app): Path<i64>, posted: Posted) -> Page {
    s.core
        .publish_app(posted.session.actor(), AppId(app))
        .await
        .map_err(|e| WebError::new(e, app_path(app)))?;
    Ok(see_other(&format!("{}?done=published", app_path(app))))
}

async fn add_redirect_uri(State(s): State<AppState>, Path(app): Path<i64>, posted: Posted) -> Page {
    let Posted { session, form } = posted;
    if let Err(e) = s
        .core
        .add_redirect_uri(session.actor(), AppId(app), form.text("uri").trim())
        .await
    {
        return refused_on_app(&s, &session, app, "redirect", &form, e).await;
    }
    Ok(see_other(&format!("{}?done=redirect", app_path(app))))
}

async fn rotate_secret(State(s): State<AppState>, Path(app): Path<i64>, posted: Posted) -> Page {
    let Posted { session, form } = posted;
    let back = app_path(app);
    if let Some(confirm) = session.confirmation_needed(&s, &back) {
        return Ok(confirm);
    }
    let env = match env_of(&form) {
        Ok(env) => env,
        Err(e) => return refused_on_app(&s, &session, app, "secrets", &form, e).await,
    };
    let expire = match form.text("expire_others_in") {
        "" => None,
        v => match v.parse::<i64>() {
            Ok(n) => Some(n),
            Err(_) => {
                let e = CoreError::invalid_field("$.expire_others_in", "must be a number of seconds");
                return refused_on_app(&s, &session, app, "secrets", &form, e).await;
            }
        },
    };
    let found = s
        .core
        .get_app(session.actor(), AppId(app))
        .await
        .map_err(|e| WebError::new(e, &back))?;
    let rotated = match s.core.rotate_secret(session.actor(), AppId(app), env, expire).await {
        Ok(rotated) => rotated,
        Err(e) => return refused_on_app(&s, &session, app, "secrets", &form, e).await,
    };
    let body = html! {
        p.crumbs { a href="/ui/apps" { "My apps" } " / " a href=(back) { (found.name) } }
        h1 { "New " (env.as_str()) " secret" }
        section.card {
            (copyable("client-id", "Client ID", &rotated.client_id))
            (secret_once("client-secret", "New client secret", &rotated.client_secret))
            p.muted {
                @match expire {
                    None => "The other secrets keep working until you retire them.",
                    Some(0) => "The other secrets stopped working now.",
                    Some(_) => "The other secrets stop working at the time you chose.",
                }
            }
            p { a.button href=(back) data-secret-ack { "I have saved the secret — continue" } }
        }
    };
    Ok(page(
        &session.chrome(Section::Apps),
        StatusCode::CREATED,
        "New secret",
        body,
    ))
}

async fn retire_secret(State(s): State<AppState>, Path((app, secret)): Path<(i64, i64)>, posted: Posted) -> Page {
    let Posted { session, form } = posted;
    let back = app_path(app);
    let env = match env_of(&form) {
        Ok(env) => env,
        Err(e) => return refused_on_app(&s, &session, app, "secrets", &form, e).await,
    };
    if let Err(e) = s.core.retire_secret(session.actor(), AppId(app), env, secret).await {
        return refused_on_app(&s, &session, app, "secrets", &form, e).await;
    }
    Ok(see_other(&format!("{back}?done=retired")))
}

// ---------------------------------------------------------------------------------------------
// The manifest editor

/// What the editor shows: either a parsed manifest or the raw text the developer typed.
struct Draft {
    version: String,
    manifest: Manifest,
    json: String,
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

fn pretty(v: &Value) -> String {
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
struct EditorAt<'a> {
    session: &'a WebSession,
    app: i64,
    app_name: &'a str,
    action: String,
    new: bool,
}

fn editor(at: &EditorAt<'_>, draft: &Draft, error: Option<Markup>) -> Markup {
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

async fn new_version(State(s): State<AppState>, session: WebSession, Path(app): Path<i64>) -> Page {
    let actor = session.actor();
    let err = |e| WebError::new(e, app_path(app));
    let found = s.core.get_app(actor, AppId(app)).await.map_err(err)?;
    let versions = s.core.list_versions(actor, AppId(app)).await.map_err(err)?;
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
async fn submit_version(s: &AppState, app: i64, version: Option<i64>, posted: Posted) -> Page {
    let Posted { session, form } = posted;
    let actor = session.actor();
    let found = s
        .core
        .get_app(actor, AppId(app))
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
            .create_version(actor, AppId(app), form.text("version").trim(), &manifest)
            .await
            .map(|v| format!("{}/versions/{}?done=created", app_path(app), v.id.0)),
        Some(v) => s
            .core
            .update_version(actor, AppId(app), VersionId(v), &manifest)
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

async fn create_version(State(s): State<AppState>, Path(app): Path<i64>, posted: Posted) -> Page {
    submit_version(&s, app, None, posted).await
}

async fn save_version(State(s): State<AppState>, Path((app, version)): Path<(i64, i64)>, posted: Posted) -> Page {
    submit_version(&s, app, Some(version), posted).await
}

fn permission_table(m: &Manifest) -> Markup {
    let rows: Vec<(&str, &String, &Level)> = m
        .company_permissions
        .granted()
        .map(|(t, l)| ("Company", t, l))
        .chain(m.project_permissions.granted().map(|(t, l)| ("Project", t, l)))
        .collect();
    html! {
        @if rows.is_empty() {
            p.empty { "No tool permissions." }
        } @else {
            div.table-wrap { table {
                thead { tr { th { "Scope" } th { "Tool" } th { "Level" } } }
                tbody { @for (scope, tool, level) in rows { tr { td { (scope) } td.mono { (tool) } td { (level.as_str()) } } } }
            } }
        }
    }
}

fn diff_table(d: &VersionDiff) -> Markup {
    let rows: Vec<(&str, &trestle_core::ToolChange)> = d
        .company
        .iter()
        .map(|c| ("Company", c))
        .chain(d.project.iter().map(|c| ("Project", c)))
        .collect();
    html! {
        @if rows.is_empty() {
            p.muted { "Same permissions as the promoted version." }
        } @else {
            div.table-wrap { table {
                thead { tr { th { "Scope" } th { "Tool" } th { "From" } th { "To" } } }
                tbody {
                    @for (scope, c) in rows {
                        tr {
                            td { (scope) } td.mono { (c.tool) } td { (c.from.as_str()) }
                            td { (c.to.as_str()) @if c.widens() { " " span.badge.warn { "wider" } } }
                        }
                    }
                }
            } }
        }
    }
}

async fn version(
    State(s): State<AppState>,
    session: WebSession,
    Path((app, version)): Path<(i64, i64)>,
    Query(d): Query<Done>,
) -> Page {
    let actor = session.actor();
    let err = |e| WebError::new(e, app_path(app));
    let found = s.core.get_app(actor, AppId(app)).await.map_err(err)?;
    let v = s
        .core
        .get_version(actor, AppId(app), VersionId(version))
        .await
        .map_err(err)?;
    let manifest = trestle_core::stored_manifest(&v).map_err(err)?;
    if v.status != VersionStatus::Promoted && d.done.is_none() {
        // A version still in testing opens in the editor.
        let draft = Draft {
            version: v.version.clone(),
            json: pretty(&manifest.to_json()),
            manifest: manifest.clone(),
        };
        let at = EditorAt {
            session: &session,
            app,
            app_name: &found.name,
            action: format!("{}/versions/{version}", app_path(app)),
            new: false,
        };
        let body = html! {
            (editor(&at, &draft, None))
            (promote_card(&s, &session, app, &v, actor).await?)
        };
        return Ok(page(&session.chrome(Section::Apps), StatusCode::OK, &v.version, body));
    }
    let body = html! {
        p.crumbs { a href="/ui/apps" { "My apps" } " / " a href=(app_path(app)) { (found.name) } }
        div.spread {
            h1 { "Version " (v.version) " " (status_badge(&v)) }
            @if v.status != VersionStatus::Promoted {
                a.button.secondary href={ (app_path(app)) "/versions/" (version) } { "Edit" }
            }
        }
        (notice(done_message(d.done.as_deref())))
        section.card {
            dl.facts {
                dt { "Grant type" } dd { @for g in &manifest.grant_types { code { (g.as_str()) } " " } }
                dt { "Created" } dd { (when(v.created_at)) }
                @if let Some(t) = v.promoted_at { dt { "Promoted" } dd { (when(t)) } }
            }
            @if let Some(u) = &v.app_version_uuid {
                (copyable("app-version-id", "App Version ID (companies install this version with it)", u))
            }
        }
        section.card {
            h2 { "Permissions" }
            (permission_table(&manifest))
            @if let Some(n) = &manifest.post_installation_notes {
                h3 { "Post-installation notes" }
                p { (n) }
            }
        }
        @if v.status != VersionStatus::Promoted {
            (promote_card(&s, &session, app, &v, actor).await?)
        }
    };
    Ok(page(&session.chrome(Section::Apps), StatusCode::OK, &v.version, body))
}

async fn promote_card(
    s: &AppState,
    session: &WebSession,
    app: i64,
    v: &AppVersion,
    actor: policy::Actor,
) -> Result<Markup, WebError> {
    let err = |e| WebError::new(e, app_path(app));
    let versions = s.core.list_versions(actor, AppId(app)).await.map_err(err)?;
    let current = versions
        .iter()
        .filter(|x| x.status == VersionStatus::Promoted)
        // the newest promoted version by precedence: what new installs get
        .max_by(
            |a, b| match (semver::Version::parse(&a.version), semver::Version::parse(&b.version)) {
                (Ok(a), Ok(b)) => trestle_domain::version::precedence(&a, &b),
                _ => a.id.0.cmp(&b.id.0),
            },
        );
    let diff = match current {
        Some(c) => Some(s.core.diff_versions(actor, AppId(app), c.id, v.id).await.map_err(err)?),
        None => None,
    };
    Ok(html! {
        section.card aria-labelledby="promote-h" {
            h2 #promote-h { "Promote to production" }
            @match (&diff, current) {
                (Some(d), Some(c)) => {
                    p { "Compared with " strong { (c.version) } ", the version in production now:" }
                    (diff_table(d))
                    @if older_than(v, c) {
                        p.notice.warn { "This version is older than " (c.version) ". Promoting it never moves a company down: it is offered only to companies that run an older version, and new installs still get " (c.version) "." }
                    } @else if d.widens {
                        p.notice.warn { "This version asks for more than the promoted one. Companies that installed the app keep the old permissions until their admin approves the upgrade." }
                    } @else {
                        p.muted { "It asks for nothing new, so installed companies move to it at once." }
                    }
                }
                _ => {
                    p { "The first promotion creates your production client. Its secret is shown once, on the next page." }
                }
            }
            form method="post" action={ (app_path(app)) "/versions/" (v.id.0) "/promote" }
                data-confirm="Promote this version to production? A promoted version cannot be changed." {
                (csrf(&session.csrf))
                button type="submit" { "Promote version " (v.version) }
            }
        }
    })
}

/// Whether `v` orders below `c` by SemVer precedence.
fn older_than(v: &AppVersion, c: &AppVersion) -> bool {
    match (semver::Version::parse(&v.version), semver::Version::parse(&c.version)) {
        (Ok(v), Ok(c)) => trestle_domain::version::precedence(&v, &c) == std::cmp::Ordering::Less,
        _ => false,
    }
}

async fn promote(State(s): State<AppState>, Path((app, version)): Path<(i64, i64)>, posted: Posted) -> Page {
    let Posted { session, .. } = posted;
    let actor = session.actor();
    let back = format!("{}/versions/{version}", app_path(app));
    if let Some(confirm) = session.confirmation_needed(&s, &back) {
        return Ok(confirm);
    }
    let found = s
        .core
        .get_app(actor, AppId(app))
        .await
        .map_err(|e| WebError::new(e, "/ui/apps"))?;
    let promoted = s
        .core
        .promote_version(actor, AppId(app), VersionId(version))
        .await
        .map_err(|e| WebError::new(e, &back))?;
    let applied = promoted.updates.iter().filter(|u| u.status == "applied").count();
    let pending = promoted.updates.iter().filter(|u| u.status == "pending").count();
    let body = html! {
        p.crumbs { a href="/ui/apps" { "My apps" } " / " a href=(app_path(app)) { (found.name) } }
        h1 { "Version " (promoted.version.version) " is in production" }
        section.card {
            @if let Some(u) = &promoted.version.app_version_uuid {
                (copyable("app-version-id", "App Version ID", u))
                p.hint { "Company admins install this version by entering the App Version ID (custom install)." }
            }
            @if let Some(c) = &promoted.credentials {
                h2 { "Production credentials" }
                (copyable("client-id", "Client ID", &c.client_id))
                (secret_once("client-secret", "Client secret", &c.client_secret))
            }
            @if !promoted.updates.is_empty() {
                p { (applied) " installed compan" @if applied == 1 { "y moved" } @else { "ies moved" } " to this version at once; "
                    (pending) " must approve wider permissions first." }
            }
            p {
                a.button href=(app_path(app)) data-secret-ack {
                    @if promoted.credentials.is_some() { "I have saved the secret — continue" } @else { "Back to the app" }
                }
            }
        }
    };
    Ok(page(&session.chrome(Section::Apps), StatusCode::OK, "Promoted", body))
}

// ---------------------------------------------------------------------------------------------
// Metrics

#[derive(serde::Deserialize)]
struct Range {
    from: Option<String>,
    to: Option<String>,
}

/// Active installs per day as an SVG line chart (no script, readable by screen readers through
/// its title and the table beside it).
fn chart(m: &AppMetrics) -> Markup {
    let (w, h, left, bottom, top) = (720.0_f64, 220.0_f64, 40.0_f64, 28.0_f64, 12.0_f64);
    let n = m.daily.len().max(1);
    let max = m.daily.iter().map(|d| d.active).max().unwrap_or(0).max(1) as f64;
    let x = |i: usize| left + (w - left - 8.0) * if n == 1 { 0.5 } else { i as f64 / (n - 1) as f64 };
    let y = |v: u32| top + (h - top - bottom) * (1.0 - v as f64 / max);
    let points: Vec<String> = m
        .daily
        .iter()
        .enumerate()
        .map(|(i, d)| format!("{:.1},{:.1}", x(i), y(d.active)))
        .collect();
    let area = if points.is_empty() {
        String::new()
    } else {
        format!(
            "{:.1},{:.1} {} {:.1},{:.1}",
            x(0),
            y(0),
            points.join(" "),
            x(n - 1),
            y(0)
        )
    };
    let ticks = [0.0, 0.5, 1.0].map(|f| (f * max).round() as u32);
    let label_every = n.div_ceil(6).max(1);
    html! {
        svg.chart viewBox={ "0 0 " (w) " " (h) } role="img" aria-labelledby="chart-title" {
            title #chart-title { "Active installs per day from " (m.from) " to " (m.to) }
            @for t in ticks {
                line.grid x1=(left) x2=(w - 8.0) y1=(y(t)) y2=(y(t)) {}
                text x=(left - 6.0) y=(y(t) + 4.0) text-anchor="end" { (t) }
            }
            line.axis x1=(left) x2=(w - 8.0) y1=(y(0)) y2=(y(0)) {}
            @if !area.is_empty() {
                polygon.area points=(area) {}
                polyline.line points=(points.join(" ")) {}
            }
            @if n <= 62 {
                @for (i, d) in m.daily.iter().enumerate() {
                    circle.dot cx=(x(i)) cy=(y(d.active)) r="3.5" {
                        title { (d.date) ": " (d.active) " active, " (d.installs) " installed, " (d.uninstalls) " uninstalled" }
                    }
                }
            }
            @for (i, d) in m.daily.iter().enumerate() {
                @if i % label_every == 0 || i + 1 == n {
                    text x=(x(i)) y=(h - 8.0) text-anchor="middle" { (d.date.get(5..).unwrap_or(&d.date)) }
                }
            }
        }
    }
}

async fn metrics(State(s): State<AppState>, session: WebSession, Path(app): Path<i64>, Query(r): Query<Range>) -> Page {
    let actor = session.actor();
    let back = app_path(app);
    let found = s
        .core
        .get_app(actor, AppId(app))
        .await
        .map_err(|e| WebError::new(e, "/ui/apps"))?;
    let m = s
        .core
        .app_metrics(actor, AppId(app), r.from.as_deref(), r.to.as_deref())
        .await
        .map_err(|e| WebError::new(e, format!("{back}/metrics")))?;
    let body = html! {
        p.crumbs { a href="/ui/apps" { "My apps" } " / " a href=(back) { (found.name) } }
        h1 { "Metrics" }
        section.card {
            form.row method="get" {
                div { label for="from" { "From" } input #from type="date" name="from" value=(m.from); }
                div { label for="to" { "To" } input #to type="date" name="to" value=(m.to); }
                button.secondary type="submit" { "Show" }
            }
        }
        section.card {
            div.stats {
                div.stat { b { (m.active_installs) } "active installs" }
                div.stat { b { (m.installs) } "installs in range" }
                div.stat { b { (m.uninstalls) } "uninstalls in range" }
            }
            h2 { "Active installs over time" }
            (chart(&m))
        }
        section.card {
            h2 { "Companies" }
            @if m.companies.is_empty() {
                p.empty { "No company has installed this app yet." }
            } @else {
                div.table-wrap { table {
                    thead { tr { th { "Company" } th.num { "Installs" } th.num { "Uninstalls" } th { "State" } th { "First installed" } } }
                    tbody {
                        @for c in &m.companies {
                            tr {
                                td { (c.company_name) }
                                td.num { (c.installs) } td.num { (c.uninstalls) }
                                td { @if c.active { span.badge.ok { "Installed" } } @else { span.badge { "Uninstalled" } } }
                                td { (when(c.first_installed_at)) }
                            }
                        }
                    }
                } }
            }
        }
    };
    Ok(page(&session.chrome(Section::Apps), StatusCode::OK, "Metrics", body))
}
