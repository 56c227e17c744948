//! The one place where errors become HTTP responses.
//!
//! API errors (REST and management) are JSON `{"code", "message", "errors"?}`; OAuth token
//! errors follow RFC 6749 §5.2; bearer-token failures carry `WWW-Authenticate` per RFC 6750.
//! A refusal the HTTP layer makes for a path of a page surface (the web UI) is that surface's
//! page ([`PageRefusals`]); the status and public message of a use-case error are the core's
//! (`trestle_core::answer`), so the pages and the APIs agree.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use trestle_core::{CoreError, OAuthError};
use trestle_domain::manifest::Problem;

/// The JSON body of every API error.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// Machine-readable code, e.g. `forbidden`, `invalid`, `not_found`, `bad_request`,
    /// `method_not_allowed`, `payload_too_large`, `unsupported_media_type`, `rate_limited`.
    pub code: &'static str,
    /// Human-readable explanation.
    pub message: String,
    /// For `invalid` and `bad_request`: every problem, with its JSON path.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[schema(value_type = Vec<ProblemSchema>)]
    pub errors: Vec<Problem>,
}

/// One problem in a request body.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ProblemSchema {
    /// JSONPath of the offending value, e.g. `$.manifest.permissions.company.foo`; a path
    /// parameter by its name in the URL template, e.g. `{app_id}`.
    pub path: String,
    pub reason: String,
}

/// An error of the REST or management API.
#[derive(Debug)]
pub struct ApiError(pub CoreError);

impl From<CoreError> for ApiError {
    fn from(e: CoreError) -> Self {
        ApiError(e)
    }
}

impl ApiError {
    pub fn bad_request(message: impl Into<String>) -> Self {
        ApiError(CoreError::BadRequest(message.into()))
    }
}

/// The status and machine-readable code of a use-case error.
fn status_of(e: &CoreError) -> (StatusCode, &'static str) {
    let (status, code) = e.status();
    (
        StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        code,
    )
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code) = status_of(&self.0);
        let message = self.0.public_message();
        let tool_level = matches!(
            self.0,
            CoreError::Forbidden(trestle_domain::policy::Denied::InsufficientLevel { .. })
        );
        let errors = match self.0 {
            CoreError::Invalid { problems, .. } => bounded(problems),
            _ => vec![],
        };
        let mut res = (
            status,
            Json(ErrorBody {
                code,
                message: shorten(&message, MAX_ECHO).into_owned(),
                errors,
            }),
        )
            .into_response();
        match status {
            StatusCode::UNAUTHORIZED => {
                res.headers_mut()
                    .insert(header::WWW_AUTHENTICATE, bearer_challenge("invalid_token", &message));
            }
            // RFC 6750 §3.1: the token is fine, its tool level is not enough.
            StatusCode::FORBIDDEN if tool_level => {
                res.headers_mut().insert(
                    header::WWW_AUTHENTICATE,
                    bearer_challenge("insufficient_scope", &message),
                );
            }
            StatusCode::SERVICE_UNAVAILABLE => {
                res.headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
            }
            _ => {}
        }
        res
    }
}

/// 401 for a request without any bearer token (RFC 6750 §3.1: no error code).
pub fn missing_token() -> Response {
    let mut res = (
        StatusCode::UNAUTHORIZED,
        Json(ErrorBody {
            code: "unauthorized",
            message: "send an access token in the Authorization header: Authorization: Bearer <token>".into(),
            errors: vec![],
        }),
    )
        .into_response();
    res.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static("Bearer realm=\"trestle\""),
    );
    res
}

/// `Bearer realm="trestle", error="…", error_description="…"` (RFC 6750 §3), the description
/// reduced to the characters §3 allows in it (printable ASCII without `"` or backslash).
fn bearer_challenge(error: &'static str, description: &str) -> HeaderValue {
    let description: String = shorten(description, MAX_ECHO)
        .chars()
        .map(|c| match c {
            '"' => '\'',
            '\\' => '/',
            ' '..='~' => c,
            _ => '?',
        })
        .collect();
    let v = format!("Bearer realm=\"trestle\", error=\"{error}\", error_description=\"{description}\"");
    HeaderValue::from_str(&v).unwrap_or_else(|_| HeaderValue::from_static("Bearer realm=\"trestle\""))
}

/// 400 for a malformed `Authorization` header on a bearer-protected endpoint (RFC 6750 §3.1
/// `invalid_request`).
pub fn malformed_authorization(message: &str) -> Response {
    let mut res = (
        StatusCode::BAD_REQUEST,
        Json(ErrorBody {
            code: "invalid_request",
            message: message.to_string(),
            errors: vec![],
        }),
    )
        .into_response();
    res.headers_mut()
        .insert(header::WWW_AUTHENTICATE, bearer_challenge("invalid_request", message));
    res
}

/// An RFC 6749 §5.2 error from the token endpoint. `basic` marks a request that used HTTP Basic.
pub struct OAuthErrorResponse(pub OAuthError);

#[derive(Serialize)]
struct OAuthErrorBody {
    error: &'static str,
    error_description: String,
}

