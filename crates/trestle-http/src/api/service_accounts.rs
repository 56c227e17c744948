//! Traditional service accounts for company admins, the migration report (company admins and
//! the operator, JSON and CSV), and the RFC 9745 `Deprecation` / RFC 8594 `Sunset` warnings.

use super::convert::ToDto;
use super::shared::{csv_response, permissions, secret_response};
use crate::error::{ApiError, ErrorBody};
use crate::extract::{ApiActor, ApiJson, ApiPath, OptionalJson};
use crate::AppState;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;
use trestle_api::service_accounts::*;
use trestle_core::Timeline;
use trestle_domain::permissions::ToolScope;
use trestle_domain::*;

/// `Deprecation` (RFC 9745) and `Sunset` (RFC 8594) values of the timeline, if set.
pub fn warning_headers(t: &Timeline) -> Vec<(&'static str, HeaderValue)> {
    let mut out = Vec::new();
    if let Some(d) = t.deprecated_on {
        if let Ok(v) = HeaderValue::from_str(&format!("@{d}")) {
            out.push(("deprecation", v));
        }
    }
    if let Some(s) = t.sunset {
        let date = std::time::UNIX_EPOCH + std::time::Duration::from_secs(s.max(0) as u64);
        if let Ok(v) = HeaderValue::from_str(&httpdate(date)) {
            out.push(("sunset", v));
        }
    }
    out
}

fn httpdate(t: std::time::SystemTime) -> String {
    let secs = t
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    let days = secs.div_euclid(86_400);
    let weekday = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"][days.rem_euclid(7) as usize];
    let ymd = trestle_core::format_day(days);
    let (y, m, d) = (&ymd[0..4], &ymd[5..7], &ymd[8..10]);
    let month = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ][m.parse::<usize>().unwrap_or(1) - 1];
    let s = secs.rem_euclid(86_400);
    format!(
        "{weekday}, {d} {month} {y} {:02}:{:02}:{:02} GMT",
        s / 3600,
        s / 60 % 60,
        s % 60
    )
}

fn with_warnings(state: &AppState, mut res: Response) -> Response {
    for (k, v) in warning_headers(&state.core.timeline()) {
        res.headers_mut().insert(k, v);
    }
    res
}

/// Adds the warnings to every response to a traditional service account's token.
pub async fn warn_service_accounts(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let is_service = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' ').map(|(_, t)| t.trim()))
        .and_then(|t| state.core.check_token(t))
        .is_some_and(|c| c.subject().0 == trestle_core::tokens::TokenKind::ServiceAccount);
    let res = next.run(req).await;
    if is_service {
        with_warnings(&state, res)
    } else {
        res
    }
}

/// Company admin: create a traditional service account (refused after the creation cut-off).
#[utoipa::path(post, path = "/api/v1/companies/{company_id}/service_accounts", tag = "service accounts",
    security(("api_token" = [])), params(("company_id" = i64, Path)), request_body = CreateServiceAccount,
    responses((status = 201, body = ServiceAccountCreated), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn create(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(company): ApiPath<CompanyId>,
    ApiJson(b): ApiJson<CreateServiceAccount>,
) -> Result<Response, ApiError> {
    let c = s
        .core
        .create_service_account(actor, company, &b.name, &b.app_type, b.app_id.map(AppId))
        .await?;
    let body = ServiceAccountCreated {
        account: c.account.dto(),
        client_secret: c.client_secret,
        warning: "Store this client_secret now: it is shown only once. Traditional service accounts are deprecated: use a DMSA app.".into(),
    };
    Ok(with_warnings(&s, secret_response(StatusCode::CREATED, body)))
}

/// Company admin: the company's service accounts (with `Deprecation`/`Sunset` headers when set).
#[utoipa::path(get, path = "/api/v1/companies/{company_id}/service_accounts", tag = "service accounts",
    security(("api_token" = [])), params(("company_id" = i64, Path)), responses((status = 200, body = [ServiceAccountOut])))]
pub(super) async fn list(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(company): ApiPath<CompanyId>,
) -> Result<Response, ApiError> {
    let v = s.core.list_service_accounts(actor, company).await?;
    let out: Vec<ServiceAccountOut> = v.into_iter().map(ToDto::dto).collect();
    Ok(with_warnings(&s, Json(out).into_response()))
}

