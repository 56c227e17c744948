//! An app's clients and secrets: list, rotate, retire.

use super::shared::secret_response;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{ApiActor, ApiPath, OptionalJson};
use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::Json;
use trestle_api::credentials::*;
use trestle_domain::entities::Environment;
use trestle_domain::*;

fn environment(s: &str) -> Result<Environment, ApiError> {
    match s {
        "production" => Ok(Environment::Production),
        "sandbox" => Ok(Environment::Sandbox),
        other => Err(ApiError::bad_request(format!(
            "unknown environment {other:?}: use production or sandbox"
        ))),
    }
}

/// What `env`'s credentials of `app` say: the sandbox ones, while the app has no version, that
/// they get no token until it has one.
pub(super) async fn sandbox_note(
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
pub(super) async fn list_credentials(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(app): ApiPath<AppId>,
) -> Result<Json<Vec<ClientOut>>, ApiError> {
    let now = s.core.now();
    let clients = s.core.list_clients(actor, app).await?;
    let note = sandbox_note(&s, actor, app, Environment::Sandbox).await?;
    Ok(Json(
        clients
            .into_iter()
            .map(|c| ClientOut {
                note: note.clone().filter(|_| c.client.environment == Environment::Sandbox),
                environment: c.client.environment.as_str().into(),
                client_id: c.client.client_id,
                created_at: c.client.created_at,
                secrets: c
                    .secrets
                    .into_iter()
                    .map(|x| SecretOut {
                        id: x.id.0,
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

/// Developer: add a secret to a client (rotation without downtime). Both secrets work until the
/// old one is retired or expires.
#[utoipa::path(post, path = "/api/v1/apps/{app_id}/credentials/{environment}/secrets", tag = "developer",
    security(("api_token" = [])), params(("app_id" = i64, Path), ("environment" = String, Path)), request_body = RotateSecret,
    responses((status = 201, body = RotatedOut), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn rotate_secret(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath((app, env)): ApiPath<(AppId, String)>,
    OptionalJson(body): OptionalJson<RotateSecret>,
) -> Result<Response, ApiError> {
    let env = environment(&env)?;
    let b = body.unwrap_or_default();
    let r = s
        .core
        .rotate_secret(actor, app, env, b.expire_others_in_seconds)
        .await?;
    let note = sandbox_note(&s, actor, app, env).await?;
    Ok(secret_response(
        StatusCode::CREATED,
        RotatedOut {
            secret_id: r.secret_id.0,
            client_id: r.client_id,
            client_secret: r.client_secret,
            warning: "Store this client_secret now: it is shown only once and cannot be recovered.".into(),
            note,
        },
    ))
}

/// Developer: retire a secret now; tokens issued with it stop working on the next request.
#[utoipa::path(delete, path = "/api/v1/apps/{app_id}/credentials/{environment}/secrets/{secret_id}", tag = "developer",
    security(("api_token" = [])), params(("app_id" = i64, Path), ("environment" = String, Path), ("secret_id" = i64, Path)),
    responses((status = 204), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub(super) async fn retire_secret(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath((app, env, secret)): ApiPath<(AppId, String, SecretId)>,
) -> Result<StatusCode, ApiError> {
    s.core.retire_secret(actor, app, environment(&env)?, secret).await?;
    Ok(StatusCode::NO_CONTENT)
}
