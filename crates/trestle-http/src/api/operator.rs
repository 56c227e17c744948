//! The operator's kill switch: suspend and resume an app.

use crate::error::{ApiError, ErrorBody};
use crate::extract::{ApiActor, ApiJson, ApiPath};
use crate::AppState;
use axum::extract::State;
use axum::Json;
use trestle_api::operator::*;
use trestle_domain::*;

fn suspension_out(app: trestle_domain::entities::App) -> Json<SuspensionOut> {
    Json(SuspensionOut {
        app_id: app.id.0,
        suspended_at: app.suspended_at,
        suspended_reason: app.suspended_reason,
    })
}

/// Operator: suspend an app — the kill switch. It gets no tokens, and every token it holds (its
/// own and those of people who signed in to it) is refused from the next request, on every
/// node. Installs are kept; resuming restores everything.
#[utoipa::path(post, path = "/api/v1/apps/{app_id}/suspend", tag = "operator", security(("api_token" = [])),
    params(("app_id" = i64, Path)), request_body = SuspendIn,
    responses((status = 200, body = SuspensionOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn suspend_app(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(app): ApiPath<AppId>,
    ApiJson(b): ApiJson<SuspendIn>,
) -> Result<Json<SuspensionOut>, ApiError> {
    Ok(suspension_out(s.core.suspend_app(actor, app, &b.reason).await?))
}

/// Operator: lift an app's suspension.
#[utoipa::path(post, path = "/api/v1/apps/{app_id}/resume", tag = "operator", security(("api_token" = [])),
    params(("app_id" = i64, Path)),
    responses((status = 200, body = SuspensionOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(super) async fn resume_app(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(app): ApiPath<AppId>,
) -> Result<Json<SuspensionOut>, ApiError> {
    Ok(suspension_out(s.core.resume_app(actor, app).await?))
}
