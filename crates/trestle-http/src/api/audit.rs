//! Audit logs: the platform's (operator), a company's (JSON and CSV), an app's.

use super::convert::ToDto;
use super::shared::csv_response;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{ApiActor, ApiPath};
use crate::paging::Paging;
use crate::AppState;
use axum::extract::State;
use axum::response::Response;
use trestle_api::audit::*;
use trestle_domain::*;

/// Company admin: the audit log (who, what, when, before/after), paginated.
#[utoipa::path(get, path = "/api/v1/companies/{company_id}/audit", tag = "company admin", security(("api_token" = [])),
    params(("company_id" = i64, Path), ("page" = Option<u32>, Query), ("per_page" = Option<u32>, Query)),
    responses((status = 200, body = [AuditOut]), (status = 403, body = ErrorBody)))]
pub(super) async fn company_audit(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(company): ApiPath<CompanyId>,
    paging: Paging,
) -> Result<Response, ApiError> {
    let req = paging.req;
    let page = s.core.company_audit(actor, company, req).await?;
    Ok(paging.answer_as(page, ToDto::dto))
}

/// Operator: the whole platform's audit log, oldest first — every company's events and every
/// sign-in attempt (`signin.success`, `signin.failure`, with the e-mail and client address).
#[utoipa::path(get, path = "/api/v1/audit", tag = "operator", security(("api_token" = [])),
    params(("page" = Option<u32>, Query), ("per_page" = Option<u32>, Query)),
    responses((status = 200, body = [AuditOut]), (status = 403, body = ErrorBody)))]
pub(super) async fn platform_audit(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    paging: Paging,
) -> Result<Response, ApiError> {
    let req = paging.req;
    let page = s.core.platform_audit(actor, req).await?;
    Ok(paging.answer_as(page, ToDto::dto))
}

/// Company admin: the whole audit log as CSV.
#[utoipa::path(get, path = "/api/v1/companies/{company_id}/audit.csv", tag = "company admin", security(("api_token" = [])),
    params(("company_id" = i64, Path)), responses((status = 200, content_type = "text/csv", body = String), (status = 403, body = ErrorBody)))]
pub(super) async fn company_audit_csv(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(company): ApiPath<CompanyId>,
) -> Result<Response, ApiError> {
    let mut rows = vec![[
        "id",
        "at",
        "actor_kind",
        "actor_user_id",
        "action",
        "target_type",
        "target_id",
        "before",
        "after",
    ]
    .iter()
    .map(|h| h.to_string())
    .collect::<Vec<_>>()];
    let mut page = trestle_domain::page::PageRequest::new(1, trestle_domain::page::MAX_PER_PAGE);
    loop {
        let chunk = s.core.company_audit(actor, company, page).await?;
        let n = chunk.items.len();
        for e in chunk.items {
            rows.push(vec![
                e.id.to_string(),
                e.at.to_string(),
                e.actor_kind,
                e.actor_user_id.map(|u| u.0.to_string()).unwrap_or_default(),
                e.action,
                e.target_type,
                e.target_id,
                e.before_json.unwrap_or_default(),
                e.after_json.unwrap_or_default(),
            ]);
        }
        if n < page.per_page() as usize {
            break;
        }
        page = page.next();
    }
    Ok(csv_response(&format!("company-{company}-audit.csv"), rows))
}

/// Developer: the app's audit log (what happens inside installing companies shows without details).
#[utoipa::path(get, path = "/api/v1/apps/{app_id}/audit", tag = "developer", security(("api_token" = [])),
    params(("app_id" = i64, Path), ("page" = Option<u32>, Query), ("per_page" = Option<u32>, Query)),
    responses((status = 200, body = [AuditOut]), (status = 404, body = ErrorBody)))]
pub(super) async fn app_audit(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(app): ApiPath<AppId>,
    paging: Paging,
) -> Result<Response, ApiError> {
    let req = paging.req;
    let page = s.core.app_audit(actor, app, req).await?;
    Ok(paging.answer_as(page, ToDto::dto))
}
