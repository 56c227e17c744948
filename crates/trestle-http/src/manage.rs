//! Trestle's management API (`/api/v1`): operator, developer portal and company admin actions.
//! Authenticated by API tokens (`Authorization: Bearer trs_…`); documented in `/openapi.json`.

use crate::error::{ApiError, ErrorBody};
use crate::extract::{ApiActor, ApiJson, ApiPath};
use crate::paging::{origin, page_request, paged, paged_as, query_pairs};
use crate::AppState;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post, put};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use trestle_core::{CoreError, InstallRequest, InstallView};
use trestle_domain::page::Page;
use trestle_domain::*;
use trestle_store::{App, AppVersion, Company, NewProject, Project, User, VersionStatus};
use utoipa::ToSchema;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/me", get(whoami))
        .route("/api/v1/people", post(create_person).get(crate::projects::list_people))
        .route("/api/v1/people/{user_id}/api_tokens", post(create_api_token))
        .route(
            "/api/v1/companies",
            post(create_company).get(crate::projects::list_companies),
        )
        .route("/api/v1/companies/{company_id}", get(get_company))
        .route(
            "/api/v1/companies/{company_id}/projects",
            post(create_project).get(list_company_projects),
        )
        .route(
            "/api/v1/companies/{company_id}/users",
            post(crate::projects::add_member).get(crate::admin::list_directory),
        )
        .route(
            "/api/v1/companies/{company_id}/installs",
            post(install_app).get(list_installs),
        )
        .route(
            "/api/v1/companies/{company_id}/installs/{install_id}",
            get(get_install).delete(uninstall).patch(crate::admin::update_install),
        )
        .route(
            "/api/v1/companies/{company_id}/installs/{install_id}/permitted_projects",
            get(list_permitted).post(add_permitted),
        )
        .route(
            "/api/v1/companies/{company_id}/installs/{install_id}/permitted_projects/add_all",
            post(add_all_permitted),
        )
        .route(
            "/api/v1/companies/{company_id}/installs/{install_id}/permitted_projects/{project_id}",
            delete(remove_permitted),
        )
        .route("/api/v1/apps", post(create_app).get(list_apps))
        .route(
            "/api/v1/apps/{app_id}",
            get(get_app)
                .patch(crate::portal::rename_app)
                .delete(crate::portal::delete_app),
        )
        .route(
            "/api/v1/apps/{app_id}/versions",
            post(create_version).get(list_versions),
        )
        .route(
            "/api/v1/apps/{app_id}/versions/{version_id}",
            get(get_version).patch(update_version),
        )
        .route(
            "/api/v1/apps/{app_id}/versions/{version_id}/promote",
            post(promote_version),
        )
        .route(
            "/api/v1/companies/{company_id}/installs/{install_id}/updates",
            get(list_install_updates),
        )
        .route(
            "/api/v1/companies/{company_id}/installs/{install_id}/updates/{update_id}/approve",
            post(approve_update),
        )
        .route("/api/v1/people/{user_id}/password", put(set_password))
        .route(
            "/api/v1/apps/{app_id}/redirect_uris",
            post(add_redirect_uri).get(list_redirect_uris),
        )
        .merge(crate::portal::routes())
        .merge(crate::projects::routes())
        .merge(crate::admin::routes())
        .merge(crate::service_accounts::routes())
}

// ----- bodies -----

#[derive(Serialize, ToSchema)]
pub struct UserOut {
    pub id: i64,
    /// `person`, `bot` (an app's DMSA user) or `service_account`.
    pub kind: &'static str,
    pub email: String,
    pub name: String,
    pub created_at: i64,
}

