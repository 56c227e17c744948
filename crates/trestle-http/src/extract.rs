//! Request extractors whose failures answer in Trestle's error format instead of axum's text.

use crate::error::{malformed_authorization, missing_token, ApiError, PageRefusals, RequestError};
use crate::AppState;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use trestle_core::Caller;
use trestle_domain::manifest::Problem;
use trestle_domain::policy::Actor;

/// A JSON body. A body that is not `application/json` is a 415; one that is not well-formed
/// JSON, or does not have the shape the endpoint takes (wrong types, unknown or missing
/// fields), is a 400 naming each offending value by its JSONPath, in plain words.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = RequestError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        if !is_json(req.headers()) {
            return Err(RequestError::not_json());
        }
        let bytes = body_bytes(req, state).await?;
        parse_json(&bytes).map(ApiJson)
    }
}

/// Whether the request says its body is JSON (`application/json` or `application/…+json`).
fn is_json(headers: &axum::http::HeaderMap) -> bool {
    let Some(ct) = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let essence = ct.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    essence == "application/json" || (essence.starts_with("application/") && essence.ends_with("+json"))
}

async fn body_bytes<S: Send + Sync>(req: Request, state: &S) -> Result<axum::body::Bytes, RequestError> {
    axum::body::Bytes::from_request(req, state).await.map_err(|r| {
        if r.status() == StatusCode::PAYLOAD_TOO_LARGE {
            RequestError::too_large(MAX_BODY)
        } else {
            RequestError::malformed(vec![Problem {
                path: "$".into(),
                reason: "the request body could not be read".into(),
            }])
        }
    })
}

/// Parses a JSON body into `T`, describing any failure in the caller's terms.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, RequestError> {
    // Every body of these APIs is an object (serde would also take a struct as an array).
    match bytes.iter().find(|b| !b.is_ascii_whitespace()) {
        None | Some(b'{') => {}
        Some(_) if serde_json::from_slice::<serde::de::IgnoredAny>(bytes).is_ok() => {
            return Err(RequestError::malformed(vec![Problem {
                path: "$".into(),
                reason: "must be a JSON object".into(),
            }]));
        }
        Some(_) => {}
    }
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let problem = match serde_path_to_error::deserialize::<_, T>(&mut de) {
        Err(e) => crate::json_errors::describe(Some(e.path()), e.inner()),
        Ok(v) => match de.end() {
            Ok(()) => return Ok(v),
            Err(e) => crate::json_errors::describe(None, &e),
        },
    };
    Err(RequestError::malformed(vec![problem]))
}

/// Path parameters; a value that does not fit (e.g. an id that is not a number) is a 400 naming
/// the parameter as `{name}`.
pub struct ApiPath<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for ApiPath<T> {
    type Rejection = RequestError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        use axum::extract::path::ErrorKind;
        use axum::extract::rejection::PathRejection;
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(v)) => Ok(ApiPath(v)),
            Err(PathRejection::FailedToDeserializePathParams(e)) => {
                let names: Vec<String> = axum::extract::RawPathParams::from_request_parts(parts, state)
                    .await
                    .map(|raw| raw.iter().map(|(k, _)| k.to_string()).collect())
                    .unwrap_or_default();
                let key = match e.kind() {
                    ErrorKind::ParseErrorAtKey { key, .. }
                    | ErrorKind::InvalidUtf8InPathParam { key }
                    | ErrorKind::DeserializeError { key, .. } => Some(key.clone()),
                    ErrorKind::ParseErrorAtIndex { index, .. } => names.get(*index).cloned(),
                    ErrorKind::ParseError { .. } if names.len() == 1 => names.first().cloned(),
                    _ => None,
                };
                let (path, reason) = match key {
                    Some(k) if k.ends_with("_id") || k == "id" => {
                        (format!("{{{k}}}"), "must be a number (an id)".to_string())
                    }
                    Some(k) => (format!("{{{k}}}"), "has a value this URL does not take".to_string()),
                    None => ("{}".to_string(), "a part of this URL is not valid".to_string()),
                };
                Err(RequestError::malformed(vec![Problem { path, reason }]))
            }
            Err(_) => Err(RequestError::no_route()),
        }
    }
}

/// Request bodies are read whole, up to this many bytes; a longer one is a 413.
pub const MAX_BODY: usize = 2 * 1024 * 1024;
/// A body over the limit is still read (and dropped) up to this size, so that the connection
/// stays usable for the next request; beyond it the answer says `Connection: close`.
const DRAIN_UP_TO: usize = 16 * 1024 * 1024;

/// The layer that reads every request body up to [`MAX_BODY`] before the handler runs. A
/// larger body is answered 413 in the error shape of the surface it was sent to, after reading
/// it to its end (the keep-alive connection stays usable) — or, when it is huge, with
/// `Connection: close`. `pages` is the page surface mounted beside the APIs, which answers in
/// its own shape. A request without a body (every GET) goes straight through, with no
/// allocation; only one with a body pays for the boxed future that reads it.
#[derive(Clone, Copy)]
pub struct LimitBodyLayer(pub PageRefusals);

