//! A company's installs of apps: install, list, one, settings, uninstall, permitted
//! projects, update offers and their approval.

use super::convert::ToDto;
use super::shared::created;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{ApiActor, ApiJson, ApiPath};
use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::Json;
use trestle_api::installs::*;
use trestle_api::versions::UpdateOut;
use trestle_core::CoreError;
use trestle_core::InstallRequest;
use trestle_domain::*;

fn permitted(ids: Vec<ProjectId>) -> Json<PermittedOut> {
    Json(PermittedOut {
        permitted_project_ids: ids.into_iter().map(|p| p.0).collect(),
    })
}

/// Company admin: install an app version (custom install by App Version ID).
#[utoipa::path(post, path = "/api/v1/companies/{company_id}/installs", tag = "company admin", security(("api_token" = [])),
    params(("company_id" = i64, Path)), request_body = InstallIn,
    responses((status = 201, body = InstallOut), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn install_app(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(company): ApiPath<CompanyId>,
    ApiJson(b): ApiJson<InstallIn>,
) -> Result<Response, ApiError> {
    if b.app_id.is_none() && b.app_version_id.trim().is_empty() {
        return Err(CoreError::invalid_field(
            "$.app_version_id",
            "give an App Version ID, or an app_id from the marketplace",
        )
        .into());
    }
    let req = InstallRequest {
        app_version_id: b.app_version_id,
        marketplace_app: b.app_id.map(AppId),
        permitted_project_ids: b.permitted_project_ids.into_iter().map(ProjectId).collect(),
        add_to_new_projects: b.add_to_new_projects,
    };
    let v = s.core.install_app(actor, company, &req).await?;
    Ok(created(v.dto()))
}

/// Company admin: installed (and formerly installed) apps.
#[utoipa::path(get, path = "/api/v1/companies/{company_id}/installs", tag = "company admin", security(("api_token" = [])),
    params(("company_id" = i64, Path)), responses((status = 200, body = [InstallOut]), (status = 403, body = ErrorBody)))]
pub(super) async fn list_installs(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(company): ApiPath<CompanyId>,
) -> Result<Json<Vec<InstallOut>>, ApiError> {
    let v = s.core.list_installs(actor, company).await?;
    Ok(Json(v.into_iter().map(ToDto::dto).collect()))
}

/// Company admin: one install, with its post-installation notes.
#[utoipa::path(get, path = "/api/v1/companies/{company_id}/installs/{install_id}", tag = "company admin", security(("api_token" = [])),
    params(("company_id" = i64, Path), ("install_id" = i64, Path)),
    responses((status = 200, body = InstallOut), (status = 404, body = ErrorBody)))]
pub(super) async fn get_install(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath((company, install)): ApiPath<(CompanyId, InstallId)>,
) -> Result<Json<InstallOut>, ApiError> {
    Ok(Json(s.core.get_install(actor, company, install).await?.dto()))
}

/// Company admin: uninstall. Access ends with the next request.
#[utoipa::path(delete, path = "/api/v1/companies/{company_id}/installs/{install_id}", tag = "company admin", security(("api_token" = [])),
    params(("company_id" = i64, Path), ("install_id" = i64, Path)),
    responses((status = 200, body = InstallOut), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub(super) async fn uninstall(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath((company, install)): ApiPath<(CompanyId, InstallId)>,
) -> Result<Json<InstallOut>, ApiError> {
    Ok(Json(s.core.uninstall(actor, company, install).await?.dto()))
}

/// Company admin: the install's permitted projects.
#[utoipa::path(get, path = "/api/v1/companies/{company_id}/installs/{install_id}/permitted_projects", tag = "company admin",
    security(("api_token" = [])), params(("company_id" = i64, Path), ("install_id" = i64, Path)),
    responses((status = 200, body = PermittedOut), (status = 404, body = ErrorBody)))]
pub(super) async fn list_permitted(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath((company, install)): ApiPath<(CompanyId, InstallId)>,
) -> Result<Json<PermittedOut>, ApiError> {
    let v = s.core.get_install(actor, company, install).await?;
    Ok(permitted(v.permitted_project_ids))
}

