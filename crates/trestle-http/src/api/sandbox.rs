//! The sandbox kit: the operator reads and moves the server's clock.

use crate::error::{ApiError, ErrorBody};
use crate::extract::{ApiActor, ApiJson};
use crate::AppState;
use axum::extract::State;
use axum::Json;
use trestle_api::sandbox::*;

fn clock_out(c: trestle_core::sandbox::ClockState) -> Json<ClockOut> {
    Json(ClockOut {
        now: c.now,
        now_iso: trestle_core::format_timestamp(c.now),
        movable: c.movable,
    })
}

/// Operator: the server's time, and whether it can be moved.
#[utoipa::path(get, path = "/api/v1/clock", tag = "sandbox", security(("api_token" = [])),
    responses((status = 200, body = ClockOut), (status = 403, body = ErrorBody)))]
pub(super) async fn clock(State(s): State<AppState>, ApiActor(actor): ApiActor) -> Result<Json<ClockOut>, ApiError> {
    Ok(clock_out(s.core.clock_state(actor)?))
}

/// Operator: move the clock forward, so that tokens, codes, sessions and refresh tokens expire
/// and timelines pass without waiting (`trestle up`, or `serve --manual-clock`; 409 on the
/// system clock). Recorded in the audit log as `clock.advance`. Each node has its own clock.
#[utoipa::path(post, path = "/api/v1/clock/advance", tag = "sandbox", security(("api_token" = [])),
    request_body = AdvanceClock,
    responses((status = 200, body = ClockOut), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn advance_clock(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(b): ApiJson<AdvanceClock>,
) -> Result<Json<ClockOut>, ApiError> {
    Ok(clock_out(s.core.advance_clock(actor, b.seconds).await?))
}
