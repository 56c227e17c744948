//! The mail outbox: every message for the operator, a person's own, one message; and the
//! acceptance of an invitation with the token its message carries.

use super::convert::ToDto;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{ApiActor, ApiJson, ApiPath};
use crate::paging::Paging;
use crate::AppState;
use axum::extract::State;
use axum::response::Response;
use axum::Json;
use trestle_api::invitations::InvitationOut;
use trestle_api::mail::*;
use trestle_core::CoreError;
use trestle_domain::mail::MailStatus;
use trestle_domain::*;
use trestle_store::MailFilter;

/// The `status` filter of a list.
fn status_of(paging: &Paging) -> Result<Option<MailStatus>, ApiError> {
    match paging.single("status")? {
        None | Some("") => Ok(None),
        Some(s) => MailStatus::parse(s)
            .map(Some)
            .ok_or_else(|| CoreError::invalid_field("$.status", "must be kept, queued, sent or failed").into()),
    }
}

/// Operator: every message the platform composed, newest first (paginated), optionally of one
/// recipient (`recipient`, a person's id) or status. Others get 403.
#[utoipa::path(get, path = "/api/v1/mail", tag = "operator", security(("api_token" = [])),
    params(("recipient" = Option<i64>, Query, description = "a person's id"),
        ("status" = Option<String>, Query, description = "kept, queued, sent or failed"),
        ("page" = Option<u32>, Query), ("per_page" = Option<u32>, Query)),
    responses((status = 200, body = [MailOut]), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn list_mail(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    paging: Paging,
) -> Result<Response, ApiError> {
    let recipient = match paging.single("recipient")? {
        None | Some("") => None,
        Some(r) => Some(UserId(r.parse().map_err(|_| {
            ApiError::from(CoreError::invalid_field("$.recipient", "must be a person's id"))
        })?)),
    };
    let filter = MailFilter {
        recipient,
        status: status_of(&paging)?,
    };
    let page = s.core.list_mail(actor, filter, paging.req).await?;
    Ok(paging.answer_as(page, ToDto::dto))
}

/// A person: my messages, newest first (paginated), optionally of one status.
#[utoipa::path(get, path = "/api/v1/me/mail", tag = "account", security(("api_token" = [])),
    params(("status" = Option<String>, Query, description = "kept, queued, sent or failed"),
        ("page" = Option<u32>, Query), ("per_page" = Option<u32>, Query)),
    responses((status = 200, body = [MailOut]), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn my_mail(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    paging: Paging,
) -> Result<Response, ApiError> {
    let page = s.core.my_mail(actor, status_of(&paging)?, paging.req).await?;
    Ok(paging.answer_as(page, ToDto::dto))
}

/// One message: its recipient or the operator; for anyone else it does not exist (404).
#[utoipa::path(get, path = "/api/v1/mail/{mail_id}", tag = "account", security(("api_token" = [])),
    params(("mail_id" = i64, Path)),
    responses((status = 200, body = MailOut), (status = 404, body = ErrorBody)))]
pub(super) async fn get_mail(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<MailId>,
) -> Result<Json<MailOut>, ApiError> {
    Ok(Json(s.core.show_mail(actor, id).await?.dto()))
}

/// Anyone holding an invitation's token (from the accept link of its e-mail, no API token
/// needed): accept it for the person it was sent to, who joins the company's directory. A
/// token that fits no pending invitation is 404.
#[utoipa::path(post, path = "/api/v1/invitations/accept", tag = "account", request_body = AcceptTokenIn,
    responses((status = 200, body = InvitationOut), (status = 404, body = ErrorBody)))]
pub(super) async fn accept_with_token(
    State(s): State<AppState>,
    ApiJson(b): ApiJson<AcceptTokenIn>,
) -> Result<Json<InvitationOut>, ApiError> {
    Ok(Json(s.core.accept_invitation_by_token(&b.token).await?.dto()))
}
