//! Companies and their directories.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateCompany {
    #[schema(max_length = 200)]
    pub name: String,
    /// An existing person who becomes the company's first admin.
    pub admin_user_id: i64,
}

#[derive(Serialize, ToSchema)]
pub struct CompanyOut {
    pub id: i64,
    pub name: String,
    pub is_active: bool,
    pub created_at: i64,
}

#[derive(Serialize, ToSchema)]
pub struct DirectoryUserOut {
    pub id: i64,
    pub name: String,
    pub email_address: String,
    /// `person`, `bot` for an app's DMSA user, or `service_account` for a traditional service
    /// account's directory contact.
    pub kind: &'static str,
    pub is_active: bool,
    pub is_admin: bool,
    #[schema(value_type = Object)]
    pub permissions: Value,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateMember {
    pub is_admin: bool,
    /// The company permission template, `{tool: level}`.
    #[schema(value_type = Object)]
    pub permissions: Option<Value>,
}
