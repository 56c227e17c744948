//! The audit log as it is read.

use crate::ids::{AppId, CompanyId, EventId, UserId};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditEvent {
    pub id: EventId,
    pub at: i64,
    pub actor_kind: String,
    pub actor_user_id: Option<UserId>,
    pub company_id: Option<CompanyId>,
    pub app_id: Option<AppId>,
    pub action: String,
    pub target_type: String,
    pub target_id: String,
    pub before_json: Option<String>,
    pub after_json: Option<String>,
    /// The collection of a tool record's event (see `Event::resource`).
    pub resource: Option<String>,
}
