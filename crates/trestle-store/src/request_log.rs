//! The request log: the REST calls apps made (bookkeeping, no domain events: a call is not a
//! change of anyone's data). Appended in batches by each node's writer, listed per app newest
//! first, pruned by age and per-app count by the janitor. Not part of the sandbox snapshot.

use crate::error::Result;
use async_trait::async_trait;
use trestle_domain::page::{Page, PageRequest};
use trestle_domain::request_log::*;
use trestle_domain::AppId;

/// The most entries one insert statement carries.
pub const APPEND_BATCH: usize = 512;

/// How many entries a prune removed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PrunedRequests {
    /// Older than the retention.
    pub expired: u64,
    /// Beyond an app's cap (its oldest).
    pub over_cap: u64,
}

#[async_trait]
pub trait RequestLogStore: Send + Sync {
    /// Appends `entries` (multi-row inserts of at most [`APPEND_BATCH`] rows).
    async fn append_requests(&self, entries: &[NewRequestEntry]) -> Result<()>;
    /// An app's entries matching `filter`, newest first, with their total.
    async fn list_requests(&self, app: AppId, filter: &RequestFilter, page: PageRequest) -> Result<Page<RequestEntry>>;
    /// Removes entries at or before `older_than` and, of each app, all but its newest
    /// `per_app_cap`; at most `batch` rows per statement, until none is left.
    async fn prune_requests(&self, older_than: i64, per_app_cap: i64, batch: i64) -> Result<PrunedRequests>;
}
