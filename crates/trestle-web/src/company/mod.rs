//! Company App Management: installed apps, installing (marketplace or custom by App Version
//! ID), permitted projects and permission upgrades (`installs.rs`), the directory
//! (`directory.rs`), the audit log (`audit.rs`), projects and invitations (`projects.rs`);
//! `shared.rs` holds the tabs and paths they all use.

mod audit;
mod directory;
mod installs;
mod projects;
mod shared;

use crate::state::WebState;
use axum::Router;

pub fn routes() -> Router<WebState> {
    Router::new()
        .merge(installs::routes())
        .merge(directory::routes())
        .merge(audit::routes())
        .merge(projects::routes())
}
