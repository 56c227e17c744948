//! An app's versions: create, list, one, change, promote, permission diffs, update
//! offers.

use super::convert::ToDto;
use super::shared::{created, secret_response};
use crate::error::{ApiError, ErrorBody};
use crate::extract::{ApiActor, ApiJson, ApiPath};
use crate::paging::{query_pairs, single};
use crate::AppState;
use axum::extract::State;
use axum::http::{StatusCode, Uri};
use axum::response::Response;
use axum::Json;
use trestle_api::versions::*;
use trestle_domain::entities::VersionStatus;
use trestle_domain::*;

/// Developer: create a manifest version (status `ready_for_testing`). Every problem is listed.
#[utoipa::path(post, path = "/api/v1/apps/{app_id}/versions", tag = "developer", security(("api_token" = [])),
    params(("app_id" = i64, Path)), request_body = CreateVersion,
    responses((status = 201, body = VersionOut), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn create_version(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(app): ApiPath<AppId>,
    ApiJson(b): ApiJson<CreateVersion>,
) -> Result<Response, ApiError> {
    let v = s.core.create_version(actor, app, &b.version, &b.manifest).await?;
    Ok(created(v.dto()))
}

/// Developer: the app's versions.
#[utoipa::path(get, path = "/api/v1/apps/{app_id}/versions", tag = "developer", security(("api_token" = [])),
    params(("app_id" = i64, Path)), responses((status = 200, body = [VersionOut]), (status = 404, body = ErrorBody)))]
pub(super) async fn list_versions(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(app): ApiPath<AppId>,
) -> Result<Json<Vec<VersionOut>>, ApiError> {
    Ok(Json(
        s.core
            .list_versions(actor, app)
            .await?
            .into_iter()
            .map(ToDto::dto)
            .collect(),
    ))
}

/// Developer: one version.
#[utoipa::path(get, path = "/api/v1/apps/{app_id}/versions/{version_id}", tag = "developer", security(("api_token" = [])),
    params(("app_id" = i64, Path), ("version_id" = i64, Path)),
    responses((status = 200, body = VersionOut), (status = 404, body = ErrorBody)))]
pub(super) async fn get_version(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath((app, version)): ApiPath<(AppId, VersionId)>,
) -> Result<Json<VersionOut>, ApiError> {
    Ok(Json(s.core.get_version(actor, app, version).await?.dto()))
}

/// Developer: save a new manifest into a version that is still `ready_for_testing`.
#[utoipa::path(patch, path = "/api/v1/apps/{app_id}/versions/{version_id}", tag = "developer", security(("api_token" = [])),
    params(("app_id" = i64, Path), ("version_id" = i64, Path)), request_body = UpdateVersion,
    responses((status = 200, body = VersionOut), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn update_version(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath((app, version)): ApiPath<(AppId, VersionId)>,
    ApiJson(b): ApiJson<UpdateVersion>,
) -> Result<Json<VersionOut>, ApiError> {
    Ok(Json(
        s.core.update_version(actor, app, version, &b.manifest).await?.dto(),
    ))
}

/// Developer: promote a version to production. The first promotion returns the production
/// client secret, once.
#[utoipa::path(post, path = "/api/v1/apps/{app_id}/versions/{version_id}/promote", tag = "developer", security(("api_token" = [])),
    params(("app_id" = i64, Path), ("version_id" = i64, Path)),
    responses((status = 200, body = PromotionOut), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub(super) async fn promote_version(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath((app, version)): ApiPath<(AppId, VersionId)>,
) -> Result<Response, ApiError> {
    let p = s.core.promote_version(actor, app, version).await?;
    debug_assert!(p.version.status == VersionStatus::Promoted);
    let body = PromotionOut {
        version: p.version.dto(),
        credentials: p.credentials.map(|c| CredentialsOut {
            client_id: c.client_id,
            client_secret: c.client_secret,
            warning: "Store this client_secret now: it is shown only once and cannot be recovered.".into(),
        }),
        updates: p.updates.into_iter().map(ToDto::dto).collect(),
    };
    Ok(secret_response(StatusCode::OK, body))
}

/// Developer: the permission difference between two versions (`?from=<version_id>&to=<version_id>`).
#[utoipa::path(get, path = "/api/v1/apps/{app_id}/versions/diff", tag = "developer", security(("api_token" = [])),
    params(("app_id" = i64, Path), ("from" = i64, Query), ("to" = i64, Query)),
    responses((status = 200, body = DiffOut), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(super) async fn diff_versions(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(app): ApiPath<AppId>,
    uri: Uri,
) -> Result<Json<DiffOut>, ApiError> {
    let pairs = query_pairs(&uri);
    let id = |name: &str| -> Result<i64, ApiError> {
        let v =
            single(&pairs, name)?.ok_or_else(|| ApiError::bad_request(format!("{name} (a version id) is required")))?;
        v.parse().map_err(|_| {
            ApiError::bad_request(format!(
                "{name} must be a version id, got {:?}",
                crate::error::shorten(v, 40)
            ))
        })
    };
    let (from, to) = (id("from")?, id("to")?);
    let d = s.core.diff_versions(actor, app, VersionId(from), VersionId(to)).await?;
    Ok(Json(DiffOut {
        from_version_id: from,
        to_version_id: to,
        company: d.company.into_iter().map(ToDto::dto).collect(),
        project: d.project.into_iter().map(ToDto::dto).collect(),
        widens: d.widens,
    }))
}

/// Developer: every update offered to installed companies and its state (pending ones wait for
/// the company admin's approval).
#[utoipa::path(get, path = "/api/v1/apps/{app_id}/updates", tag = "developer", security(("api_token" = [])),
    params(("app_id" = i64, Path)), responses((status = 200, body = [UpdateOut]), (status = 404, body = ErrorBody)))]
pub(super) async fn list_app_updates(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(app): ApiPath<AppId>,
) -> Result<Json<Vec<UpdateOut>>, ApiError> {
    Ok(Json(
        s.core
            .list_app_updates(actor, app)
            .await?
            .into_iter()
            .map(ToDto::dto)
            .collect(),
    ))
}
