//! Developer pages: apps and their credentials (`apps.rs`), the manifest editor with its
//! permission builder (`editor.rs`), a version, its differences and promotion
//! (`versions.rs`), metrics (`metrics.rs`) and lifecycle webhook endpoints (`endpoints.rs`); `shared.rs` holds what several of them use.

mod apps;
mod editor;
mod endpoints;
mod metrics;
mod shared;
mod versions;

use crate::state::WebState;
use axum::Router;

pub fn routes() -> Router<WebState> {
    Router::new()
        .merge(apps::routes())
        .merge(editor::routes())
        .merge(versions::routes())
        .merge(metrics::routes())
        .merge(endpoints::routes())
}
