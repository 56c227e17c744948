//! Trestle's HTTP layer: the route table of the APIs is in [`router`] (the management API's
//! part, and its OpenAPI document, is the one table in `api/mod.rs`); it also mounts a page
//! surface (the web UI, crate `trestle-web`) handed to it as [`Pages`] under the same global
//! layers. Handlers parse the request, call one `trestle_core::Trestle` method and shape the
//! answer; errors become responses only in `error.rs`.

mod api;
mod catalog;
mod error;
mod extract;
mod faults;
#[doc(hidden)]
pub mod fuzzing;
mod json_errors;
pub mod metrics;
mod oauth;
pub mod openapi;
mod paging;
pub mod ratelimit;
mod request_log;
mod rest;
mod tools;
mod webhooks;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use std::future::Future;
use tokio::net::TcpListener;
use trestle_core::Trestle;

pub use api::ApiDoc;
pub use error::PageRefusals;

/// What every handler can reach. Cloned for every request, so it is one shared pointer.
#[derive(Clone)]
pub struct AppState(std::sync::Arc<Shared>);

pub struct Shared {
    pub core: Trestle,
    /// Absolute base URL used in `Link` headers (e.g. behind a proxy); else `http://<Host>`.
    pub public_url: Option<String>,
    pub rate_limiter: ratelimit::RateLimiter,
    pub http_counters: std::sync::Arc<metrics::HttpCounters>,
    /// Failed client authentications; shared with the sign-in pages, which count e-mail
    /// addresses in it.
    pub failed_auth: std::sync::Arc<ratelimit::FailedAuth>,
}

impl std::ops::Deref for AppState {
    type Target = Shared;
    fn deref(&self) -> &Shared {
        &self.0
    }
}

impl AppState {
    pub fn new(core: Trestle, public_url: Option<String>, rate_limit: ratelimit::RateLimitConfig) -> Self {
        AppState(std::sync::Arc::new(Shared {
            core,
            public_url,
            rate_limiter: ratelimit::RateLimiter::new(rate_limit),
            http_counters: Default::default(),
            failed_auth: Default::default(),
        }))
    }
}

/// Server-rendered pages mounted beside the APIs (the web UI): their routes, with their own
/// state and error pages (they answer their unknown paths and wrong methods themselves), and
/// how they answer the refusals the global layers make on their paths.
pub struct Pages {
    pub routes: Router,
    pub refusals: PageRefusals,
}

/// The complete route table: the APIs' routes and `pages`, with the fallbacks for unknown paths
/// and wrong methods. [`serve`] puts it under the global layers ([`app`]).
pub fn router(state: AppState, pages: Pages) -> Router {
    // The management API's routes and its OpenAPI document come from one table; the document
    // adds the OAuth and Procore REST operations from the catalog.
    let (management, doc) = api::routes().split_for_parts();
    let doc = axum::body::Bytes::from(openapi::document(&doc));
    Router::new()
        .merge(oauth::routes())
        .merge(rest::routes())
        .merge(tools::routes())
        .merge(webhooks::routes())
        .merge(management)
        .route("/openapi.json", get(move || openapi(doc.clone())))
        .route("/health/live", get(live))
        .route("/metrics", get(metrics::metrics))
        .route("/health/ready", get(ready))
        .with_state(state.clone())
        .merge(pages.routes)
        // Routes whose wrong methods their surface does not answer get the APIs' 405.
        // Catalog operations answer what no hand-written route takes (catalog.rs).
        .method_not_allowed_fallback({
            let state = state.clone();
            move |req: axum::extract::Request| catalog::wrong_method(state.clone(), req)
        })
        .fallback({
            let state = state.clone();
            move |req: axum::extract::Request| catalog::fallback(state.clone(), req)
        })
}

/// The whole service: [`router`] under the global layers — from the outside in: trace (at
/// debug level), response counts, service-account warnings, rate limit, body limit.
///
/// The layers wrap the router once, as one tower stack, rather than each route
/// (`Router::layer` boxes every layer around every route, on every request). Layers cost on
/// every request, so only what is switched on is added.
pub fn app(
    state: AppState,
    pages: Pages,
) -> impl tower::Service<
    axum::extract::Request,
    Response = Response,
    Error = std::convert::Infallible,
    Future = impl Send + 'static,
> + Clone
       + Send
       + 'static {
    use tower::ServiceBuilder;
    let refusals = pages.refusals;
    let routes = router(state.clone(), pages);
    let rate = state
        .rate_limiter
        .enabled()
        .then(|| axum::middleware::from_fn_with_state((state.clone(), refusals), ratelimit::limit));
    let t = state.core.timeline();
    let warn = (t.deprecated_on.is_some() || t.sunset.is_some())
        .then(|| axum::middleware::from_fn_with_state(state.clone(), api::service_accounts::warn_service_accounts));
    let trace = tracing::level_enabled!(tracing::Level::DEBUG).then(|| {
        ServiceBuilder::new()
            .map_response(IntoResponse::into_response)
            // Spans record the path only: a query string may carry a token some client put there.
            .layer(tower_http::trace::TraceLayer::new_for_http().make_span_with(
                |req: &axum::http::Request<axum::body::Body>| {
                    tracing::debug_span!("request", method = %req.method(), path = %req.uri().path())
                },
            ))
            .into_inner()
    });
    let faults = state
        .core
        .config()
        .faults
        .then(|| axum::middleware::from_fn_with_state(state.clone(), faults::inject));
    let requests = state
        .core
        .request_log_enabled()
        .then(|| axum::middleware::from_fn_with_state(state.clone(), request_log::record));
    ServiceBuilder::new()
        .option_layer(trace)
        .layer(metrics::CountLayer(state.http_counters.clone()))
        .option_layer(warn)
        .option_layer(rate)
        .layer(extract::LimitBodyLayer(refusals))
        .option_layer(faults)
        .option_layer(requests)
        .service(routes)
}

/// The OpenAPI document of the management API alone (the served one adds the catalog).
pub fn openapi_document() -> utoipa::openapi::OpenApi {
    api::openapi()
}

async fn openapi(doc: axum::body::Bytes) -> Response {
    ([(axum::http::header::CONTENT_TYPE, "application/json")], doc).into_response()
}

async fn live() -> Json<serde_json::Value> {
    Json(serde_json::json!({"status": "ok"}))
}

async fn ready(State(state): State<AppState>) -> Response {
    match state.core.store().ping().await {
        Ok(()) => Json(serde_json::json!({"status": "ok"})).into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "readiness check failed");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(serde_json::json!({"status": "unavailable", "reason": "the database does not answer"})),
            )
                .into_response()
        }
    }
}

/// Serves on an already-bound listener until `shutdown` completes.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    pages: Pages,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    // The peer address reaches handlers (rate limits and lockouts are per address).
    use axum::ServiceExt;
    axum::serve(
        listener,
        app(state, pages).into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}
