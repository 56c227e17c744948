//! A developer's apps: create, list, one, rename, delete, publish, redirect URIs; the
//! marketplace; the manifest's JSON Schema.

use super::shared::secret_response;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{ApiActor, ApiJson, ApiPath};
use crate::paging::Paging;
use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::Json;
use serde_json::{json, Value};
use trestle_api::apps::*;
use trestle_domain::entities::App;
use trestle_domain::page::Page;
use trestle_domain::permissions::{COMPANY_TOOLS, PROJECT_TOOLS};
use trestle_domain::*;

pub(super) async fn app_out(s: &AppState, actor: trestle_domain::policy::Actor, app: App) -> Result<AppOut, ApiError> {
    let clients = s.core.list_clients(actor, app.id).await?;
    let client_of = |env: trestle_domain::entities::Environment| {
        clients
            .iter()
            .find(|c| c.client.environment == env)
            .map(|c| c.client.client_id.clone())
    };
    Ok(AppOut {
        id: app.id.0,
        name: app.name,
        created_at: app.created_at,
        production_client_id: client_of(trestle_domain::entities::Environment::Production),
        sandbox_client_id: client_of(trestle_domain::entities::Environment::Sandbox),
        sandbox_company_id: app.sandbox_company_id.map(|c| c.0),
        suspended_at: app.suspended_at,
        suspended_reason: app.suspended_reason,
    })
}

/// Developer: create an app.
#[utoipa::path(post, path = "/api/v1/apps", tag = "developer", security(("api_token" = [])), request_body = CreateApp,
    responses((status = 201, body = AppCreated), (status = 422, body = ErrorBody)))]
pub(super) async fn create_app(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(b): ApiJson<CreateApp>,
) -> Result<Response, ApiError> {
    let created = s.core.create_app(actor, &b.name).await?;
    let sandbox = SandboxCredentialsOut {
        company_id: created.app.sandbox_company_id.map(|c| c.0),
        client_id: created.sandbox_credentials.client_id,
        client_secret: created.sandbox_credentials.client_secret,
        warning: "Store this sandbox client_secret now: it is shown only once and cannot be recovered.".into(),
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
pub(super) async fn list_apps(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    paging: Paging,
) -> Result<Response, ApiError> {
    let req = paging.req;
    let page = s.core.list_apps(actor, req).await?;
    let mut items = Vec::with_capacity(page.items.len());
    for app in page.items {
        items.push(app_out(&s, actor, app).await?);
    }
    Ok(paging.answer(Page {
        items,
        total: page.total,
    }))
}

/// Developer: one app.
#[utoipa::path(get, path = "/api/v1/apps/{app_id}", tag = "developer", security(("api_token" = [])),
    params(("app_id" = i64, Path)), responses((status = 200, body = AppOut), (status = 404, body = ErrorBody)))]
pub(super) async fn get_app(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(app): ApiPath<AppId>,
) -> Result<Json<AppOut>, ApiError> {
    let app = s.core.get_app(actor, app).await?;
    Ok(Json(app_out(&s, actor, app).await?))
}

/// Developer: register a redirect URI for the authorization-code flow.
#[utoipa::path(post, path = "/api/v1/apps/{app_id}/redirect_uris", tag = "developer", security(("api_token" = [])),
    params(("app_id" = i64, Path)), request_body = RedirectUriIn,
    responses((status = 200, body = RedirectUrisOut), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn add_redirect_uri(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(app): ApiPath<AppId>,
    ApiJson(b): ApiJson<RedirectUriIn>,
) -> Result<Json<RedirectUrisOut>, ApiError> {
    Ok(Json(RedirectUrisOut {
        redirect_uris: s.core.add_redirect_uri(actor, app, &b.uri).await?,
    }))
}

/// Developer: the app's redirect URIs.
#[utoipa::path(get, path = "/api/v1/apps/{app_id}/redirect_uris", tag = "developer", security(("api_token" = [])),
    params(("app_id" = i64, Path)), responses((status = 200, body = RedirectUrisOut), (status = 404, body = ErrorBody)))]
pub(super) async fn list_redirect_uris(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(app): ApiPath<AppId>,
) -> Result<Json<RedirectUrisOut>, ApiError> {
    Ok(Json(RedirectUrisOut {
        redirect_uris: s.core.list_redirect_uris(actor, app).await?,
    }))
}

