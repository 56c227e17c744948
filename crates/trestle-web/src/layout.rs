//! The page shell and the small pieces every page uses: navigation, notices, the
//! shown-once secret box, pagers, dates. maud escapes every value it interpolates.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use maud::{html, Markup, DOCTYPE};
use trestle_domain::entities::User;
use trestle_domain::manifest::Problem;

/// Cache-busting tag for the stylesheet and script.
const ASSET_TAG: &str = env!("CARGO_PKG_VERSION");

/// Which part of the UI a page belongs to (highlighted in the navigation).
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Section {
    Home,
    Apps,
    Company(trestle_domain::CompanyId),
}

/// What the page shell needs to know about the signed-in person.
pub struct Chrome<'a> {
    pub user: &'a User,
    pub csrf: &'a str,
    pub section: Section,
}

fn logo() -> Markup {
    html! {
        svg width="26" height="26" viewBox="0 0 26 26" aria-hidden="true" {
            rect x="1" y="1" width="24" height="24" rx="6" fill="#2f74e0" {}
            path d="M6 9h14M6 9l4 10M20 9l-4 10M10 19h6M13 9v10" stroke="#fff" stroke-width="2" fill="none" stroke-linecap="round" {}
        }
    }
}

fn shell(title: &str, header: Markup, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · Trestle" }
                link rel="stylesheet" href={ "/ui/assets/app.css?v=" (ASSET_TAG) };
                script src={ "/ui/assets/app.js?v=" (ASSET_TAG) } defer {}
            }
            body {
                a.skip href="#main" { "Skip to content" }
                (header)
                main #main tabindex="-1" { (body) }
            }
        }
    }
}

const CSP: &str = "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; \
                   form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// Lets the page's forms end at `origin` too (the consent form redirects to the app). An
/// origin that is not plainly `scheme://host[:port]` is not added.
pub fn allow_form_target(res: &mut Response, origin: &str) {
    let plain = origin
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | ':' | '/' | '-' | '[' | ']'));
    if !plain || origin.is_empty() {
        return;
    }
    let csp = CSP.replace("form-action 'self'", &format!("form-action 'self' {origin}"));
    if let Ok(v) = HeaderValue::from_str(&csp) {
        res.headers_mut().insert(header::CONTENT_SECURITY_POLICY, v);
    }
}

fn respond(status: StatusCode, markup: Markup) -> Response {
    let mut res = (status, markup.into_string()).into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    // Pages carry CSRF tokens and sometimes a secret shown once: never stored anywhere.
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    res
}

/// A page of the signed-in UI.
pub fn page(chrome: &Chrome<'_>, status: StatusCode, title: &str, body: Markup) -> Response {
    let current = |s: Section| if chrome.section == s { Some("page") } else { None };
    let header = html! {
        header.top {
            div.bar {
                a.brand href="/ui" { (logo()) "Trestle" }
                nav aria-label="Main" {
                    a href="/ui" aria-current=[current(Section::Home)] { "Home" }
                    a href="/ui/apps" aria-current=[current(Section::Apps)] { "My apps" }
                    a href="/ui/mail" { "Mail" }
                    @if let Section::Company(id) = chrome.section {
                        a href={ "/ui/companies/" (id) } aria-current="page" { "Company" }
                    }
                }
                div.who {
                    span { (chrome.user.name) }
                    form method="post" action="/ui/logout" {
                        input type="hidden" name="csrf" value=(chrome.csrf);
                        button type="submit" { "Sign out" }
                    }
                }
            }
        }
    };
    respond(status, shell(title, header, body))
}

/// A page without navigation (sign-in, refusals).
pub fn bare_page(status: StatusCode, title: &str, body: Markup) -> Response {
    let header = html! {
        header.top { div.bar { a.brand href="/ui" { (logo()) "Trestle" } } }
    };
    respond(status, shell(title, header, body))
}

/// A form whose CSRF token is missing or wrong.
pub fn refused_form() -> Response {
    bare_page(
        StatusCode::FORBIDDEN,
        "Request refused",
        html! {
            div.card.narrow {
                h1 { "Request refused" }
                p { "The form expired or was not sent from this site. Go back, reload the page and try again." }
                p { a href="/ui" { "Back to Trestle" } }
            }
        },
    )
}

/// What an error page says, kept on its response so that [`crate::session::with_navigation`] can show it
/// again inside the signed-in person's navigation.
#[derive(Clone)]
pub struct ErrorPage {
    pub message: String,
    pub problems: Vec<Problem>,
    pub back: String,
}

