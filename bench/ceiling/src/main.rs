//! HTTP ceiling for the Trestle benchmarks.
//!
//! Serves a fixed ~200-byte JSON body with 200 on `POST /oauth/token` and
//! `GET /rest/v1.0/projects`, on the same stack as Trestle (axum on a
//! multi-thread tokio runtime). Whatever Trestle does beyond this costs
//! throughput; the ratio Trestle / ceiling says how much.
//!
//! Listens on `127.0.0.1:$PORT` (default 8090).

use axum::http::header;
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

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let port: u16 = match std::env::var("PORT") {
        Ok(p) => p
            .parse()
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?,
        Err(_) => 8090,
    };
    let app = Router::new()
        .route("/oauth/token", post(fixed_after_body))
        .route("/rest/v1.0/projects", get(fixed));
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    println!("trestle-bench-ceiling listening on http://127.0.0.1:{port}");
    axum::serve(listener, app).await
}
