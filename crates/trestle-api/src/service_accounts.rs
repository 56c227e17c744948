//! Traditional service accounts and the migration report.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct ServiceAccountOut {
    pub id: i64,
    pub company_id: i64,
    pub name: String,
    /// `custom` or `marketplace`.
    pub app_type: String,
    pub app_id: Option<i64>,
    pub client_id: String,
    /// The directory contact (follows the bot rules).
    pub user_id: i64,
    pub created_at: i64,
    pub retired_at: Option<i64>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateServiceAccount {
    #[schema(max_length = 200)]
    pub name: String,
    /// `custom` or `marketplace`.
    pub app_type: String,
    /// The app of a Marketplace account.
    pub app_id: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct ServiceAccountCreated {
    pub account: ServiceAccountOut,
    /// Shown exactly once.
    pub client_secret: String,
    pub warning: &'static str,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PermissionsIn {
    #[schema(value_type = Object)]
    pub permissions: Option<Value>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProjectIn {
    pub project_id: i64,
    #[schema(value_type = Object)]
    pub permissions: Option<Value>,
}

#[derive(Serialize, ToSchema)]
pub struct SecretOut {
    /// Shown exactly once.
    pub client_secret: String,
    pub warning: &'static str,
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct RetireIn {
    /// Retire even if the migration report does not show the account covered by a DMSA install.
    #[serde(default)]
    pub force: bool,
}

#[derive(Serialize, ToSchema)]
pub struct MigrationRowOut {
    pub service_account_id: i64,
    pub name: String,
    pub company_id: i64,
    pub company_name: String,
    pub app_type: String,
    pub app_id: Option<i64>,
    pub app_name: Option<String>,
    pub dmsa_installed: bool,
    pub covers_projects: bool,
    pub covers_permissions: bool,
    pub ready_to_retire: bool,
    pub retired: bool,
}
