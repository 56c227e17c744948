//! Company administration and marketplace endpoints beyond the basics in `manage.rs`: the
//! directory, member permissions, project members, install settings, publishing, audit logs.

use crate::error::{ApiError, ErrorBody};
use crate::extract::{ApiActor, ApiJson, ApiPath};
use crate::manage::{app_out, AppOut, InstallOut};
use crate::paging::{origin, page_request, paged, paged_as, query_pairs};
use crate::portal::csv_response;
use crate::AppState;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::Response;
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use trestle_core::CoreError;
use trestle_domain::manifest::parse_tool_permissions;
use trestle_domain::page::Page;
use trestle_domain::permissions::{ToolPermissions, ToolScope};
use trestle_domain::*;
use trestle_store::{AuditEvent, DirectoryEntry};
use utoipa::ToSchema;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/companies/{company_id}/users/{user_id}", put(update_member))
        .route(
            "/api/v1/companies/{company_id}/projects/{project_id}/users",
            post(add_project_member),
        )
        .route(
            "/api/v1/companies/{company_id}/projects/{project_id}/users/{user_id}",
            axum::routing::delete(remove_project_member),
        )
        .route("/api/v1/audit", get(platform_audit))
        .route("/api/v1/companies/{company_id}/audit", get(company_audit))
        .route("/api/v1/companies/{company_id}/audit.csv", get(company_audit_csv))
        .route("/api/v1/apps/{app_id}/publish", post(publish_app))
        .route("/api/v1/apps/{app_id}/suspend", post(suspend_app))
        .route("/api/v1/apps/{app_id}/resume", post(resume_app))
        .route("/api/v1/apps/{app_id}/audit", get(app_audit))
        .route("/api/v1/marketplace", get(marketplace))
}

pub(crate) fn permissions(v: &Option<Value>, scope: ToolScope) -> Result<ToolPermissions, ApiError> {
    match v {
        None | Some(Value::Null) => Ok(ToolPermissions::default()),
        Some(v) => parse_tool_permissions(v, scope, "$.permissions")
            .map_err(|ps| ApiError(CoreError::invalid("invalid permissions", ps))),
    }
}

#[derive(Serialize, ToSchema)]
pub struct DirectoryUserOut {
    pub id: i64,
    pub name: String,
    pub email_address: String,
    /// `person`, `bot` for an app's DMSA user, or `service_account` for a traditional service
    /// account's directory contact.
    pub kind: &'static str,
    pub is_active: bool,
    pub is_admin: bool,
    #[schema(value_type = Object)]
    pub permissions: Value,
}

impl From<DirectoryEntry> for DirectoryUserOut {
    fn from(e: DirectoryEntry) -> Self {
        DirectoryUserOut {
            id: e.user.id.0,
            name: e.user.name,
            email_address: e.user.email,
            kind: e.user.kind.as_str(),
            is_active: e.is_active,
            is_admin: e.is_admin,
            permissions: serde_json::from_str(&e.permissions_json).unwrap_or(Value::Null),
        }
    }
}

/// Company admin: the company directory; app bots are marked `kind: "bot"`, traditional
/// service accounts `kind: "service_account"`.
#[utoipa::path(get, path = "/api/v1/companies/{company_id}/users", tag = "company admin", security(("api_token" = [])),
    params(("company_id" = i64, Path), ("page" = Option<u32>, Query), ("per_page" = Option<u32>, Query)),
    responses((status = 200, body = [DirectoryUserOut]), (status = 403, body = ErrorBody)))]
