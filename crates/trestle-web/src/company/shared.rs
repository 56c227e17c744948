//! What several company pages use: their paths, the listing query, the redirect notices and
//! the tabs of a company.

use crate::error::WebError;
use axum::response::Response;
use maud::{html, Markup};
use trestle_domain::{CompanyId, InstallId};

pub(super) type Page = Result<Response, WebError>;

pub(super) fn company_path(c: CompanyId) -> String {
    format!("/ui/companies/{c}")
}

pub(super) fn install_path(c: CompanyId, i: InstallId) -> String {
    format!("/ui/companies/{c}/installs/{i}")
}

#[derive(serde::Deserialize, Default)]
pub(super) struct Listing {
    pub(super) done: Option<String>,
    pub(super) q: Option<String>,
    pub(super) page: Option<u32>,
}

pub(super) fn done_message(code: Option<&str>) -> Option<&'static str> {
    Some(match code? {
        "installed" => "The app is installed. Choose the projects it may work in.",
        "added" => "The projects were permitted.",
        "removed" => "The project was removed: the app lost access to it now.",
        "all" => "Every project is permitted.",
        "new-on" => "New projects will include this app.",
        "new-off" => "New projects will not include this app.",
        "approved" => "The upgrade was approved: the app has the new version's permissions now.",
        "uninstalled" => "The app was uninstalled: it lost access to this company now.",
        _ => return None,
    })
}

/// Company tabs shown on every company page.
pub(super) fn tabs(c: CompanyId, current: &str) -> Markup {
    let cur = |t: &str| if t == current { Some("page") } else { None };
    html! {
        nav.row.tabs aria-label="Company" {
            a.button.small.secondary href=(company_path(c)) aria-current=[cur("apps")] { "Installed apps" }
            a.button.small.secondary href={ (company_path(c)) "/install" } aria-current=[cur("install")] { "Install an app" }
            a.button.small.secondary href={ (company_path(c)) "/projects" } aria-current=[cur("projects")] { "Projects" }
            a.button.small.secondary href={ (company_path(c)) "/directory" } aria-current=[cur("directory")] { "Directory" }
            a.button.small.secondary href={ (company_path(c)) "/audit" } aria-current=[cur("audit")] { "Audit log" }
        }
    }
}
