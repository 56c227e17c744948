//! The company audit log.

use super::shared::*;
use crate::error::WebError;
use crate::forms::{WebPath as Path, WebQuery as Query};
use crate::layout::{page, pager, when, Section};
use crate::session::WebSession;
use crate::state::WebState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::Router;
use maud::html;
use std::collections::HashMap;
use trestle_domain::page::PageRequest;
use trestle_domain::*;

pub(super) fn routes() -> Router<WebState> {
    Router::new().route("/ui/companies/{company}/audit", get(audit))
}

async fn audit(
    State(s): State<WebState>,
    session: WebSession,
    Path(c): Path<CompanyId>,
    Query(l): Query<Listing>,
) -> Page {
    let actor = session.actor();
    let err = |e| WebError::new(e, company_path(c));
    let company = s.core.get_company(actor, c).await.map_err(err)?;
    let per_page = 50;
    // Newest first: the last page of the (oldest-first) log comes first.
    let first = s
        .core
        .company_audit(actor, c, PageRequest::new(1, per_page))
        .await
        .map_err(err)?;
    let pages = (first.total.max(1) as u64).div_ceil(per_page as u64) as u32;
    let page_no = l.page.unwrap_or(1).clamp(1, pages.max(1));
    let log_page = pages + 1 - page_no;
    let events = if log_page == 1 {
        first
    } else {
        s.core
            .company_audit(actor, c, PageRequest::new(log_page, per_page))
            .await
            .map_err(err)?
    };
    let names: HashMap<i64, String> = s
        .core
        .admin_directory(actor, c, PageRequest::new(1, 500))
        .await
        .map_err(err)?
        .items
        .into_iter()
        .map(|e| (e.user.id.0, e.user.name))
        .collect();
    let body = html! {
        p.crumbs { a href=(company_path(c)) { (company.name) } }
        h1 { "Audit log" }
        (tabs(c, "audit"))
        section.card {
            @if events.items.is_empty() { p.empty { "Nothing recorded yet." } } @else {
                div.table-wrap { table {
                    thead { tr { th { "When" } th { "Who" } th { "Action" } th { "Target" } } }
                    tbody {
                        @for e in events.items.iter().rev() {
                            tr {
                                td { (when(e.at)) }
                                td { @match e.actor_user_id {
                                    Some(u) => { (names.get(&u.0).map_or(format!("user #{}", u.0), Clone::clone)) }
                                    None => { (e.actor_kind) }
                                } }
                                td.mono { (e.action) }
                                td { (e.target_type) " #" (e.target_id) }
                            }
                        }
                    }
                } }
            }
            (pager(&format!("{}/audit", company_path(c)), page_no, per_page, events.total, &[]))
        }
    };
    Ok(page(
        &session.chrome(Section::Company(c)),
        StatusCode::OK,
        "Audit log",
        body,
    ))
}
