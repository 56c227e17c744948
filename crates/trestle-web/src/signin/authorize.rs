//! The sign-in pages of the authorization-code flow: `GET /oauth/authorize` shows a login form
//! or, once signed in, a consent form; their POSTs sign in (a `__Host-` session cookie) and
//! record the decision (a 303 back to the app with a code, or the code shown for the
//! out-of-band flow). Every form carries a CSRF token; pages cannot be framed or cached.

use crate::state::WebState;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use maud::{html, Markup};
use std::collections::HashMap;
use trestle_core::{AuthorizeError, AuthorizeParams, ValidAuthorize, OOB};

use super::{locked_out, sign_in, SignIn};
use crate::session::{
    cookie, csrf_ok, same_origin, see_other, set_cookie, CSRF_COOKIE, SESSION_COOKIE, SESSION_MAX_AGE,
};
use axum::extract::ConnectInfo;
use std::net::SocketAddr;

pub fn routes() -> Router<WebState> {
    Router::new()
        .route("/oauth/authorize", get(authorize))
        .route("/oauth/authorize/login", post(login))
        .route("/oauth/authorize/decision", post(decision))
}

/// A sign-in page in the web UI's look (maud escapes every value in `body`).
fn page(status: StatusCode, title: &str, body: Markup) -> Response {
    crate::layout::bare_page(
        status,
        title,
        html! {
            div.card.narrow {
                h1 { (title) }
                (body)
            }
        },
    )
}

/// A page that says only `message`, as an error.
fn message_page(status: StatusCode, title: &str, message: &str) -> Response {
    page(status, title, html! { p.error { (message) } })
}

/// The authorization request's parameters. An empty value counts as absent, a repeated one is
/// named in `repeated` (RFC 6749 §3.1).
fn params_of(query: &str) -> AuthorizeParams {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query).unwrap_or_default();
    let mut repeated: Vec<String> = Vec::new();
    for (i, (k, v)) in pairs.iter().enumerate() {
        let again = !v.is_empty() && pairs[..i].iter().any(|(seen, sv)| seen == k && !sv.is_empty());
        if again && !repeated.contains(k) {
            repeated.push(k.clone());
        }
    }
    let get = |k: &str| {
        pairs
            .iter()
            .find(|(n, v)| n == k && !v.is_empty())
            .map(|(_, v)| v.clone())
    };
    AuthorizeParams {
        response_type: get("response_type"),
        client_id: get("client_id"),
        redirect_uri: get("redirect_uri"),
        state: get("state"),
        code_challenge: get("code_challenge"),
        code_challenge_method: get("code_challenge_method"),
        repeated,
    }
}

/// The query of a validated authorization request, rebuilt from its parameters (form-encoded)
/// rather than echoed: what the browser sent never reaches a `Location` header as it was.
fn canonical_query(p: &AuthorizeParams) -> String {
    let fields = [
        ("response_type", &p.response_type),
        ("client_id", &p.client_id),
        ("redirect_uri", &p.redirect_uri),
        ("state", &p.state),
        ("code_challenge", &p.code_challenge),
        ("code_challenge_method", &p.code_challenge_method),
    ];
    let present: Vec<(&str, &str)> = fields
        .iter()
        .filter_map(|(k, v)| v.as_deref().map(|v| (*k, v)))
        .collect();
    serde_urlencoded::to_string(present).unwrap_or_default()
}

fn with_params(uri: &str, params: &[(&str, &str)]) -> String {
    let q = serde_urlencoded::to_string(params).unwrap_or_default();
    format!("{uri}{}{q}", if uri.contains('?') { '&' } else { '?' })
}

/// The answer to a refused request: a page (never a redirect) when the client or redirect URI
/// is not trusted, else the error at the redirect URI.
fn refused(e: AuthorizeError) -> Response {
    match e {
        AuthorizeError::NoRedirect(m) => message_page(StatusCode::BAD_REQUEST, "This sign-in link is not valid", &m),
        AuthorizeError::Redirect {
            redirect_uri,
            error,
            description,
            state,
        } => {
            if redirect_uri == OOB {
                return message_page(
                    StatusCode::BAD_REQUEST,
                    "Sign-in refused",
                    &format!("{error}: {description}"),
                );
            }
            let mut p = vec![("error", error), ("error_description", description.as_str())];
            if let Some(s) = &state {
                p.push(("state", s));
            }
            let mut res = StatusCode::FOUND.into_response();
            if let Ok(v) = HeaderValue::from_str(&with_params(&redirect_uri, &p)) {
                res.headers_mut().insert(header::LOCATION, v);
            }
            res
        }
    }
}

fn login_page(status: StatusCode, valid: &ValidAuthorize, query: &str, error: Option<&str>) -> Response {
    let csrf = trestle_core::secrets::random_hex_256();
    let body = html! {
        p { "Sign in to continue to " strong { (valid.app.name) } "." }
        @if let Some(e) = error {
            p.error role="alert" { (e) }
        }
        form method="post" action="/oauth/authorize/login" {
            input type="hidden" name="csrf" value=(csrf);
            input type="hidden" name="q" value=(query);
            label for="email" { "E-mail" }
            input #email name="email" type="email" autocomplete="username" required autofocus;
            label for="password" { "Password" }
            input #password name="password" type="password" autocomplete="current-password" required;
            button type="submit" { "Sign in" }
        }
    };
    let mut res = page(status, "Sign in", body);
    set_cookie(&mut res, CSRF_COOKIE, &csrf, 3600);
    res
}

