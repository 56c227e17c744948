//! The sandbox kit's use cases (for integration tests run against Trestle): the movable clock.

use crate::{CoreError, Result, Trestle};
use trestle_domain::policy::{Actor, Request};

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
