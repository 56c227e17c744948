//! The web UI: server-rendered pages (maud) for developers (apps, manifests, versions,
//! promotion, secrets, metrics) and company admins (installs, permitted projects, upgrades,
//! directory, audit), under `/ui`. Plain HTML forms; `assets/app.js` only adds copy buttons and
//! confirmations. Pages call the same `Trestle` use cases as the management API, as the
//! signed-in person, so every decision still goes through `policy::decide`.
//!
//! Sessions are the `__Host-` cookie of the sign-in pages; every POST carries the session's
//! CSRF token (checked by [`Posted`] before a handler runs). Pages are never cached or framed.

mod company;
mod developer;
pub(crate) mod forms;
pub(crate) mod layout;
mod projects;

use crate::error::WebError;
use crate::AppState;
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use layout::Chrome;
use maud::html;
use std::net::SocketAddr;
use trestle_core::CoreError;
use trestle_domain::policy::Actor;
use trestle_store::User;

pub(crate) const SESSION_COOKIE: &str = "__Host-trestle_session";
pub(crate) const CSRF_COOKIE: &str = "__Host-trestle_csrf";
pub(crate) const SESSION_MAX_AGE: i64 = 12 * 3600;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/ui", get(developer::home))
        .route("/ui/", get(developer::home))
        .route("/ui/login", get(login_form).post(login))
        .route("/ui/logout", post(logout))
        .route("/ui/assets/app.css", get(css))
        .route("/ui/assets/app.js", get(js))
        .merge(developer::routes())
        .merge(company::routes())
        .merge(projects::routes())
}

/// Error pages of the web UI (a 403, 404 or 409 from a handler, an unknown address) keep the
/// navigation when a person is signed in: the page the error rendered without it is shown again
/// inside the shell, with every header it had. Only error answers pay for the session lookup.
pub async fn with_navigation(
    axum::extract::State(state): axum::extract::State<AppState>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let path = req.uri().path().to_string();
    if !(path == "/ui" || path.starts_with("/ui/")) {
        return next.run(req).await;
    }
    let token = cookie(req.headers(), SESSION_COOKIE).map(str::to_string);
    let res = next.run(req).await;
    let (Some(token), Some(e)) = (token, res.extensions().get::<layout::ErrorPage>().cloned()) else {
        return res;
    };
    let Ok(Some(found)) = state.core.session(&token).await else {
        return res;
    };
    let Ok(Some(user)) = state.core.whoami(Actor::Person(found.user)).await else {
        return res;
    };
    let section = if path.starts_with("/ui/apps") {
        layout::Section::Apps
    } else {
        layout::Section::Home
    };
    let chrome = Chrome {
        user: &user,
        csrf: &found.csrf,
        section,
    };
    let mut page = layout::error_page_in(&chrome, res.status(), &e);
    let own: Vec<header::HeaderName> = page.headers().keys().cloned().collect();
    for (name, value) in res.headers() {
        if name != header::CONTENT_LENGTH && !own.contains(name) {
            page.headers_mut().append(name.clone(), value.clone());
        }
    }
    page
}

/// The signed-in person of a page request. Without a live session the request is answered
/// with a redirect to the login page that comes back here afterwards.
pub(crate) struct WebSession {
    pub user: User,
    pub csrf: String,
    pub signed_in_at: i64,
}

/// How recent a sign-in must be for actions that reveal or hand out credentials (new secrets,
/// the first promotion) or give an app access to a company (installing).
pub(crate) const RECENT_SIGN_IN: i64 = 15 * 60;

impl WebSession {
    /// `None` when the person signed in recently; else the answer that sends them to confirm
    /// their password and come back to `back`.
    pub fn confirmation_needed(&self, state: &AppState, back: &str) -> Option<Response> {
        if state.core.now() - self.signed_in_at <= RECENT_SIGN_IN {
            return None;
        }
        let q = serde_urlencoded::to_string([("next", back), ("confirm", "1")]).unwrap_or_default();
        Some(see_other(&format!("/ui/login?{q}")))
    }

    pub fn actor(&self) -> Actor {
        Actor::Person(self.user.id)
    }

    pub fn chrome(&self, section: layout::Section) -> Chrome<'_> {
        Chrome {
            user: &self.user,
            csrf: &self.csrf,
            section,
        }
    }
}

pub(crate) fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

pub(crate) fn set_cookie(res: &mut Response, name: &str, value: &str, max_age: i64) {
    let v = format!("{name}={value}; Path=/; Secure; HttpOnly; SameSite=Lax; Max-Age={max_age}");
    if let Ok(v) = HeaderValue::from_str(&v) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
}

pub(crate) fn see_other(location: &str) -> Response {
    let mut res = StatusCode::SEE_OTHER.into_response();
    if let Ok(v) = HeaderValue::from_str(location) {
        res.headers_mut().insert(header::LOCATION, v);
    }
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
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
            crate::paging::header_safe(n)
        }
        _ => "/ui".to_string(),
    }
}

impl FromRequestParts<AppState> for WebSession {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        // Where to come back after signing in; a URL too long to carry (it would end up in
        // `Location`) comes back to its path, or to the home page.
        let max = trestle_domain::text::URL.max;
        let back = match parts.uri.path_and_query().map(|p| p.as_str()) {
            Some(pq) if pq.len() <= max => pq.to_string(),
            _ if parts.uri.path().len() <= max => parts.uri.path().to_string(),
            _ => "/ui".to_string(),
        };
        let login = || {
            let q = serde_urlencoded::to_string([("next", back.as_str())]).unwrap_or_default();
            see_other(&format!("/ui/login?{q}"))
        };
        let Some(token) = cookie(&parts.headers, SESSION_COOKIE) else {
            return Err(login());
        };
        let found = state
            .core
            .session(token)
            .await
            .map_err(|e| WebError::new(e, "/ui").into_response())?;
        let Some(found) = found else {
            return Err(login());
        };
        let user = state
            .core
            .whoami(Actor::Person(found.user))
            .await
            .map_err(|e| WebError::new(e, "/ui").into_response())?;
        match user {
            Some(user) => Ok(WebSession {
                user,
                csrf: found.csrf,
                signed_in_at: found.created_at,
            }),
            None => Err(login()),
        }
    }
}