fn consent_page(valid: &ValidAuthorize, query: &str, csrf: &str) -> Response {
    let body = html! {
        p {
            strong { (valid.app.name) }
            " wants to act as you: to see the companies and projects you can see, with your permissions."
        }
        form method="post" action="/oauth/authorize/decision" {
            input type="hidden" name="csrf" value=(csrf);
            input type="hidden" name="q" value=(query);
            button type="submit" name="decision" value="approve" { "Allow" }
            " "
            button.secondary type="submit" name="decision" value="deny" { "Deny" }
        }
    };
    let mut res = page(StatusCode::OK, "Allow access?", body);
    // Approving redirects to the app: the form's journey may end at its origin.
    if let Some((scheme, rest)) = valid.redirect_uri.split_once("://") {
        let host = rest.split(['/', '?', '#']).next().unwrap_or("");
        crate::layout::allow_form_target(&mut res, &format!("{scheme}://{host}"));
    }
    res
}

async fn authorize(State(state): State<WebState>, headers: HeaderMap, uri: Uri) -> Response {
    let params = params_of(uri.query().unwrap_or(""));
    let valid = match state.core.validate_authorize(&params).await {
        Ok(v) => v,
        Err(e) => return refused(e),
    };
    let query = canonical_query(&params);
    let session = match cookie(&headers, SESSION_COOKIE) {
        Some(token) => state.core.session(token).await.ok().flatten(),
        None => None,
    };
    match session {
        Some(found) => consent_page(&valid, &query, &found.csrf),
        None => login_page(StatusCode::OK, &valid, &query, None),
    }
}

fn unavailable() -> Response {
    message_page(
        StatusCode::SERVICE_UNAVAILABLE,
        "Try again",
        "The service is temporarily unavailable.",
    )
}

fn forbidden() -> Response {
    message_page(
        StatusCode::FORBIDDEN,
        "Request refused",
        "The form expired or was not sent from this site. Go back and try again.",
    )
}

async fn login(
    State(state): State<WebState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    crate::forms::PageForm(f): crate::forms::PageForm<HashMap<String, String>>,
) -> Response {
    if !same_origin(&state, &headers) || !csrf_ok(f.get("csrf").map(String::as_str), cookie(&headers, CSRF_COOKIE)) {
        return forbidden();
    }
    let params = params_of(f.get("q").map_or("", String::as_str));
    let valid = match state.core.validate_authorize(&params).await {
        Ok(v) => v,
        Err(e) => return refused(e),
    };
    let query = canonical_query(&params);
    let (email, password) = (
        f.get("email").map_or("", String::as_str),
        f.get("password").map_or("", String::as_str),
    );
    match sign_in(&state, &headers, peer, email, password).await {
        SignIn::Session(session) => {
            let mut res = see_other(&format!("/oauth/authorize?{query}"));
            set_cookie(&mut res, SESSION_COOKIE, &session, SESSION_MAX_AGE);
            res
        }
        SignIn::Locked(wait) => locked_out(wait, |m| {
            login_page(StatusCode::TOO_MANY_REQUESTS, &valid, &query, Some(m))
        }),
        SignIn::Refused(m) => login_page(StatusCode::UNAUTHORIZED, &valid, &query, Some(&m)),
        SignIn::Failed(_) => unavailable(),
    }
}

async fn decision(
    State(state): State<WebState>,
    headers: HeaderMap,
    crate::forms::PageForm(f): crate::forms::PageForm<HashMap<String, String>>,
) -> Response {
    let session = match cookie(&headers, SESSION_COOKIE) {
        Some(token) => state.core.session(token).await.ok().flatten(),
        None => None,
    };
    let Some(trestle_domain::entities::WebSession { user, csrf, .. }) = session else {
        return message_page(
            StatusCode::UNAUTHORIZED,
            "Sign in again",
            "Your session ended. Start again from the app.",
        );
    };
    if !same_origin(&state, &headers) || !csrf_ok(f.get("csrf").map(String::as_str), Some(&csrf)) {
        return forbidden();
    }
    let query = f.get("q").cloned().unwrap_or_default();
    let valid = match state.core.validate_authorize(&params_of(&query)).await {
        Ok(v) => v,
        Err(e) => return refused(e),
    };
    if f.get("decision").map(String::as_str) != Some("approve") {
        return refused(AuthorizeError::Redirect {
            redirect_uri: valid.redirect_uri,
            error: "access_denied",
            description: "the person denied access".into(),
            state: valid.state,
        });
    }
    let code = match state.core.approve(&valid, user).await {
        Ok(c) => c,
        Err(_) => return unavailable(),
    };
    if valid.redirect_uri == OOB {
        let body = html! {
            p { "Copy this code into " (valid.app.name) ":" }
            p { code #code { (code) } }
        };
        return page(StatusCode::OK, "Authorization code", body);
    }
    let mut p = vec![("code", code.as_str())];
    if let Some(s) = &valid.state {
        p.push(("state", s));
    }
    see_other(&with_params(&valid.redirect_uri, &p))
}
