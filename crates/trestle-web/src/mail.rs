//! The signed-in person's mail (`/ui/mail`, one message at `/ui/mail/{id}`) and the page an
//! invitation's accept link opens (`/ui/invitations/accept?token=…`): it shows the invitation
//! and a button that accepts it. The token is the credential there (no session needed), so
//! that page is for whoever holds the message; its form is checked for this server's origin.

use crate::error::WebError;
use crate::forms::{PageForm, WebPath as Path, WebQuery as Query};
use crate::layout::{bare_page, page, pager, refused_form, when, Section};
use crate::session::{same_origin, WebSession};
use crate::state::WebState;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use maud::html;
use serde::Deserialize;
use trestle_domain::page::PageRequest;
use trestle_domain::*;

type Page = Result<Response, WebError>;

pub(crate) fn routes() -> Router<WebState> {
    Router::new()
        .route("/ui/mail", get(inbox))
        .route("/ui/mail/{id}", get(message))
        .route("/ui/invitations/accept", get(accept_page).post(accept))
}

#[derive(Deserialize)]
struct Listing {
    page: Option<u32>,
}

#[derive(Deserialize)]
struct TokenForm {
    #[serde(default)]
    token: String,
}

const PER_PAGE: u32 = 50;

async fn inbox(State(s): State<WebState>, session: WebSession, Query(l): Query<Listing>) -> Page {
    let page_no = l.page.unwrap_or(1).max(1);
    let mail = s
        .core
        .my_mail(session.actor(), None, PageRequest::new(page_no, PER_PAGE))
        .await
        .map_err(|e| WebError::new(e, "/ui"))?;
    let body = html! {
        h1 { "Mail" }
        p.muted { "Every message the platform composed for you. Without an SMTP server (" code { "--smtp-url" } ") they are kept here only." }
        section.card {
            @if mail.items.is_empty() { p.empty { "No messages yet." } } @else {
                div.table-wrap { table {
                    thead { tr { th { "When" } th { "Subject" } th { "State" } } }
                    tbody {
                        @for m in &mail.items {
                            tr {
                                td { (when(m.created_at)) }
                                td { a href={ "/ui/mail/" (m.id) } { (m.subject) } }
                                td.mono { (m.status.as_str()) }
                            }
                        }
                    }
                } }
            }
            (pager("/ui/mail", page_no, PER_PAGE, mail.total, &[]))
        }
    };
    Ok(page(&session.chrome(Section::Home), StatusCode::OK, "Mail", body))
}

async fn message(State(s): State<WebState>, session: WebSession, Path(id): Path<MailId>) -> Page {
    let m = s
        .core
        .show_mail(session.actor(), id)
        .await
        .map_err(|e| WebError::new(e, "/ui/mail"))?;
    let body = html! {
        p.crumbs { a href="/ui/mail" { "Mail" } }
        h1 { (m.subject) }
        section.card {
            dl {
                dt { "To" } dd { (m.address) }
                dt { "When" } dd { (when(m.created_at)) }
                dt { "State" } dd.mono { (m.status.as_str()) @if m.attempts > 0 { " (" (m.attempts) " attempts)" } }
                @if let Some(e) = &m.last_error { dt { "Last error" } dd { (e) } }
            }
            pre.mail { (m.body) }
        }
    };
    Ok(page(&session.chrome(Section::Home), StatusCode::OK, &m.subject, body))
}

async fn accept_page(State(s): State<WebState>, Query(f): Query<TokenForm>) -> Page {
    let inv = s
        .core
        .invitation_for_token(&f.token)
        .await
        .map_err(|e| WebError::new(e, "/ui"))?;
    let body = html! {
        h1 { "Join " (inv.company_name) }
        section.card {
            p { "You are invited to join the company directory of " strong { (inv.company_name) } " as " (inv.email)
                @if inv.is_admin { ", as a company admin" } "." }
            form method="post" action="/ui/invitations/accept" {
                input type="hidden" name="token" value=(f.token);
                button type="submit" { "Accept the invitation" }
            }
        }
    };
    Ok(bare_page(StatusCode::OK, "Accept the invitation", body))
}

async fn accept(State(s): State<WebState>, headers: HeaderMap, PageForm(f): PageForm<TokenForm>) -> Page {
    if !same_origin(&s, &headers) {
        return Ok(refused_form());
    }
    let inv = s
        .core
        .accept_invitation_by_token(&f.token)
        .await
        .map_err(|e| WebError::new(e, "/ui"))?;
    let body = html! {
        h1 { "Welcome to " (inv.company_name) }
        section.card {
            p { "You are in the company directory of " strong { (inv.company_name) } " now." }
            p { a href="/ui" { "Go to Trestle" } }
        }
    };
    Ok(bare_page(StatusCode::OK, "Invitation accepted", body))
}
