//! Installed apps: the company overview, installing (marketplace or custom by App Version
//! ID), an install with its permitted projects and permission upgrades, uninstalling.

use super::shared::*;
use crate::error::WebError;
use crate::forms::{chosen, described_by, field_error, form_notice, problem, value, Refusal};
use crate::forms::{WebPath as Path, WebQuery as Query};
use crate::layout::{csrf, notice, page, pager, when, Section};
use crate::session::{see_other, Posted, WebSession};
use crate::state::WebState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::Router;
use maud::html;
use std::collections::HashSet;
use trestle_core::{CoreError, InstallRequest, InstallView};
use trestle_domain::entities::InstallStatus;
use trestle_domain::page::PageRequest;
use trestle_domain::permissions::Level;
use trestle_domain::*;

pub(super) fn routes() -> Router<WebState> {
    Router::new()
        .route("/ui/companies/{company}", get(overview))
        .route("/ui/companies/{company}/install", get(install_form).post(install))
        .route("/ui/companies/{company}/installs/{install}", get(install_page))
        .route(
            "/ui/companies/{company}/installs/{install}/projects",
            post(add_projects),
        )
        .route(
            "/ui/companies/{company}/installs/{install}/projects/{project}/remove",
            post(remove_project),
        )
        .route("/ui/companies/{company}/installs/{install}/add-all", post(add_all))
        .route(
            "/ui/companies/{company}/installs/{install}/add-to-new",
            post(add_to_new),
        )
        .route(
            "/ui/companies/{company}/installs/{install}/updates/{update}/approve",
            post(approve),
        )
        .route("/ui/companies/{company}/installs/{install}/uninstall", post(uninstall))
}

async fn overview(
    State(s): State<WebState>,
    session: WebSession,
    Path(c): Path<CompanyId>,
    Query(l): Query<Listing>,
) -> Page {
    let actor = session.actor();
    let err = |e| WebError::new(e, "/ui");
    let company = s.core.get_company(actor, c).await.map_err(err)?;
    let installs = s.core.list_installs(actor, c).await.map_err(err)?;
    let (active, gone): (Vec<&InstallView>, Vec<&InstallView>) = installs
        .iter()
        .partition(|v| v.install.status == InstallStatus::Installed);
    let body = html! {
        h1 { (company.name) }
        (tabs(c, "apps"))
        (notice(done_message(l.done.as_deref())))
        section.card aria-labelledby="installed-h" {
            div.spread {
                h2 #installed-h { "Installed apps" }
                a.button.small href={ (company_path(c)) "/install" } { "Install an app" }
            }
            @if active.is_empty() {
                p.empty { "No apps installed." }
            } @else {
                div.table-wrap { table {
                    thead { tr { th { "App" } th { "Version" } th.num { "Permitted projects" } th { "Bot user" } th { "Installed" } } }
                    tbody {
                        @for v in &active {
                            tr {
                                td {
                                    a href=(install_path(c, v.install.id)) { (v.app.name) }
                                    @if v.pending_update.is_some() { " " span.badge.warn { "Upgrade pending" } }
                                }
                                td { (v.version.version) }
                                td.num { (v.permitted_project_ids.len()) @if v.install.add_to_new_projects { " + new" } }
                                td { (v.bot.name) " " span.badge.bot { "Bot" } }
                                td { (when(v.install.installed_at)) }
                            }
                        }
                    }
                } }
            }
        }
        @if !gone.is_empty() {
            section.card {
                h2 { "Uninstalled" }
                ul { @for v in &gone {
                    li { a href=(install_path(c, v.install.id)) { (v.app.name) } " "
                        span.muted { "uninstalled " @if let Some(t) = v.install.uninstalled_at { (when(t)) } } }
                } }
            }
        }
    };
    Ok(page(
        &session.chrome(Section::Company(c)),
        StatusCode::OK,
        &company.name,
        body,
    ))
}

async fn install_form(State(s): State<WebState>, session: WebSession, Path(c): Path<CompanyId>) -> Page {
    install_form_page(&s, &session, c, None).await
}

