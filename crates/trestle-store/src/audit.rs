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
}
