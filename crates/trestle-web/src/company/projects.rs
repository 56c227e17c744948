//! Company projects in the web UI (list, create, change, deactivate and reactivate, delete),
//! inviting people into the directory by e-mail address, and a person's own invitations.

use super::shared::tabs;
use crate::error::WebError;
use crate::forms::Fields;
use crate::forms::{WebPath as Path, WebQuery as Query};
use crate::layout::{csrf, notice, page, pager, when, Section};
use crate::session::{see_other, Posted, WebSession};
use crate::state::WebState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use maud::{html, Markup};
use trestle_core::CoreError;
use trestle_domain::entities::Project;
use trestle_domain::page::PageRequest;
use trestle_domain::permissions::ToolPermissions;
use trestle_domain::*;
use trestle_store::{NewProject, ProjectFilter, ProjectPatch, ProjectStatus};

type Page = Result<Response, WebError>;

pub fn routes() -> Router<WebState> {
    Router::new()
        .route("/ui/companies/{company}/projects", get(list).post(create))
        .route("/ui/companies/{company}/projects/{project}", get(show).post(update))
        .route("/ui/companies/{company}/projects/{project}/active", post(set_active))
        .route("/ui/companies/{company}/projects/{project}/delete", post(delete))
        .route("/ui/companies/{company}/invitations", post(invite))
        .route("/ui/companies/{company}/invitations/{invitation}/cancel", post(cancel))
        .route("/ui/invitations", get(mine))
        .route("/ui/invitations/{invitation}/accept", post(accept))
}

fn projects_path(c: CompanyId) -> String {
    format!("/ui/companies/{c}/projects")
}

#[derive(serde::Deserialize, Default)]
struct Listing {
    done: Option<String>,
    q: Option<String>,
    status: Option<String>,
    page: Option<u32>,
}

fn done_message(code: Option<&str>) -> Option<&'static str> {
    Some(match code? {
        "created" => "The project was created.",
        "saved" => "The project was saved.",
        "deactivated" => {
            "The project was deactivated: it is hidden from every project list and its tools until you reactivate it."
        }
        "reactivated" => "The project is active again.",
        "deleted" => "The project was deleted.",
        "invited" => "The invitation was sent. The person appears in the directory once they accept it.",
        "cancelled" => "The invitation was withdrawn.",
        "accepted" => "You joined the company.",
        _ => return None,
    })
}

