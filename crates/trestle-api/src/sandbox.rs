//! The sandbox kit: the movable clock, the snapshot and reset.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// How far to move the clock.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AdvanceClock {
    /// Seconds forward, 1 to 315360000 (ten years). The clock never moves back.
    #[schema(minimum = 1, maximum = 315360000)]
    pub seconds: i64,
}

/// The server's clock.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct ClockOut {
    /// Now, in Unix seconds: what every expiry is judged against.
    pub now: i64,
    /// Now, as RFC 3339 (UTC).
    pub now_iso: String,
    /// Whether `POST /api/v1/clock/advance` moves it (`trestle up`, `serve --manual-clock`).
    pub movable: bool,
}

/// The kept snapshot: the stored world a reset returns to.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct SnapshotOut {
    /// When it was taken, in Unix seconds on the server's clock.
    pub taken_at: i64,
    /// The same, as RFC 3339 (UTC).
    pub taken_at_iso: String,
    /// The schema migration it was taken under; a reset needs the database at the same one.
    pub schema_version: i64,
    /// Tables and rows it holds.
    pub tables: i64,
    pub rows: i64,
}

/// A reset done: the world is back as the snapshot kept it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct ResetOut {
    /// The snapshot the world is back to (`rows`: the rows written back).
    pub snapshot: SnapshotOut,
    /// How long the reset took on the server, in milliseconds.
    pub took_ms: u64,
}
