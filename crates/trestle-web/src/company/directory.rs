//! The company directory: its people, and the invitations that are open.

use super::shared::*;
use crate::error::WebError;
use crate::forms::{WebPath as Path, WebQuery as Query};
use crate::layout::{notice, page, pager, Section};
use crate::session::WebSession;
use crate::state::WebState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::Router;
use maud::html;
use trestle_domain::entities::UserKind;
use trestle_domain::page::PageRequest;
use trestle_domain::*;

pub(super) fn routes() -> Router<WebState> {
    Router::new().route("/ui/companies/{company}/directory", get(directory))
}

async fn directory(
    State(s): State<WebState>,
    session: WebSession,
    Path(c): Path<CompanyId>,
    Query(l): Query<Listing>,
) -> Page {
    let actor = session.actor();
    let err = |e| WebError::new(e, company_path(c));
    let company = s.core.get_company(actor, c).await.map_err(err)?;
    let page_no = l.page.unwrap_or(1).max(1);
    let per_page = 50;
    let people = s
        .core
        .admin_directory(actor, c, PageRequest::new(page_no, per_page))
        .await
        .map_err(err)?;
    let invite = super::projects::invitations_card(&s, &session, c).await?;
    let body = html! {
        p.crumbs { a href=(company_path(c)) { (company.name) } }
        h1 { "Directory" }
        (tabs(c, "directory"))
        (notice(super::projects::directory_message(l.done.as_deref())))
        (invite)
        section.card {
            div.table-wrap { table {
                thead { tr { th { "Name" } th { "E-mail" } th { "Kind" } th { "Role" } th { "State" } } }
                tbody {
                    @for e in &people.items {
                        tr {
                            td { (e.user.name) }
                            td.mono { (e.user.email) }
                            td { @match e.user.kind { UserKind::Bot => span.badge.bot { "Bot" }, UserKind::ServiceAccount => span.badge { "Service account" }, UserKind::Person => span.muted { "Person" } } }
                            td { @if e.is_admin { span.badge.brand { "Admin" } } @else { "Member" } }
                            td { @if e.is_active { "Active" } @else { span.muted { "Inactive" } } }
                        }
                    }
                }
            } }
            (pager(&format!("{}/directory", company_path(c)), page_no, per_page, people.total, &[]))
        }
    };
    Ok(page(
        &session.chrome(Section::Company(c)),
        StatusCode::OK,
        "Directory",
        body,
    ))
}
