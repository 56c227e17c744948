//! Invitations into a company's directory by e-mail address.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InviteIn {
    /// The person's e-mail address (at most 254 characters).
    #[schema(max_length = 254)]
    pub email: String,
    /// The name given to a person created by this invitation (when no one has the address
    /// yet); at most 200 characters, defaults to the address's local part.
    #[serde(default)]
    #[schema(max_length = 200)]
    pub name: Option<String>,
    #[serde(default)]
    pub is_admin: bool,
    /// Company tool permissions, `{tool: level}`.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub permissions: Option<Value>,
}

#[derive(Serialize, ToSchema)]
pub struct InvitationOut {
    pub id: i64,
    pub company_id: i64,
    pub company_name: String,
    pub email: String,
    pub is_admin: bool,
    #[schema(value_type = Object)]
    pub permissions: Value,
    /// `pending` or `accepted` (cancelled ones are not listed).
    pub status: String,
    pub created_at: i64,
    pub decided_at: Option<i64>,
}
