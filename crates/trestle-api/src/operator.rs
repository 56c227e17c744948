//! The operator's kill switch: app suspension.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Why the operator suspends an app.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SuspendIn {
    /// Shown to the app's developer and recorded in the audit log.
    #[schema(max_length = 500)]
    pub reason: String,
}

/// An app's suspension state.
#[derive(Serialize, ToSchema)]
pub struct SuspensionOut {
    pub app_id: i64,
    pub suspended_at: Option<i64>,
    pub suspended_reason: Option<String>,
}
