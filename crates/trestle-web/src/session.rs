//! The signed-in person of a page ([`WebSession`], the `__Host-` session cookie), the
//! CSRF-checked form extractor [`Posted`], cookies and redirects, and the layer that puts error
//! pages inside the signed-in person's navigation.

use crate::error::WebError;
use crate::forms;
use crate::layout::{self, Chrome};
use crate::state::WebState;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use trestle_domain::entities::User;
use trestle_domain::policy::Actor;

pub(crate) const SESSION_COOKIE: &str = "__Host-trestle_session";
pub(crate) const CSRF_COOKIE: &str = "__Host-trestle_csrf";
pub(crate) const SESSION_MAX_AGE: i64 = 12 * 3600;

/// Error pages of the web UI (a 403, 404 or 409 from a handler, an unknown address) keep the
/// navigation when a person is signed in: the page the error rendered without it is shown again
/// inside the shell, with every header it had. Only error answers pay for the session lookup.
pub async fn with_navigation(
    axum::extract::State(state): axum::extract::State<WebState>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let path = req.uri().path();
    if !(path == "/ui" || path.starts_with("/ui/")) {
        return next.run(req).await;
    }
    let section = if path.starts_with("/ui/apps") {
        layout::Section::Apps
    } else {
        layout::Section::Home
    };
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
    pub fn confirmation_needed(&self, state: &WebState, back: &str) -> Option<Response> {
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

impl FromRequestParts<WebState> for WebSession {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &WebState) -> Result<Self, Self::Rejection> {
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

/// A form POSTed by a signed-in person, with its CSRF token checked. Handlers that change
/// anything take this, so none can forget the check.
pub(crate) struct Posted {
    pub session: WebSession,
    pub form: forms::Fields,
}

impl FromRequest<WebState> for Posted {
    type Rejection = Response;

    async fn from_request(req: Request, state: &WebState) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = req.into_parts();
        if !same_origin(state, &parts.headers) {
            return Err(layout::refused_form());
        }
        let session = WebSession::from_request_parts(&mut parts, state).await?;
        let req = Request::from_parts(parts, body);
        let axum::Form(pairs) = axum::Form::<Vec<(String, String)>>::from_request(req, state)
            .await
            .map_err(|_| forms::unreadable_form())?;
        let form = forms::Fields(pairs.into_iter().map(forms::kept).collect());
        if !csrf_ok(form.get("csrf"), Some(&session.csrf)) {
            return Err(layout::refused_form());
        }
        Ok(Posted { session, form })
    }
}

/// A browser's `Origin`, when it sends one, must be this server — the `Host` it asked for, or
/// the configured public URL (behind a proxy): a second line of defence beside the CSRF token.
pub(crate) fn same_origin(state: &WebState, headers: &HeaderMap) -> bool {
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