/// The install page; `refused` shows the custom-install form again with what was typed.
async fn install_form_page(s: &WebState, session: &WebSession, c: CompanyId, refused: Option<&Refusal<'_>>) -> Page {
    let r = refused;
    let actor = session.actor();
    let err = |e| WebError::new(e, company_path(c));
    let company = s.core.get_company(actor, c).await.map_err(err)?;
    let market = s.core.marketplace(actor, PageRequest::new(1, 100)).await.map_err(err)?;
    let body = html! {
        p.crumbs { a href=(company_path(c)) { (company.name) } }
        h1 { "Install an app" }
        (tabs(c, "install"))
        section.card aria-labelledby="custom-h" {
            h2 #custom-h { "Custom install" }
            p.muted { "Enter the App Version ID the app's developer gave you." }
            form method="post" action={ (company_path(c)) "/install" } {
                (csrf(&session.csrf))
                (form_notice(r, "install", &["app_version_id"]))
                label for="app_version_id" { "App Version ID" }
                div.row {
                    input #app_version_id.medium type="text" name="app_version_id" required autocomplete="off"
                        placeholder="e.g. 3f1c9a2e-…" maxlength=(trestle_domain::text::KEY.max)
                        value=(value(r, "install", "app_version_id", ""))
                        aria-invalid=[problem(r, "install", "app_version_id").map(|_| "true")]
                        aria-describedby=[described_by(r, "install", "app_version_id")];
                    button type="submit" { "Install" }
                }
                (field_error(r, "install", "app_version_id"))
            }
        }
        section.card aria-labelledby="market-h" {
            h2 #market-h { "Marketplace" }
            (form_notice(r, "marketplace", &[]))
            @if market.items.is_empty() {
                p.empty { "No apps are listed yet." }
            } @else {
                div.table-wrap { table {
                    thead { tr { th { "App" } th { "Listed" } th { span.sr-only { "Install" } } } }
                    tbody {
                        @for a in &market.items {
                            tr {
                                td { (a.name) }
                                td { @if let Some(t) = a.published_at { (when(t)) } }
                                td {
                                    form.inline method="post" action={ (company_path(c)) "/install" } {
                                        (csrf(&session.csrf))
                                        input type="hidden" name="app_id" value=(a.id.0);
                                        button.small type="submit" aria-label={ "Install " (a.name) } { "Install" }
                                    }
                                }
                            }
                        }
                    }
                } }
            }
        }
    };
    Ok(page(
        &session.chrome(Section::Company(c)),
        r.map_or(StatusCode::OK, Refusal::status),
        "Install an app",
        body,
    ))
}

async fn install(State(s): State<WebState>, Path(c): Path<CompanyId>, posted: Posted) -> Page {
    let Posted { session, form } = posted;
    let back = format!("{}/install", company_path(c));
    if let Some(confirm) = session.confirmation_needed(&s, &back) {
        return Ok(confirm);
    }
    let which = if form.get("app_id").is_some() {
        "marketplace"
    } else {
        "install"
    };
    let marketplace_app = match form.get("app_id") {
        None | Some("") => None,
        Some(v) => match v.parse() {
            Ok(id) => Some(AppId(id)),
            Err(_) => {
                let refused = Refusal::field(which, &form, "app_id", "must be an app id");
                return install_form_page(&s, &session, c, Some(&refused)).await;
            }
        },
    };
    let req = InstallRequest {
        app_version_id: form.text("app_version_id").trim().to_string(),
        marketplace_app,
        permitted_project_ids: vec![],
        add_to_new_projects: false,
    };
    let done = match s.core.install_app(session.actor(), c, &req).await {
        Ok(done) => done,
        Err(e) => {
            let refused = Refusal::of(which, &form, e).map_err(|e| WebError::new(e, &back))?;
            return install_form_page(&s, &session, c, Some(&refused)).await;
        }
    };
    Ok(see_other(&format!(
        "{}?done=installed",
        install_path(c, done.install.id)
    )))
}

fn level_name(l: Level) -> &'static str {
    match l {
        Level::None => "None",
        Level::ReadOnly => "Read only",
        Level::Standard => "Standard",
        Level::Admin => "Admin",
    }
}

