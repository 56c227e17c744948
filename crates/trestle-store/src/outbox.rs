//! The outbox: every committed event, written in the transaction of its change (see the
//! store's `Tx`), in id order.

use crate::error::Result;
use async_trait::async_trait;
use trestle_domain::event::RecordedEvent;
use trestle_domain::EventId;

/// Reading the outbox in order. No production code reads it yet: it is the seam for webhook
/// delivery (the next issue), which keeps its own cursor (the last id it handled).
#[async_trait]
pub trait OutboxStore: Send + Sync {
    /// Up to `limit` events (at most 1,000) with an id above `after`, oldest first. The ids
    /// are the events' audit log ids.
    async fn list_outbox(&self, after: EventId, limit: i64) -> Result<Vec<RecordedEvent>>;
}
