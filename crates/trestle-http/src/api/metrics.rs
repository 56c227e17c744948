//! An app's install metrics, as JSON and CSV.

use super::convert::ToDto;
use super::shared::csv_response;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{ApiActor, ApiPath};
use crate::paging::{query_pairs, single};
use crate::AppState;
use axum::extract::State;
use axum::http::Uri;
use axum::response::Response;
use axum::Json;
use trestle_api::metrics::*;
use trestle_domain::*;

pub(super) async fn load_metrics(
    s: &AppState,
    actor: trestle_domain::policy::Actor,
    app: AppId,
    uri: &Uri,
) -> Result<MetricsOut, ApiError> {
    let pairs = query_pairs(uri);
    let m = s
        .core
        .app_metrics(actor, app, single(&pairs, "from")?, single(&pairs, "to")?)
        .await?;
    Ok(m.dto())
}

/// Developer: installs, uninstalls and active installs per day and per company
/// (`?from=YYYY-MM-DD&to=YYYY-MM-DD`, UTC; development sandboxes are not counted).
#[utoipa::path(get, path = "/api/v1/apps/{app_id}/metrics", tag = "developer", security(("api_token" = [])),
    params(("app_id" = i64, Path), ("from" = Option<String>, Query), ("to" = Option<String>, Query)),
    responses((status = 200, body = MetricsOut), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn metrics(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(app): ApiPath<AppId>,
    uri: Uri,
) -> Result<Json<MetricsOut>, ApiError> {
    Ok(Json(load_metrics(&s, actor, app, &uri).await?))
}

/// Developer: the daily metrics as CSV (`date,installs,uninstalls,active`).
#[utoipa::path(get, path = "/api/v1/apps/{app_id}/metrics/daily.csv", tag = "developer", security(("api_token" = [])),
    params(("app_id" = i64, Path), ("from" = Option<String>, Query), ("to" = Option<String>, Query)),
    responses((status = 200, content_type = "text/csv", body = String), (status = 404, body = ErrorBody)))]
pub(super) async fn metrics_daily_csv(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(app): ApiPath<AppId>,
    uri: Uri,
) -> Result<Response, ApiError> {
    let m = load_metrics(&s, actor, app, &uri).await?;
    let mut rows = vec![vec![
        "date".into(),
        "installs".into(),
        "uninstalls".into(),
        "active".into(),
    ]];
    rows.extend(m.daily.into_iter().map(|d| {
        vec![
            d.date,
            d.installs.to_string(),
            d.uninstalls.to_string(),
            d.active.to_string(),
        ]
    }));
    Ok(csv_response(&format!("app-{app}-daily.csv"), rows))
}

/// Developer: the per-company metrics as CSV.
#[utoipa::path(get, path = "/api/v1/apps/{app_id}/metrics/companies.csv", tag = "developer", security(("api_token" = [])),
    params(("app_id" = i64, Path)), responses((status = 200, content_type = "text/csv", body = String), (status = 404, body = ErrorBody)))]
pub(super) async fn metrics_companies_csv(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(app): ApiPath<AppId>,
    uri: Uri,
) -> Result<Response, ApiError> {
    let m = load_metrics(&s, actor, app, &uri).await?;
    let mut rows = vec![[
        "company_id",
        "company_name",
        "installs",
        "uninstalls",
        "active",
        "first_installed_at",
        "last_uninstalled_at",
    ]
    .iter()
    .map(|h| h.to_string())
    .collect::<Vec<_>>()];
    rows.extend(m.companies.into_iter().map(|c| {
        vec![
            c.company_id.to_string(),
            c.company_name,
            c.installs.to_string(),
            c.uninstalls.to_string(),
            c.active.to_string(),
            c.first_installed_at.to_string(),
            c.last_uninstalled_at.map(|t| t.to_string()).unwrap_or_default(),
        ]
    }));
    Ok(csv_response(&format!("app-{app}-companies.csv"), rows))
}