/// The name, number and address fields, filled with `p` when editing.
fn fields(p: Option<&Project>) -> Markup {
    let v = |f: fn(&Project) -> Option<&str>| p.and_then(f).unwrap_or("").to_string();
    html! {
        label for="name" { "Name" }
        input #name type="text" name="name" required maxlength="200" value=(v(|p| Some(p.name.as_str())));
        div.grid {
            div { label for="project_number" { "Number" }
                input #project_number type="text" name="project_number" maxlength="100" value=(v(|p| p.project_number.as_deref())); }
            div { label for="address" { "Address" }
                input #address type="text" name="address" maxlength="255" value=(v(|p| p.address.as_deref())); }
            div { label for="city" { "City" }
                input #city type="text" name="city" maxlength="100" value=(v(|p| p.city.as_deref())); }
            div { label for="state_code" { "State code" }
                input #state_code type="text" name="state_code" maxlength="3" placeholder="e.g. CA" value=(v(|p| p.state_code.as_deref())); }
            div { label for="country_code" { "Country code" }
                input #country_code type="text" name="country_code" maxlength="2" placeholder="e.g. US" value=(v(|p| p.country_code.as_deref())); }
            div { label for="zip" { "ZIP / postal code" }
                input #zip type="text" name="zip" maxlength="20" value=(v(|p| p.zip.as_deref())); }
        }
    }
}

fn optional(form: &Fields, name: &str) -> Option<String> {
    form.get(name)
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(String::from)
}

async fn list(
    State(s): State<WebState>,
    session: WebSession,
    Path(c): Path<CompanyId>,
    Query(l): Query<Listing>,
) -> Page {
    let actor = session.actor();
    let err = |e| WebError::new(e, "/ui");
    let company = s.core.get_company(actor, c).await.map_err(err)?;
    let status = match l.status.as_deref() {
        Some("inactive") => ProjectStatus::Inactive,
        Some("all") => ProjectStatus::All,
        _ => ProjectStatus::Active,
    };
    let status_name = match status {
        ProjectStatus::Active => "active",
        ProjectStatus::Inactive => "inactive",
        ProjectStatus::All => "all",
    };
    let q = l.q.clone().unwrap_or_default();
    let page_no = l.page.unwrap_or(1).max(1);
    let per_page = 50;
    let filter = ProjectFilter {
        status,
        query: q.clone(),
    };
    let found = s
        .core
        .find_company_projects(actor, c, filter, PageRequest::new(page_no, per_page))
        .await
        .map_err(|e| WebError::new(e, projects_path(c)))?;
    let here = projects_path(c);
    let body = html! {
        p.crumbs { a href={ "/ui/companies/" (c) } { (company.name) } }
        h1 { "Projects" }
        (tabs(c, "projects"))
        (notice(done_message(l.done.as_deref())))
        section.card aria-labelledby="projects-h" {
            h2 #projects-h { "Projects" }
            form.row.search method="get" action=(here) role="search" {
                div.grow {
                    label for="q" { "Search projects" }
                    input #q type="search" name="q" value=(q) maxlength="200" placeholder="Name or number";
                }
                div {
                    label for="status" { "Show" }
                    select #status name="status" {
                        @for (v, label) in [("active", "Active"), ("inactive", "Inactive"), ("all", "All")] {
                            option value=(v) selected[v == status_name] { (label) }
                        }
                    }
                }
                button.secondary type="submit" { "Search" }
            }
            @if found.items.is_empty() {
                p.empty { "No project matches." }
            } @else {
                div.table-wrap { table {
                    thead { tr { th { "Project" } th { "Number" } th { "City" } th { "State" } } }
                    tbody {
                        @for p in &found.items {
                            tr {
                                td { a href={ (here) "/" (p.id.0) } { (p.name) } }
                                td { (p.project_number.as_deref().unwrap_or("")) }
                                td { (p.city.as_deref().unwrap_or("")) }
                                td { @if p.active { span.badge.ok { "Active" } } @else { span.badge { "Inactive" } } }
                            }
                        }
                    }
                } }
                (pager(&here, page_no, per_page, found.total, &[("q", &q), ("status", status_name)]))
            }
        }
        section.card aria-labelledby="new-h" {
            h2 #new-h { "New project" }
            form method="post" action=(here) {
                (csrf(&session.csrf))
                (fields(None))
                button type="submit" { "Create project" }
            }
        }
    };
    Ok(page(
        &session.chrome(Section::Company(c)),
        StatusCode::OK,
        "Projects",
        body,
    ))
}

async fn create(State(s): State<WebState>, Path(c): Path<CompanyId>, posted: Posted) -> Page {
    let Posted { session, form } = posted;
    let new = NewProject {
        name: form.text("name").to_string(),
        project_number: optional(&form, "project_number"),
        address: optional(&form, "address"),
        city: optional(&form, "city"),
        state_code: optional(&form, "state_code"),
        country_code: optional(&form, "country_code"),
        zip: optional(&form, "zip"),
        details_json: None,
    };
    let p = s
        .core
        .create_project(session.actor(), c, new)
        .await
        .map_err(|e| WebError::new(e, projects_path(c)))?;
    Ok(see_other(&format!("{}/{}?done=created", projects_path(c), p.id.0)))
}

async fn show(
    State(s): State<WebState>,
    session: WebSession,
    Path((c, p)): Path<(CompanyId, ProjectId)>,
    Query(l): Query<Listing>,
) -> Page {
    let actor = session.actor();
    let back = projects_path(c);
    let company = s
        .core
        .get_company(actor, c)
        .await
        .map_err(|e| WebError::new(e, "/ui"))?;
    let project = s
        .core
        .get_project(actor, c, p)
        .await
        .map_err(|e| WebError::new(e, &back))?;
    let here = format!("{back}/{p}");
    let cs = &session.csrf;
    let body = html! {
        p.crumbs { a href={ "/ui/companies/" (c) } { (company.name) } " / " a href=(back) { "Projects" } }
        div.spread {
            h1 { (project.name) }
            @if project.active { span.badge.ok { "Active" } } @else { span.badge { "Inactive" } }
        }
        (tabs(c, "projects"))
        (notice(done_message(l.done.as_deref())))
        section.card aria-labelledby="edit-h" {
            h2 #edit-h { "Details" }
            p.muted { "Created " (when(project.created_at)) ", last changed " (when(project.updated_at)) "." }
            form method="post" action=(here) {
                (csrf(cs))
                (fields(Some(&project)))
                button type="submit" { "Save" }
            }
        }
        section.card aria-labelledby="active-h" {
            h2 #active-h { @if project.active { "Deactivate" } @else { "Reactivate" } }
            p.muted { "An inactive project is hidden from every project list, and its tools answer \"not found\" to everyone, apps included. Its members, permitted apps and documents are kept." }
            form method="post" action={ (here) "/active" } {
                (csrf(cs))
                input type="hidden" name="active" value=(if project.active { "false" } else { "true" });
                @if project.active {
                    button.secondary type="submit" { "Deactivate " (project.name) }
                } @else {
                    button type="submit" { "Reactivate " (project.name) }
                }
            }
        }
        section.card.danger-zone aria-labelledby="delete-h" {
            h2 #delete-h { "Delete" }
            p.muted { "Only a project without documents, members or permitted apps can be deleted; deactivate the others." }
            form method="post" action={ (here) "/delete" } data-confirm="Delete this project for good?" {
                (csrf(cs))
                button.danger type="submit" { "Delete " (project.name) }
            }
        }
    };
    Ok(page(
        &session.chrome(Section::Company(c)),
        StatusCode::OK,
        &project.name,
        body,
    ))
}

async fn update(State(s): State<WebState>, Path((c, p)): Path<(CompanyId, ProjectId)>, posted: Posted) -> Page {
    let Posted { session, form } = posted;
    let back = format!("{}/{p}", projects_path(c));
    // A blank field clears it.
    let set = |name: &str| Some(optional(&form, name));
    let patch = ProjectPatch {
        name: Some(form.text("name").to_string()),
        project_number: set("project_number"),
        address: set("address"),
        city: set("city"),
        state_code: set("state_code"),
        country_code: set("country_code"),
        zip: set("zip"),
        active: None,
        details_json: None,
    };
    s.core
        .update_project(session.actor(), c, p, patch)
        .await
        .map_err(|e| WebError::new(e, &back))?;
    Ok(see_other(&format!("{back}?done=saved")))
}

async fn set_active(State(s): State<WebState>, Path((c, p)): Path<(CompanyId, ProjectId)>, posted: Posted) -> Page {
    let Posted { session, form } = posted;
    let back = format!("{}/{p}", projects_path(c));
    let on = match form.text("active") {
        "true" => true,
        "false" => false,
        other => {
            return Err(WebError::new(
                CoreError::BadRequest(format!("active must be true or false, not {other:?}")),
                back,
            ))
        }
    };
    let patch = ProjectPatch {
        active: Some(on),
        ..Default::default()
    };
    s.core
        .update_project(session.actor(), c, p, patch)
        .await
        .map_err(|e| WebError::new(e, &back))?;
    Ok(see_other(&format!(
        "{back}?done={}",
        if on { "reactivated" } else { "deactivated" }
    )))
}

async fn delete(State(s): State<WebState>, Path((c, p)): Path<(CompanyId, ProjectId)>, posted: Posted) -> Page {
    let back = format!("{}/{p}", projects_path(c));
    s.core
        .delete_project(posted.session.actor(), c, p)
        .await
        .map_err(|e| WebError::new(e, &back))?;
    Ok(see_other(&format!("{}?done=deleted", projects_path(c))))
}

/// The directory's invitation form and pending invitations (shown on the directory page).
pub(super) async fn invitations_card(s: &WebState, session: &WebSession, c: CompanyId) -> Result<Markup, WebError> {
    let pending = s
        .core
        .list_invitations(session.actor(), c, PageRequest::new(1, 100))
        .await
        .map_err(|e| WebError::new(e, "/ui"))?;
    let cs = &session.csrf;
    Ok(html! {
        section.card aria-labelledby="invite-h" {
            h2 #invite-h { "Invite someone" }
            p.muted { "Invite a person by e-mail address. They appear in the directory once they accept the invitation (signed in, under Invitations)." }
            form method="post" action={ "/ui/companies/" (c) "/invitations" } {
                (csrf(cs))
                div.grid {
                    div { label for="email" { "E-mail address" }
                        input #email type="email" name="email" required maxlength="254" autocomplete="off"; }
                    div { label for="invite-name" { "Name (for someone new to Trestle)" }
                        input #invite-name type="text" name="name" maxlength="200"; }
                }
                label.check { input type="checkbox" name="is_admin" value="true"; " Company admin" }
                button type="submit" { "Send invitation" }
            }
            @if !pending.items.is_empty() {
                h3 { "Pending invitations" }
                div.table-wrap { table {
                    thead { tr { th { "E-mail" } th { "Role" } th { "Sent" } th { span.sr-only { "Actions" } } } }
                    tbody {
                        @for i in &pending.items {
                            tr {
                                td.mono { (i.email) }
                                td { @if i.is_admin { "Admin" } @else { "Member" } }
                                td { (when(i.created_at)) }
                                td { form.inline method="post" action={ "/ui/companies/" (c) "/invitations/" (i.id) "/cancel" } {
                                    (csrf(cs))
                                    button.small.secondary type="submit" aria-label={ "Withdraw the invitation of " (i.email) } { "Withdraw" }
                                } }
                            }
                        }
                    }
                } }
            }
        }
    })
}

async fn invite(State(s): State<WebState>, Path(c): Path<CompanyId>, posted: Posted) -> Page {
    let Posted { session, form } = posted;
    let back = format!("/ui/companies/{c}/directory");
    s.core
        .invite_member(
            session.actor(),
            c,
            form.text("email"),
            form.get("name"),
            form.get("is_admin") == Some("true"),
            ToolPermissions::default(),
        )
        .await
        .map_err(|e| WebError::new(e, &back))?;
    Ok(see_other(&format!("{back}?done=invited")))
}

async fn cancel(State(s): State<WebState>, Path((c, i)): Path<(CompanyId, InvitationId)>, posted: Posted) -> Page {
    let back = format!("/ui/companies/{c}/directory");
    s.core
        .cancel_invitation(posted.session.actor(), c, i)
        .await
        .map_err(|e| WebError::new(e, &back))?;
    Ok(see_other(&format!("{back}?done=cancelled")))
}

async fn mine(State(s): State<WebState>, session: WebSession, Query(l): Query<Listing>) -> Page {
    let invitations = s
        .core
        .my_invitations(session.actor())
        .await
        .map_err(|e| WebError::new(e, "/ui"))?;
    let cs = &session.csrf;
    let body = html! {
        h1 { "Invitations" }
        (notice(done_message(l.done.as_deref())))
        section.card {
            @if invitations.is_empty() {
                p.empty { "You have no pending invitations." }
            } @else {
                div.table-wrap { table {
                    thead { tr { th { "Company" } th { "Role" } th { "Sent" } th { span.sr-only { "Accept" } } } }
                    tbody {
                        @for i in &invitations {
                            tr {
                                td { (i.company_name) }
                                td { @if i.is_admin { "Admin" } @else { "Member" } }
                                td { (when(i.created_at)) }
                                td { form.inline method="post" action={ "/ui/invitations/" (i.id) "/accept" } {
                                    (csrf(cs))
                                    button.small type="submit" aria-label={ "Join " (i.company_name) } { "Accept" }
                                } }
                            }
                        }
                    }
                } }
            }
        }
    };
    Ok(page(
        &session.chrome(Section::Home),
        StatusCode::OK,
        "Invitations",
        body,
    ))
}

async fn accept(State(s): State<WebState>, Path(i): Path<InvitationId>, posted: Posted) -> Page {
    s.core
        .accept_invitation(posted.session.actor(), i)
        .await
        .map_err(|e| WebError::new(e, "/ui/invitations"))?;
    Ok(see_other("/ui/invitations?done=accepted"))
}

/// The notices of the directory page after inviting or withdrawing.
pub(super) fn directory_message(code: Option<&str>) -> Option<&'static str> {
    match code {
        Some("invited" | "cancelled") => done_message(code),
        _ => None,
    }
}
