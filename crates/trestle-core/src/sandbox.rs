//! The sandbox kit's use cases (for integration tests run against Trestle): the movable clock,
//! and the snapshot a reset puts the stored world back to.

use crate::{CoreError, Result, Trestle};
use trestle_domain::policy::{Actor, Request};
use trestle_store::{SnapshotInfo, StoreError};

/// The longest single move of the clock: ten years.
pub const MAX_CLOCK_STEP: i64 = 10 * 365 * 24 * 3600;

/// What the clock says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClockState {
    /// Now, in Unix seconds, as every expiry is judged.
    pub now: i64,
    /// Whether the operator may move it (`trestle up`, `serve --manual-clock`).
    pub movable: bool,
}

impl Trestle {
    /// Operator: the server's time and whether it can be moved.
    #[tracing::instrument(level = "debug", skip_all, fields(actor = ?actor))]
    pub fn clock_state(&self, actor: Actor) -> Result<ClockState> {
        self.require(actor, Request::OperatePlatform)?;
        Ok(ClockState {
            now: self.clock.now(),
            movable: self.clock.movable(),
        })
    }

    /// Operator: moves a sandbox clock `seconds` forward (1 s to [`MAX_CLOCK_STEP`]); tokens,
    /// codes, sessions and refresh tokens then expire, and timelines pass, as if that time had
    /// gone by. The clock never moves back: what expired stays expired.
    #[tracing::instrument(level = "debug", skip_all, fields(actor = ?actor, seconds))]
    pub async fn advance_clock(&self, actor: Actor, seconds: i64) -> Result<ClockState> {
        self.require(actor, Request::OperatePlatform)?;
        if !(1..=MAX_CLOCK_STEP).contains(&seconds) {
            return Err(CoreError::invalid_field(
                "$.seconds",
                format!("must be between 1 and {MAX_CLOCK_STEP} (ten years); the clock only moves forward"),
            ));
        }
        let from = self.clock.now();
        let Some(to) = self.clock.advance(seconds) else {
            return Err(CoreError::Conflict(
                "this server runs on the system clock, which cannot be moved: start it with --manual-clock (trestle up always can)".into(),
            ));
        };
        self.store.record_clock_move(&self.audit(actor), from, to).await?;
        Ok(ClockState { now: to, movable: true })
    }
}

/// The kept snapshot: what a reset returns to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SnapshotState {
    /// When it was taken (Unix seconds on the server's clock).
    pub taken_at: i64,
    /// The schema migration it was taken under (a reset needs the same).
    pub schema_version: i64,
    pub tables: i64,
    pub rows: i64,
}

impl From<SnapshotInfo> for SnapshotState {
    fn from(i: SnapshotInfo) -> Self {
        SnapshotState {
            taken_at: i.taken_at,
            schema_version: i.schema_version,
            tables: i.tables,
            rows: i.rows,
        }
    }
}

/// A reset done.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ResetDone {
    /// The snapshot the world is back to (`rows`: the rows written back).
    pub snapshot: SnapshotState,
    /// How long the reset's transaction took, in milliseconds (real time).
    pub took_ms: u64,
}

impl Trestle {
    /// Operator: the kept snapshot, if any.
    #[tracing::instrument(level = "debug", skip_all, fields(actor = ?actor))]
    pub async fn snapshot_state(&self, actor: Actor) -> Result<Option<SnapshotState>> {
        self.require(actor, Request::OperatePlatform)?;
        Ok(self.store.snapshot_info().await?.map(Into::into))
    }

    /// Operator: keeps the stored world as it is now as the state `reset_sandbox` returns to
    /// (replacing the snapshot kept before).
    #[tracing::instrument(level = "debug", skip_all, fields(actor = ?actor))]
    pub async fn take_snapshot(&self, actor: Actor) -> Result<SnapshotState> {
        self.require(actor, Request::OperatePlatform)?;
        Ok(self.store.take_snapshot(&self.audit(actor)).await?.into())
    }

    /// After seeding (`trestle up`, a seed file): keeps the world as seeded — when nothing is
    /// kept yet, or always with `replace`. Returns the snapshot kept.
    pub async fn snapshot_seeded(&self, replace: bool) -> Result<SnapshotState> {
        if !replace {
            if let Some(kept) = self.store.snapshot_info().await? {
                return Ok(kept.into());
            }
        }
        Ok(self.store.take_snapshot(&self.system_audit()).await?.into())
    }

    /// Operator: puts the stored world back as the snapshot kept it, in one transaction, and
    /// makes every node forget its cached answers. Token revocations and the operator's API
    /// tokens stay as they are; the clock does not move back. 409 when there is no snapshot,
    /// or it was taken under another schema version.
    #[tracing::instrument(level = "debug", skip_all, fields(actor = ?actor))]
    pub async fn reset_sandbox(&self, actor: Actor) -> Result<ResetDone> {
        self.require(actor, Request::OperatePlatform)?;
        let started = std::time::Instant::now();
        if self.store.snapshot_info().await?.is_none() {
            return Err(CoreError::Conflict(
                "no snapshot to reset to: take one with POST /api/v1/sandbox/snapshot (trestle up keeps one after seeding)"
                    .into(),
            ));
        }
        let restored = match self.store.restore_snapshot(&self.audit(actor)).await {
            Ok(info) => info,
            // A reference that does not hold once the snapshot is back (the store's own
            // rules prevent it; a database changed by hand could still hold one).
            Err(StoreError::NotFound) => {
                return Err(CoreError::Conflict(
                    "the snapshot cannot be put back: a row it keeps refers to one that is gone; nothing was changed; take a new snapshot"
                        .into(),
                ))
            }
            Err(e) => return Err(e.into()),
        };
        Ok(ResetDone {
            snapshot: restored.into(),
            took_ms: started.elapsed().as_millis() as u64,
        })
    }
}
