//! Request extractors whose failures answer in Trestle's error format instead of axum's text.

use crate::error::{malformed_authorization, missing_token, ApiError};
use crate::AppState;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, Uri};
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use trestle_core::Caller;
use trestle_domain::policy::Actor;

/// A JSON body; malformed JSON is a 400 naming the problem.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(ApiJson(v)),
            Err(rejection) => Err(ApiError::bad_request(format!(
                "invalid JSON body: {}",
                rejection.body_text()
            ))),
        }
    }
}

/// Path parameters; a non-numeric id is a 400.
pub struct ApiPath<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for ApiPath<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(v)) => Ok(ApiPath(v)),
            Err(rejection) => Err(ApiError::bad_request(format!(
                "invalid path: {}",
                rejection.body_text()
            ))),
        }
    }
}

/// Whether `t` is an RFC 6750 §2.1 `b64token`: `1*( ALPHA / DIGIT / "-" / "." / "_" / "~" /
/// "+" / "/" ) *"="`.
fn is_b64token(t: &str) -> bool {
    let body = t.trim_end_matches('=');
    !body.is_empty()
        && body
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'+' | b'/'))
}

/// The bearer token of `Authorization: Bearer <token>` (RFC 6750 §2.1), for every
/// bearer-protected endpoint (REST, management API, token info).
///
/// - no `Authorization` header, or another scheme (`Basic …`): `Ok(None)`, answered 401 with a
///   bare `Bearer` challenge (§3.1: no error code for a request without a bearer token);
/// - a `Bearer` credential that is not one `b64token` (missing, spaces or other characters in
///   it, non-ASCII bytes), several `Authorization` headers, or a token both in the header and in
///   the URL: 400 `invalid_request` (§3.1);
/// - a token in the URL only: 401, tokens are not accepted there (RFC 9700 §4.3.2).
pub(crate) fn bearer_token<'a>(headers: &'a HeaderMap, uri: &Uri) -> Result<Option<&'a str>, BadBearer> {
    let in_url = uri
        .query()
        .is_some_and(|q| q.split('&').any(|kv| kv.starts_with("access_token=")));
    let mut all = headers.get_all(header::AUTHORIZATION).iter();
    let Some(value) = all.next() else {
        if in_url {
            return Err(BadBearer::InUrl);
        }
        return Ok(None);
    };
    if all.next().is_some() {
        return Err(BadBearer::Malformed("send one Authorization header, not several"));
    }
    let Ok(value) = value.to_str() else {
        return Err(BadBearer::Malformed(
            "the Authorization header must be \"Bearer <token>\" in plain ASCII",
        ));
    };
    let (scheme, rest) = match value.split_once(' ') {
        Some((scheme, rest)) => (scheme, rest),
        None => (value, ""),
    };
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Ok(None);
    }
    let token = rest.trim_start_matches(' ').trim_end();
    if !is_b64token(token) {
        return Err(BadBearer::Malformed(
            "the Authorization header must be \"Bearer <token>\": one token of letters, digits and -._~+/ (then any =)",
        ));
    }
    if in_url {
        return Err(BadBearer::Malformed(
            "send the access token in one place: the Authorization header, not also in the URL",
        ));
    }
    Ok(Some(token))
}

fn bearer(parts: &Parts) -> Result<Option<&str>, BadBearer> {
    bearer_token(&parts.headers, &parts.uri)
}

/// Why a request's bearer credentials are refused before any token is checked.
pub(crate) enum BadBearer {
    /// 400 `invalid_request`, with what is wrong.
    Malformed(&'static str),
    /// A token in the URL only: 401.
    InUrl,
}

impl IntoResponse for BadBearer {
    fn into_response(self) -> Response {
        match self {
            BadBearer::Malformed(m) => malformed_authorization(m),
            BadBearer::InUrl => ApiError(trestle_core::CoreError::Unauthenticated(
                "access tokens are not accepted in the URL; send Authorization: Bearer <token>".into(),
            ))
            .into_response(),
        }
    }
}

/// The caller of a Procore-compatible REST endpoint (an OAuth access token).
pub struct RestCaller(pub Caller);

impl FromRequestParts<AppState> for RestCaller {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let token = bearer(parts)
            .map_err(IntoResponse::into_response)?
            .ok_or_else(missing_token)?;
        // The rate limiter may have checked this very header's token already.
        let checked = parts
            .extensions
            .get::<crate::ratelimit::CheckedBearer>()
            .filter(|c| parts.headers.get(header::AUTHORIZATION) == Some(&c.header));
        let caller = match checked {
            Some(c) => state.core.authenticate_checked(token, c.token).await,
            None => state.core.authenticate_bearer(token).await,
        };
        caller.map(RestCaller).map_err(|e| ApiError(e).into_response())
    }
}

/// The caller of the management API (an API token).
pub struct ApiActor(pub Actor);

impl FromRequestParts<AppState> for ApiActor {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let token = bearer(parts)
            .map_err(IntoResponse::into_response)?
            .ok_or_else(missing_token)?;
        state
            .core
            .authenticate_api_token(token)
            .await
            .map(ApiActor)
            .map_err(|e| ApiError(e).into_response())
    }
}

/// A JSON body that may be absent (an empty body means "all defaults").
pub struct OptionalJson<T>(pub Option<T>);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for OptionalJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = axum::body::Bytes::from_request(req, state)
            .await
            .map_err(|e| ApiError::bad_request(format!("unreadable body: {}", e.body_text())))?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(OptionalJson(None));
        }
        serde_json::from_slice(&bytes)
            .map(|v| OptionalJson(Some(v)))
            .map_err(|e| ApiError::bad_request(format!("invalid JSON body: {e}")))
    }
}
