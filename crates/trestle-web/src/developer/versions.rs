//! A version of an app: its permissions, what changed since the version before, and
//! promotion to production installs.

use super::editor::{self, editor, pretty, Draft, EditorAt};
use super::shared::*;
use crate::error::WebError;
use crate::forms::{WebPath as Path, WebQuery as Query};
use crate::layout::{copyable, csrf, notice, page, secret_once, when, Section};
use crate::session::{Posted, WebSession};
use crate::state::WebState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::Router;
use maud::{html, Markup};
use trestle_core::VersionDiff;
use trestle_domain::entities::{AppVersion, VersionStatus};
use trestle_domain::manifest::Manifest;
use trestle_domain::permissions::Level;
use trestle_domain::*;

pub(super) fn routes() -> Router<WebState> {
    Router::new()
        .route(
            "/ui/apps/{app}/versions/{version}",
            get(version).post(editor::save_version),
        )
        .route("/ui/apps/{app}/versions/{version}/promote", post(promote))
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
    State(s): State<WebState>,
    session: WebSession,
    Path((app, version)): Path<(AppId, VersionId)>,
    Query(d): Query<Done>,
) -> Page {
    let actor = session.actor();
    let err = |e| WebError::new(e, app_path(app));
    let found = s.core.get_app(actor, app).await.map_err(err)?;
    let v = s.core.get_version(actor, app, version).await.map_err(err)?;
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
    s: &WebState,
    session: &WebSession,
    app: AppId,
    v: &AppVersion,
    actor: policy::Actor,
) -> Result<Markup, WebError> {
    let err = |e| WebError::new(e, app_path(app));
    let versions = s.core.list_versions(actor, app).await.map_err(err)?;
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
        Some(c) => Some(s.core.diff_versions(actor, app, c.id, v.id).await.map_err(err)?),
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

async fn promote(State(s): State<WebState>, Path((app, version)): Path<(AppId, VersionId)>, posted: Posted) -> Page {
    let Posted { session, .. } = posted;
    let actor = session.actor();
    let back = format!("{}/versions/{version}", app_path(app));
    if let Some(confirm) = session.confirmation_needed(&s, &back) {
        return Ok(confirm);
    }
    let found = s
        .core
        .get_app(actor, app)
        .await
        .map_err(|e| WebError::new(e, "/ui/apps"))?;
    let promoted = s
        .core
        .promote_version(actor, app, version)
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