fn error_title(status: StatusCode) -> &'static str {
    match status.as_u16() {
        404 => "Not found",
        403 => "Not allowed",
        409 => "Conflict",
        422 | 400 => "Please check what you entered",
        429 => "Too many requests",
        503 => "Temporarily unavailable",
        _ => "Something went wrong",
    }
}

fn error_body(title: &str, e: &ErrorPage) -> Markup {
    html! {
        div.card.narrow {
            h1 { (title) }
            div.notice.error role="alert" {
                (e.message)
                @if !e.problems.is_empty() {
                    ul { @for p in &e.problems { li { code { (p.path) } " " (p.reason) } } }
                }
            }
            p { a.button.secondary href=(e.back) { "Go back" } }
        }
    }
}

/// The page for an error (rendered by `error.rs`, which chose the status), without
/// navigation; [`crate::session::with_navigation`] puts a signed-in person's navigation around it.
pub fn error_page(status: StatusCode, message: &str, problems: &[Problem], back: &str) -> Response {
    let e = ErrorPage {
        message: message.to_string(),
        problems: problems.to_vec(),
        back: back.to_string(),
    };
    let title = error_title(status);
    let mut res = bare_page(status, title, error_body(title, &e));
    res.extensions_mut().insert(e);
    res
}

/// The same error page inside the signed-in person's navigation.
pub fn error_page_in(chrome: &Chrome<'_>, status: StatusCode, e: &ErrorPage) -> Response {
    let title = error_title(status);
    page(chrome, status, title, error_body(title, e))
}

/// The hidden CSRF field every form carries.
pub fn csrf(token: &str) -> Markup {
    html! { input type="hidden" name="csrf" value=(token); }
}

/// A success notice after a redirect, from a fixed message (never echoed user input).
pub fn notice(message: Option<&str>) -> Markup {
    html! {
        @if let Some(m) = message {
            div.notice.ok role="status" { (m) }
        }
    }
}

/// A problem list (validation errors shown next to the form that caused them).
pub fn problems(message: &str, problems: &[Problem]) -> Markup {
    html! {
        div.notice.error role="alert" #problems {
            strong { (message) }
            @if !problems.is_empty() {
                ul { @for p in problems { li { code { (p.path) } " — " (p.reason) } } }
            }
        }
    }
}

/// A value shown once (a client secret) with a copy button and the warning that goes with it.
pub fn secret_once(id: &str, label: &str, value: &str) -> Markup {
    html! {
        label for=(id) { (label) }
        div.secret data-secret-once {
            input id=(id) type="text" readonly value=(value) aria-describedby={ (id) "-warning" };
            button.secondary type="button" data-copy=(id) hidden { "Copy" }
        }
        p.hint id={ (id) "-warning" } {
            strong { "Copy it now: it is shown only this once." }
            " Trestle stores only a keyed hash of it and cannot show it again."
        }
    }
}

/// A copyable value that is not secret (client ids, App Version IDs).
pub fn copyable(id: &str, label: &str, value: &str) -> Markup {
    html! {
        label for=(id) { (label) }
        div.secret {
            input id=(id) type="text" readonly value=(value);
            button.secondary type="button" data-copy=(id) hidden { "Copy" }
        }
    }
}

/// Previous/next links for a paged list.
pub fn pager(base: &str, page: u32, per_page: u32, total: i64, extra: &[(&str, &str)]) -> Markup {
    let pages = ((total.max(0) as u64).div_ceil(per_page.max(1) as u64)).max(1) as u32;
    let link = |p: u32| {
        let mut q: Vec<(&str, String)> = extra.iter().map(|(k, v)| (*k, v.to_string())).collect();
        q.push(("page", p.to_string()));
        format!("{base}?{}", serde_urlencoded::to_string(&q).unwrap_or_default())
    };
    html! {
        @if pages > 1 {
            nav.pager aria-label="Pages" {
                @if page > 1 { a href=(link(page - 1)) rel="prev" { "← Previous" } }
                span.muted { "Page " (page) " of " (pages) " · " (total) " in all" }
                @if page < pages { a href=(link(page + 1)) rel="next" { "Next →" } }
            }
        }
    }
}

/// A timestamp as UTC date and time.
pub fn when(t: i64) -> Markup {
    let s = trestle_core::format_timestamp(t);
    html! { time datetime=(s) { (s.replace('T', " ").trim_end_matches('Z')) " UTC" } }
}
