//! HTTP ceiling for the Trestle benchmarks.
//!
//! Serves a fixed ~200-byte JSON body with 200 on `POST /oauth/token` and
//! `GET /rest/v1.0/projects`, on the same stack as Trestle (axum on a
//! multi-thread tokio runtime). Whatever Trestle does beyond this costs
//! throughput; the ratio Trestle / ceiling says how much.
//!
//! With `CEILING_RFIS_LIST` and `CEILING_RFIS_CREATE` (paths of files: a response body Trestle
//! gave, captured by bench/run.sh), it also answers `GET /rest/v1.0/projects/{id}/rfis` with
//! the first file's bytes (200) and `POST` there, after reading the body, with the second's
//! (201): the same bytes as Trestle's list and create, served from memory. `<file>.headers`
//! beside each (curl's `-D` output), when present, gives the answer's headers too (all but
//! `date`, `content-length`, `transfer-encoding` and `connection`, which hyper writes itself).
//!
//! With `CEILING_TOKEN` and `CEILING_API_GET` (the same kind of captured files), `POST
//! /oauth/token` (after reading the body) and `GET /rest/v1.0/projects` answer with Trestle's
//! own token and project-list bytes and headers instead of the fixed body: the same-bytes
//! ceiling of bench/run.sh's `ceiling_post_same` and `ceiling_get_same`.
//!
//! Listens on `127.0.0.1:$PORT` (default 8090).

use axum::body::Bytes;
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::Router;

/// The same allocator as Trestle, so the ceiling stays the same stack.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// A fixed JSON body of about 200 bytes, shaped like a token response.
const BODY: &str = concat!(
    r#"{"access_token":"ceiling0123456789abcdef0123456789abcdef0123456789abcdef","#,
    r#""token_type":"Bearer","expires_in":5400,"scope":"read write","#,
    r#""created_at":1700000000,"note":"fixed body served by the HTTP ceiling"}"#
);

async fn fixed() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], BODY)
}

/// The same answer after reading the request body to its end, as Trestle's token endpoint
/// does: a server that answers before reading the body makes hyper close the connection, so
/// a client would pay a reconnect per POST that Trestle does not.
async fn fixed_after_body(_body: axum::body::Bytes) -> impl IntoResponse {
    fixed().await
}

/// A file's bytes, read once at start (`None` when the variable is unset).
fn body_from(var: &str) -> std::io::Result<Option<Bytes>> {
    match std::env::var_os(var) {
        None => Ok(None),
        Some(path) => std::fs::read(&path)
            .map(|b| Some(Bytes::from(b)))
            .map_err(|e| std::io::Error::new(e.kind(), format!("{var}={}: {e}", path.to_string_lossy()))),
    }
}

/// The headers of a captured answer (`<path>.headers`, curl `-D` output); `content-type:
/// application/json` alone when there is no such file.
fn headers_from(var: &str) -> std::io::Result<HeaderMap> {
    let mut map = HeaderMap::new();
    let captured = std::env::var_os(var).map(|p| {
        let mut p = std::path::PathBuf::from(p).into_os_string();
        p.push(".headers");
        p
    });
    let text = match captured.map(std::fs::read_to_string) {
        Some(Ok(text)) => text,
        Some(Err(e)) if e.kind() != std::io::ErrorKind::NotFound => return Err(e),
        _ => String::new(),
    };
    for line in text.lines().skip(1) {
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        let name = name.trim().to_ascii_lowercase();
        if matches!(
            name.as_str(),
            "date" | "content-length" | "transfer-encoding" | "connection" | "keep-alive"
        ) {
            continue;
        }
        let bad = |e: String| std::io::Error::new(std::io::ErrorKind::InvalidData, format!("{var} headers: {e}"));
        let name = HeaderName::from_bytes(name.as_bytes()).map_err(|e| bad(e.to_string()))?;
        let value = HeaderValue::from_str(value.trim()).map_err(|e| bad(e.to_string()))?;
        map.append(name, value);
    }
    if !map.contains_key(header::CONTENT_TYPE) {
        map.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    }
    Ok(map)
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let port: u16 = match std::env::var("PORT") {
        Ok(p) => p
            .parse()
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?,
        Err(_) => 8090,
    };
    let mut app = Router::new();
    app = match body_from("CEILING_TOKEN")? {
        None => app.route("/oauth/token", post(fixed_after_body)),
        Some(token) => {
            let headers = headers_from("CEILING_TOKEN")?;
            app.route(
                "/oauth/token",
                post(move |_body: Bytes| {
                    let (headers, token) = (headers.clone(), token.clone());
                    async move { (headers, token) }
                }),
            )
        }
    };
    app = match body_from("CEILING_API_GET")? {
        None => app.route("/rest/v1.0/projects", get(fixed)),
        Some(list) => {
            let headers = headers_from("CEILING_API_GET")?;
            app.route(
                "/rest/v1.0/projects",
                get(move || {
                    let (headers, list) = (headers.clone(), list.clone());
                    async move { (headers, list) }
                }),
            )
        }
    };
    let list = body_from("CEILING_RFIS_LIST")?.unwrap_or_else(|| Bytes::from_static(BODY.as_bytes()));
    let created = body_from("CEILING_RFIS_CREATE")?.unwrap_or_else(|| Bytes::from_static(BODY.as_bytes()));
    let (list_headers, created_headers) = (headers_from("CEILING_RFIS_LIST")?, headers_from("CEILING_RFIS_CREATE")?);
    app = app.route(
        "/rest/v1.0/projects/{project_id}/rfis",
        get(move || {
            let (headers, list) = (list_headers.clone(), list.clone());
            async move { (headers, list) }
        })
        .post(move |_body: Bytes| {
            let (headers, created) = (created_headers.clone(), created.clone());
            async move { (StatusCode::CREATED, headers, created) }
        }),
    );
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    println!("trestle-bench-ceiling listening on http://127.0.0.1:{port}");
    axum::serve(listener, app).await
}
