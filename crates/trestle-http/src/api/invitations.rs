//! Invitations into a company's directory by e-mail address, and a person's own
//! invitations.

use super::convert::ToDto;
use super::shared::{created, permissions};
use crate::error::{ApiError, ErrorBody};
use crate::extract::{ApiActor, ApiJson, ApiPath};
use crate::paging::Paging;
use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::Value;
use trestle_api::invitations::*;
use trestle_core::CoreError;
use trestle_domain::permissions::ToolScope;
use trestle_domain::*;

pub(super) async fn do_invite(
    s: &AppState,
    actor: trestle_domain::policy::Actor,
    company: CompanyId,
    b: InviteIn,
) -> Result<Response, ApiError> {
    let perms = permissions(&b.permissions, ToolScope::Company)?;
    let inv = s
        .core
        .invite_member(actor, company, &b.email, b.name.as_deref(), b.is_admin, perms)
        .await?;
    Ok(created(ToDto::dto(inv)))
}

/// Company admin: invite someone into the directory by e-mail address. The answer is the same
/// whether the address belongs to a person, to nobody (a person without credentials is
/// created for it; the operator gives them a token or password) or to an app's bot: nothing
/// about people outside the company shows. They appear in the directory once they accept
/// (`POST /api/v1/me/invitations/{id}/accept`); inviting an address again replaces the role
/// and permissions of its pending invitation. 409 only for an active member.
#[utoipa::path(post, path = "/api/v1/companies/{company_id}/invitations", tag = "company admin",
    security(("api_token" = [])), params(("company_id" = i64, Path)), request_body = InviteIn,
    responses((status = 201, body = InvitationOut), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub(super) async fn invite(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(company): ApiPath<CompanyId>,
    ApiJson(b): ApiJson<InviteIn>,
) -> Result<Response, ApiError> {
    do_invite(&s, actor, company, b).await
}

/// Company admin: the same as `POST /api/v1/companies/{company_id}/invitations`. People are
/// never added by their global user id: a body with `user_id` is refused (422).
#[utoipa::path(post, path = "/api/v1/companies/{company_id}/users", tag = "company admin",
    security(("api_token" = [])), params(("company_id" = i64, Path)), request_body = InviteIn,
    responses((status = 201, body = InvitationOut), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub(super) async fn add_member(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(company): ApiPath<CompanyId>,
    ApiJson(b): ApiJson<Value>,
) -> Result<Response, ApiError> {
    if b.get("user_id").is_some() {
        return Err(CoreError::invalid_field(
            "$.user_id",
            "people join a company by invitation: send their e-mail address as \"email\"; they appear in the directory once they accept",
        )
        .into());
    }
    // The same refusals, in the same words, as any other body (never serde's wording).
    let b: InviteIn = match crate::extract::parse_json(&serde_json::to_vec(&b).unwrap_or_default()) {
        Ok(b) => b,
        Err(e) => return Ok(e.into_response()),
    };
    do_invite(&s, actor, company, b).await
}

/// Company admin: the pending invitations (paginated).
#[utoipa::path(get, path = "/api/v1/companies/{company_id}/invitations", tag = "company admin",
    security(("api_token" = [])), params(("company_id" = i64, Path), ("page" = Option<u32>, Query), ("per_page" = Option<u32>, Query)),
    responses((status = 200, body = [InvitationOut]), (status = 403, body = ErrorBody)))]
pub(super) async fn list_invitations(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(company): ApiPath<CompanyId>,
    paging: Paging,
) -> Result<Response, ApiError> {
    let req = paging.req;
    let page = s.core.list_invitations(actor, company, req).await?;
    Ok(paging.answer_as(page, ToDto::dto))
}

/// Company admin: withdraw a pending invitation.
#[utoipa::path(delete, path = "/api/v1/companies/{company_id}/invitations/{invitation_id}", tag = "company admin",
    security(("api_token" = [])), params(("company_id" = i64, Path), ("invitation_id" = i64, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(super) async fn cancel_invitation(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath((company, id)): ApiPath<(CompanyId, InvitationId)>,
) -> Result<StatusCode, ApiError> {
    s.core.cancel_invitation(actor, company, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A person: my pending invitations to companies.
#[utoipa::path(get, path = "/api/v1/me/invitations", tag = "account", security(("api_token" = [])),
    responses((status = 200, body = [InvitationOut]), (status = 403, body = ErrorBody)))]
pub(super) async fn my_invitations(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
) -> Result<Json<Vec<InvitationOut>>, ApiError> {
    let v = s.core.my_invitations(actor).await?;
    Ok(Json(v.into_iter().map(ToDto::dto).collect()))
}

/// A person: accept an invitation; I join the company's directory with its role and
/// permissions. Someone else's invitation is 404.
#[utoipa::path(post, path = "/api/v1/me/invitations/{invitation_id}/accept", tag = "account", security(("api_token" = [])),
    params(("invitation_id" = i64, Path)),
    responses((status = 200, body = InvitationOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(super) async fn accept_invitation(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<InvitationId>,
) -> Result<Json<InvitationOut>, ApiError> {
    Ok(Json(s.core.accept_invitation(actor, id).await?.dto()))
}
