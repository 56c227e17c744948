//! An app's lifecycle webhook endpoints, their deliveries and redelivery (also of a hook's
//! delivery, by the operator).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct EndpointIn {
    /// Where the app's lifecycle events are POSTed (http or https). Required on create.
    #[schema(max_length = 2000)]
    pub url: Option<String>,
    /// At most 500 characters on one line; empty clears it on update.
    #[schema(max_length = 500)]
    pub description: Option<String>,
    /// `false` pauses the endpoint: nothing is queued for it (update only).
    pub active: Option<bool>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct EndpointOut {
    pub id: i64,
    pub app_id: i64,
    pub url: String,
    pub description: Option<String>,
    pub active: bool,
    pub created_at: i64,
    pub updated_at: i64,
    /// Only in the create and rotate answers: the key of `Trestle-Signature`, shown once.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signing_secret: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct EndpointDeliveryOut {
    pub id: i64,
    pub endpoint_id: i64,
    pub event_id: i64,
    /// The lifecycle type, e.g. `install.created`.
    pub event_type: String,
    /// `queued`, `successful`, `failing` or `discarded`.
    pub status: String,
    pub attempts: i64,
    pub next_attempt_at: i64,
    pub response_status: Option<i64>,
    pub error: Option<String>,
    pub completed_at: Option<i64>,
    pub duration_ms: Option<i64>,
    pub created_at: i64,
    /// The JSON body sent (the same bytes on every attempt).
    pub payload: String,
}

/// A hook delivery queued again by the operator.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct HookDeliveryOut {
    pub id: i64,
    pub hook_id: i64,
    pub company_id: i64,
    pub event_id: i64,
    pub status: String,
    pub attempts: i64,
    pub next_attempt_at: i64,
}
