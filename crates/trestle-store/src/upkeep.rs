//! Housekeeping: the janitor's purge of expired rows, and the database's liveness.

use crate::error::Result;
use async_trait::async_trait;

/// Where the janitor's purge stops. Each kind of row goes once nothing can use it any more:
/// everything dated at or before its cutoff.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PurgeCutoffs {
    /// Browser sessions and authorization codes that expired then; access-token revocations
    /// that expired [`REVOCATION_GRACE`](crate::REVOCATION_GRACE) before it.
    pub expired: i64,
    /// Refresh tokens of grants approved then (too old to refresh: the person signs in again).
    pub refresh_granted: i64,
    /// Grants approved then, once no refresh token or code refers to them (their last access
    /// token has expired too).
    pub granted: i64,
    /// Remembered idempotent answers first given then (kept [`IDEMPOTENCY_TTL`]).
    pub remembered: i64,
}

/// How long the first answer to a request with an `Idempotency-Token` is remembered (24 h).
pub const IDEMPOTENCY_TTL: i64 = 24 * 60 * 60;

/// How many rows one purge batch removed, by kind.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PurgeCounts {
    pub sessions: u64,
    pub codes: u64,
    pub revocations: u64,
    pub refresh_tokens: u64,
    pub grants: u64,
    /// Remembered idempotent answers.
    pub remembered: u64,
}

impl PurgeCounts {
    pub fn total(&self) -> u64 {
        self.sessions + self.codes + self.revocations + self.refresh_tokens + self.grants + self.remembered
    }
}

/// Housekeeping: removing rows that have expired, in small batches so that no statement holds
/// locks for long. Idempotent, so every node may run it at the same time.
#[async_trait]
pub trait PurgeStore: Send + Sync {
    /// Deletes at most `batch` expired rows of each kind; call again while it removes any.
    async fn purge_expired(&self, cutoffs: &PurgeCutoffs, batch: i64) -> Result<PurgeCounts>;
}

/// Liveness of the database itself.
#[async_trait]
pub trait HealthStore: Send + Sync {
    /// Runs a trivial query; `Unavailable` when the database cannot answer.
    async fn ping(&self) -> Result<()>;
}