/// Company admin: permit more projects.
#[utoipa::path(post, path = "/api/v1/companies/{company_id}/installs/{install_id}/permitted_projects", tag = "company admin",
    security(("api_token" = [])), params(("company_id" = i64, Path), ("install_id" = i64, Path)), request_body = ProjectIds,
    responses((status = 200, body = PermittedOut), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn add_permitted(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath((company, install)): ApiPath<(CompanyId, InstallId)>,
    ApiJson(b): ApiJson<ProjectIds>,
) -> Result<Json<PermittedOut>, ApiError> {
    let ids: Vec<ProjectId> = b.project_ids.into_iter().map(ProjectId).collect();
    Ok(permitted(
        s.core.add_permitted_projects(actor, company, install, &ids).await?,
    ))
}

/// Company admin: permit every active project in one step (no ceiling).
#[utoipa::path(post, path = "/api/v1/companies/{company_id}/installs/{install_id}/permitted_projects/add_all",
    tag = "company admin", security(("api_token" = [])), params(("company_id" = i64, Path), ("install_id" = i64, Path)),
    responses((status = 200, body = AddAllOut), (status = 404, body = ErrorBody)))]
pub(super) async fn add_all_permitted(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath((company, install)): ApiPath<(CompanyId, InstallId)>,
) -> Result<Json<AddAllOut>, ApiError> {
    let added = s.core.add_all_permitted_projects(actor, company, install).await?;
    Ok(Json(AddAllOut { added }))
}

/// Company admin: remove a permitted project. The bot loses it with the next request.
#[utoipa::path(delete, path = "/api/v1/companies/{company_id}/installs/{install_id}/permitted_projects/{project_id}",
    tag = "company admin", security(("api_token" = [])),
    params(("company_id" = i64, Path), ("install_id" = i64, Path), ("project_id" = i64, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)))]
pub(super) async fn remove_permitted(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath((company, install, project)): ApiPath<(CompanyId, InstallId, ProjectId)>,
) -> Result<StatusCode, ApiError> {
    s.core
        .remove_permitted_project(actor, company, install, project)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Company admin: the update offers of one install.
#[utoipa::path(get, path = "/api/v1/companies/{company_id}/installs/{install_id}/updates", tag = "company admin",
    security(("api_token" = [])), params(("company_id" = i64, Path), ("install_id" = i64, Path)),
    responses((status = 200, body = [UpdateOut]), (status = 404, body = ErrorBody)))]
pub(super) async fn list_install_updates(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath((company, install)): ApiPath<(CompanyId, InstallId)>,
) -> Result<Json<Vec<UpdateOut>>, ApiError> {
    let v = s.core.list_install_updates(actor, company, install).await?;
    Ok(Json(v.into_iter().map(ToDto::dto).collect()))
}

/// Company admin: approve a pending update; the bot gets the new version's permissions.
#[utoipa::path(post, path = "/api/v1/companies/{company_id}/installs/{install_id}/updates/{update_id}/approve",
    tag = "company admin", security(("api_token" = [])),
    params(("company_id" = i64, Path), ("install_id" = i64, Path), ("update_id" = i64, Path)),
    responses((status = 200, body = InstallOut), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub(super) async fn approve_update(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath((company, install, update)): ApiPath<(CompanyId, InstallId, InstallUpdateId)>,
) -> Result<Json<InstallOut>, ApiError> {
    Ok(Json(
        s.core.approve_update(actor, company, install, update).await?.dto(),
    ))
}

/// Company admin: change an install's settings ("add to all new projects").
#[utoipa::path(patch, path = "/api/v1/companies/{company_id}/installs/{install_id}", tag = "company admin",
    security(("api_token" = [])), params(("company_id" = i64, Path), ("install_id" = i64, Path)), request_body = UpdateInstall,
    responses((status = 200, body = InstallOut), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub(super) async fn update_install(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath((company, install)): ApiPath<(CompanyId, InstallId)>,
    ApiJson(b): ApiJson<UpdateInstall>,
) -> Result<Json<InstallOut>, ApiError> {
    Ok(Json(
        s.core
            .set_add_to_new_projects(actor, company, install, b.add_to_new_projects)
            .await?
            .dto(),
    ))
}
