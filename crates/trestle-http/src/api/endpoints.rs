//! An app's lifecycle webhook endpoints (the app's developer): list, create (the signing secret
//! once), show, update, delete, rotate the secret, the deliveries and their redelivery; and the
//! operator's redelivery of a hook's delivery.

use super::shared::secret_response;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{ApiActor, ApiJson, ApiPath};
use crate::AppState;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Json;
use serde::Deserialize;
use trestle_api::endpoints::*;
use trestle_core::webhooks::EndpointInput;
use trestle_domain::endpoint::{Endpoint, EndpointDelivery};
use trestle_domain::webhook::DeliveryStatus;
use trestle_domain::*;
use trestle_store::EndpointDeliveryQuery;

fn endpoint_out(e: Endpoint, signing_secret: Option<String>) -> EndpointOut {
    EndpointOut {
        id: e.id.0,
        app_id: e.app.0,
        url: e.url,
        description: e.description,
        active: e.active,
        created_at: e.created_at,
        updated_at: e.updated_at,
        signing_secret,
    }
}

fn delivery_out(d: EndpointDelivery) -> EndpointDeliveryOut {
    EndpointDeliveryOut {
        id: d.id.0,
        endpoint_id: d.endpoint.0,
        event_id: d.event_id.0,
        event_type: d.event_type,
        status: d.status.as_str().into(),
        attempts: d.attempts,
        next_attempt_at: d.next_attempt_at,
        response_status: d.response_status,
        error: d.error,
        completed_at: d.completed_at,
        duration_ms: d.duration_ms,
        created_at: d.created_at,
        payload: d.payload,
    }
}

fn input(b: EndpointIn) -> EndpointInput {
    EndpointInput {
        url: b.url,
        description: b.description,
        active: b.active,
    }
}

/// Developer: the app's lifecycle endpoints (never their secrets).
#[utoipa::path(get, path = "/api/v1/apps/{app_id}/endpoints", tag = "developer", security(("api_token" = [])),
    params(("app_id" = i64, Path)), responses((status = 200, body = [EndpointOut]), (status = 404, body = ErrorBody)))]
pub(super) async fn list_endpoints(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(app): ApiPath<AppId>,
) -> Result<Json<Vec<EndpointOut>>, ApiError> {
    let list = s.core.list_endpoints(actor, app).await?;
    Ok(Json(list.into_iter().map(|e| endpoint_out(e, None)).collect()))
}

/// Developer: a new lifecycle endpoint. The answer carries `signing_secret`, shown this once:
/// deliveries are signed `Trestle-Signature: t=<unix>,v1=<hex HMAC-SHA256 of "<t>.<body>">`.
#[utoipa::path(post, path = "/api/v1/apps/{app_id}/endpoints", tag = "developer", security(("api_token" = [])),
    params(("app_id" = i64, Path)), request_body = EndpointIn,
    responses((status = 201, body = EndpointOut), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(super) async fn create_endpoint(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(app): ApiPath<AppId>,
    ApiJson(b): ApiJson<EndpointIn>,
) -> Result<Response, ApiError> {
    if b.active.is_some() {
        return Err(ApiError::bad_request(
            "a new endpoint is active; set active with an update",
        ));
    }
    let c = s.core.create_endpoint(actor, app, input(b)).await?;
    Ok(secret_response(
        StatusCode::CREATED,
        endpoint_out(c.endpoint, Some(c.signing_secret)),
    ))
}

/// Developer: one endpoint.
#[utoipa::path(get, path = "/api/v1/apps/{app_id}/endpoints/{endpoint_id}", tag = "developer", security(("api_token" = [])),
    params(("app_id" = i64, Path), ("endpoint_id" = i64, Path)),
    responses((status = 200, body = EndpointOut), (status = 404, body = ErrorBody)))]
pub(super) async fn get_endpoint(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath((app, id)): ApiPath<(AppId, EndpointId)>,
) -> Result<Json<EndpointOut>, ApiError> {
    Ok(Json(endpoint_out(s.core.show_endpoint(actor, app, id).await?, None)))
}

/// Developer: change an endpoint's URL, description or active flag.
#[utoipa::path(patch, path = "/api/v1/apps/{app_id}/endpoints/{endpoint_id}", tag = "developer", security(("api_token" = [])),
    params(("app_id" = i64, Path), ("endpoint_id" = i64, Path)), request_body = EndpointIn,
    responses((status = 200, body = EndpointOut), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(super) async fn update_endpoint(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath((app, id)): ApiPath<(AppId, EndpointId)>,
    ApiJson(b): ApiJson<EndpointIn>,
) -> Result<Json<EndpointOut>, ApiError> {
    Ok(Json(endpoint_out(
        s.core.update_endpoint(actor, app, id, input(b)).await?,
        None,
    )))
}

/// Developer: delete an endpoint with its deliveries.
#[utoipa::path(delete, path = "/api/v1/apps/{app_id}/endpoints/{endpoint_id}", tag = "developer", security(("api_token" = [])),
    params(("app_id" = i64, Path), ("endpoint_id" = i64, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)))]
