//! Versions of an app: manifests, promotion, update offers, permission diffs.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateVersion {
    /// SemVer 2.0.0 version (e.g. `1.0.0`, `1.1.0-rc.1`), at most 100 characters, ordering above
    /// every existing version by SemVer precedence: build metadata (`+…`) is ignored, so
    /// `1.0.0+b` already exists when `1.0.0+a` does.
    #[schema(max_length = 100, example = "1.0.0")]
    pub version: String,
    /// The app manifest (see the README for its shape).
    #[schema(value_type = Object)]
    pub manifest: Value,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateVersion {
    #[schema(value_type = Object)]
    pub manifest: Value,
}

#[derive(Serialize, ToSchema)]
pub struct VersionOut {
    pub id: i64,
    pub app_id: i64,
    pub version: String,
    /// `ready_for_testing` or `promoted`.
    pub status: &'static str,
    /// The App Version ID admins use for a custom install; set on promotion.
    pub app_version_id: Option<String>,
    #[schema(value_type = Object)]
    pub manifest: Value,
    pub created_at: i64,
    pub updated_at: i64,
    pub promoted_at: Option<i64>,
    /// Installs this version in the app's development sandbox (renewed on every save).
    pub sandbox_key: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct CredentialsOut {
    pub client_id: String,
    /// Shown exactly once. Trestle keeps only a keyed hash and cannot show it again.
    pub client_secret: String,
    pub warning: &'static str,
}

#[derive(Serialize, ToSchema)]
pub struct PromotionOut {
    pub version: VersionOut,
    /// Present only on the first promotion, which creates the production credentials.
    pub credentials: Option<CredentialsOut>,
    /// What each installed company was offered.
    pub updates: Vec<UpdateOut>,
}

#[derive(Serialize, ToSchema)]
pub struct UpdateOut {
    pub id: i64,
    pub install_id: i64,
    pub company_id: i64,
    pub app_id: i64,
    pub from_version_id: i64,
    pub to_version_id: i64,
    /// `pending` (waits for the company admin), `applied` (did not widen permissions),
    /// `approved` or `superseded`.
    pub status: String,
    /// The tools the new version raises: `[{scope, tool, from, to}]`.
    #[schema(value_type = Vec<Object>)]
    pub widened: Value,
    pub created_at: i64,
    pub decided_at: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct ToolChangeOut {
    pub tool: String,
    pub from: String,
    pub to: String,
}

#[derive(Serialize, ToSchema)]
pub struct DiffOut {
    pub from_version_id: i64,
    pub to_version_id: i64,
    pub company: Vec<ToolChangeOut>,
    pub project: Vec<ToolChangeOut>,
    /// Whether `to` grants anything `from` does not.
    pub widens: bool,
}
