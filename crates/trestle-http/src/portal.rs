//! Developer-portal endpoints beyond the basics in `manage.rs`: rename and delete apps, diff
//! versions, credentials and secret rotation, update offers, metrics, and the manifest schema.

use crate::error::{ApiError, ErrorBody};
use crate::extract::{ApiActor, ApiJson, ApiPath, OptionalJson};
use crate::manage::{app_out, secret_response, AppOut, UpdateOut};
use crate::paging::{query_pairs, single};
use crate::AppState;
use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use trestle_core::{AppMetrics, ToolChange};
use trestle_domain::permissions::{COMPANY_TOOLS, PROJECT_TOOLS};
use trestle_domain::{AppId, VersionId};
use trestle_store::Environment;
use utoipa::ToSchema;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/apps/{app_id}/versions/diff", get(diff_versions))
        .route("/api/v1/apps/{app_id}/credentials", get(list_credentials))
        .route(
            "/api/v1/apps/{app_id}/credentials/{environment}/secrets",
            post(rotate_secret),
        )
        .route(
            "/api/v1/apps/{app_id}/credentials/{environment}/secrets/{secret_id}",
            delete(retire_secret),
        )
        .route("/api/v1/apps/{app_id}/updates", get(list_app_updates))
        .route("/api/v1/apps/{app_id}/metrics", get(metrics))
        .route("/api/v1/apps/{app_id}/metrics/daily.csv", get(metrics_daily_csv))
        .route(
            "/api/v1/apps/{app_id}/metrics/companies.csv",
            get(metrics_companies_csv),
        )
        .route("/schemas/manifest.json", get(manifest_schema))
}

