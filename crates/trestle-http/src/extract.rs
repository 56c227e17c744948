//! Request extractors whose failures answer in Trestle's error format instead of axum's text.

use crate::error::{missing_token, ApiError};
use crate::AppState;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::header;
use axum::http::request::Parts;
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

/// The bearer token of `Authorization: Bearer …`. Tokens in the URL are refused (RFC 9700 §4.3.2).
fn bearer(parts: &Parts) -> Result<Option<&str>, ApiError> {
    if parts
        .uri
        .query()
        .is_some_and(|q| q.split('&').any(|kv| kv.starts_with("access_token=")))
    {
        return Err(ApiError(trestle_core::CoreError::Unauthenticated(
            "access tokens are not accepted in the URL; send Authorization: Bearer <token>".into(),
        )));
    }
    let Some(value) = parts.headers.get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let value = value.to_str().unwrap_or("");
    match value.split_once(' ') {
        Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() => {
            Ok(Some(token.trim()))
        }
        _ => Err(ApiError(trestle_core::CoreError::Unauthenticated(
            "the Authorization header must be \"Bearer <token>\"".into(),
        ))),
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
