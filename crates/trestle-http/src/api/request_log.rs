//! Developer (and operator): the request log of an app, newest first, with filters.

use crate::error::{ApiError, ErrorBody};
use crate::extract::{ApiActor, ApiPath};
use crate::paging::Paging;
use crate::AppState;
use axum::extract::State;
use axum::response::Response;
use trestle_api::request_log::RequestOut;
use trestle_core::CoreError;
use trestle_domain::request_log::{RequestEntry, RequestFilter, StatusFilter};
use trestle_domain::*;

fn bad(path: &str, reason: &str) -> ApiError {
    CoreError::invalid_field(path, reason).into()
}

fn filter_of(paging: &Paging) -> Result<RequestFilter, ApiError> {
    let text = |name: &str| -> Result<Option<String>, ApiError> {
        Ok(paging.single(name)?.filter(|v| !v.is_empty()).map(str::to_string))
    };
    let int = |name: &str| -> Result<Option<i64>, ApiError> {
        match text(name)? {
            None => Ok(None),
            Some(v) => v
                .parse::<i64>()
                .map(Some)
                .map_err(|_| bad(&format!("$.{name}"), "must be an integer")),
        }
    };
    let status = match text("status")? {
        None => None,
        Some(s) => {
            Some(StatusFilter::parse(&s).ok_or_else(|| bad("$.status", "must be a status (200) or a class (4xx)"))?)
        }
    };
    Ok(RequestFilter {
        method: text("method")?.map(|m| m.to_ascii_uppercase()),
        path_prefix: text("path")?,
        status,
        company: int("company_id")?.map(CompanyId),
        since: int("since")?,
        until: int("until")?,
    })
}

fn dto(e: RequestEntry) -> RequestOut {
    RequestOut {
        id: e.id,
        app_id: e.app.0,
        at: e.at,
        method: e.method,
        path: e.path,
        template: e.template,
        company_id: e.company.map(|c| c.0),
        status: e.status,
        duration_us: e.duration_us,
        request_id: e.request_id,
    }
}

/// Developer: the app's REST calls (its bot's and sandbox client's tokens), newest first,
/// paginated. Filters: `method`, `path` (prefix), `status` (`200` or `4xx`), `company_id`,
/// `since` and `until` (Unix seconds). Anyone but the app's developer and the operator gets 404.
#[utoipa::path(get, path = "/api/v1/apps/{app_id}/requests", tag = "developer", security(("api_token" = [])),
    params(("app_id" = i64, Path), ("method" = Option<String>, Query), ("path" = Option<String>, Query, description = "path prefix"),
        ("status" = Option<String>, Query, description = "200 or 4xx"), ("company_id" = Option<i64>, Query),
        ("since" = Option<i64>, Query), ("until" = Option<i64>, Query),
        ("page" = Option<u32>, Query), ("per_page" = Option<u32>, Query)),
    responses((status = 200, body = [RequestOut]), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn app_requests(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(app): ApiPath<AppId>,
    paging: Paging,
) -> Result<Response, ApiError> {
    let filter = filter_of(&paging)?;
    let page = s.core.list_app_requests(actor, app, &filter, paging.req).await?;
    Ok(paging.answer_as(page, dto))
}