/// Developer: list the app in the marketplace (it needs a promoted version).
#[utoipa::path(post, path = "/api/v1/apps/{app_id}/publish", tag = "developer", security(("api_token" = [])),
    params(("app_id" = i64, Path)), responses((status = 200, body = AppOut), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub(super) async fn publish_app(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(app): ApiPath<AppId>,
) -> Result<Json<AppOut>, ApiError> {
    let app = s.core.publish_app(actor, app).await?;
    Ok(Json(app_out(&s, actor, app).await?))
}

/// The marketplace: published apps. Install one with `POST /api/v1/companies/{id}/installs {"app_id": …}`.
#[utoipa::path(get, path = "/api/v1/marketplace", tag = "company admin", security(("api_token" = [])),
    params(("page" = Option<u32>, Query), ("per_page" = Option<u32>, Query)), responses((status = 200, body = [MarketplaceApp])))]
pub(super) async fn marketplace(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    paging: Paging,
) -> Result<Response, ApiError> {
    let req = paging.req;
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
    Ok(paging.answer(Page {
        items,
        total: page.total,
    }))
}

/// Developer: rename an app.
#[utoipa::path(patch, path = "/api/v1/apps/{app_id}", tag = "developer", security(("api_token" = [])),
    params(("app_id" = i64, Path)), request_body = RenameApp,
    responses((status = 200, body = AppOut), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn rename_app(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(app): ApiPath<AppId>,
    ApiJson(b): ApiJson<RenameApp>,
) -> Result<Json<AppOut>, ApiError> {
    let app = s.core.rename_app(actor, app, &b.name).await?;
    Ok(Json(app_out(&s, actor, app).await?))
}

/// Developer: delete an app. Refused (409) while any company has it installed; `confirm`
/// must repeat the app's name.
#[utoipa::path(delete, path = "/api/v1/apps/{app_id}", tag = "developer", security(("api_token" = [])),
    params(("app_id" = i64, Path)), request_body = DeleteApp,
    responses((status = 204), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn delete_app(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(app): ApiPath<AppId>,
    ApiJson(b): ApiJson<DeleteApp>,
) -> Result<StatusCode, ApiError> {
    s.core.delete_app(actor, app, &b.confirm).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The JSON Schema of an app manifest, with the tool catalog.
#[utoipa::path(get, path = "/schemas/manifest.json", tag = "developer",
    responses((status = 200, description = "JSON Schema (draft 2020-12) of the app manifest")))]
pub(super) async fn manifest_schema() -> Json<Value> {
    let level = json!({"enum": ["none", "read_only", "readonly", "standard", "admin"]});
    let admin_only = json!({"enum": ["none", "admin"]});
    let tools = |catalog: &[(&str, bool)]| -> Value {
        let props: serde_json::Map<String, Value> = catalog
            .iter()
            .map(|(t, only_admin)| {
                (
                    t.to_string(),
                    if *only_admin { admin_only.clone() } else { level.clone() },
                )
            })
            .collect();
        json!({"type": "object", "properties": props, "additionalProperties": false})
    };
    let grant = json!({"enum": ["client_credentials", "authorization_code"]});
    Json(json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "Trestle app manifest",
        "type": "object",
        "required": ["schema_version", "components"],
        "additionalProperties": false,
        "properties": {
            "schema_version": {"enum": ["3", "4", "4.0", "4.1"]},
            "components": {
                "type": "object",
                "required": ["oauth"],
                "additionalProperties": false,
                "properties": {
                    "oauth": {
                        "type": "object",
                        "description": "The data-connection component: client_credentials (a DMSA app) or authorization_code (user level). Either grant_type, or Procore v3 instances.",
                        "properties": {
                            "grant_type": grant,
                            "instances": {"type": "array", "minItems": 1, "items": {"type": "object", "required": ["grant_type"], "properties": {"grant_type": grant}}},
                            "uuid": {"type": "string"},
                            "uid": {"type": "string"}
                        },
                        "additionalProperties": false
                    },
                    "iframe": {"type": "object"}
                }
            },
            "permissions": {
                "type": "object",
                "additionalProperties": false,
                "properties": {"company": tools(COMPANY_TOOLS), "project": tools(PROJECT_TOOLS)}
            },
            "post_installation_instruction": {
                "type": "object",
                "additionalProperties": false,
                "properties": {
                    "notes": {"type": "string", "maxLength": 10000},
                    "page": {
                        "type": "object",
                        "additionalProperties": false,
                        "properties": {"url": {"type": "string", "format": "uri", "pattern": "^https?://"}, "label": {"type": "string", "maxLength": 200}}
                    }
                }
            },
            "app_manifest": {"type": "object"},
            "fullscreen": {"type": "object"},
            "sidepanel": {"type": "object"},
            "description": {"type": "string"}
        }
    }))
}
