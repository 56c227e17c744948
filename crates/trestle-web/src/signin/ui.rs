//! The web UI's own sign-in: `GET/POST /ui/login` (also the "confirm it is you" form that
//! sensitive actions ask for) and `POST /ui/logout`.

use super::{locked_out, sign_in, SignIn};
use crate::error::WebError;
use crate::session::{
    cookie, csrf_ok, same_origin, see_other, set_cookie, Posted, CSRF_COOKIE, SESSION_COOKIE, SESSION_MAX_AGE,
};
use crate::state::WebState;
use crate::{forms, layout};
use axum::extract::ConnectInfo;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use maud::html;
use std::net::SocketAddr;
use trestle_domain::policy::Actor;

pub fn routes() -> Router<WebState> {
    Router::new()
        .route("/ui/login", get(login_form).post(login))
        .route("/ui/logout", post(logout))
}

/// Only same-site paths are followed after login (no open redirect), and any character outside
/// a plain path and query is percent-encoded, so nothing sent reaches `Location` as it was.
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n)
            if n.starts_with("/ui")
                && !n.contains("//")
                && !n.contains('\\')
                && n.len() <= trestle_domain::text::URL.max =>
        {
            trestle_core::answer::header_safe(n)
        }
        _ => "/ui".to_string(),
    }
}

#[derive(serde::Deserialize)]
struct LoginQuery {
    next: Option<String>,
    /// Set when a sensitive action asks for a recent sign-in.
    confirm: Option<String>,
}

fn login_page(status: StatusCode, next: &str, email: &str, error: Option<&str>) -> Response {
    login_form_page(status, next, email, error, false)
}

fn login_form_page(status: StatusCode, next: &str, email: &str, error: Option<&str>, confirm: bool) -> Response {
    let csrf = trestle_core::secrets::random_hex_256();
    let body = html! {
        div.card.narrow {
            h1 { @if confirm { "Confirm it is you" } @else { "Sign in to Trestle" } }
            @if confirm {
                p.notice.warn { "This action hands out credentials or gives an app access, so it needs a recent sign-in. Enter your password to continue." }
            } @else {
                p.muted { "Developers manage their apps here; company admins manage installed apps." }
            }
            @if let Some(e) = error {
                div.notice.error role="alert" { (e) }
            }
            form method="post" action="/ui/login" {
                input type="hidden" name="csrf" value=(csrf);
                input type="hidden" name="next" value=(next);
                label for="email" { "E-mail" }
                input #email type="email" name="email" value=(email) autocomplete="username" required autofocus;
                label for="password" { "Password" }
                input #password type="password" name="password" autocomplete="current-password" required;
                p { button type="submit" { "Sign in" } }
            }
        }
    };
    let mut res = layout::bare_page(status, "Sign in", body);
    set_cookie(&mut res, CSRF_COOKIE, &csrf, 3600);
    res
}

async fn login_form(
    state: axum::extract::State<WebState>,
    headers: HeaderMap,
    forms::WebQuery(q): forms::WebQuery<LoginQuery>,
) -> Response {
    let next = safe_next(q.next.as_deref());
    let confirm = q.confirm.is_some();
    // Already signed in: straight on (unless a recent sign-in is asked for).
    let mut email = String::new();
    if let Some(token) = cookie(&headers, SESSION_COOKIE) {
        if let Ok(Some(found)) = state.core.session(token).await {
            if !confirm {
                return see_other(&next);
            }
            if let Ok(Some(user)) = state.core.whoami(Actor::Person(found.user)).await {
                email = user.email;
            }
        }
    }
    login_form_page(StatusCode::OK, &next, &email, None, confirm)
}

async fn login(
    axum::extract::State(state): axum::extract::State<WebState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    forms::WebForm(f): forms::WebForm,
) -> Response {
    let next = safe_next(f.get("next"));
    if !same_origin(&state, &headers) || !csrf_ok(f.get("csrf"), cookie(&headers, CSRF_COOKIE)) {
        return layout::refused_form();
    }
    let email = f.text("email");
    match sign_in(&state, &headers, peer, email, f.text("password")).await {
        SignIn::Session(session) => {
            let mut res = see_other(&next);
            set_cookie(&mut res, SESSION_COOKIE, &session, SESSION_MAX_AGE);
            set_cookie(&mut res, CSRF_COOKIE, "", 0);
            res
        }
        SignIn::Locked(wait) => locked_out(wait, |m| {
            login_page(StatusCode::TOO_MANY_REQUESTS, &next, email, Some(m))
        }),
        SignIn::Refused(m) => login_page(StatusCode::UNAUTHORIZED, &next, email, Some(&m)),
        SignIn::Failed(e) => WebError::new(e, "/ui/login").into_response(),
    }
}

async fn logout(
    axum::extract::State(state): axum::extract::State<WebState>,
    headers: HeaderMap,
    posted: Posted,
) -> Response {
    drop(posted); // the CSRF check is what matters: no other site can sign a person out
    if let Some(token) = cookie(&headers, SESSION_COOKIE) {
        if let Err(e) = state.core.logout(token).await {
            return WebError::new(e, "/ui").into_response();
        }
    }
    let mut res = see_other("/ui/login");
    set_cookie(&mut res, SESSION_COOKIE, "", 0);
    res
}
