//! Scripted faults on the request path: when a rule of this node (`trestle_core::faults`)
//! strikes a call to `/oauth/…` or `/rest/…`, the call waits the rule's latency, then gets the
//! rule's status (429 with Procore's message and `Retry-After`; 5xx in the surface's error
//! shape), a cut connection, or — latency only — its real answer. Every struck answer carries
//! `Trestle-Fault: <rule id>`, so a test can tell a scripted fault from a real one.

use crate::AppState;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use trestle_core::faults::{Strike, TokenClient};
use trestle_core::tokens::TokenKind;
use trestle_domain::credential::Environment;
use trestle_domain::fault::CallFacts;
use trestle_domain::{AppId, CompanyId};

/// The largest `/oauth/` form body read for its `client_id` (a token request is far smaller).
const FORM_LIMIT: usize = 64 * 1024;

/// The company a call names: `Procore-Company-Id`, `company_id=`, or `/companies/{id}/`.
fn company_of(req: &Request) -> Option<CompanyId> {
    let header = req
        .headers()
        .get(crate::paging::PROCORE_COMPANY_ID)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse().ok());
    let query = || {
        req.uri().query().and_then(|q| {
            form_urlencoded::parse(q.as_bytes())
                .find(|(k, _)| k == "company_id")
                .and_then(|(_, v)| v.trim().parse().ok())
        })
    };
    let path = || {
        let mut segments = req.uri().path().split('/');
        segments.find(|s| *s == "companies")?;
        segments.next()?.parse().ok()
    };
    header.or_else(query).or_else(path).map(CompanyId)
}

/// The client id of HTTP Basic client authentication.
fn basic_client_id(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let encoded = value.strip_prefix("Basic ").or_else(|| value.strip_prefix("basic "))?;
    let decoded = base64::engine::general_purpose::STANDARD.decode(encoded.trim()).ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (id, _) = text.split_once(':')?;
    Some(
        form_urlencoded::parse(format!("c={id}").as_bytes())
            .next()?
            .1
            .into_owned(),
    )
}

/// The app and client behind the call's access token, if it carries a valid one of an app.
fn token_client(state: &AppState, headers: &HeaderMap) -> TokenClient {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let token = value
        .strip_prefix("Bearer ")
        .or_else(|| value.strip_prefix("bearer "))?;
    let (kind, subject) = state.core.check_token(token.trim())?.subject();
    match kind {
        TokenKind::App => Some((AppId(subject), Environment::Production)),
        TokenKind::SandboxApp => Some((AppId(subject), Environment::Sandbox)),
        _ => None,
    }
}

/// The middleware.
pub async fn inject(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let faults = state.core.faults();
    let path = req.uri().path();
    if !faults.armed() || !(path.starts_with("/oauth/") || path.starts_with("/rest/")) {
        return next.run(req).await;
    }
    let mut client_id = basic_client_id(req.headers());
    let form = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    let req = if client_id.is_none() && form && path.starts_with("/oauth/") && faults.wants_client_id() {
        let (parts, body) = req.into_parts();
        let Ok(bytes) = axum::body::to_bytes(body, FORM_LIMIT).await else {
            return (StatusCode::PAYLOAD_TOO_LARGE, "request body too large").into_response();
        };
        client_id = form_urlencoded::parse(&bytes)
            .find(|(k, _)| k == "client_id")
            .map(|(_, v)| v.into_owned());
        Request::from_parts(parts, Body::from(bytes))
    } else {
        req
    };
    let call = CallFacts {
        method: req.method().as_str(),
        path: req.uri().path(),
        client_id: client_id.as_deref(),
        company: company_of(&req),
    };
    let Some(strike) = faults.strike(&call, || token_client(&state, req.headers())) else {
        return next.run(req).await;
    };
    if strike.latency_ms > 0 {
        tokio::time::sleep(std::time::Duration::from_millis(strike.latency_ms.into())).await;
    }
    let mut res = if strike.drop_connection {
        cut()
    } else if let Some(status) = strike.status {
        answer(&strike, status, req.uri().path())
    } else {
        next.run(req).await
    };
    res.headers_mut()
        .insert("trestle-fault", HeaderValue::from(strike.rule));
    res
}

/// An answer whose body fails at once: the server closes the connection without a complete
/// answer, as a dropped connection looks to the client.
fn cut() -> Response {
    let failing = futures::stream::once(async {
        Err::<Bytes, std::io::Error>(std::io::Error::new(
            std::io::ErrorKind::ConnectionAborted,
            "scripted fault",
        ))
    });
    let mut res = Response::new(Body::from_stream(failing));
    res.headers_mut()
        .insert(header::CONTENT_LENGTH, HeaderValue::from_static("1024"));
    res
}

/// A scripted status in the shape of the surface called.
fn answer(strike: &Strike, status: u16, path: &str) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
    if status == StatusCode::TOO_MANY_REQUESTS {
        const MESSAGE: &str =
            "You have surpassed the max number of requests for an hour. Please wait until your limit resets.";
        let mut r = (status, MESSAGE).into_response();
        r.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(strike.retry_after));
        return r;
    }
    let description = format!("scripted fault {} (Trestle-Fault)", strike.rule);
    if path.starts_with("/oauth/") {
        let error = if status == StatusCode::SERVICE_UNAVAILABLE {
            "temporarily_unavailable"
        } else {
            "server_error"
        };
        let body = serde_json::json!({"error": error, "error_description": description});
        let mut r = (status, axum::Json(body)).into_response();
        r.headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        r
    } else {
        (status, axum::Json(serde_json::json!({"errors": description}))).into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(uri: &str, headers: &[(&str, &str)]) -> Request {
        let mut b = axum::http::Request::builder().uri(uri);
        for (k, v) in headers {
            b = b.header(*k, *v);
        }
        b.body(Body::empty()).unwrap()
    }

    #[test]
    fn the_company_comes_from_the_header_the_query_or_the_path() {
        let table = [
            (req("/rest/v1.0/projects", &[("Procore-Company-Id", "7")]), Some(7)),
            (req("/rest/v1.0/projects?company_id=8", &[]), Some(8)),
            (req("/rest/v1.0/companies/9/users", &[]), Some(9)),
            (
                req(
                    "/rest/v1.0/companies/9/users?company_id=8",
                    &[("Procore-Company-Id", "7")],
                ),
                Some(7),
            ),
            (req("/rest/v1.0/companies", &[]), None),
            (req("/rest/v1.0/companies/x/users", &[]), None),
        ];
        for (r, want) in table {
            assert_eq!(company_of(&r), want.map(CompanyId), "{}", r.uri());
        }
    }

    #[test]
    fn basic_authentication_names_its_client() {
        let encoded = base64::engine::general_purpose::STANDARD.encode("my%20app:secret");
        let r = req("/oauth/token", &[("Authorization", &format!("Basic {encoded}"))]);
        assert_eq!(basic_client_id(r.headers()).as_deref(), Some("my app"));
        assert_eq!(basic_client_id(req("/oauth/token", &[]).headers()), None);
        let bad = req("/oauth/token", &[("Authorization", "Basic !!!")]);
        assert_eq!(basic_client_id(bad.headers()), None);
    }
}
