//! Installs of apps in companies and the update offers promotion makes them.

use crate::ids::{AppId, CompanyId, InstallId, InstallUpdateId, UserId, VersionId};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InstallStatus {
    Installed,
    Uninstalled,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Install {
    pub id: InstallId,
    pub company_id: CompanyId,
    pub app_id: AppId,
    pub version_id: VersionId,
    pub bot_user_id: UserId,
    pub status: InstallStatus,
    pub add_to_new_projects: bool,
    pub installed_at: i64,
    pub uninstalled_at: Option<i64>,
}

/// A newer promoted version offered to one installed company.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InstallUpdate {
    pub id: InstallUpdateId,
    pub install_id: InstallId,
    pub company_id: CompanyId,
    pub app_id: AppId,
    pub from_version_id: VersionId,
    pub to_version_id: VersionId,
    /// `pending`, `applied`, `approved` or `superseded`.
    pub status: String,
    /// JSON list of widened tools.
    pub widened_json: String,
    pub created_at: i64,
    pub decided_at: Option<i64>,
}
