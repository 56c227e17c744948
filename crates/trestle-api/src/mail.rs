//! The mail outbox: every e-mail message the platform composed, with its sending state.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct MailOut {
    pub id: i64,
    /// The person the message is for.
    pub recipient_user_id: i64,
    pub recipient_address: String,
    pub subject: String,
    /// The plain-text body.
    pub body: String,
    /// The event the message was composed from (an id of the audit log).
    pub event_id: i64,
    /// That event's action, e.g. `company_invitation.create`.
    pub action: String,
    pub company_id: Option<i64>,
    /// `kept` (no SMTP server configured), `queued`, `sent` or `failed` (given up).
    pub status: String,
    /// Attempts at sending so far.
    pub attempts: i64,
    /// Unix seconds of the next attempt (while `queued`).
    pub next_attempt_at: i64,
    /// Why the last attempt failed.
    pub last_error: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    pub sent_at: Option<i64>,
}

/// An invitation accepted with the token its message carries.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AcceptTokenIn {
    /// The `token` of the accept link (`inv_…`).
    #[schema(max_length = 200)]
    pub token: String,
}