impl IntoResponse for OAuthErrorResponse {
    fn into_response(self) -> Response {
        let retry_after = match &self.0 {
            OAuthError::TooManyAttempts(wait) => Some(*wait),
            _ => None,
        };
        let status = match &self.0 {
            OAuthError::InvalidClient(_) => StatusCode::UNAUTHORIZED,
            OAuthError::TooManyAttempts(_) => StatusCode::TOO_MANY_REQUESTS,
            OAuthError::TemporarilyUnavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            OAuthError::ServerError(_) => StatusCode::INTERNAL_SERVER_ERROR,
            _ => StatusCode::BAD_REQUEST,
        };
        let description = match &self.0 {
            OAuthError::ServerError(detail) => {
                tracing::error!(error = %detail, "token endpoint failure");
                "the server could not complete the request".to_string()
            }
            OAuthError::TemporarilyUnavailable(detail) => {
                tracing::warn!(error = %detail, "token endpoint: database unavailable");
                "the service is temporarily unavailable; retry shortly".to_string()
            }
            other => shorten(&other.to_string(), MAX_ECHO).into_owned(),
        };
        let mut res = (
            status,
            Json(OAuthErrorBody {
                error: self.0.code(),
                error_description: description,
            }),
        )
            .into_response();
        let h = res.headers_mut();
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        h.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
        if status == StatusCode::UNAUTHORIZED {
            h.insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Basic realm=\"trestle\""),
            );
        }
        if status == StatusCode::SERVICE_UNAVAILABLE {
            h.insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        }
        if let Some(wait) = retry_after {
            h.insert(header::RETRY_AFTER, HeaderValue::from(wait));
        }
        res
    }
}

/// The 404 for unknown routes, in the shape of the surface the URL belongs to (RFC 6749's JSON
/// under `/oauth/`, the API's JSON elsewhere; a page surface answers its own unknown paths).
pub async fn no_route(method: axum::http::Method, uri: axum::http::Uri) -> Response {
    let path = uri.path();
    let message = format!("no route for {method} {}", shorten(path, 200));
    RequestError::new(StatusCode::NOT_FOUND, "not_found", message, vec![]).respond_to(path, None)
}

/// How a surface of pages mounted beside the APIs (the web UI, see `crate::Pages`) answers a
/// refusal that the HTTP layer makes before any of its pages runs — a body too large, too many
/// requests: the path prefix it owns, and its page for a status, a message and the problems
/// (already cut short).
#[derive(Clone, Copy)]
pub struct PageRefusals {
    pub prefix: &'static str,
    pub page: fn(StatusCode, &str, &[Problem]) -> Response,
}

impl PageRefusals {
    /// Whether `path` is the prefix itself or below it.
    pub fn covers(&self, path: &str) -> bool {
        path.strip_prefix(self.prefix)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
    }
}

/// A refusal of the request itself — its URL, method, content type, size or body shape —
/// found before any use case runs. Answered in the error shape of the surface it was sent to:
/// the management and REST APIs' JSON, RFC 6749's for `/oauth/`, a page surface's page.
#[derive(Debug)]
pub struct RequestError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub errors: Vec<Problem>,
    /// Close the connection after answering (a body too large to read to its end).
    pub close: bool,
}

impl RequestError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>, errors: Vec<Problem>) -> Self {
        RequestError {
            status,
            code,
            message: message.into(),
            errors,
            close: false,
        }
    }

    /// A body, URL or query that does not have the expected shape (400), with every problem.
    pub fn malformed(errors: Vec<Problem>) -> Self {
        let message = match errors.as_slice() {
            [one] => format!("{}: {}", one.path, one.reason),
            _ => format!("the request has {} problems", errors.len()),
        };
        RequestError::new(StatusCode::BAD_REQUEST, "bad_request", message, errors)
    }

    /// 404 for a URL no route takes.
    pub fn no_route() -> Self {
        RequestError::new(StatusCode::NOT_FOUND, "not_found", "no route for this URL", vec![])
    }

    /// 413: the body is larger than `limit` bytes.
    pub fn too_large(limit: usize) -> Self {
        RequestError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            format!("the request body is larger than the limit of {limit} bytes"),
            vec![Problem {
                path: "$".into(),
                reason: format!("must be at most {limit} bytes"),
            }],
        )
    }

    /// 415: a body that is not `application/json` where JSON is expected.
    pub fn not_json() -> Self {
        RequestError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "send the body as JSON with the header Content-Type: application/json",
            vec![],
        )
    }

    /// The answer for a request to `path` (which decides the error shape); `pages` is the page
    /// surface mounted beside the APIs, if any.
    pub fn respond_to(self, path: &str, pages: Option<&PageRefusals>) -> Response {
        let close = self.close;
        let mut res = if let Some(pages) = pages.filter(|p| p.covers(path)) {
            let errors = bounded(self.errors);
            (pages.page)(self.status, &shorten(&self.message, MAX_ECHO), &errors)
        } else if path.starts_with("/oauth/") {
            let mut res = (
                self.status,
                Json(OAuthErrorBody {
                    error: "invalid_request",
                    error_description: shorten(&self.message, MAX_ECHO).into_owned(),
                }),
            )
                .into_response();
            res.headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            res
        } else {
            self.into_response()
        };
        if close {
            res.headers_mut()
                .insert(header::CONNECTION, HeaderValue::from_static("close"));
        }
        res
    }
}

impl IntoResponse for RequestError {
    fn into_response(self) -> Response {
        let mut res = (
            self.status,
            Json(ErrorBody {
                code: self.code,
                message: shorten(&self.message, MAX_ECHO).into_owned(),
                errors: bounded(self.errors),
            }),
        )
            .into_response();
        if self.close {
            res.headers_mut()
                .insert(header::CONNECTION, HeaderValue::from_static("close"));
        }
        res
    }
}

/// 405 for a known path with a method it does not answer (axum adds the `Allow` header).
pub async fn wrong_method(method: axum::http::Method, uri: axum::http::Uri) -> Response {
    RequestError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        format!("{method} is not allowed here; the Allow header lists the methods that are"),
        vec![],
    )
    .respond_to(uri.path(), None)
}

pub use trestle_core::answer::{bounded, shorten, MAX_ECHO};
