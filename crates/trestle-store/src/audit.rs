//! The audit log.

use crate::entities::*;
use crate::error::Result;
use crate::model::*;
use async_trait::async_trait;
use trestle_domain::page::{Page, PageRequest};

/// The audit log.
#[async_trait]
pub trait AuditStore: Send + Sync {
    async fn list_audit(&self, filter: AuditFilter, page: PageRequest) -> Result<Page<AuditEvent>>;
    /// Records a password sign-in attempt (successful or not): an event of its own, in the
    /// platform's audit log (no company) and the outbox.
    async fn record_sign_in(&self, attempt: &SignInAttempt) -> Result<()>;
    /// Records that the operator moved a sandbox clock from `from` to `to` (Unix seconds): the
    /// change lives in the server's memory, so its event is all the store keeps of it.
    async fn record_clock_move(&self, audit: &EventContext, from: i64, to: i64) -> Result<()>;
    /// Records that the operator added (`added`) or removed a node's scripted fault rule `id`
    /// (`rule`: the rule as the API shows it): like the clock, the rules live in the node's
    /// memory, so their events are all the store keeps of them.
    async fn record_fault_rule(
        &self,
        audit: &EventContext,
        added: bool,
        id: i64,
        rule: serde_json::Value,
    ) -> Result<()>;
}