pub(super) async fn delete_endpoint(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath((app, id)): ApiPath<(AppId, EndpointId)>,
) -> Result<StatusCode, ApiError> {
    s.core.delete_endpoint(actor, app, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Developer: a new signing secret, shown this once; the old one stops signing at once.
#[utoipa::path(post, path = "/api/v1/apps/{app_id}/endpoints/{endpoint_id}/rotate_secret", tag = "developer",
    security(("api_token" = [])), params(("app_id" = i64, Path), ("endpoint_id" = i64, Path)),
    responses((status = 200, body = EndpointOut), (status = 404, body = ErrorBody)))]
pub(super) async fn rotate_endpoint_secret(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath((app, id)): ApiPath<(AppId, EndpointId)>,
) -> Result<Response, ApiError> {
    let c = s.core.rotate_endpoint_secret(actor, app, id).await?;
    Ok(secret_response(
        StatusCode::OK,
        endpoint_out(c.endpoint, Some(c.signing_secret)),
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DeliveriesQuery {
    status: Option<String>,
    /// The last id of the page before (newest first).
    before: Option<i64>,
    limit: Option<i64>,
}

/// Developer: an endpoint's deliveries, newest first (`status`: queued, successful, failing,
/// discarded; `before`: the last id of the page before; `limit`: at most 100, default 50).
#[utoipa::path(get, path = "/api/v1/apps/{app_id}/endpoints/{endpoint_id}/deliveries", tag = "developer",
    security(("api_token" = [])), params(("app_id" = i64, Path), ("endpoint_id" = i64, Path),
        ("status" = Option<String>, Query), ("before" = Option<i64>, Query), ("limit" = Option<i64>, Query)),
    responses((status = 200, body = [EndpointDeliveryOut]), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(super) async fn list_endpoint_deliveries(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath((app, id)): ApiPath<(AppId, EndpointId)>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Vec<EndpointDeliveryOut>>, ApiError> {
    let q: DeliveriesQuery = serde_urlencoded::from_str(raw.as_deref().unwrap_or(""))
        .map_err(|e| ApiError::bad_request(format!("query: {e}")))?;
    let status = DeliveryStatus::filter(q.status.as_deref()).map_err(ApiError::bad_request)?;
    let query = EndpointDeliveryQuery {
        status,
        before: q.before.map(EndpointDeliveryId),
        limit: q.limit.unwrap_or(50).clamp(1, 100),
    };
    let list = s.core.list_endpoint_deliveries(actor, app, id, &query).await?;
    Ok(Json(list.into_iter().map(delivery_out).collect()))
}

/// Developer: queue one of an endpoint's deliveries again, due now, with the same body and
/// `Trestle-Delivery-Id` (its failures forgotten). Audited.
#[utoipa::path(post, path = "/api/v1/apps/{app_id}/endpoints/{endpoint_id}/deliveries/{delivery_id}/redeliver",
    tag = "developer", security(("api_token" = [])),
    params(("app_id" = i64, Path), ("endpoint_id" = i64, Path), ("delivery_id" = i64, Path)),
    responses((status = 202, body = EndpointDeliveryOut), (status = 404, body = ErrorBody)))]
pub(super) async fn redeliver_endpoint_delivery(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath((app, id, delivery)): ApiPath<(AppId, EndpointId, EndpointDeliveryId)>,
) -> Result<(StatusCode, Json<EndpointDeliveryOut>), ApiError> {
    let d = s.core.redeliver_endpoint_delivery(actor, app, id, delivery).await?;
    Ok((StatusCode::ACCEPTED, Json(delivery_out(d))))
}

/// Operator: queue one delivery of a webhook hook (any company's) again, due now, with the same
/// body and `Trestle-Delivery-Id` (its failures forgotten). Audited in the hook's company.
#[utoipa::path(post, path = "/api/v1/webhooks/deliveries/{delivery_id}/redeliver", tag = "operator",
    security(("api_token" = [])), params(("delivery_id" = i64, Path)),
    responses((status = 202, body = HookDeliveryOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(super) async fn redeliver_hook_delivery(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(delivery): ApiPath<DeliveryId>,
) -> Result<(StatusCode, Json<HookDeliveryOut>), ApiError> {
    let d = s.core.redeliver_hook_delivery(actor, delivery).await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(HookDeliveryOut {
            id: d.id.0,
            hook_id: d.hook.0,
            company_id: d.company.0,
            event_id: d.event_id.0,
            status: d.status.as_str().into(),
            attempts: d.attempts,
            next_attempt_at: d.next_attempt_at,
        }),
    ))
}
