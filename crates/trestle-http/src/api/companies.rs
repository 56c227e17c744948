//! Companies: the operator's create and list, a company's details, its directory and
//! member roles.

use super::convert::ToDto;
use super::shared::{created, permissions};
use crate::error::{ApiError, ErrorBody};
use crate::extract::{ApiActor, ApiJson, ApiPath};
use crate::paging::Paging;
use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::Json;
use trestle_api::companies::*;
use trestle_domain::permissions::ToolScope;
use trestle_domain::*;

/// Operator: create a company with its first admin.
#[utoipa::path(post, path = "/api/v1/companies", tag = "operator", security(("api_token" = [])), request_body = CreateCompany,
    responses((status = 201, body = CompanyOut), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn create_company(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(body): ApiJson<CreateCompany>,
) -> Result<Response, ApiError> {
    let c = s
        .core
        .create_company(actor, &body.name, UserId(body.admin_user_id))
        .await?;
    Ok(created(ToDto::dto(c)))
}

/// Company admin: the company's details.
#[utoipa::path(get, path = "/api/v1/companies/{company_id}", tag = "company admin", security(("api_token" = [])),
    params(("company_id" = i64, Path)), responses((status = 200, body = CompanyOut), (status = 403, body = ErrorBody)))]
pub(super) async fn get_company(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(company): ApiPath<CompanyId>,
) -> Result<Json<CompanyOut>, ApiError> {
    Ok(Json(s.core.get_company(actor, company).await?.dto()))
}

/// Company admin: the company directory; app bots are marked `kind: "bot"`, traditional
/// service accounts `kind: "service_account"`.
#[utoipa::path(get, path = "/api/v1/companies/{company_id}/users", tag = "company admin", security(("api_token" = [])),
    params(("company_id" = i64, Path), ("page" = Option<u32>, Query), ("per_page" = Option<u32>, Query)),
    responses((status = 200, body = [DirectoryUserOut]), (status = 403, body = ErrorBody)))]
pub(super) async fn list_directory(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(company): ApiPath<CompanyId>,
    paging: Paging,
) -> Result<Response, ApiError> {
    let req = paging.req;
    let page = s.core.admin_directory(actor, company, req).await?;
    Ok(paging.answer_as(page, ToDto::dto))
}

/// Company admin: change a person's role and permission template (bots are refused: their
/// permissions come from the app's manifest).
#[utoipa::path(put, path = "/api/v1/companies/{company_id}/users/{user_id}", tag = "company admin",
    security(("api_token" = [])), params(("company_id" = i64, Path), ("user_id" = i64, Path)), request_body = UpdateMember,
    responses((status = 204), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn update_member(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath((company, user)): ApiPath<(CompanyId, UserId)>,
    ApiJson(b): ApiJson<UpdateMember>,
) -> Result<StatusCode, ApiError> {
    let perms = permissions(&b.permissions, ToolScope::Company)?;
    s.core
        .update_company_member(actor, company, user, b.is_admin, perms)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Operator: every company (paginated; `query` matches a part of the name). A person gets the
/// companies they belong to.
#[utoipa::path(get, path = "/api/v1/companies", tag = "operator", security(("api_token" = [])),
    params(("query" = Option<String>, Query, description = "part of the name, at most 200 characters"),
        ("page" = Option<u32>, Query), ("per_page" = Option<u32>, Query)),
    responses((status = 200, body = [CompanyOut]), (status = 403, body = ErrorBody)))]
pub(super) async fn list_companies(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    paging: Paging,
) -> Result<Response, ApiError> {
    let req = paging.req;
    let q = paging.single("query")?.unwrap_or_default().to_string();
    let page = s.core.find_companies(actor, &q, req).await?;
    Ok(paging.answer_as(page, ToDto::dto))
}
