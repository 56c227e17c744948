//! A company's projects: create, list, one, change, deactivate, delete, bulk create, and
//! their members.

use super::convert::{new_project, ToDto};
use super::shared::{created, permissions};
use crate::error::{ApiError, ErrorBody};
use crate::extract::{ApiActor, ApiJson, ApiPath};
use crate::paging::{single, Paging};
use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::Json;
use trestle_api::projects::*;
use trestle_core::CoreError;
use trestle_domain::permissions::ToolScope;
use trestle_domain::*;
use trestle_store::{ProjectFilter, ProjectPatch, ProjectStatus};

/// Company admin: create a project.
#[utoipa::path(post, path = "/api/v1/companies/{company_id}/projects", tag = "company admin", security(("api_token" = [])),
    params(("company_id" = i64, Path)), request_body = CreateProject,
    responses((status = 201, body = ProjectOut), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn create_project(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(company): ApiPath<CompanyId>,
    ApiJson(b): ApiJson<CreateProject>,
) -> Result<Response, ApiError> {
    let p = s.core.create_project(actor, company, new_project(b)).await?;
    Ok(created(ToDto::dto(p)))
}

/// Company admin: list the projects (paginated: `page`, `per_page`): the active ones, or by
/// `status` (`active`, `inactive`, `all`); `query` matches a part of the name or number.
#[utoipa::path(get, path = "/api/v1/companies/{company_id}/projects", tag = "company admin", security(("api_token" = [])),
    params(("company_id" = i64, Path), ("status" = Option<String>, Query, description = "active (default), inactive or all"),
        ("query" = Option<String>, Query, description = "part of the name or number, at most 200 characters"),
        ("page" = Option<u32>, Query), ("per_page" = Option<u32>, Query)),
    responses((status = 200, body = [ProjectOut]), (status = 403, body = ErrorBody)))]
pub(super) async fn list_company_projects(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(company): ApiPath<CompanyId>,
    paging: Paging,
) -> Result<Response, ApiError> {
    let req = paging.req;
    let filter = project_filter(paging.pairs())?;
    let page = s.core.find_company_projects(actor, company, filter, req).await?;
    Ok(paging.answer_as(page, ToDto::dto))
}

/// Company admin: add a company member to a project (bots join through permitted projects).
#[utoipa::path(post, path = "/api/v1/companies/{company_id}/projects/{project_id}/users", tag = "company admin",
    security(("api_token" = [])), params(("company_id" = i64, Path), ("project_id" = i64, Path)), request_body = ProjectMemberIn,
    responses((status = 204), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn add_project_member(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath((company, project)): ApiPath<(CompanyId, ProjectId)>,
    ApiJson(b): ApiJson<ProjectMemberIn>,
) -> Result<StatusCode, ApiError> {
    let perms = permissions(&b.permissions, ToolScope::Project)?;
    s.core
        .admin_add_project_member(actor, company, project, UserId(b.user_id), perms)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Company admin: remove someone from a project.
#[utoipa::path(delete, path = "/api/v1/companies/{company_id}/projects/{project_id}/users/{user_id}", tag = "company admin",
    security(("api_token" = [])), params(("company_id" = i64, Path), ("project_id" = i64, Path), ("user_id" = i64, Path)),
    responses((status = 204), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub(super) async fn remove_project_member(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath((company, project, user)): ApiPath<(CompanyId, ProjectId, UserId)>,
) -> Result<StatusCode, ApiError> {
    s.core
        .admin_remove_project_member(actor, company, project, user)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Company admin: one project, active or not.
#[utoipa::path(get, path = "/api/v1/companies/{company_id}/projects/{project_id}", tag = "company admin",
    security(("api_token" = [])), params(("company_id" = i64, Path), ("project_id" = i64, Path)),
    responses((status = 200, body = ProjectOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(super) async fn get_project(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath((company, project)): ApiPath<(CompanyId, ProjectId)>,
) -> Result<Json<ProjectOut>, ApiError> {
    let p = s.core.get_project(actor, company, project).await?;
    Ok(Json(p.dto()))
}

/// Company admin: change a project's name, number or address, or deactivate (`"active":
/// false`) and reactivate it. An inactive project drops out of every project list (the REST
/// lists as in Procore, which lists active projects) and its tools answer "not found" for
/// everyone, apps included, until it is reactivated; its members, permitted apps and documents
/// are kept.
#[utoipa::path(patch, path = "/api/v1/companies/{company_id}/projects/{project_id}", tag = "company admin",
    security(("api_token" = [])), params(("company_id" = i64, Path), ("project_id" = i64, Path)),
    request_body = UpdateProject,
    responses((status = 200, body = ProjectOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub(super) async fn update_project(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath((company, project)): ApiPath<(CompanyId, ProjectId)>,
    ApiJson(b): ApiJson<UpdateProject>,
) -> Result<Json<ProjectOut>, ApiError> {
    let patch = ProjectPatch {
        name: b.name,
        project_number: b.project_number,
        address: b.address,
        city: b.city,
        state_code: b.state_code,
        country_code: b.country_code,
        zip: b.zip,
        active: b.active,
        details_json: None,
    };
    let p = s.core.update_project(actor, company, project, patch).await?;
    Ok(Json(p.dto()))
}

/// Company admin: delete a project nothing depends on. A project with documents, members or
/// apps permitted on it is refused with 409 naming them: remove those first, or deactivate it.
#[utoipa::path(delete, path = "/api/v1/companies/{company_id}/projects/{project_id}", tag = "company admin",
    security(("api_token" = [])), params(("company_id" = i64, Path), ("project_id" = i64, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub(super) async fn delete_project(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath((company, project)): ApiPath<(CompanyId, ProjectId)>,
) -> Result<StatusCode, ApiError> {
    s.core.delete_project(actor, company, project).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Company admin: create up to 1000 projects in one request and one transaction: all of them
/// or none. Every problem is listed with its path, e.g. `$.projects[3].name` (at most 100).
#[utoipa::path(post, path = "/api/v1/companies/{company_id}/projects/bulk", tag = "company admin",
    security(("api_token" = [])), params(("company_id" = i64, Path)), request_body = BulkProjects,
    responses((status = 201, body = BulkCreated), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn bulk_create(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(company): ApiPath<CompanyId>,
    ApiJson(b): ApiJson<BulkProjects>,
) -> Result<Response, ApiError> {
    let new = b.projects.into_iter().map(new_project).collect();
    let made = s.core.create_projects(actor, company, new).await?;
    Ok(created(BulkCreated {
        projects: made.into_iter().map(ToDto::dto).collect(),
    }))
}

/// `status=active|inactive|all` (default `active`).
pub(crate) fn project_filter(pairs: &[(String, String)]) -> Result<ProjectFilter, ApiError> {
    let status = match single(pairs, "status")? {
        None | Some("") | Some("active") => ProjectStatus::Active,
        Some("inactive") => ProjectStatus::Inactive,
        Some("all") => ProjectStatus::All,
        Some(_) => {
            return Err(CoreError::invalid_field("$.status", "must be active, inactive or all").into());
        }
    };
    Ok(ProjectFilter {
        status,
        query: single(pairs, "query")?.unwrap_or_default().to_string(),
    })
}
