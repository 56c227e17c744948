//! Trestle's web UI: server-rendered pages (maud) for developers (apps, manifests, versions,
//! promotion, secrets, metrics — `developer/`) and company admins (installs, permitted
//! projects, upgrades, projects, directory, audit — `company/`) under `/ui`, and the sign-in
//! pages: the UI's login and the OAuth flow's login and consent pages (`signin/`). Plain HTML
//! forms; `assets/app.js` only adds copy buttons and confirmations. Pages call the same
//! `Trestle` use cases as the management API, as the signed-in person, so every decision still
//! goes through `policy::decide`.
//!
//! Sessions are the `__Host-` cookie of the sign-in pages; every POST carries the session's
//! CSRF token (checked by `session::Posted` before a handler runs). Pages are never cached or
//! framed. [`routes`] is the whole surface; the binary mounts it beside the APIs under the HTTP
//! layer's global layers, and hands that layer [`refusal_page`] for the refusals it makes on
//! `/ui` paths (a body too large, too many requests).

mod company;
mod developer;
mod error;
mod forms;
mod layout;
mod mail;
mod session;
mod signin;
mod state;

use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use axum::Router;
use trestle_domain::manifest::Problem;

pub use error::WebError;
pub use state::{Shared, WebState};

/// The path prefix of the web UI's pages (the sign-in pages of the OAuth flow are under
/// `/oauth/authorize` and answer in the OAuth shapes there).
pub const PREFIX: &str = "/ui";

/// The web UI's routes, with their state: the pages under `/ui` (their unknown paths and wrong
/// methods answered with pages, error pages inside the signed-in person's navigation) and the
/// sign-in pages of the OAuth flow.
pub fn routes(state: WebState) -> Router {
    let ui = Router::new()
        .route("/ui/assets/app.css", get(css))
        .route("/ui/assets/app.js", get(js))
        .merge(signin::ui::routes())
        .merge(developer::routes())
        .merge(company::routes())
        .merge(mail::routes())
        .route("/ui/{*rest}", any(no_page))
        .method_not_allowed_fallback(wrong_method)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            session::with_navigation,
        ));
    ui.merge(signin::authorize::routes()).with_state(state)
}

/// The page for a refusal the HTTP layer makes on a `/ui` path before any page runs (a body
/// too large, too many requests); message and problems are already cut short.
pub fn refusal_page(status: StatusCode, message: &str, problems: &[Problem]) -> Response {
    layout::error_page(status, message, problems, PREFIX)
}

/// 404 for an address under `/ui` that no page has.
async fn no_page() -> Response {
    layout::error_page(StatusCode::NOT_FOUND, "There is no such page.", &[], PREFIX)
}

/// 405 for a page's address with a method it does not answer (axum adds the `Allow` header).
async fn wrong_method(method: Method) -> Response {
    let message = format!("{method} is not allowed here; the Allow header lists the methods that are");
    let message = trestle_core::answer::shorten(&message, trestle_core::answer::MAX_ECHO);
    layout::error_page(StatusCode::METHOD_NOT_ALLOWED, &message, &[], PREFIX)
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
