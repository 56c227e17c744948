//! The sandbox snapshot (issue #17, reset): the stored world kept once — right after seeding,
//! or when the operator asks — and put back in one transaction, so CI runs start every test
//! from the same state.
//!
//! What a reset leaves as it is: token revocations (a token once revoked stays revoked) and the
//! operator's API tokens (the platform's own access, not part of the world: the token that asks
//! for the reset keeps working). Ids are never handed out twice: a reset does not move the
//! id sequences back.

use crate::error::Result;
use async_trait::async_trait;
use trestle_domain::event::EventContext;

/// What the kept snapshot holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SnapshotInfo {
    /// When it was taken (the clock's Unix seconds).
    pub taken_at: i64,
    /// The last schema migration applied when it was taken; a reset needs the same.
    pub schema_version: i64,
    /// Tables and rows it holds.
    pub tables: i64,
    pub rows: i64,
}

/// Keeping and restoring the stored world.
#[async_trait]
pub trait SnapshotStore: Send + Sync {
    /// Keeps the whole stored world as it is now (replacing an earlier snapshot), as one
    /// consistent view; an audited `sandbox.snapshot` event.
    async fn take_snapshot(&self, audit: &EventContext) -> Result<SnapshotInfo>;

    /// The kept snapshot, if there is one.
    async fn snapshot_info(&self) -> Result<Option<SnapshotInfo>>;

    /// Puts the stored world back as the snapshot kept it, in one transaction, and tells every
    /// node to forget what it cached; an audited `sandbox.reset` event. `NotFound` when no
    /// snapshot was taken, `Conflict` when it was taken under another schema version.
    async fn restore_snapshot(&self, audit: &EventContext) -> Result<SnapshotInfo>;
}