impl From<User> for UserOut {
    fn from(u: User) -> Self {
        UserOut {
            id: u.id.0,
            kind: u.kind.as_str(),
            email: u.email,
            name: u.name,
            created_at: u.created_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct WhoAmI {
    /// `operator` or `person`.
    pub kind: &'static str,
    pub user: Option<UserOut>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreatePerson {
    #[schema(max_length = 254)]
    pub email: String,
    #[schema(max_length = 200)]
    pub name: String,
    /// Lets the person sign in to apps (authorization_code); at least 10 characters.
    #[schema(max_length = 1000)]
    pub password: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct PersonCreated {
    pub user: UserOut,
    /// The person's first API token. Shown once; only its keyed hash is stored.
    pub api_token: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateApiToken {
    #[schema(max_length = 100)]
    pub label: String,
}

#[derive(Serialize, ToSchema)]
pub struct ApiTokenCreated {
    /// Shown once; only its keyed hash is stored.
    pub api_token: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateCompany {
    #[schema(max_length = 200)]
    pub name: String,
    /// An existing person who becomes the company's first admin.
    pub admin_user_id: i64,
}

#[derive(Serialize, ToSchema)]
pub struct CompanyOut {
    pub id: i64,
    pub name: String,
    pub is_active: bool,
    pub created_at: i64,
}

impl From<Company> for CompanyOut {
    fn from(c: Company) -> Self {
        CompanyOut {
            id: c.id.0,
            name: c.name,
            is_active: c.is_active,
            created_at: c.created_at,
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateProject {
    /// 1 to 200 characters, one line.
    #[schema(max_length = 200)]
    pub name: String,
    /// At most 100 characters.
    #[schema(max_length = 100)]
    pub project_number: Option<String>,
    /// At most 255 characters.
    #[schema(max_length = 255)]
    pub address: Option<String>,
    /// At most 100 characters.
    #[schema(max_length = 100)]
    pub city: Option<String>,
    /// ISO 3166-2 subdivision code without the country, e.g. `CA` (1 to 3 letters or digits).
    #[schema(max_length = 3)]
    pub state_code: Option<String>,
    /// ISO 3166-1 alpha-2 country code, e.g. `US`.
    #[schema(max_length = 2)]
    pub country_code: Option<String>,
    /// At most 20 characters.
    #[schema(max_length = 20)]
    pub zip: Option<String>,
}

impl From<CreateProject> for NewProject {
    fn from(b: CreateProject) -> Self {
        NewProject {
            name: b.name,
            project_number: b.project_number,
            address: b.address,
            city: b.city,
            state_code: b.state_code,
            country_code: b.country_code,
            zip: b.zip,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ProjectOut {
    pub id: i64,
    pub company_id: i64,
    pub name: String,
    pub project_number: Option<String>,
    pub address: Option<String>,
    pub city: Option<String>,
    pub state_code: Option<String>,
    pub country_code: Option<String>,
    pub zip: Option<String>,
    /// `false` for a deactivated project.
    pub active: bool,
    pub created_at: i64,
    pub updated_at: i64,
}

impl From<Project> for ProjectOut {
    fn from(p: Project) -> Self {
        ProjectOut {
            id: p.id.0,
            company_id: p.company_id.0,
            name: p.name,
            project_number: p.project_number,
            address: p.address,
            city: p.city,
            state_code: p.state_code,
            country_code: p.country_code,
            zip: p.zip,
            active: p.active,
            created_at: p.created_at,
            updated_at: p.updated_at,
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateApp {
    #[schema(max_length = 100)]
    pub name: String,
}

#[derive(Serialize, ToSchema)]
pub struct AppOut {
    pub id: i64,
    pub name: String,
    pub created_at: i64,
    /// The production client_id, once the first version is promoted.
    pub production_client_id: Option<String>,
    /// The sandbox client_id (works only in the development sandbox).
    pub sandbox_client_id: Option<String>,
    /// The app's development sandbox company.
    pub sandbox_company_id: Option<i64>,
    /// When the platform operator suspended the app (it gets no tokens meanwhile), and why.
    pub suspended_at: Option<i64>,
    pub suspended_reason: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct SandboxCredentialsOut {
    pub company_id: Option<i64>,
    pub client_id: String,
    /// Shown exactly once. Trestle keeps only a keyed hash and cannot show it again.
    pub client_secret: String,
    pub warning: &'static str,
    /// What these credentials need before they get a token: a version of the app.
    pub note: String,
}

#[derive(Serialize, ToSchema)]
pub struct AppCreated {
    pub app: AppOut,
    /// The development sandbox's credentials.
    pub sandbox: SandboxCredentialsOut,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateVersion {
    /// SemVer 2.0.0 version (e.g. `1.0.0`, `1.1.0-rc.1`), at most 100 characters, ordering above
    /// every existing version by SemVer precedence: build metadata (`+…`) is ignored, so
    /// `1.0.0+b` already exists when `1.0.0+a` does.
    #[schema(max_length = 100, example = "1.0.0")]
    pub version: String,
    /// The app manifest (see the README for its shape).
    #[schema(value_type = Object)]
    pub manifest: Value,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateVersion {
    #[schema(value_type = Object)]
    pub manifest: Value,
}

#[derive(Serialize, ToSchema)]
pub struct VersionOut {
    pub id: i64,
    pub app_id: i64,
    pub version: String,
    /// `ready_for_testing` or `promoted`.
    pub status: &'static str,
    /// The App Version ID admins use for a custom install; set on promotion.
    pub app_version_id: Option<String>,
    #[schema(value_type = Object)]
    pub manifest: Value,
    pub created_at: i64,
    pub updated_at: i64,
    pub promoted_at: Option<i64>,
    /// Installs this version in the app's development sandbox (renewed on every save).
    pub sandbox_key: Option<String>,
}

impl From<AppVersion> for VersionOut {
    fn from(v: AppVersion) -> Self {
        VersionOut {
            id: v.id.0,
            app_id: v.app_id.0,
            status: v.status.as_str(),
            version: v.version,
            app_version_id: v.app_version_uuid,
            manifest: serde_json::from_str(&v.manifest_json).unwrap_or(Value::Null),
            created_at: v.created_at,
            updated_at: v.updated_at,
            promoted_at: v.promoted_at,
            sandbox_key: v.sandbox_key,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct CredentialsOut {
    pub client_id: String,
    /// Shown exactly once. Trestle keeps only a keyed hash and cannot show it again.
    pub client_secret: String,
    pub warning: &'static str,
}

#[derive(Serialize, ToSchema)]
pub struct PromotionOut {
    pub version: VersionOut,
    /// Present only on the first promotion, which creates the production credentials.
    pub credentials: Option<CredentialsOut>,
    /// What each installed company was offered.
    pub updates: Vec<UpdateOut>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InstallIn {
    /// Custom install: the 36-character App Version ID of a promoted version (or, in a
    /// development sandbox, a version's sandbox key).
    #[serde(default)]
    #[schema(max_length = 100)]
    pub app_version_id: String,
    /// Marketplace install: a published app's id (installs its newest promoted version).
    #[serde(default)]
    pub app_id: Option<i64>,
    #[serde(default)]
    pub permitted_project_ids: Vec<i64>,
    /// Add the app's bot to every project created later.
    #[serde(default)]
    pub add_to_new_projects: bool,
}

#[derive(Serialize, ToSchema)]
pub struct AppRef {
    pub id: i64,
    pub name: String,
}

#[derive(Serialize, ToSchema)]
pub struct BotOut {
    pub id: i64,
    pub name: String,
    pub email: String,
}

#[derive(Serialize, ToSchema)]
pub struct InstallOut {
    pub id: i64,
    pub company_id: i64,
    pub app: AppRef,
    pub version: String,
    pub app_version_id: Option<String>,
    /// `installed` or `uninstalled`.
    pub status: &'static str,
    pub installed_at: i64,
    pub uninstalled_at: Option<i64>,
    pub add_to_new_projects: bool,
    pub bot: BotOut,
    pub permitted_project_ids: Vec<i64>,
    #[schema(value_type = Object)]
    pub company_permissions: Value,
    #[schema(value_type = Object)]
    pub project_permissions: Value,
    pub post_installation_notes: Option<String>,
    pub instructions_url: Option<String>,
    pub instructions_page_name: Option<String>,
    /// A newer version that widens permissions, waiting for approval.
    pub pending_update: Option<UpdateOut>,
}

#[derive(Serialize, ToSchema)]
pub struct UpdateOut {
    pub id: i64,
    pub install_id: i64,
    pub company_id: i64,
    pub app_id: i64,
    pub from_version_id: i64,
    pub to_version_id: i64,
    /// `pending` (waits for the company admin), `applied` (did not widen permissions),
    /// `approved` or `superseded`.
    pub status: String,
    /// The tools the new version raises: `[{scope, tool, from, to}]`.
    #[schema(value_type = Vec<Object>)]
    pub widened: Value,
    pub created_at: i64,
    pub decided_at: Option<i64>,
}

impl From<trestle_store::InstallUpdate> for UpdateOut {
    fn from(u: trestle_store::InstallUpdate) -> Self {
        UpdateOut {
            id: u.id,
            install_id: u.install_id.0,
            company_id: u.company_id.0,
            app_id: u.app_id.0,
            from_version_id: u.from_version_id.0,
            to_version_id: u.to_version_id.0,
            status: u.status,
            widened: serde_json::from_str(&u.widened_json).unwrap_or(Value::Null),
            created_at: u.created_at,
            decided_at: u.decided_at,
        }
    }
}

impl From<InstallView> for InstallOut {
    fn from(v: InstallView) -> Self {
        InstallOut {
            id: v.install.id.0,
            company_id: v.install.company_id.0,
            app: AppRef {
                id: v.app.id.0,
                name: v.app.name,
            },
            version: v.version.version,
            app_version_id: v.version.app_version_uuid,
            status: if v.install.status == trestle_store::InstallStatus::Installed {
                "installed"
            } else {
                "uninstalled"
            },
            installed_at: v.install.installed_at,
            uninstalled_at: v.install.uninstalled_at,
            add_to_new_projects: v.install.add_to_new_projects,
            bot: BotOut {
                id: v.bot.id.0,
                name: v.bot.name,
                email: v.bot.email,
            },
            permitted_project_ids: v.permitted_project_ids.into_iter().map(|p| p.0).collect(),
            company_permissions: serde_json::to_value(&v.manifest.company_permissions).unwrap_or(Value::Null),
            project_permissions: serde_json::to_value(&v.manifest.project_permissions).unwrap_or(Value::Null),
            post_installation_notes: v.manifest.post_installation_notes,
            instructions_url: v.manifest.instructions_url,
            instructions_page_name: v.manifest.instructions_page_name,
            pending_update: v.pending_update.map(Into::into),
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProjectIds {
    pub project_ids: Vec<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct PermittedOut {
    pub permitted_project_ids: Vec<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct AddAllOut {
    /// How many projects were newly permitted.
    pub added: u64,
}

pub(crate) fn created<T: Serialize>(body: T) -> Response {
    (StatusCode::CREATED, Json(body)).into_response()
}

/// A response carrying a secret: never cached.
pub(crate) fn secret_response(status: StatusCode, body: impl Serialize) -> Response {
    let mut res = (status, Json(body)).into_response();
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res.headers_mut()
        .insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    res
}

fn permitted(ids: Vec<ProjectId>) -> Json<PermittedOut> {
    Json(PermittedOut {
        permitted_project_ids: ids.into_iter().map(|p| p.0).collect(),
    })
}

// ----- handlers -----

/// Who the API token belongs to.
#[utoipa::path(get, path = "/api/v1/me", tag = "account", security(("api_token" = [])),
    responses((status = 200, body = WhoAmI), (status = 401, body = ErrorBody)))]
async fn whoami(State(s): State<AppState>, ApiActor(actor): ApiActor) -> Result<Json<WhoAmI>, ApiError> {
    let user = s.core.whoami(actor).await?;
    let kind = if user.is_some() { "person" } else { "operator" };
    Ok(Json(WhoAmI {
        kind,
        user: user.map(Into::into),
    }))
}

/// Operator: create a person (a developer or company user) with a first API token.
#[utoipa::path(post, path = "/api/v1/people", tag = "operator", security(("api_token" = [])), request_body = CreatePerson,
    responses((status = 201, body = PersonCreated), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_person(
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
            user: p.user.into(),
            api_token: p.api_token,
        },
    ))
}

/// Issue another API token for a person (the operator for anyone, a person for themself).
#[utoipa::path(post, path = "/api/v1/people/{user_id}/api_tokens", tag = "account", security(("api_token" = [])),
    params(("user_id" = i64, Path)), request_body = CreateApiToken,
    responses((status = 201, body = ApiTokenCreated), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn create_api_token(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(user): ApiPath<i64>,
    ApiJson(body): ApiJson<CreateApiToken>,
) -> Result<Response, ApiError> {
    let api_token = s.core.issue_api_token(actor, UserId(user), &body.label).await?;
    Ok(secret_response(StatusCode::CREATED, ApiTokenCreated { api_token }))
}

/// Operator: create a company with its first admin.
#[utoipa::path(post, path = "/api/v1/companies", tag = "operator", security(("api_token" = [])), request_body = CreateCompany,
    responses((status = 201, body = CompanyOut), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_company(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(body): ApiJson<CreateCompany>,
) -> Result<Response, ApiError> {
    let c = s
        .core
        .create_company(actor, &body.name, UserId(body.admin_user_id))
        .await?;
    Ok(created(CompanyOut::from(c)))
}

/// Company admin: the company's details.
#[utoipa::path(get, path = "/api/v1/companies/{company_id}", tag = "company admin", security(("api_token" = [])),
    params(("company_id" = i64, Path)), responses((status = 200, body = CompanyOut), (status = 403, body = ErrorBody)))]
async fn get_company(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(company): ApiPath<i64>,
) -> Result<Json<CompanyOut>, ApiError> {
    Ok(Json(s.core.get_company(actor, CompanyId(company)).await?.into()))
}

/// Company admin: create a project.
#[utoipa::path(post, path = "/api/v1/companies/{company_id}/projects", tag = "company admin", security(("api_token" = [])),
    params(("company_id" = i64, Path)), request_body = CreateProject,
    responses((status = 201, body = ProjectOut), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_project(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(company): ApiPath<i64>,
    ApiJson(b): ApiJson<CreateProject>,
) -> Result<Response, ApiError> {
    let p = s.core.create_project(actor, CompanyId(company), b.into()).await?;
    Ok(created(ProjectOut::from(p)))
}

/// Company admin: list the projects (paginated: `page`, `per_page`): the active ones, or by
/// `status` (`active`, `inactive`, `all`); `query` matches a part of the name or number.
#[utoipa::path(get, path = "/api/v1/companies/{company_id}/projects", tag = "company admin", security(("api_token" = [])),
    params(("company_id" = i64, Path), ("status" = Option<String>, Query, description = "active (default), inactive or all"),
        ("query" = Option<String>, Query, description = "part of the name or number, at most 200 characters"),
        ("page" = Option<u32>, Query), ("per_page" = Option<u32>, Query)),
    responses((status = 200, body = [ProjectOut]), (status = 403, body = ErrorBody)))]
async fn list_company_projects(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(company): ApiPath<i64>,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Response, ApiError> {
    let pairs = query_pairs(&uri);
    let req = page_request(&pairs)?;
    let filter = crate::projects::project_filter(&pairs)?;
    let page = s
        .core
        .find_company_projects(actor, CompanyId(company), filter, req)
        .await?;
    Ok(paged_as(&s, &headers, &uri, &pairs, req, page, ProjectOut::from))
}

/// Company admin: install an app version (custom install by App Version ID).
#[utoipa::path(post, path = "/api/v1/companies/{company_id}/installs", tag = "company admin", security(("api_token" = [])),
    params(("company_id" = i64, Path)), request_body = InstallIn,
    responses((status = 201, body = InstallOut), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn install_app(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(company): ApiPath<i64>,
    ApiJson(b): ApiJson<InstallIn>,
) -> Result<Response, ApiError> {
    if b.app_id.is_none() && b.app_version_id.trim().is_empty() {
        return Err(CoreError::invalid_field(
            "$.app_version_id",
            "give an App Version ID, or an app_id from the marketplace",
        )
        .into());
    }
    let req = InstallRequest {
        app_version_id: b.app_version_id,
        marketplace_app: b.app_id.map(AppId),
        permitted_project_ids: b.permitted_project_ids.into_iter().map(ProjectId).collect(),
        add_to_new_projects: b.add_to_new_projects,
    };
    let v = s.core.install_app(actor, CompanyId(company), &req).await?;
    Ok(created(InstallOut::from(v)))
}

/// Company admin: installed (and formerly installed) apps.
#[utoipa::path(get, path = "/api/v1/companies/{company_id}/installs", tag = "company admin", security(("api_token" = [])),
    params(("company_id" = i64, Path)), responses((status = 200, body = [InstallOut]), (status = 403, body = ErrorBody)))]
async fn list_installs(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(company): ApiPath<i64>,
) -> Result<Json<Vec<InstallOut>>, ApiError> {
    let v = s.core.list_installs(actor, CompanyId(company)).await?;
    Ok(Json(v.into_iter().map(Into::into).collect()))
}

/// Company admin: one install, with its post-installation notes.
#[utoipa::path(get, path = "/api/v1/companies/{company_id}/installs/{install_id}", tag = "company admin", security(("api_token" = [])),
    params(("company_id" = i64, Path), ("install_id" = i64, Path)),
    responses((status = 200, body = InstallOut), (status = 404, body = ErrorBody)))]
async fn get_install(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath((company, install)): ApiPath<(i64, i64)>,
) -> Result<Json<InstallOut>, ApiError> {
    Ok(Json(
        s.core
            .get_install(actor, CompanyId(company), InstallId(install))
            .await?
            .into(),
    ))
}

/// Company admin: uninstall. Access ends with the next request.
#[utoipa::path(delete, path = "/api/v1/companies/{company_id}/installs/{install_id}", tag = "company admin", security(("api_token" = [])),
    params(("company_id" = i64, Path), ("install_id" = i64, Path)),
    responses((status = 200, body = InstallOut), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn uninstall(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath((company, install)): ApiPath<(i64, i64)>,
) -> Result<Json<InstallOut>, ApiError> {
    Ok(Json(
        s.core
            .uninstall(actor, CompanyId(company), InstallId(install))
            .await?
            .into(),
    ))
}

/// Company admin: the install's permitted projects.
#[utoipa::path(get, path = "/api/v1/companies/{company_id}/installs/{install_id}/permitted_projects", tag = "company admin",
    security(("api_token" = [])), params(("company_id" = i64, Path), ("install_id" = i64, Path)),
    responses((status = 200, body = PermittedOut), (status = 404, body = ErrorBody)))]
async fn list_permitted(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath((company, install)): ApiPath<(i64, i64)>,
) -> Result<Json<PermittedOut>, ApiError> {
    let v = s
        .core
        .get_install(actor, CompanyId(company), InstallId(install))
        .await?;
    Ok(permitted(v.permitted_project_ids))
}

/// Company admin: permit more projects.
#[utoipa::path(post, path = "/api/v1/companies/{company_id}/installs/{install_id}/permitted_projects", tag = "company admin",
    security(("api_token" = [])), params(("company_id" = i64, Path), ("install_id" = i64, Path)), request_body = ProjectIds,
    responses((status = 200, body = PermittedOut), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn add_permitted(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath((company, install)): ApiPath<(i64, i64)>,
    ApiJson(b): ApiJson<ProjectIds>,
) -> Result<Json<PermittedOut>, ApiError> {
    let ids: Vec<ProjectId> = b.project_ids.into_iter().map(ProjectId).collect();
    Ok(permitted(
        s.core
            .add_permitted_projects(actor, CompanyId(company), InstallId(install), &ids)
            .await?,
    ))
}

/// Company admin: permit every active project in one step (no ceiling).
#[utoipa::path(post, path = "/api/v1/companies/{company_id}/installs/{install_id}/permitted_projects/add_all",
    tag = "company admin", security(("api_token" = [])), params(("company_id" = i64, Path), ("install_id" = i64, Path)),
    responses((status = 200, body = AddAllOut), (status = 404, body = ErrorBody)))]
async fn add_all_permitted(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath((company, install)): ApiPath<(i64, i64)>,
) -> Result<Json<AddAllOut>, ApiError> {
    let added = s
        .core
        .add_all_permitted_projects(actor, CompanyId(company), InstallId(install))
        .await?;
    Ok(Json(AddAllOut { added }))
}

/// Company admin: remove a permitted project. The bot loses it with the next request.
#[utoipa::path(delete, path = "/api/v1/companies/{company_id}/installs/{install_id}/permitted_projects/{project_id}",
    tag = "company admin", security(("api_token" = [])),
    params(("company_id" = i64, Path), ("install_id" = i64, Path), ("project_id" = i64, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)))]
async fn remove_permitted(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath((company, install, project)): ApiPath<(i64, i64, i64)>,
) -> Result<StatusCode, ApiError> {
    s.core
        .remove_permitted_project(actor, CompanyId(company), InstallId(install), ProjectId(project))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

pub(crate) async fn app_out(s: &AppState, actor: trestle_domain::policy::Actor, app: App) -> Result<AppOut, ApiError> {
    let clients = s.core.list_clients(actor, app.id).await?;
    let client_of = |env: trestle_store::Environment| {
        clients
            .iter()
            .find(|c| c.client.environment == env)
            .map(|c| c.client.client_id.clone())
    };
    Ok(AppOut {
        id: app.id.0,
        name: app.name,
        created_at: app.created_at,
        production_client_id: client_of(trestle_store::Environment::Production),
        sandbox_client_id: client_of(trestle_store::Environment::Sandbox),
        sandbox_company_id: app.sandbox_company_id.map(|c| c.0),
        suspended_at: app.suspended_at,
        suspended_reason: app.suspended_reason,
    })
}

/// Developer: create an app.
#[utoipa::path(post, path = "/api/v1/apps", tag = "developer", security(("api_token" = [])), request_body = CreateApp,
    responses((status = 201, body = AppCreated), (status = 422, body = ErrorBody)))]
async fn create_app(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(b): ApiJson<CreateApp>,
) -> Result<Response, ApiError> {
    let created = s.core.create_app(actor, &b.name).await?;
    let sandbox = SandboxCredentialsOut {
        company_id: created.app.sandbox_company_id.map(|c| c.0),
        client_id: created.sandbox_credentials.client_id,
        client_secret: created.sandbox_credentials.client_secret,
        warning: "Store this sandbox client_secret now: it is shown only once and cannot be recovered.",
        note: format!(
            "These credentials get a token only once the app has a version: create one with POST /api/v1/apps/{}/versions (it need not be promoted).",
            created.app.id.0
        ),
    };
    let app = app_out(&s, actor, created.app).await?;
    Ok(secret_response(StatusCode::CREATED, AppCreated { app, sandbox }))
}

/// Developer: my apps (paginated).
#[utoipa::path(get, path = "/api/v1/apps", tag = "developer", security(("api_token" = [])),
    params(("page" = Option<u32>, Query), ("per_page" = Option<u32>, Query)), responses((status = 200, body = [AppOut])))]
async fn list_apps(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Response, ApiError> {
    let pairs = query_pairs(&uri);
    let req = page_request(&pairs)?;
    let page = s.core.list_apps(actor, req).await?;
    let mut items = Vec::with_capacity(page.items.len());
    for app in page.items {
        items.push(app_out(&s, actor, app).await?);
    }
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

/// Developer: one app.
#[utoipa::path(get, path = "/api/v1/apps/{app_id}", tag = "developer", security(("api_token" = [])),
    params(("app_id" = i64, Path)), responses((status = 200, body = AppOut), (status = 404, body = ErrorBody)))]
async fn get_app(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(app): ApiPath<i64>,
) -> Result<Json<AppOut>, ApiError> {
    let app = s.core.get_app(actor, AppId(app)).await?;
    Ok(Json(app_out(&s, actor, app).await?))
}

/// Developer: create a manifest version (status `ready_for_testing`). Every problem is listed.
#[utoipa::path(post, path = "/api/v1/apps/{app_id}/versions", tag = "developer", security(("api_token" = [])),
    params(("app_id" = i64, Path)), request_body = CreateVersion,
    responses((status = 201, body = VersionOut), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_version(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(app): ApiPath<i64>,
    ApiJson(b): ApiJson<CreateVersion>,
) -> Result<Response, ApiError> {
    let v = s
        .core
        .create_version(actor, AppId(app), &b.version, &b.manifest)
        .await?;
    Ok(created(VersionOut::from(v)))
}

/// Developer: the app's versions.
#[utoipa::path(get, path = "/api/v1/apps/{app_id}/versions", tag = "developer", security(("api_token" = [])),
    params(("app_id" = i64, Path)), responses((status = 200, body = [VersionOut]), (status = 404, body = ErrorBody)))]
async fn list_versions(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(app): ApiPath<i64>,
) -> Result<Json<Vec<VersionOut>>, ApiError> {
    Ok(Json(
        s.core
            .list_versions(actor, AppId(app))
            .await?
            .into_iter()
            .map(Into::into)
            .collect(),
    ))
}

/// Developer: one version.
#[utoipa::path(get, path = "/api/v1/apps/{app_id}/versions/{version_id}", tag = "developer", security(("api_token" = [])),
    params(("app_id" = i64, Path), ("version_id" = i64, Path)),
    responses((status = 200, body = VersionOut), (status = 404, body = ErrorBody)))]
async fn get_version(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath((app, version)): ApiPath<(i64, i64)>,
) -> Result<Json<VersionOut>, ApiError> {
    Ok(Json(
        s.core.get_version(actor, AppId(app), VersionId(version)).await?.into(),
    ))
}

/// Developer: save a new manifest into a version that is still `ready_for_testing`.
#[utoipa::path(patch, path = "/api/v1/apps/{app_id}/versions/{version_id}", tag = "developer", security(("api_token" = [])),
    params(("app_id" = i64, Path), ("version_id" = i64, Path)), request_body = UpdateVersion,
    responses((status = 200, body = VersionOut), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn update_version(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath((app, version)): ApiPath<(i64, i64)>,
    ApiJson(b): ApiJson<UpdateVersion>,
) -> Result<Json<VersionOut>, ApiError> {
    Ok(Json(
        s.core
            .update_version(actor, AppId(app), VersionId(version), &b.manifest)
            .await?
            .into(),
    ))
}

/// Developer: promote a version to production. The first promotion returns the production
/// client secret, once.
#[utoipa::path(post, path = "/api/v1/apps/{app_id}/versions/{version_id}/promote", tag = "developer", security(("api_token" = [])),
    params(("app_id" = i64, Path), ("version_id" = i64, Path)),
    responses((status = 200, body = PromotionOut), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn promote_version(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath((app, version)): ApiPath<(i64, i64)>,
) -> Result<Response, ApiError> {
    let p = s.core.promote_version(actor, AppId(app), VersionId(version)).await?;
    debug_assert!(p.version.status == VersionStatus::Promoted);
    let body = PromotionOut {
        version: p.version.into(),
        credentials: p.credentials.map(|c| CredentialsOut {
            client_id: c.client_id,
            client_secret: c.client_secret,
            warning: "Store this client_secret now: it is shown only once and cannot be recovered.",
        }),
        updates: p.updates.into_iter().map(Into::into).collect(),
    };
    Ok(secret_response(StatusCode::OK, body))
}

/// Company admin: the update offers of one install.
#[utoipa::path(get, path = "/api/v1/companies/{company_id}/installs/{install_id}/updates", tag = "company admin",
    security(("api_token" = [])), params(("company_id" = i64, Path), ("install_id" = i64, Path)),
    responses((status = 200, body = [UpdateOut]), (status = 404, body = ErrorBody)))]
async fn list_install_updates(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath((company, install)): ApiPath<(i64, i64)>,
) -> Result<Json<Vec<UpdateOut>>, ApiError> {
    let v = s
        .core
        .list_install_updates(actor, CompanyId(company), InstallId(install))
        .await?;
    Ok(Json(v.into_iter().map(Into::into).collect()))
}

/// Company admin: approve a pending update; the bot gets the new version's permissions.
#[utoipa::path(post, path = "/api/v1/companies/{company_id}/installs/{install_id}/updates/{update_id}/approve",
    tag = "company admin", security(("api_token" = [])),
    params(("company_id" = i64, Path), ("install_id" = i64, Path), ("update_id" = i64, Path)),
    responses((status = 200, body = InstallOut), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn approve_update(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath((company, install, update)): ApiPath<(i64, i64, i64)>,
) -> Result<Json<InstallOut>, ApiError> {
    Ok(Json(
        s.core
            .approve_update(actor, CompanyId(company), InstallId(install), update)
            .await?
            .into(),
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetPassword {
    /// At least 10 characters; stored as an Argon2id hash.
    #[schema(max_length = 1000)]
    pub password: String,
}

/// Set a person's password (the operator for anyone, a person for themself).
#[utoipa::path(put, path = "/api/v1/people/{user_id}/password", tag = "account", security(("api_token" = [])),
    params(("user_id" = i64, Path)), request_body = SetPassword,
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn set_password(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(user): ApiPath<i64>,
    ApiJson(b): ApiJson<SetPassword>,
) -> Result<StatusCode, ApiError> {
    s.core.set_password(actor, UserId(user), &b.password).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RedirectUriIn {
    /// An absolute http(s) URL without fragment (matched exactly), or urn:ietf:wg:oauth:2.0:oob.
    #[schema(max_length = 2000)]
    pub uri: String,
}

#[derive(Serialize, ToSchema)]
pub struct RedirectUrisOut {
    pub redirect_uris: Vec<String>,
}

/// Developer: register a redirect URI for the authorization-code flow.
#[utoipa::path(post, path = "/api/v1/apps/{app_id}/redirect_uris", tag = "developer", security(("api_token" = [])),
    params(("app_id" = i64, Path)), request_body = RedirectUriIn,
    responses((status = 200, body = RedirectUrisOut), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn add_redirect_uri(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(app): ApiPath<i64>,
    ApiJson(b): ApiJson<RedirectUriIn>,
) -> Result<Json<RedirectUrisOut>, ApiError> {
    Ok(Json(RedirectUrisOut {
        redirect_uris: s.core.add_redirect_uri(actor, AppId(app), &b.uri).await?,
    }))
}

/// Developer: the app's redirect URIs.
#[utoipa::path(get, path = "/api/v1/apps/{app_id}/redirect_uris", tag = "developer", security(("api_token" = [])),
    params(("app_id" = i64, Path)), responses((status = 200, body = RedirectUrisOut), (status = 404, body = ErrorBody)))]
async fn list_redirect_uris(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(app): ApiPath<i64>,
) -> Result<Json<RedirectUrisOut>, ApiError> {
    Ok(Json(RedirectUrisOut {
        redirect_uris: s.core.list_redirect_uris(actor, AppId(app)).await?,
    }))
}

#[derive(utoipa::OpenApi)]
#[openapi(
    info(title = "Trestle management API", description = "Operator, developer portal and company admin actions. \
        Authenticate with an API token: `Authorization: Bearer trs_…`. The Procore-compatible OAuth and REST \
        endpoints (`/oauth/token`, `/rest/v1.0/…`) are described in the README. \
        Every error is an `ErrorBody`: 400 for a body that is not well-formed JSON or not of the documented \
        shape (wrong types, unknown or missing fields; each problem named by its JSONPath, e.g. `$.name`) and \
        for a path parameter that is not a number (named `{app_id}` and so on), 404 for no route, 405 for a \
        method the path does not take, 413 for a body over 2 MiB (2097152 bytes), 415 for a body that is not \
        `application/json`, 422 for values the rules refuse (lengths are the `maxLength` of each field; \
        single-line text refuses control characters)."),
    paths(whoami, create_person, create_api_token, create_company, get_company, create_project, list_company_projects,
        crate::projects::add_member, install_app, list_installs, get_install, uninstall, list_permitted, add_permitted,
        add_all_permitted, remove_permitted, create_app, list_apps, get_app, create_version, list_versions,
        get_version, update_version, promote_version, list_install_updates, approve_update,
        crate::portal::rename_app, crate::portal::delete_app, crate::portal::diff_versions,
        crate::portal::list_credentials, crate::portal::rotate_secret, crate::portal::retire_secret,
        crate::portal::list_app_updates, crate::portal::metrics, crate::portal::metrics_daily_csv,
        crate::portal::metrics_companies_csv, crate::portal::manifest_schema,
        crate::admin::list_directory, crate::admin::update_member, crate::admin::add_project_member,
        crate::admin::remove_project_member, crate::admin::update_install, crate::admin::company_audit, crate::admin::platform_audit, crate::admin::suspend_app, crate::admin::resume_app,
        crate::admin::company_audit_csv, crate::admin::publish_app, crate::admin::app_audit, crate::admin::marketplace,
        set_password, add_redirect_uri, list_redirect_uris,
        crate::projects::get_project, crate::projects::update_project, crate::projects::delete_project,
        crate::projects::bulk_create, crate::projects::list_companies, crate::projects::list_people,
        crate::projects::invite, crate::projects::list_invitations, crate::projects::cancel_invitation,
        crate::projects::my_invitations, crate::projects::accept_invitation,
        crate::service_accounts::create, crate::service_accounts::list, crate::service_accounts::set_permissions,
        crate::service_accounts::add_project, crate::service_accounts::reset_secret, crate::service_accounts::retire,
        crate::service_accounts::company_report, crate::service_accounts::company_report_csv,
        crate::service_accounts::operator_report, crate::service_accounts::operator_report_csv),
    components(schemas(ErrorBody, crate::error::ProblemSchema)),
    modifiers(&SecurityAddon)
)]
pub struct ApiDoc;

struct SecurityAddon;

impl utoipa::Modify for SecurityAddon {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "api_token",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}