/// The fields of a submitted form (repeated names kept, in order).
pub(crate) struct Fields(pub Vec<(String, String)>);

impl Fields {
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    pub fn text(&self, name: &str) -> &str {
        self.get(name).unwrap_or("")
    }

    pub fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.0.iter().filter(move |(k, _)| k == name).map(|(_, v)| v.as_str())
    }
}

/// A form POSTed by a signed-in person, with its CSRF token checked. Handlers that change
/// anything take this, so none can forget the check.
pub(crate) struct Posted {
    pub session: WebSession,
    pub form: Fields,
}

impl FromRequest<AppState> for Posted {
    type Rejection = Response;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = req.into_parts();
        if !same_origin(state, &parts.headers) {
            return Err(layout::refused_form());
        }
        let session = WebSession::from_request_parts(&mut parts, state).await?;
        let req = Request::from_parts(parts, body);
        let axum::Form(pairs) = axum::Form::<Vec<(String, String)>>::from_request(req, state)
            .await
            .map_err(|_| unreadable_form())?;
        let form = Fields(pairs.into_iter().map(forms::kept).collect());
        if !csrf_ok(form.get("csrf"), Some(&session.csrf)) {
            return Err(layout::refused_form());
        }
        Ok(Posted { session, form })
    }
}

/// A form body that is not an HTML form's (`application/x-www-form-urlencoded`).
pub(crate) fn unreadable_form() -> Response {
    WebError::new(
        CoreError::BadRequest(
            "the form could not be read: send it from the page (as an HTML form), not as another kind of body".into(),
        ),
        "/ui",
    )
    .into_response()
}

/// A browser's `Origin`, when it sends one, must be this server — the `Host` it asked for, or
/// the configured public URL (behind a proxy): a second line of defence beside the CSRF token.
pub(crate) fn same_origin(state: &AppState, headers: &HeaderMap) -> bool {
    let Some(origin) = headers.get(header::ORIGIN) else {
        return true;
    };
    let Some(origin) = origin.to_str().ok().map(|o| o.trim_end_matches('/')) else {
        return false;
    };
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    let by_host = origin
        .split_once("://")
        .is_some_and(|(_, rest)| host.is_some_and(|h| rest.eq_ignore_ascii_case(h)));
    let by_public = state
        .public_url
        .as_deref()
        .is_some_and(|p| p.trim_end_matches('/').eq_ignore_ascii_case(origin));
    by_host || by_public
}

pub(crate) fn csrf_ok(sent: Option<&str>, expected: Option<&str>) -> bool {
    match (sent, expected) {
        (Some(a), Some(b)) => !b.is_empty() && trestle_core::secrets::hashes_equal(a, b),
        _ => false,
    }
}

/// What a password sign-in came to.
pub(crate) enum SignIn {
    /// Signed in: the new session's cookie is to be set (the browser's previous one ended).
    Session(String),
    /// Locked out for this many seconds (too many failures for this e-mail and address).
    Locked(i64),
    /// Wrong e-mail address or password: the message to show.
    Refused(String),
    Failed(CoreError),
}

/// The password sign-in of both login forms (the web UI's and the OAuth flow's). It is locked
/// for an e-mail address and client address after repeated failures, like client
/// authentication at the token endpoint; the core audits every attempt; a success ends the
/// session the browser had before, so every sign-in gets a new session id.
pub(crate) async fn sign_in(
    state: &AppState,
    headers: &HeaderMap,
    peer: SocketAddr,
    email: &str,
    password: &str,
) -> SignIn {
    let key = format!("login:{}", email.trim().to_ascii_lowercase());
    let ip = peer.ip();
    if let Some(wait) = state.failed_auth.locked(&key, ip, state.core.now()) {
        return SignIn::Locked(wait);
    }
    match state.core.login(email, password, Some(&ip.to_string())).await {
        Ok((session, _)) => {
            if let Some(old) = cookie(headers, SESSION_COOKIE) {
                if let Err(e) = state.core.logout(old).await {
                    tracing::warn!(error = %e, "could not end the previous session at sign-in");
                }
            }
            SignIn::Session(session)
        }
        Err(CoreError::Unauthenticated(m)) => {
            state.failed_auth.failed(&key, ip, state.core.now());
            SignIn::Refused(m)
        }
        Err(e) => SignIn::Failed(e),
    }
}

/// The message of a locked-out sign-in page, and its `Retry-After`.
pub(crate) fn locked_out(wait: i64, page: impl FnOnce(&str) -> Response) -> Response {
    let mut res = page(&format!("Too many failed attempts. Try again in {wait} seconds."));
    res.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(wait));
    res
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
    state: axum::extract::State<AppState>,
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
    axum::extract::State(state): axum::extract::State<AppState>,
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
    axum::extract::State(state): axum::extract::State<AppState>,
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

async fn css() -> Response {
    asset("text/css; charset=utf-8", include_str!("assets/app.css"))
}

async fn js() -> Response {
    asset("text/javascript; charset=utf-8", include_str!("assets/app.js"))
}

fn asset(content_type: &'static str, body: &'static str) -> Response {
    let mut res = body.into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=3600"));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    res
}
