//! What several developer pages use: the redirect notices, app paths, the result type.

use crate::error::WebError;
use axum::response::Response;
use maud::{html, Markup};
use trestle_domain::entities::{AppVersion, VersionStatus};
use trestle_domain::AppId;

pub(super) type Page = Result<Response, WebError>;

#[derive(serde::Deserialize, Default)]
pub(super) struct Done {
    pub(super) done: Option<String>,
}

/// The fixed messages a redirect may ask for.
pub(super) fn done_message(code: Option<&str>) -> Option<&'static str> {
    Some(match code? {
        "renamed" => "The app was renamed.",
        "published" => "The app is listed in the marketplace.",
        "redirect" => "The redirect URI was added.",
        "retired" => "The secret was retired; tokens issued with it stop working now.",
        "saved" => "The version was saved. Sandbox installs use it at once.",
        "created" => "The version was created. Try it in your sandbox, then promote it.",
        "deleted" => "The app was deleted.",
        _ => return None,
    })
}

pub(super) fn app_path(app: AppId) -> String {
    format!("/ui/apps/{app}")
}

pub(super) fn status_badge(v: &AppVersion) -> Markup {
    html! {
        @match v.status {
            VersionStatus::Promoted => span.badge.ok { "Promoted" },
            VersionStatus::ReadyForTesting => span.badge.warn { "Ready for testing" },
        }
    }
}