/// Company admin: grant company permissions.
#[utoipa::path(put, path = "/api/v1/companies/{company_id}/service_accounts/{id}/permissions", tag = "service accounts",
    security(("api_token" = [])), params(("company_id" = i64, Path), ("id" = i64, Path)), request_body = PermissionsIn,
    responses((status = 204), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn set_permissions(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath((company, id)): ApiPath<(CompanyId, ServiceAccountId)>,
    ApiJson(b): ApiJson<PermissionsIn>,
) -> Result<StatusCode, ApiError> {
    let perms = permissions(&b.permissions, ToolScope::Company)?;
    s.core
        .set_service_account_permissions(actor, company, id, perms)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Company admin: add the account to a project.
#[utoipa::path(post, path = "/api/v1/companies/{company_id}/service_accounts/{id}/projects", tag = "service accounts",
    security(("api_token" = [])), params(("company_id" = i64, Path), ("id" = i64, Path)), request_body = ProjectIn,
    responses((status = 204), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn add_project(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath((company, id)): ApiPath<(CompanyId, ServiceAccountId)>,
    ApiJson(b): ApiJson<ProjectIn>,
) -> Result<StatusCode, ApiError> {
    let perms = permissions(&b.permissions, ToolScope::Project)?;
    s.core
        .add_service_account_project(actor, company, id, ProjectId(b.project_id), perms)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Company admin: a new secret; the old one stops at once and every permission and project
/// membership is reset.
#[utoipa::path(post, path = "/api/v1/companies/{company_id}/service_accounts/{id}/reset_secret", tag = "service accounts",
    security(("api_token" = [])), params(("company_id" = i64, Path), ("id" = i64, Path)),
    responses((status = 200, body = SecretOut), (status = 404, body = ErrorBody)))]
pub(super) async fn reset_secret(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath((company, id)): ApiPath<(CompanyId, ServiceAccountId)>,
) -> Result<Response, ApiError> {
    let secret = s.core.reset_service_account_secret(actor, company, id).await?;
    Ok(secret_response(
        StatusCode::OK,
        SecretOut {
            client_secret: secret,
            warning: "Shown once. All permissions and project memberships were reset.".into(),
        },
    ))
}

/// Company admin: retire the account (once a DMSA install covers it, or with `force`).
#[utoipa::path(post, path = "/api/v1/companies/{company_id}/service_accounts/{id}/retire", tag = "service accounts",
    security(("api_token" = [])), params(("company_id" = i64, Path), ("id" = i64, Path)), request_body = RetireIn,
    responses((status = 204), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub(super) async fn retire(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath((company, id)): ApiPath<(CompanyId, ServiceAccountId)>,
    OptionalJson(b): OptionalJson<RetireIn>,
) -> Result<StatusCode, ApiError> {
    s.core
        .retire_service_account(actor, company, id, b.unwrap_or_default().force)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

fn report_csv(rows: Vec<MigrationRowOut>, name: &str) -> Response {
    let mut out = vec![[
        "service_account_id",
        "name",
        "company_id",
        "company_name",
        "app_type",
        "app_id",
        "app_name",
        "dmsa_installed",
        "covers_projects",
        "covers_permissions",
        "ready_to_retire",
        "retired",
    ]
    .iter()
    .map(|h| h.to_string())
    .collect::<Vec<_>>()];
    for r in rows {
        out.push(vec![
            r.service_account_id.to_string(),
            r.name,
            r.company_id.to_string(),
            r.company_name,
            r.app_type,
            r.app_id.map(|a| a.to_string()).unwrap_or_default(),
            r.app_name.unwrap_or_default(),
            r.dmsa_installed.to_string(),
            r.covers_projects.to_string(),
            r.covers_permissions.to_string(),
            r.ready_to_retire.to_string(),
            r.retired.to_string(),
        ]);
    }
    csv_response(name, out)
}

pub(super) async fn report(
    s: &AppState,
    actor: trestle_domain::policy::Actor,
    company: Option<CompanyId>,
) -> Result<Vec<MigrationRowOut>, ApiError> {
    Ok(s.core
        .migration_report(actor, company)
        .await?
        .into_iter()
        .map(ToDto::dto)
        .collect())
}

/// Company admin: each service account, its app, and whether a DMSA install covers it.
#[utoipa::path(get, path = "/api/v1/companies/{company_id}/service_accounts/migration_report", tag = "service accounts",
    security(("api_token" = [])), params(("company_id" = i64, Path)), responses((status = 200, body = [MigrationRowOut])))]
pub(super) async fn company_report(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(company): ApiPath<CompanyId>,
) -> Result<Response, ApiError> {
    Ok(with_warnings(
        &s,
        Json(report(&s, actor, Some(company)).await?).into_response(),
    ))
}

/// Company admin: the migration report as CSV.
#[utoipa::path(get, path = "/api/v1/companies/{company_id}/service_accounts/migration_report.csv", tag = "service accounts",
    security(("api_token" = [])), params(("company_id" = i64, Path)), responses((status = 200, content_type = "text/csv", body = String)))]
pub(super) async fn company_report_csv(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(company): ApiPath<CompanyId>,
) -> Result<Response, ApiError> {
    Ok(report_csv(
        report(&s, actor, Some(company)).await?,
        &format!("company-{company}-service-accounts.csv"),
    ))
}

/// Operator: the migration report of every company.
#[utoipa::path(get, path = "/api/v1/service_accounts/migration_report", tag = "service accounts",
    security(("api_token" = [])), responses((status = 200, body = [MigrationRowOut]), (status = 403, body = ErrorBody)))]
pub(super) async fn operator_report(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
) -> Result<Response, ApiError> {
    Ok(with_warnings(&s, Json(report(&s, actor, None).await?).into_response()))
}

/// Operator: the migration report of every company, as CSV.
#[utoipa::path(get, path = "/api/v1/service_accounts/migration_report.csv", tag = "service accounts",
    security(("api_token" = [])), responses((status = 200, content_type = "text/csv", body = String)))]
pub(super) async fn operator_report_csv(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
) -> Result<Response, ApiError> {
    Ok(report_csv(report(&s, actor, None).await?, "service-accounts.csv"))
}

#[cfg(test)]
mod tests {
    #[test]
    fn http_dates() {
        assert_eq!(super::httpdate(std::time::UNIX_EPOCH), "Thu, 01 Jan 1970 00:00:00 GMT");
        let t = std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_742_256_000);
        assert_eq!(super::httpdate(t), "Tue, 18 Mar 2025 00:00:00 GMT");
    }
}
