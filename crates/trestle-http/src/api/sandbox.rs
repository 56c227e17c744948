//! The sandbox kit: the operator reads and moves the server's clock, keeps a snapshot of the
//! stored world and resets it to that snapshot.

use crate::error::{ApiError, ErrorBody};
use crate::extract::{ApiActor, ApiJson, ApiPath};
use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use trestle_api::sandbox::*;
use trestle_core::sandbox::SnapshotState;

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

fn snapshot_out(s: SnapshotState) -> SnapshotOut {
    SnapshotOut {
        taken_at: s.taken_at,
        taken_at_iso: trestle_core::format_timestamp(s.taken_at),
        schema_version: s.schema_version,
        tables: s.tables,
        rows: s.rows,
    }
}

/// Operator: the kept snapshot, the stored world a reset returns to (404 when none was taken).
#[utoipa::path(get, path = "/api/v1/sandbox/snapshot", tag = "sandbox", security(("api_token" = [])),
    responses((status = 200, body = SnapshotOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(super) async fn snapshot(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
) -> Result<Json<SnapshotOut>, ApiError> {
    match s.core.snapshot_state(actor).await? {
        Some(kept) => Ok(Json(snapshot_out(kept))),
        None => Err(trestle_core::CoreError::NotFound("snapshot").into()),
    }
}

/// Operator: keep the stored world as it is now as the state a reset returns to, replacing
/// the snapshot kept before (`trestle up` keeps one right after seeding). Recorded in the
/// audit log as `sandbox.snapshot`.
#[utoipa::path(post, path = "/api/v1/sandbox/snapshot", tag = "sandbox", security(("api_token" = [])),
    responses((status = 201, body = SnapshotOut), (status = 403, body = ErrorBody)))]
pub(super) async fn take_snapshot(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
) -> Result<(StatusCode, Json<SnapshotOut>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(snapshot_out(s.core.take_snapshot(actor).await?)),
    ))
}

/// Operator: put the stored world back as the snapshot kept it, in one transaction; every
/// node forgets what it cached. Token revocations and the operator's API tokens stay as they
/// are, ids are not handed out again, the clock does not move back. Recorded in the audit log
/// as `sandbox.reset`. 409 when no snapshot was taken, or it predates a schema upgrade.
#[utoipa::path(post, path = "/api/v1/sandbox/reset", tag = "sandbox", security(("api_token" = [])),
    responses((status = 200, body = ResetOut), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub(super) async fn reset(State(s): State<AppState>, ApiActor(actor): ApiActor) -> Result<Json<ResetOut>, ApiError> {
    let done = s.core.reset_sandbox(actor).await?;
    Ok(Json(ResetOut {
        snapshot: snapshot_out(done.snapshot),
        took_ms: done.took_ms,
    }))
}

fn fault_out(v: trestle_core::faults::FaultView) -> FaultOut {
    let m = v.spec.matching;
    FaultOut {
        id: v.id,
        matching: FaultMatchIn {
            method: m.method,
            path: m.path,
            client_id: m.client_id,
            company_id: m.company_id.map(|c| c.0),
            destination: m.destination,
        },
        status: v.spec.status,
        latency_ms: v.spec.latency_ms,
        drop_connection: v.spec.drop_connection,
        count: v.spec.count,
        percent: v.spec.percent,
        retry_after: v.spec.retry_after,
        left: v.left,
        struck: v.struck,
        created_at: v.created_at,
    }
}

/// Operator: add a scripted fault rule to this node (`--faults`; `trestle up`): the calls to
/// `/oauth/…` and `/rest/…` it matches get its status, latency or a cut connection instead of
/// their answer — for the next `count` of them, a `percent` of them, or until removed. Struck
/// answers carry `Trestle-Fault: <id>`. A rule with `match.destination` strikes webhook
/// deliveries to that URL instead (the attempt fails; the hook backs off). Each node has its own rules. Recorded in the audit log
/// as `fault.add`. 409 when faults are off; 422 lists every problem of the rule.
#[utoipa::path(post, path = "/api/v1/faults", tag = "sandbox", security(("api_token" = [])),
    request_body = FaultIn,
    responses((status = 201, body = FaultOut), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn add_fault(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(b): ApiJson<FaultIn>,
) -> Result<(StatusCode, Json<FaultOut>), ApiError> {
    use trestle_domain::fault::{FaultMatch, FaultSpec};
    let spec = FaultSpec {
        matching: FaultMatch {
            method: b.matching.method,
            path: b.matching.path,
            client_id: b.matching.client_id,
            company_id: b.matching.company_id.map(trestle_domain::CompanyId),
            destination: b.matching.destination,
        },
        status: b.status,
        latency_ms: b.latency_ms,
        drop_connection: b.drop_connection,
        count: b.count,
        percent: b.percent,
        retry_after: b.retry_after,
    };
    Ok((
        StatusCode::CREATED,
        Json(fault_out(s.core.add_fault(actor, spec).await?)),
    ))
}

/// Operator: this node's fault rules, in the order they are tried (the first that matches a
/// call strikes it).
#[utoipa::path(get, path = "/api/v1/faults", tag = "sandbox", security(("api_token" = [])),
    responses((status = 200, body = Vec<FaultOut>), (status = 403, body = ErrorBody)))]
pub(super) async fn list_faults(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
) -> Result<Json<Vec<FaultOut>>, ApiError> {
    Ok(Json(s.core.list_faults(actor)?.into_iter().map(fault_out).collect()))
}

/// Operator: remove a fault rule (404 when this node has none such; a rule whose count ran
/// out is gone already). Recorded in the audit log as `fault.remove`.
#[utoipa::path(delete, path = "/api/v1/faults/{fault_id}", tag = "sandbox", security(("api_token" = [])),
    params(("fault_id" = i64, Path)),
    responses((status = 200, body = FaultOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(super) async fn remove_fault(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<FaultOut>, ApiError> {
    Ok(Json(fault_out(s.core.remove_fault(actor, id).await?)))
}
