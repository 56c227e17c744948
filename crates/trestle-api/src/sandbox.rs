//! The sandbox kit: the movable clock.

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