fn environment(s: &str) -> Result<Environment, ApiError> {
    match s {
        "production" => Ok(Environment::Production),
        "sandbox" => Ok(Environment::Sandbox),
        other => Err(ApiError::bad_request(format!(
            "unknown environment {other:?}: use production or sandbox"
        ))),
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RenameApp {
    #[schema(max_length = 100)]
    pub name: String,
}

/// Developer: rename an app.
#[utoipa::path(patch, path = "/api/v1/apps/{app_id}", tag = "developer", security(("api_token" = [])),
    params(("app_id" = i64, Path)), request_body = RenameApp,
    responses((status = 200, body = AppOut), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn rename_app(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(app): ApiPath<i64>,
    ApiJson(b): ApiJson<RenameApp>,
) -> Result<Json<AppOut>, ApiError> {
    let app = s.core.rename_app(actor, AppId(app), &b.name).await?;
    Ok(Json(app_out(&s, actor, app).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeleteApp {
    /// The app's exact name, to confirm.
    pub confirm: String,
}

/// Developer: delete an app. Refused (409) while any company has it installed; `confirm`
/// must repeat the app's name.
#[utoipa::path(delete, path = "/api/v1/apps/{app_id}", tag = "developer", security(("api_token" = [])),
    params(("app_id" = i64, Path)), request_body = DeleteApp,
    responses((status = 204), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn delete_app(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(app): ApiPath<i64>,
    ApiJson(b): ApiJson<DeleteApp>,
) -> Result<StatusCode, ApiError> {
    s.core.delete_app(actor, AppId(app), &b.confirm).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize, ToSchema)]
pub struct ToolChangeOut {
    pub tool: String,
    pub from: String,
    pub to: String,
}

impl From<ToolChange> for ToolChangeOut {
    fn from(c: ToolChange) -> Self {
        ToolChangeOut {
            tool: c.tool,
            from: c.from.as_str().into(),
            to: c.to.as_str().into(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct DiffOut {
    pub from_version_id: i64,
    pub to_version_id: i64,
    pub company: Vec<ToolChangeOut>,
    pub project: Vec<ToolChangeOut>,
    /// Whether `to` grants anything `from` does not.
    pub widens: bool,
}

/// Developer: the permission difference between two versions (`?from=<version_id>&to=<version_id>`).
#[utoipa::path(get, path = "/api/v1/apps/{app_id}/versions/diff", tag = "developer", security(("api_token" = [])),
    params(("app_id" = i64, Path), ("from" = i64, Query), ("to" = i64, Query)),
    responses((status = 200, body = DiffOut), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn diff_versions(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(app): ApiPath<i64>,
    uri: Uri,
) -> Result<Json<DiffOut>, ApiError> {
    let pairs = query_pairs(&uri);
    let id = |name: &str| -> Result<i64, ApiError> {
        let v =
            single(&pairs, name)?.ok_or_else(|| ApiError::bad_request(format!("{name} (a version id) is required")))?;
        v.parse().map_err(|_| {
            ApiError::bad_request(format!(
                "{name} must be a version id, got {:?}",
                crate::error::shorten(v, 40)
            ))
        })
    };
    let (from, to) = (id("from")?, id("to")?);
    let d = s
        .core
        .diff_versions(actor, AppId(app), VersionId(from), VersionId(to))
        .await?;
    Ok(Json(DiffOut {
        from_version_id: from,
        to_version_id: to,
        company: d.company.into_iter().map(Into::into).collect(),
        project: d.project.into_iter().map(Into::into).collect(),
        widens: d.widens,
    }))
}

#[derive(Serialize, ToSchema)]
pub struct SecretOut {
    pub id: i64,
    pub created_at: i64,
    pub expires_at: Option<i64>,
    pub revoked_at: Option<i64>,
    /// Whether the secret can obtain tokens now.
    pub live: bool,
}

#[derive(Serialize, ToSchema)]
pub struct ClientOut {
    /// `production` or `sandbox`.
    pub environment: &'static str,
    pub client_id: String,
    pub created_at: i64,
    pub secrets: Vec<SecretOut>,
    /// Set on the sandbox client while the app has no version: it gets no token until then.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// What `env`'s credentials of `app` say: the sandbox ones, while the app has no version, that
/// they get no token until it has one.
async fn sandbox_note(
    s: &AppState,
    actor: trestle_domain::policy::Actor,
    app: AppId,
    env: Environment,
) -> Result<Option<String>, ApiError> {
    if env != Environment::Sandbox || !s.core.list_versions(actor, app).await?.is_empty() {
        return Ok(None);
    }
    Ok(Some(format!(
        "These sandbox credentials get a token only once the app has a version: create one with POST /api/v1/apps/{}/versions (it need not be promoted).",
        app.0
    )))
}

/// Developer: the app's clients and their secrets (metadata only; secrets are never shown again).
#[utoipa::path(get, path = "/api/v1/apps/{app_id}/credentials", tag = "developer", security(("api_token" = [])),
    params(("app_id" = i64, Path)), responses((status = 200, body = [ClientOut]), (status = 404, body = ErrorBody)))]
pub(crate) async fn list_credentials(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(app): ApiPath<i64>,
) -> Result<Json<Vec<ClientOut>>, ApiError> {
    let now = s.core.now();
    let clients = s.core.list_clients(actor, AppId(app)).await?;
    let note = sandbox_note(&s, actor, AppId(app), Environment::Sandbox).await?;
    Ok(Json(
        clients
            .into_iter()
            .map(|c| ClientOut {
                note: note.clone().filter(|_| c.client.environment == Environment::Sandbox),
                environment: c.client.environment.as_str(),
                client_id: c.client.client_id,
                created_at: c.client.created_at,
                secrets: c
                    .secrets
                    .into_iter()
                    .map(|x| SecretOut {
                        id: x.id,
                        created_at: x.created_at,
                        expires_at: x.expires_at,
                        revoked_at: x.revoked_at,
                        live: x.revoked_at.is_none() && x.expires_at.is_none_or(|e| e > now),
                    })
                    .collect(),
            })
            .collect(),
    ))
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct RotateSecret {
    /// Make the client's other secrets expire this many seconds from now (default: they stay
    /// valid until retired).
    pub expire_others_in_seconds: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct RotatedOut {
    pub secret_id: i64,
    pub client_id: String,
    /// Shown exactly once.
    pub client_secret: String,
    pub warning: &'static str,
    /// Set for the sandbox client while the app has no version: it gets no token until then.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// Developer: add a secret to a client (rotation without downtime). Both secrets work until the
/// old one is retired or expires.
#[utoipa::path(post, path = "/api/v1/apps/{app_id}/credentials/{environment}/secrets", tag = "developer",
    security(("api_token" = [])), params(("app_id" = i64, Path), ("environment" = String, Path)), request_body = RotateSecret,
    responses((status = 201, body = RotatedOut), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn rotate_secret(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath((app, env)): ApiPath<(i64, String)>,
    OptionalJson(body): OptionalJson<RotateSecret>,
) -> Result<Response, ApiError> {
    let env = environment(&env)?;
    let b = body.unwrap_or_default();
    let r = s
        .core
        .rotate_secret(actor, AppId(app), env, b.expire_others_in_seconds)
        .await?;
    let note = sandbox_note(&s, actor, AppId(app), env).await?;
    Ok(secret_response(
        StatusCode::CREATED,
        RotatedOut {
            secret_id: r.secret_id,
            client_id: r.client_id,
            client_secret: r.client_secret,
            warning: "Store this client_secret now: it is shown only once and cannot be recovered.",
            note,
        },
    ))
}

/// Developer: retire a secret now; tokens issued with it stop working on the next request.
#[utoipa::path(delete, path = "/api/v1/apps/{app_id}/credentials/{environment}/secrets/{secret_id}", tag = "developer",
    security(("api_token" = [])), params(("app_id" = i64, Path), ("environment" = String, Path), ("secret_id" = i64, Path)),
    responses((status = 204), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub(crate) async fn retire_secret(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath((app, env, secret)): ApiPath<(i64, String, i64)>,
) -> Result<StatusCode, ApiError> {
    s.core
        .retire_secret(actor, AppId(app), environment(&env)?, secret)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Developer: every update offered to installed companies and its state (pending ones wait for
/// the company admin's approval).
#[utoipa::path(get, path = "/api/v1/apps/{app_id}/updates", tag = "developer", security(("api_token" = [])),
    params(("app_id" = i64, Path)), responses((status = 200, body = [UpdateOut]), (status = 404, body = ErrorBody)))]
pub(crate) async fn list_app_updates(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(app): ApiPath<i64>,
) -> Result<Json<Vec<UpdateOut>>, ApiError> {
    Ok(Json(
        s.core
            .list_app_updates(actor, AppId(app))
            .await?
            .into_iter()
            .map(Into::into)
            .collect(),
    ))
}

#[derive(Serialize, ToSchema)]
pub struct DayOut {
    pub date: String,
    pub installs: u32,
    pub uninstalls: u32,
    pub active: u32,
}

#[derive(Serialize, ToSchema)]
pub struct CompanyMetricsOut {
    pub company_id: i64,
    pub company_name: String,
    pub installs: u32,
    pub uninstalls: u32,
    pub active: bool,
    pub first_installed_at: i64,
    pub last_uninstalled_at: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct MetricsOut {
    pub installs: u32,
    pub uninstalls: u32,
    pub active_installs: u32,
    pub from: String,
    pub to: String,
    pub daily: Vec<DayOut>,
    pub companies: Vec<CompanyMetricsOut>,
}

impl From<AppMetrics> for MetricsOut {
    fn from(m: AppMetrics) -> Self {
        MetricsOut {
            installs: m.installs,
            uninstalls: m.uninstalls,
            active_installs: m.active_installs,
            from: m.from,
            to: m.to,
            daily: m
                .daily
                .into_iter()
                .map(|d| DayOut {
                    date: d.date,
                    installs: d.installs,
                    uninstalls: d.uninstalls,
                    active: d.active,
                })
                .collect(),
            companies: m
                .companies
                .into_iter()
                .map(|c| CompanyMetricsOut {
                    company_id: c.company_id.0,
                    company_name: c.company_name,
                    installs: c.installs,
                    uninstalls: c.uninstalls,
                    active: c.active,
                    first_installed_at: c.first_installed_at,
                    last_uninstalled_at: c.last_uninstalled_at,
                })
                .collect(),
        }
    }
}

async fn load_metrics(
    s: &AppState,
    actor: trestle_domain::policy::Actor,
    app: i64,
    uri: &Uri,
) -> Result<MetricsOut, ApiError> {
    let pairs = query_pairs(uri);
    let m = s
        .core
        .app_metrics(actor, AppId(app), single(&pairs, "from")?, single(&pairs, "to")?)
        .await?;
    Ok(m.into())
}

/// Developer: installs, uninstalls and active installs per day and per company
/// (`?from=YYYY-MM-DD&to=YYYY-MM-DD`, UTC; development sandboxes are not counted).
#[utoipa::path(get, path = "/api/v1/apps/{app_id}/metrics", tag = "developer", security(("api_token" = [])),
    params(("app_id" = i64, Path), ("from" = Option<String>, Query), ("to" = Option<String>, Query)),
    responses((status = 200, body = MetricsOut), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn metrics(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(app): ApiPath<i64>,
    uri: Uri,
) -> Result<Json<MetricsOut>, ApiError> {
    Ok(Json(load_metrics(&s, actor, app, &uri).await?))
}

/// One CSV field, quoted when it needs to be (RFC 4180). Fields that a spreadsheet would run
/// as a formula are prefixed with a quote.
fn csv_field(v: &str) -> String {
    let v = if v.starts_with(['=', '+', '-', '@']) {
        format!("'{v}")
    } else {
        v.to_string()
    };
    if v.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", v.replace('"', "\"\""))
    } else {
        v
    }
}

pub(crate) fn csv_response(filename: &str, rows: Vec<Vec<String>>) -> Response {
    let body: String = rows
        .into_iter()
        .map(|r| r.iter().map(|f| csv_field(f)).collect::<Vec<_>>().join(",") + "\r\n")
        .collect();
    let mut res = body.into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{filename}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    res
}

/// Developer: the daily metrics as CSV (`date,installs,uninstalls,active`).
#[utoipa::path(get, path = "/api/v1/apps/{app_id}/metrics/daily.csv", tag = "developer", security(("api_token" = [])),
    params(("app_id" = i64, Path), ("from" = Option<String>, Query), ("to" = Option<String>, Query)),
    responses((status = 200, content_type = "text/csv", body = String), (status = 404, body = ErrorBody)))]
pub(crate) async fn metrics_daily_csv(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(app): ApiPath<i64>,
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
pub(crate) async fn metrics_companies_csv(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(app): ApiPath<i64>,
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

/// The JSON Schema of an app manifest, with the tool catalog.
#[utoipa::path(get, path = "/schemas/manifest.json", tag = "developer",
    responses((status = 200, description = "JSON Schema (draft 2020-12) of the app manifest")))]
pub(crate) async fn manifest_schema() -> Json<Value> {
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