pub(crate) async fn list_directory(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(company): ApiPath<i64>,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Response, ApiError> {
    let pairs = query_pairs(&uri);
    let req = page_request(&pairs)?;
    let page = s.core.admin_directory(actor, CompanyId(company), req).await?;
    Ok(paged_as(&s, &headers, &uri, &pairs, req, page, DirectoryUserOut::from))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateMember {
    pub is_admin: bool,
    /// The company permission template, `{tool: level}`.
    #[schema(value_type = Object)]
    pub permissions: Option<Value>,
}

/// Company admin: change a person's role and permission template (bots are refused: their
/// permissions come from the app's manifest).
#[utoipa::path(put, path = "/api/v1/companies/{company_id}/users/{user_id}", tag = "company admin",
    security(("api_token" = [])), params(("company_id" = i64, Path), ("user_id" = i64, Path)), request_body = UpdateMember,
    responses((status = 204), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn update_member(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath((company, user)): ApiPath<(i64, i64)>,
    ApiJson(b): ApiJson<UpdateMember>,
) -> Result<StatusCode, ApiError> {
    let perms = permissions(&b.permissions, ToolScope::Company)?;
    s.core
        .update_company_member(actor, CompanyId(company), UserId(user), b.is_admin, perms)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProjectMemberIn {
    pub user_id: i64,
    /// Project permissions, `{tool: level}`.
    #[schema(value_type = Object)]
    pub permissions: Option<Value>,
}

/// Company admin: add a company member to a project (bots join through permitted projects).
#[utoipa::path(post, path = "/api/v1/companies/{company_id}/projects/{project_id}/users", tag = "company admin",
    security(("api_token" = [])), params(("company_id" = i64, Path), ("project_id" = i64, Path)), request_body = ProjectMemberIn,
    responses((status = 204), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn add_project_member(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath((company, project)): ApiPath<(i64, i64)>,
    ApiJson(b): ApiJson<ProjectMemberIn>,
) -> Result<StatusCode, ApiError> {
    let perms = permissions(&b.permissions, ToolScope::Project)?;
    s.core
        .admin_add_project_member(actor, CompanyId(company), ProjectId(project), UserId(b.user_id), perms)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Company admin: remove someone from a project.
#[utoipa::path(delete, path = "/api/v1/companies/{company_id}/projects/{project_id}/users/{user_id}", tag = "company admin",
    security(("api_token" = [])), params(("company_id" = i64, Path), ("project_id" = i64, Path), ("user_id" = i64, Path)),
    responses((status = 204), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub(crate) async fn remove_project_member(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath((company, project, user)): ApiPath<(i64, i64, i64)>,
) -> Result<StatusCode, ApiError> {
    s.core
        .admin_remove_project_member(actor, CompanyId(company), ProjectId(project), UserId(user))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateInstall {
    /// Add the app's bot to every project created from now on.
    pub add_to_new_projects: bool,
}

/// Company admin: change an install's settings ("add to all new projects").
#[utoipa::path(patch, path = "/api/v1/companies/{company_id}/installs/{install_id}", tag = "company admin",
    security(("api_token" = [])), params(("company_id" = i64, Path), ("install_id" = i64, Path)), request_body = UpdateInstall,
    responses((status = 200, body = InstallOut), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub(crate) async fn update_install(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath((company, install)): ApiPath<(i64, i64)>,
    ApiJson(b): ApiJson<UpdateInstall>,
) -> Result<Json<InstallOut>, ApiError> {
    Ok(Json(
        s.core
            .set_add_to_new_projects(actor, CompanyId(company), InstallId(install), b.add_to_new_projects)
            .await?
            .into(),
    ))
}

#[derive(Serialize, ToSchema)]
pub struct AuditOut {
    pub id: i64,
    /// Unix seconds.
    pub at: i64,
    /// `operator`, `person`, `bot`, `system`, `client` or `anonymous` (a sign-in with an
    /// unknown e-mail address).
    pub actor_kind: String,
    pub actor_user_id: Option<i64>,
    pub company_id: Option<i64>,
    pub app_id: Option<i64>,
    pub action: String,
    pub target_type: String,
    pub target_id: String,
    #[schema(value_type = Object)]
    pub before: Value,
    #[schema(value_type = Object)]
    pub after: Value,
}

impl From<AuditEvent> for AuditOut {
    fn from(e: AuditEvent) -> Self {
        let parse = |j: Option<String>| j.and_then(|j| serde_json::from_str(&j).ok()).unwrap_or(Value::Null);
        AuditOut {
            id: e.id,
            at: e.at,
            actor_kind: e.actor_kind,
            actor_user_id: e.actor_user_id.map(|u| u.0),
            company_id: e.company_id.map(|c| c.0),
            app_id: e.app_id.map(|a| a.0),
            action: e.action,
            target_type: e.target_type,
            target_id: e.target_id,
            before: parse(e.before_json),
            after: parse(e.after_json),
        }
    }
}

/// Company admin: the audit log (who, what, when, before/after), paginated.
#[utoipa::path(get, path = "/api/v1/companies/{company_id}/audit", tag = "company admin", security(("api_token" = [])),
    params(("company_id" = i64, Path), ("page" = Option<u32>, Query), ("per_page" = Option<u32>, Query)),
    responses((status = 200, body = [AuditOut]), (status = 403, body = ErrorBody)))]
pub(crate) async fn company_audit(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(company): ApiPath<i64>,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Response, ApiError> {
    let pairs = query_pairs(&uri);
    let req = page_request(&pairs)?;
    let page = s.core.company_audit(actor, CompanyId(company), req).await?;
    Ok(paged_as(&s, &headers, &uri, &pairs, req, page, AuditOut::from))
}

/// Operator: the whole platform's audit log, oldest first — every company's events and every
/// sign-in attempt (`signin.success`, `signin.failure`, with the e-mail and client address).
#[utoipa::path(get, path = "/api/v1/audit", tag = "operator", security(("api_token" = [])),
    params(("page" = Option<u32>, Query), ("per_page" = Option<u32>, Query)),
    responses((status = 200, body = [AuditOut]), (status = 403, body = ErrorBody)))]
pub(crate) async fn platform_audit(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Response, ApiError> {
    let pairs = query_pairs(&uri);
    let req = page_request(&pairs)?;
    let page = s.core.platform_audit(actor, req).await?;
    Ok(paged_as(&s, &headers, &uri, &pairs, req, page, AuditOut::from))
}

/// Company admin: the whole audit log as CSV.
#[utoipa::path(get, path = "/api/v1/companies/{company_id}/audit.csv", tag = "company admin", security(("api_token" = [])),
    params(("company_id" = i64, Path)), responses((status = 200, content_type = "text/csv", body = String), (status = 403, body = ErrorBody)))]
pub(crate) async fn company_audit_csv(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(company): ApiPath<i64>,
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
    let mut page = trestle_domain::page::PageRequest {
        page: 1,
        per_page: trestle_domain::page::MAX_PER_PAGE,
    };
    loop {
        let chunk = s.core.company_audit(actor, CompanyId(company), page).await?;
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
        if n < page.per_page as usize {
            break;
        }
        page.page += 1;
    }
    Ok(csv_response(&format!("company-{company}-audit.csv"), rows))
}

/// Why the operator suspends an app.
#[derive(serde::Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SuspendIn {
    /// Shown to the app's developer and recorded in the audit log.
    #[schema(max_length = 500)]
    pub reason: String,
}

/// An app's suspension state.
#[derive(Serialize, ToSchema)]
pub struct SuspensionOut {
    pub app_id: i64,
    pub suspended_at: Option<i64>,
    pub suspended_reason: Option<String>,
}

fn suspension_out(app: trestle_store::App) -> Json<SuspensionOut> {
    Json(SuspensionOut {
        app_id: app.id.0,
        suspended_at: app.suspended_at,
        suspended_reason: app.suspended_reason,
    })
}

/// Operator: suspend an app — the kill switch. It gets no tokens, and every token it holds (its
/// own and those of people who signed in to it) is refused from the next request, on every
/// node. Installs are kept; resuming restores everything.
#[utoipa::path(post, path = "/api/v1/apps/{app_id}/suspend", tag = "operator", security(("api_token" = [])),
    params(("app_id" = i64, Path)), request_body = SuspendIn,
    responses((status = 200, body = SuspensionOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn suspend_app(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(app): ApiPath<i64>,
    ApiJson(b): ApiJson<SuspendIn>,
) -> Result<Json<SuspensionOut>, ApiError> {
    Ok(suspension_out(s.core.suspend_app(actor, AppId(app), &b.reason).await?))
}

/// Operator: lift an app's suspension.
#[utoipa::path(post, path = "/api/v1/apps/{app_id}/resume", tag = "operator", security(("api_token" = [])),
    params(("app_id" = i64, Path)),
    responses((status = 200, body = SuspensionOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn resume_app(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(app): ApiPath<i64>,
) -> Result<Json<SuspensionOut>, ApiError> {
    Ok(suspension_out(s.core.resume_app(actor, AppId(app)).await?))
}

/// Developer: list the app in the marketplace (it needs a promoted version).
#[utoipa::path(post, path = "/api/v1/apps/{app_id}/publish", tag = "developer", security(("api_token" = [])),
    params(("app_id" = i64, Path)), responses((status = 200, body = AppOut), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub(crate) async fn publish_app(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(app): ApiPath<i64>,
) -> Result<Json<AppOut>, ApiError> {
    let app = s.core.publish_app(actor, AppId(app)).await?;
    Ok(Json(app_out(&s, actor, app).await?))
}

/// Developer: the app's audit log (what happens inside installing companies shows without details).
#[utoipa::path(get, path = "/api/v1/apps/{app_id}/audit", tag = "developer", security(("api_token" = [])),
    params(("app_id" = i64, Path), ("page" = Option<u32>, Query), ("per_page" = Option<u32>, Query)),
    responses((status = 200, body = [AuditOut]), (status = 404, body = ErrorBody)))]
pub(crate) async fn app_audit(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(app): ApiPath<i64>,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Response, ApiError> {
    let pairs = query_pairs(&uri);
    let req = page_request(&pairs)?;
    let page = s.core.app_audit(actor, AppId(app), req).await?;
    Ok(paged_as(&s, &headers, &uri, &pairs, req, page, AuditOut::from))
}

#[derive(Serialize, ToSchema)]
pub struct MarketplaceApp {
    pub id: i64,
    pub name: String,
    pub published_at: Option<i64>,
}

/// The marketplace: published apps. Install one with `POST /api/v1/companies/{id}/installs {"app_id": …}`.
#[utoipa::path(get, path = "/api/v1/marketplace", tag = "company admin", security(("api_token" = [])),
    params(("page" = Option<u32>, Query), ("per_page" = Option<u32>, Query)), responses((status = 200, body = [MarketplaceApp])))]
pub(crate) async fn marketplace(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Response, ApiError> {
    let pairs = query_pairs(&uri);
    let req = page_request(&pairs)?;
    let page = s.core.marketplace(actor, req).await?;
    let items: Vec<MarketplaceApp> = page
        .items
        .into_iter()
        .map(|a| MarketplaceApp {
            id: a.id.0,
            name: a.name,
            published_at: a.published_at,
        })
        .collect();
    Ok(paged(
        &origin(s.public_url.as_deref(), &headers),
        &uri,
        &pairs,
        req,
        Page {
            items,
            total: page.total,
        },
    ))
}