impl<S> tower::Layer<S> for LimitBodyLayer {
    type Service = LimitBody<S>;
    fn layer(&self, inner: S) -> LimitBody<S> {
        LimitBody { inner, pages: self.0 }
    }
}

#[derive(Clone)]
pub struct LimitBody<S> {
    inner: S,
    pages: PageRefusals,
}

impl<S> tower::Service<Request> for LimitBody<S>
where
    S: tower::Service<Request, Response = Response> + Clone + Send + 'static,
    S::Future: Send + 'static,
    S::Error: Send + 'static,
{
    type Response = Response;
    type Error = S::Error;
    type Future = futures::future::Either<S::Future, futures::future::BoxFuture<'static, Result<Response, S::Error>>>;

    fn poll_ready(&mut self, cx: &mut std::task::Context<'_>) -> std::task::Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request) -> Self::Future {
        use axum::body::HttpBody;
        use futures::future::Either;
        if req.body().is_end_stream() {
            return Either::Left(self.inner.call(req));
        }
        let declared = req
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok());
        let pages = self.pages;
        if declared.is_some_and(|n| n > DRAIN_UP_TO as u64) {
            let mut e = RequestError::too_large(MAX_BODY);
            e.close = true;
            let res = e.respond_to(req.uri().path(), Some(&pages));
            return Either::Right(Box::pin(std::future::ready(Ok(res))));
        }
        // The ready service answers this request; its clone takes the next (tower's rule for a
        // service whose future outlives `call`).
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        Either::Right(Box::pin(async move {
            let (parts, body) = req.into_parts();
            match read_limited(body, declared).await {
                Ok(kept) => {
                    inner
                        .call(Request::from_parts(parts, axum::body::Body::from(kept)))
                        .await
                }
                Err(e) => Ok(e.respond_to(parts.uri.path(), Some(&pages))),
            }
        }))
    }
}

/// Reads `body` to its end, keeping up to [`MAX_BODY`] bytes and draining up to
/// [`DRAIN_UP_TO`]. A body that arrives in one chunk (the usual small form or JSON body) is
/// kept as that chunk, without a copy.
async fn read_limited(body: axum::body::Body, declared: Option<u64>) -> Result<axum::body::Bytes, RequestError> {
    use futures::StreamExt;
    let unreadable = || {
        let mut e = RequestError::malformed(vec![Problem {
            path: "$".into(),
            reason: "the request body could not be read to its end".into(),
        }]);
        e.close = true;
        e
    };
    let huge = || {
        let mut e = RequestError::too_large(MAX_BODY);
        e.close = true;
        e
    };
    let mut stream = body.into_data_stream();
    let first = match stream.next().await {
        None => return Ok(axum::body::Bytes::new()),
        Some(Ok(chunk)) => chunk,
        Some(Err(_)) => return Err(unreadable()),
    };
    let mut total = first.len();
    if total > DRAIN_UP_TO {
        return Err(huge());
    }
    let Some(second) = stream.next().await else {
        return if total > MAX_BODY {
            Err(RequestError::too_large(MAX_BODY))
        } else {
            Ok(first)
        };
    };
    let mut kept = Vec::with_capacity(declared.map_or(0, |n| n.min(MAX_BODY as u64) as usize));
    if total <= MAX_BODY {
        kept.extend_from_slice(&first);
    }
    drop(first);
    let mut next = Some(second);
    while let Some(chunk) = next {
        let Ok(chunk) = chunk else {
            return Err(unreadable());
        };
        total += chunk.len();
        if total > DRAIN_UP_TO {
            return Err(huge());
        }
        if total <= MAX_BODY {
            kept.extend_from_slice(&chunk);
        }
        next = stream.next().await;
    }
    if total > MAX_BODY {
        return Err(RequestError::too_large(MAX_BODY));
    }
    Ok(kept.into())
}

/// Whether `t` is an RFC 6750 §2.1 `b64token`: `1*( ALPHA / DIGIT / "-" / "." / "_" / "~" /
/// "+" / "/" ) *"="`.
fn is_b64token(t: &str) -> bool {
    let body = t.trim_end_matches('=');
    !body.is_empty() && body.bytes().all(|b| B64TOKEN[usize::from(b)])
}

/// The bytes of a `b64token` before its `=` padding, as a table (checked on every request).
const B64TOKEN: [bool; 256] = {
    let mut table = [false; 256];
    let mut i = 0;
    while i < 256 {
        let b = i as u8;
        table[i] = b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'+' | b'/');
        i += 1;
    }
    table
};

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
        let caller = caller.map_err(|e| ApiError(e).into_response())?;
        if let (trestle_core::Caller::App { app, .. }, Some(slot)) =
            (&caller, parts.extensions.get::<crate::request_log::Slot>())
        {
            slot.set_app(*app);
        }
        Ok(RestCaller(caller))
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
    type Rejection = RequestError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let json = is_json(req.headers());
        let bytes = body_bytes(req, state).await?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(OptionalJson(None));
        }
        if !json {
            return Err(RequestError::not_json());
        }
        parse_json(&bytes).map(|v| OptionalJson(Some(v)))
    }
}