async fn install_page(
    State(s): State<WebState>,
    session: WebSession,
    Path((c, i)): Path<(CompanyId, InstallId)>,
    Query(l): Query<Listing>,
) -> Page {
    install_page_at(&s, &session, c, i, &l, None).await
}

/// An install's page; `refused` shows the project selection again with what was chosen.
async fn install_page_at(
    s: &WebState,
    session: &WebSession,
    c: CompanyId,
    i: InstallId,
    l: &Listing,
    refused: Option<&Refusal<'_>>,
) -> Page {
    let r = refused;
    let actor = session.actor();
    let err = |e| WebError::new(e, company_path(c));
    let company = s.core.get_company(actor, c).await.map_err(err)?;
    let v = s.core.get_install(actor, c, i).await.map_err(err)?;
    let q = l.q.clone().unwrap_or_default();
    let page_no = l.page.unwrap_or(1).max(1);
    let per_page = 25;
    let searched = s
        .core
        .search_company_projects(actor, c, &q, PageRequest::new(page_no, per_page))
        .await;
    // A search term the rules refuse is said next to the search field; the page stays.
    let (projects, q_problem) = match searched {
        Ok(found) => (found, None),
        Err(CoreError::Invalid { problems, .. }) => (
            trestle_domain::page::Page {
                items: vec![],
                total: 0,
            },
            problems.into_iter().next().map(|p| p.reason),
        ),
        Err(e) => return Err(err(e)),
    };
    let permitted: HashSet<i64> = v.permitted_project_ids.iter().map(|p| p.0).collect();
    let installed = v.install.status == InstallStatus::Installed;
    let pending = match &v.pending_update {
        Some(u) => {
            let to = s
                .core
                .install_update_version(actor, c, i, u.to_version_id)
                .await
                .map_err(err)?;
            Some((u, to))
        }
        None => None,
    };
    let here = install_path(c, i);
    let cs = &session.csrf;
    let m = &v.manifest;
    let body = html! {
        p.crumbs { a href=(company_path(c)) { (company.name) } " / Installed apps" }
        div.spread {
            h1 { (v.app.name) }
            @if installed { span.badge.ok { "Installed" } } @else { span.badge { "Uninstalled" } }
        }
        (tabs(c, ""))
        (notice(done_message(l.done.as_deref())))
        @if let Some((u, to)) = &pending {
            section.card aria-labelledby="upgrade-h" {
                h2 #upgrade-h { "Permission upgrade pending" }
                p { "Version " strong { (to.version) } " asks for more than the installed version " (v.version.version) ":" }
                @let widened: Vec<serde_json::Value> = serde_json::from_str(&u.widened_json).unwrap_or_default();
                ul {
                    @for w in &widened {
                        li {
                            (w["scope"].as_str().unwrap_or("")) " " code { (w["tool"].as_str().unwrap_or("")) } ": "
                            (w["from"].as_str().and_then(Level::parse).map_or("?", level_name)) " → "
                            strong { (w["to"].as_str().and_then(Level::parse).map_or("?", level_name)) }
                        }
                    }
                }
                form method="post" action={ (here) "/updates/" (u.id) "/approve" } {
                    (csrf(cs))
                    button type="submit" { "Approve upgrade to " (to.version) }
                }
            }
        }
        div.grid {
            section.card aria-labelledby="about-h" {
                h2 #about-h { "About this install" }
                dl.facts {
                    dt { "Version" } dd { (v.version.version) }
                    dt { "Bot user" } dd { (v.bot.name) " " span.badge.bot { "Bot" } br; span.mono.muted { (v.bot.email) } }
                    dt { "Installed" } dd { (when(v.install.installed_at)) }
                    @if let Some(t) = v.install.uninstalled_at { dt { "Uninstalled" } dd { (when(t)) } }
                }
                @if m.post_installation_notes.is_some() || m.instructions_url.is_some() {
                    h3 { "Post-installation notes" }
                    @if let Some(n) = &m.post_installation_notes { p #post-install-notes { (n) } }
                    @if let Some(url) = &m.instructions_url {
                        @if url.starts_with("https://") || url.starts_with("http://") {
                            p { a href=(url) rel="noopener noreferrer" target="_blank" { (m.instructions_page_name.as_deref().unwrap_or("Setup page")) } }
                        }
                    }
                }
            }
            section.card aria-labelledby="perms-h" {
                h2 #perms-h { "What the app may do" }
                @let rows: Vec<(&str, &String, &Level)> = m.company_permissions.granted().map(|(t, l)| ("Company", t, l))
                    .chain(m.project_permissions.granted().map(|(t, l)| ("Permitted projects", t, l)))
                    .collect();
                @if rows.is_empty() { p.empty { "No tool permissions." } } @else {
                    table { tbody { @for (scope, tool, level) in rows { tr { td { (scope) } td.mono { (tool) } td { (level_name(*level)) } } } } }
                }
            }
        }
        @if installed {
            section.card aria-labelledby="projects-h" {
                div.spread {
                    h2 #projects-h { "Permitted projects" }
                    span.muted #permitted-count { (permitted.len()) " permitted" }
                }
                div.row {
                    form.inline method="post" action={ (here) "/add-all" } data-confirm="Permit every project of the company?" {
                        (csrf(cs))
                        button.secondary type="submit" { "Add all projects" }
                    }
                    form.inline method="post" action={ (here) "/add-to-new" } {
                        (csrf(cs))
                        input type="hidden" name="on" value=(if v.install.add_to_new_projects { "false" } else { "true" });
                        @if v.install.add_to_new_projects {
                            button.secondary type="submit" aria-pressed="true" { "Add to all new projects: on" }
                        } @else {
                            button.secondary type="submit" aria-pressed="false" { "Add to all new projects: off" }
                        }
                    }
                }
                form.row.search method="get" action=(here) role="search" {
                    div.grow {
                        label for="q" { "Search projects" }
                        input #q type="search" name="q" value=(q) placeholder="Name or number"
                            maxlength=(trestle_domain::text::SEARCH.max)
                            aria-invalid=[q_problem.as_ref().map(|_| "true")]
                            aria-describedby=[q_problem.as_ref().map(|_| "q-error")];
                        @if let Some(reason) = &q_problem { p.field-error #q-error { "The search " (reason) "." } }
                    }
                    button.secondary type="submit" { "Search" }
                }
                (form_notice(r, "add-projects", &[]))
                form #add-projects method="post" action={ (here) "/projects" } {
                    input type="hidden" name="q" value=(q);
                }
                @if projects.items.is_empty() {
                    p.empty { @if q.is_empty() { "The company has no projects." } @else { "No project matches." } }
                } @else {
                    div.table-wrap { table {
                        thead { tr { th { span.sr-only { "Select" } } th { "Project" } th { "Number" } th { "Access" } th { span.sr-only { "Actions" } } } }
                        tbody {
                            @for p in &projects.items {
                                @let on = permitted.contains(&p.id.0);
                                tr {
                                    td { @if !on {
                                        input type="checkbox" name="project_id" value=(p.id.0) form="add-projects"
                                            id={ "pick-" (p.id.0) } aria-label={ "Select " (p.name) }
                                            checked[chosen(r, "add-projects", "project_id", &p.id.0.to_string())];
                                    } }
                                    td { label.cell for={ "pick-" (p.id.0) } { (p.name) } }
                                    td { (p.project_number.as_deref().unwrap_or("")) }
                                    td { @if on { span.badge.ok { "Permitted" } } @else { span.muted { "No access" } } }
                                    td {
                                        @if on {
                                            form.inline method="post" action={ (here) "/projects/" (p.id.0) "/remove" } {
                                                (csrf(cs))
                                                button.small.secondary type="submit" aria-label={ "Remove " (p.name) } { "Remove" }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    } }
                    @if projects.items.iter().any(|p| !permitted.contains(&p.id.0)) { p {
                        input type="hidden" name="csrf" value=(cs) form="add-projects";
                        button type="submit" form="add-projects" { "Add selected projects" }
                    } }
                    (pager(&here, page_no, per_page, projects.total, &[("q", &q)]))
                }
            }
            section.card.danger-zone aria-labelledby="uninstall-h" {
                h2 #uninstall-h { "Uninstall" }
                p.muted { "The app's bot loses access to every project and to the company at once. Reinstalling later starts over." }
                form method="post" action={ (here) "/uninstall" } data-confirm="Uninstall this app? It loses access at once." {
                    (csrf(cs))
                    button.danger type="submit" { "Uninstall " (v.app.name) }
                }
            }
        }
    };
    Ok(page(
        &session.chrome(Section::Company(c)),
        if r.is_some() || q_problem.is_some() {
            StatusCode::UNPROCESSABLE_ENTITY
        } else {
            StatusCode::OK
        },
        &v.app.name,
        body,
    ))
}

async fn add_projects(State(s): State<WebState>, Path((c, i)): Path<(CompanyId, InstallId)>, posted: Posted) -> Page {
    let Posted { session, form } = posted;
    let back = install_path(c, i);
    let listing = Listing {
        q: form.get("q").map(str::to_string),
        ..Listing::default()
    };
    let mut ids = Vec::new();
    for v in form.all("project_id") {
        match v.parse() {
            Ok(id) => ids.push(ProjectId(id)),
            Err(_) => {
                let refused = Refusal::field("add-projects", &form, "project_id", "must be project ids");
                return install_page_at(&s, &session, c, i, &listing, Some(&refused)).await;
            }
        }
    }
    if ids.is_empty() {
        let refused = Refusal::field("add-projects", &form, "project_id", "select at least one project");
        return install_page_at(&s, &session, c, i, &listing, Some(&refused)).await;
    }
    if let Err(e) = s.core.add_permitted_projects(session.actor(), c, i, &ids).await {
        let refused = Refusal::of("add-projects", &form, e).map_err(|e| WebError::new(e, &back))?;
        return install_page_at(&s, &session, c, i, &listing, Some(&refused)).await;
    }
    Ok(see_other(&format!("{back}?done=added")))
}

async fn remove_project(
    State(s): State<WebState>,
    Path((c, i, p)): Path<(CompanyId, InstallId, ProjectId)>,
    posted: Posted,
) -> Page {
    let back = install_path(c, i);
    s.core
        .remove_permitted_project(posted.session.actor(), c, i, p)
        .await
        .map_err(|e| WebError::new(e, &back))?;
    Ok(see_other(&format!("{back}?done=removed")))
}

async fn add_all(State(s): State<WebState>, Path((c, i)): Path<(CompanyId, InstallId)>, posted: Posted) -> Page {
    let back = install_path(c, i);
    s.core
        .add_all_permitted_projects(posted.session.actor(), c, i)
        .await
        .map_err(|e| WebError::new(e, &back))?;
    Ok(see_other(&format!("{back}?done=all")))
}

async fn add_to_new(State(s): State<WebState>, Path((c, i)): Path<(CompanyId, InstallId)>, posted: Posted) -> Page {
    let Posted { session, form } = posted;
    let back = install_path(c, i);
    let on = match form.text("on") {
        "true" => true,
        "false" => false,
        _ => {
            return Err(WebError::new(
                CoreError::BadRequest("on must be true or false".into()),
                back,
            ))
        }
    };
    s.core
        .set_add_to_new_projects(session.actor(), c, i, on)
        .await
        .map_err(|e| WebError::new(e, &back))?;
    Ok(see_other(&format!(
        "{back}?done={}",
        if on { "new-on" } else { "new-off" }
    )))
}

async fn approve(
    State(s): State<WebState>,
    Path((c, i, u)): Path<(CompanyId, InstallId, InstallUpdateId)>,
    posted: Posted,
) -> Page {
    let back = install_path(c, i);
    s.core
        .approve_update(posted.session.actor(), c, i, u)
        .await
        .map_err(|e| WebError::new(e, &back))?;
    Ok(see_other(&format!("{back}?done=approved")))
}

async fn uninstall(State(s): State<WebState>, Path((c, i)): Path<(CompanyId, InstallId)>, posted: Posted) -> Page {
    let back = install_path(c, i);
    s.core
        .uninstall(posted.session.actor(), c, i)
        .await
        .map_err(|e| WebError::new(e, &back))?;
    Ok(see_other(&format!("{}?done=uninstalled", company_path(c))))
}
