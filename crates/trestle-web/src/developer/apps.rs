//! Developer pages: the home page, the list of apps, an app with its redirect URIs and
//! credentials.

use super::shared::*;
use crate::error::WebError;
use crate::forms::Fields;
use crate::forms::{described_by, field_error, form_notice, problem, value, Refusal};
use crate::forms::{WebPath as Path, WebQuery as Query};
use crate::layout::{copyable, csrf, notice, page, secret_once, when, Section};
use crate::session::{see_other, Posted, WebSession};
use crate::state::WebState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::Router;
use maud::html;
use trestle_core::CoreError;
use trestle_domain::entities::Environment;
use trestle_domain::page::PageRequest;
use trestle_domain::text;
use trestle_domain::*;

pub(super) fn routes() -> Router<WebState> {
    Router::new()
        .route("/ui", get(home))
        .route("/ui/", get(home))
        .route("/ui/apps", get(apps).post(create_app))
        .route("/ui/apps/{app}", get(app))
        .route("/ui/apps/{app}/rename", post(rename))
        .route("/ui/apps/{app}/delete", post(delete))
        .route("/ui/apps/{app}/publish", post(publish))
        .route("/ui/apps/{app}/redirect-uris", post(add_redirect_uri))
        .route("/ui/apps/{app}/secrets", post(rotate_secret))
        .route("/ui/apps/{app}/secrets/{secret}/retire", post(retire_secret))
}

/// `GET /ui`: what this person can do here — their apps and their companies.
pub async fn home(State(s): State<WebState>, session: WebSession) -> Page {
    let actor = session.actor();
    let apps = s
        .core
        .list_apps(actor, PageRequest::new(1, 100))
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
                    ul { @for a in &apps.items { li { a href=(app_path(a.id)) { (a.name) } } } }
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

async fn apps(State(s): State<WebState>, session: WebSession, Query(d): Query<Done>) -> Page {
    apps_page(&s, &session, d.done.as_deref(), None).await
}

/// The apps page; `refused` shows the create form again with what was typed.
async fn apps_page(s: &WebState, session: &WebSession, done: Option<&str>, refused: Option<&Refusal<'_>>) -> Page {
    let r = refused;
    let list = s
        .core
        .list_apps(session.actor(), PageRequest::new(1, 100))
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
                                td { a href=(app_path(a.id)) { (a.name) } }
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

async fn create_app(State(s): State<WebState>, posted: Posted) -> Page {
    let Posted { session, form } = posted;
    let created = match s.core.create_app(session.actor(), form.text("name")).await {
        Ok(created) => created,
        Err(e) => {
            let refused = Refusal::of("new-app", &form, e).map_err(|e| WebError::new(e, "/ui/apps"))?;
            return apps_page(&s, &session, None, Some(&refused)).await;
        }
    };
    let id = created.app.id;
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

async fn app(State(s): State<WebState>, session: WebSession, Path(app): Path<AppId>, Query(d): Query<Done>) -> Page {
    app_page(&s, &session, app, d.done.as_deref(), None).await
}

/// An app's page; `refused` shows one of its forms again with what was typed.
async fn app_page(
    s: &WebState,
    session: &WebSession,
    app: AppId,
    done: Option<&str>,
    refused: Option<&Refusal<'_>>,
) -> Page {
    let r = refused;
    let actor = session.actor();
    let err = |e| WebError::new(e, "/ui/apps");
    let found = s.core.get_app(actor, app).await.map_err(err)?;
    let mut versions = s.core.list_versions(actor, app).await.map_err(err)?;
    versions.reverse();
    let clients = s.core.list_clients(actor, app).await.map_err(err)?;
    let uris = s.core.list_redirect_uris(actor, app).await.map_err(err)?;
    let updates = s.core.list_app_updates(actor, app).await.map_err(err)?;
    let pending = updates.iter().filter(|u| u.status == "pending").count();
    let c = &session.csrf;
    let body = html! {
        p.crumbs { a href="/ui/apps" { "My apps" } }
        div.spread {
            h1 { (found.name) }
            div.row {
                a.button.secondary href={ (app_path(app)) "/metrics" } { "Metrics" }
                a.button.secondary href={ (app_path(app)) "/endpoints" } { "Lifecycle webhooks" }
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
    s: &WebState,
    session: &WebSession,
    app: AppId,
    form: &'static str,
    values: &Fields,
    e: CoreError,
) -> Page {
    let refused = Refusal::of(form, values, e).map_err(|e| WebError::new(e, app_path(app)))?;
    app_page(s, session, app, None, Some(&refused)).await
}

async fn rename(State(s): State<WebState>, Path(app): Path<AppId>, posted: Posted) -> Page {
    let Posted { session, form } = posted;
    if let Err(e) = s.core.rename_app(session.actor(), app, form.text("name")).await {
        return refused_on_app(&s, &session, app, "rename", &form, e).await;
    }
    Ok(see_other(&format!("{}?done=renamed", app_path(app))))
}

async fn delete(State(s): State<WebState>, Path(app): Path<AppId>, posted: Posted) -> Page {
    let Posted { session, form } = posted;
    if let Err(e) = s.core.delete_app(session.actor(), app, form.text("confirm")).await {
        return refused_on_app(&s, &session, app, "delete", &form, e).await;
    }
    Ok(see_other("/ui/apps?done=deleted"))
}

async fn publish(State(s): State<WebState>, Path(app): Path<AppId>, posted: Posted) -> Page {
    s.core
        .publish_app(posted.session.actor(), app)
        .await
        .map_err(|e| WebError::new(e, app_path(app)))?;
    Ok(see_other(&format!("{}?done=published", app_path(app))))
}

async fn add_redirect_uri(State(s): State<WebState>, Path(app): Path<AppId>, posted: Posted) -> Page {
    let Posted { session, form } = posted;
    if let Err(e) = s
        .core
        .add_redirect_uri(session.actor(), app, form.text("uri").trim())
        .await
    {
        return refused_on_app(&s, &session, app, "redirect", &form, e).await;
    }
    Ok(see_other(&format!("{}?done=redirect", app_path(app))))
}

async fn rotate_secret(State(s): State<WebState>, Path(app): Path<AppId>, posted: Posted) -> Page {
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
        .get_app(session.actor(), app)
        .await
        .map_err(|e| WebError::new(e, &back))?;
    let rotated = match s.core.rotate_secret(session.actor(), app, env, expire).await {
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

async fn retire_secret(
    State(s): State<WebState>,
    Path((app, secret)): Path<(AppId, SecretId)>,
    posted: Posted,
) -> Page {
    let Posted { session, form } = posted;
    let back = app_path(app);
    let env = match env_of(&form) {
        Ok(env) => env,
        Err(e) => return refused_on_app(&s, &session, app, "secrets", &form, e).await,
    };
    if let Err(e) = s.core.retire_secret(session.actor(), app, env, secret).await {
        return refused_on_app(&s, &session, app, "secrets", &form, e).await;
    }
    Ok(see_other(&format!("{back}?done=retired")))
}
