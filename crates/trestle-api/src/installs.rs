//! Installs of apps in companies, their permitted projects.

use crate::versions::UpdateOut;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InstallIn {
    /// Custom install: the 36-character App Version ID of a promoted version (or, in a
    /// development sandbox, a version's sandbox key).
    #[serde(default)]
    #[schema(max_length = 100)]
    pub app_version_id: String,
    /// Marketplace install: a published app's id (installs its newest promoted version).
    #[serde(default)]
    pub app_id: Option<i64>,
    #[serde(default)]
    pub permitted_project_ids: Vec<i64>,
    /// Add the app's bot to every project created later.
    #[serde(default)]
    pub add_to_new_projects: bool,
}

#[derive(Serialize, ToSchema)]
pub struct AppRef {
    pub id: i64,
    pub name: String,
}

#[derive(Serialize, ToSchema)]
pub struct BotOut {
    pub id: i64,
    pub name: String,
    pub email: String,
}

#[derive(Serialize, ToSchema)]
pub struct InstallOut {
    pub id: i64,
    pub company_id: i64,
    pub app: AppRef,
    pub version: String,
    pub app_version_id: Option<String>,
    /// `installed` or `uninstalled`.
    pub status: &'static str,
    pub installed_at: i64,
    pub uninstalled_at: Option<i64>,
    pub add_to_new_projects: bool,
    pub bot: BotOut,
    pub permitted_project_ids: Vec<i64>,
    #[schema(value_type = Object)]
    pub company_permissions: Value,
    #[schema(value_type = Object)]
    pub project_permissions: Value,
    pub post_installation_notes: Option<String>,
    pub instructions_url: Option<String>,
    pub instructions_page_name: Option<String>,
    /// A newer version that widens permissions, waiting for approval.
    pub pending_update: Option<UpdateOut>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProjectIds {
    pub project_ids: Vec<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct PermittedOut {
    pub permitted_project_ids: Vec<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct AddAllOut {
    /// How many projects were newly permitted.
    pub added: u64,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateInstall {
    /// Add the app's bot to every project created from now on.
    pub add_to_new_projects: bool,
}
