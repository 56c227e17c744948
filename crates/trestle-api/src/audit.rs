//! Audit log entries.

use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct AuditOut {
    pub id: i64,
    /// Unix seconds.
    pub at: i64,
    /// `operator`, `person`, `bot`, `system`, `client` or `anonymous` (a sign-in with an
    /// unknown e-mail address).
    pub actor_kind: String,
    pub actor_user_id: Option<i64>,
    pub company_id: Option<i64>,
    pub app_id: Option<i64>,
    pub action: String,
    pub target_type: String,
    pub target_id: String,
    #[schema(value_type = Object)]
    pub before: Value,
    #[schema(value_type = Object)]
    pub after: Value,
}
