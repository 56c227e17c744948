//! People: who am I, the operator's people (create, list), API tokens, passwords.

use super::convert::ToDto;
use super::shared::secret_response;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{ApiActor, ApiJson, ApiPath};
use crate::paging::Paging;
use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::Json;
use trestle_api::people::*;
use trestle_domain::*;

/// Who the API token belongs to.
#[utoipa::path(get, path = "/api/v1/me", tag = "account", security(("api_token" = [])),
    responses((status = 200, body = WhoAmI), (status = 401, body = ErrorBody)))]
pub(super) async fn whoami(State(s): State<AppState>, ApiActor(actor): ApiActor) -> Result<Json<WhoAmI>, ApiError> {
    let user = s.core.whoami(actor).await?;
    let kind = if user.is_some() { "person" } else { "operator" };
    Ok(Json(WhoAmI {
        kind: kind.into(),
        user: user.map(ToDto::dto),
    }))
}

/// Operator: create a person (a developer or company user) with a first API token.
#[utoipa::path(post, path = "/api/v1/people", tag = "operator", security(("api_token" = [])), request_body = CreatePerson,
    responses((status = 201, body = PersonCreated), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn create_person(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(body): ApiJson<CreatePerson>,
) -> Result<Response, ApiError> {
    let p = s.core.create_person(actor, &body.email, &body.name).await?;
    if let Some(pw) = &body.password {
        s.core.set_password(actor, p.user.id, pw).await?;
    }
    Ok(secret_response(
        StatusCode::CREATED,
        PersonCreated {
            user: p.user.dto(),
            api_token: p.api_token,
        },
    ))
}

/// Issue another API token for a person (the operator for anyone, a person for themself).
#[utoipa::path(post, path = "/api/v1/people/{user_id}/api_tokens", tag = "account", security(("api_token" = [])),
    params(("user_id" = i64, Path)), request_body = CreateApiToken,
    responses((status = 201, body = ApiTokenCreated), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(super) async fn create_api_token(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(user): ApiPath<UserId>,
    ApiJson(body): ApiJson<CreateApiToken>,
) -> Result<Response, ApiError> {
    let api_token = s.core.issue_api_token(actor, user, &body.label).await?;
    Ok(secret_response(StatusCode::CREATED, ApiTokenCreated { api_token }))
}

/// Set a person's password (the operator for anyone, a person for themself).
#[utoipa::path(put, path = "/api/v1/people/{user_id}/password", tag = "account", security(("api_token" = [])),
    params(("user_id" = i64, Path)), request_body = SetPassword,
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn set_password(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(user): ApiPath<UserId>,
    ApiJson(b): ApiJson<SetPassword>,
) -> Result<StatusCode, ApiError> {
    s.core.set_password(actor, user, &b.password).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Operator: every person (paginated; `query` matches a part of the name or e-mail address).
/// Others get 403.
#[utoipa::path(get, path = "/api/v1/people", tag = "operator", security(("api_token" = [])),
    params(("query" = Option<String>, Query, description = "part of the name or e-mail, at most 200 characters"),
        ("page" = Option<u32>, Query), ("per_page" = Option<u32>, Query)),
    responses((status = 200, body = [UserOut]), (status = 403, body = ErrorBody)))]
pub(super) async fn list_people(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    paging: Paging,
) -> Result<Response, ApiError> {
    let req = paging.req;
    let q = paging.single("query")?.unwrap_or_default().to_string();
    let page = s.core.list_people(actor, &q, req).await?;
    Ok(paging.answer_as(page, ToDto::dto))
}
