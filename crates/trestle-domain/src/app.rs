//! Developer apps, their manifest versions and promotion.

use crate::credential::OAuthClient;
use crate::ids::{AppId, CompanyId, UserId, VersionId};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct App {
    pub id: AppId,
    pub owner_id: UserId,
    pub name: String,
    pub created_at: i64,
    /// The app's development sandbox company.
    pub sandbox_company_id: Option<CompanyId>,
    /// When the developer listed the app in the marketplace.
    pub published_at: Option<i64>,
    /// When the operator suspended the app (no tokens, its tokens refused), and why.
    pub suspended_at: Option<i64>,
    pub suspended_reason: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VersionStatus {
    ReadyForTesting,
    Promoted,
}

impl VersionStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            VersionStatus::ReadyForTesting => "ready_for_testing",
            VersionStatus::Promoted => "promoted",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AppVersion {
    pub id: VersionId,
    pub app_id: AppId,
    pub version: String,
    pub manifest_json: String,
    pub status: VersionStatus,
    pub app_version_uuid: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    pub promoted_at: Option<i64>,
    /// Installs this version in the app's development sandbox; renewed on every save.
    pub sandbox_key: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Promotion {
    pub version: AppVersion,
    /// Set when this promotion created the production client.
    pub created_client: Option<OAuthClient>,
}
