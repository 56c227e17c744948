//! Audit log entries.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
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
    /// The state before the change (`null` when there was none).
    #[schema(value_type = Option<Object>)]
    pub before: Value,
    /// The state after the change (`null` when there is none).
    #[schema(value_type = Option<Object>)]
    pub after: Value,
}
