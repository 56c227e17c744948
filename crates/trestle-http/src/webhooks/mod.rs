//! Procore's Webhooks API: `/rest/v1.0/webhooks/…` (the scope from `company_id` /
//! `project_id` in the query or the body, `hook.project_id`, or `Procore-Company-Id`) and the
//! v2.0 copies under `/rest/v2.0/companies/{company_id}[/projects/{project_id}]/webhooks/…`
//! (string ids, `{"data": …}`, v2 errors). These routes take the catalog's webhooks
//! operations away from the generic record engine.

mod render;

use crate::error::ApiError;
use crate::extract::{ApiPath, RestCaller};
use crate::paging::{query_pairs, single};
use crate::rest::{company_of, parse_company};
use crate::tools::positive;
use crate::AppState;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap};
use trestle_core::webhooks::{BulkOutcome, HookInput, HookScope};
use trestle_domain::webhook::*;
use trestle_domain::*;
use trestle_store::DeliveryQuery;

type Params = ApiPath<HashMap<String, String>>;

/// The routes of one prefix.
fn table(prefix: &str) -> Router<AppState> {
    Router::new()
        .route(&format!("{prefix}/hooks"), get(list_hooks).post(create_hook))
        .route(
            &format!("{prefix}/hooks/{{hook_id}}"),
            get(show_hook).patch(update_hook).delete(delete_hook),
        )
        .route(
            &format!("{prefix}/hooks/{{hook_id}}/rotate_secret"),
            axum::routing::post(rotate_secret),
        )
        .route(
            &format!("{prefix}/hooks/{{hook_id}}/triggers"),
            get(list_triggers).post(create_trigger),
        )
        .route(
            &format!("{prefix}/hooks/{{hook_id}}/triggers/bulk"),
            axum::routing::post(bulk_create).delete(bulk_delete),
        )
        .route(
            &format!("{prefix}/hooks/{{hook_id}}/triggers/{{trigger_id}}"),
            axum::routing::delete(delete_trigger),
        )
        .route(&format!("{prefix}/hooks/{{hook_id}}/deliveries"), get(deliveries))
        .route(&format!("{prefix}/resources"), get(resources))
        .route(&format!("{prefix}/resources/api_versions"), get(api_versions))
}

pub fn routes() -> Router<AppState> {
    let v2 = table("/rest/v2.0/companies/{company_id}/webhooks")
        .merge(table(
            "/rest/v2.0/companies/{company_id}/projects/{project_id}/webhooks",
        ))
        .layer(axum::middleware::map_response(|res: Response| async move {
            if res.status().is_success() {
                res
            } else {
                crate::catalog::v2_error(res).await
            }
        }));
    table("/rest/v1.0/webhooks").merge(v2)
}

/// A JSON body, or none.
fn body_of(bytes: &Bytes) -> Result<Value, ApiError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(Value::Null);
    }
    serde_json::from_slice(bytes).map_err(|e| ApiError::bad_request(format!("the body is not JSON: {e}")))
}

/// An id given as a number or a string.
fn id_in(v: &Value, what: &str) -> Result<Option<i64>, ApiError> {
    match v {
        Value::Null => Ok(None),
        Value::Number(n) => n
            .as_i64()
            .filter(|n| *n > 0)
            .map(Some)
            .ok_or_else(|| ApiError::bad_request(format!("{what} must be a positive integer id"))),
        Value::String(s) => positive(what, s).map(Some),
        _ => Err(ApiError::bad_request(format!("{what} must be a positive integer id"))),
    }
}

/// The scope of the call, and whether it is a v2 path.
async fn scope(
    state: &AppState,
    headers: &HeaderMap,
    uri: &Uri,
    path: &HashMap<String, String>,
    body: &Value,
) -> Result<(HookScope, bool), ApiError> {
    if let Some(c) = path.get("company_id") {
        let company = parse_company("the company id in the path", c)?;
        let company = company_of(state, headers, Some(company))?;
        let project = path
            .get("project_id")
            .map(|p| positive("the project id in the path", p).map(ProjectId))
            .transpose()?;
        return Ok((state.core.hook_scope(company, project).await?, true));
    }
    let pairs = query_pairs(uri);
    let mut company = single(&pairs, "company_id")?
        .map(|v| parse_company("company_id", v))
        .transpose()?;
    let mut project = single(&pairs, "project_id")?
        .map(|v| positive("project_id", v))
        .transpose()?;
    if company.is_none() {
        company = id_in(&body["company_id"], "company_id")?.map(CompanyId);
    }
    if project.is_none() {
        project = match id_in(&body["project_id"], "project_id")? {
            Some(p) => Some(p),
            None => id_in(&body["hook"]["project_id"], "hook.project_id")?,
        };
    }
    let company = company_of(state, headers, company)?;
    Ok((state.core.hook_scope(company, project.map(ProjectId)).await?, false))
}

fn hook_id(path: &HashMap<String, String>) -> Result<HookId, ApiError> {
    positive(
        "the hook id in the path",
        path.get("hook_id").map_or("", |s| s.as_str()),
    )
    .map(HookId)
}

/// A 2xx answer: v2 wraps it in `data`.
fn answer(status: StatusCode, v2: bool, value: Value) -> Response {
    let body = if v2 { json!({ "data": value }) } else { value };
    (status, Json(body)).into_response()
}

fn text(v: &Value, key: &str) -> Result<Option<String>, ApiError> {
    match &v[key] {
        Value::Null => Ok(None),
        Value::String(s) => Ok(Some(s.clone())),
        _ => Err(ApiError::bad_request(format!("{key} must be a string"))),
    }
}

/// A hook's fields: v1 nests them under `hook`, v2 sends them flat (`payload_version`).
fn hook_input(body: &Value, v2: bool) -> Result<HookInput, ApiError> {
    let fields = if !v2 && body["hook"].is_object() {
        &body["hook"]
    } else {
        body
    };
    let headers = match &fields["destination_headers"] {
        Value::Null => None,
        Value::Object(m) => Some(
            m.iter()
                .map(|(k, v)| match v {
                    Value::String(s) => Ok((k.clone(), s.clone())),
                    _ => Err(ApiError::bad_request("destination_headers values must be strings")),
                })
                .collect::<Result<BTreeMap<_, _>, _>>()?,
        ),
        _ => return Err(ApiError::bad_request("destination_headers must be an object")),
    };
    let active = match &fields["status"] {
        Value::Null => None,
        Value::String(s) if s == "active" => Some(true),
        Value::String(s) if s == "disabled" => Some(false),
        _ => return Err(ApiError::bad_request("status must be active or disabled")),
    };
    Ok(HookInput {
        namespace: text(fields, "namespace")?,
        api_version: match text(fields, "payload_version")? {
            Some(v) => Some(v),
            None => text(fields, "api_version")?,
        },
        destination_url: text(fields, "destination_url")?,
        destination_headers: headers,
        active,
    })
}

async fn list_hooks(
    State(state): State<AppState>,
    RestCaller(caller): RestCaller,
    ApiPath(path): Params,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Response, ApiError> {
    let (scope, v2) = scope(&state, &headers, &uri, &path, &Value::Null).await?;
    let pairs = query_pairs(&uri);
    let version = match single(&pairs, "payload_version")? {
        Some(v) => Some(v),
        None => single(&pairs, "api_version")?,
    };
    let hooks = state
        .core
        .list_hooks(&caller, scope, single(&pairs, "namespace")?, version)
        .await?;
    let with_count = v2 && single(&pairs, "include_trigger_count")? == Some("true");
    let mut items = Vec::with_capacity(hooks.len());
    for h in &hooks {
        let mut v = render::hook(h, v2);
        if with_count {
            v["trigger_count"] = state.core.list_triggers(&caller, scope, h.id).await?.len().into();
        }
        items.push(v);
    }
    Ok(answer(StatusCode::OK, v2, Value::Array(items)))
}

async fn create_hook(
    State(state): State<AppState>,
    RestCaller(caller): RestCaller,
    ApiPath(path): Params,
    headers: HeaderMap,
    uri: Uri,
    bytes: Bytes,
) -> Result<Response, ApiError> {
    let body = body_of(&bytes)?;
    let (scope, v2) = scope(&state, &headers, &uri, &path, &body).await?;
    let created = state.core.create_hook(&caller, scope, hook_input(&body, v2)?).await?;
    let mut v = render::hook(&created.hook, v2);
    v["signing_secret"] = created.signing_secret.into();
    Ok(answer(StatusCode::CREATED, v2, v))
}

async fn show_hook(
    State(state): State<AppState>,
    RestCaller(caller): RestCaller,
    ApiPath(path): Params,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Response, ApiError> {
    let (scope, v2) = scope(&state, &headers, &uri, &path, &Value::Null).await?;
    let hook = state.core.show_hook(&caller, scope, hook_id(&path)?).await?;
    Ok(answer(StatusCode::OK, v2, render::hook(&hook, v2)))
}

async fn update_hook(
    State(state): State<AppState>,
    RestCaller(caller): RestCaller,
    ApiPath(path): Params,
    headers: HeaderMap,
    uri: Uri,
    bytes: Bytes,
) -> Result<Response, ApiError> {
    let body = body_of(&bytes)?;
    let (scope, v2) = scope(&state, &headers, &uri, &path, &body).await?;
    let hook = state
        .core
        .update_hook(&caller, scope, hook_id(&path)?, hook_input(&body, v2)?)
        .await?;
    Ok(answer(StatusCode::OK, v2, render::hook(&hook, v2)))
}

async fn rotate_secret(
    State(state): State<AppState>,
    RestCaller(caller): RestCaller,
    ApiPath(path): Params,
    headers: HeaderMap,
    uri: Uri,
    bytes: Bytes,
) -> Result<Response, ApiError> {
    let body = body_of(&bytes)?;
    let (scope, v2) = scope(&state, &headers, &uri, &path, &body).await?;
    let rotated = state.core.rotate_hook_secret(&caller, scope, hook_id(&path)?).await?;
    let mut v = render::hook(&rotated.hook, v2);
    v["signing_secret"] = rotated.signing_secret.into();
    Ok(answer(StatusCode::OK, v2, v))
}

async fn delete_hook(
    State(state): State<AppState>,
    RestCaller(caller): RestCaller,
    ApiPath(path): Params,
    headers: HeaderMap,
    uri: Uri,
    bytes: Bytes,
) -> Result<Response, ApiError> {
    let body = body_of(&bytes)?;
    let (scope, v2) = scope(&state, &headers, &uri, &path, &body).await?;
    state.core.delete_hook(&caller, scope, hook_id(&path)?).await?;
    // Procore: 200 on v1, 204 on v2.
    Ok(if v2 {
        StatusCode::NO_CONTENT.into_response()
    } else {
        (StatusCode::OK, Json(json!({}))).into_response()
    })
}

async fn list_triggers(
    State(state): State<AppState>,
    RestCaller(caller): RestCaller,
    ApiPath(path): Params,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Response, ApiError> {
    let (scope, v2) = scope(&state, &headers, &uri, &path, &Value::Null).await?;
    let triggers = state.core.list_triggers(&caller, scope, hook_id(&path)?).await?;
    let items = triggers.iter().map(|t| render::trigger(t, v2)).collect();
    Ok(answer(StatusCode::OK, v2, Value::Array(items)))
}

fn trigger_fields(v: &Value) -> (String, String) {
    let s = |k: &str| v[k].as_str().unwrap_or_default().to_string();
    (s("resource_name"), s("event_type"))
}

async fn create_trigger(
    State(state): State<AppState>,
    RestCaller(caller): RestCaller,
    ApiPath(path): Params,
    headers: HeaderMap,
    uri: Uri,
    bytes: Bytes,
) -> Result<Response, ApiError> {
    let body = body_of(&bytes)?;
    let (scope, v2) = scope(&state, &headers, &uri, &path, &body).await?;
    let fields = if body["trigger"].is_object() {
        &body["trigger"]
    } else {
        &body
    };
    let (resource_name, event_type) = trigger_fields(fields);
    let t = state
        .core
        .create_trigger(&caller, scope, hook_id(&path)?, &resource_name, &event_type)
        .await?;
    Ok(answer(StatusCode::CREATED, v2, render::trigger(&t, v2)))
}

/// 413 for more than [`MAX_BULK`] items, as Procore.
fn too_many(n: usize) -> Option<Response> {
    (n > MAX_BULK).then(|| {
        (
            StatusCode::PAYLOAD_TOO_LARGE,
            Json(json!({"errors": format!("at most {MAX_BULK} triggers a call, got {n}")})),
        )
            .into_response()
    })
}

async fn bulk_create(
    State(state): State<AppState>,
    RestCaller(caller): RestCaller,
    ApiPath(path): Params,
    headers: HeaderMap,
    uri: Uri,
    bytes: Bytes,
) -> Result<Response, ApiError> {
    let body = body_of(&bytes)?;
    let (scope, v2) = scope(&state, &headers, &uri, &path, &body).await?;
    let list = if v2 { &body } else { &body["triggers"] };
    let list = list
        .as_array()
        .ok_or_else(|| ApiError::bad_request("triggers must be an array"))?;
    if let Some(r) = too_many(list.len()) {
        return Ok(r);
    }
    let items: Vec<(String, String)> = list.iter().map(trigger_fields).collect();
    let outcomes = state
        .core
        .create_triggers(&caller, scope, hook_id(&path)?, &items)
        .await?;
    let (mut ok, mut failed) = (Vec::new(), Vec::new());
    for o in &outcomes {
        match o {
            BulkOutcome::Created(t) => ok.push(render::trigger(t, v2)),
            BulkOutcome::Failed {
                resource_name,
                event_type,
                code,
                message,
            } => failed.push(json!({
                "code": code,
                "message": message,
                "trigger": {"resource_name": resource_name, "event_type": event_type},
                "errors": {"event_type": message},
            })),
        }
    }
    let status = match (failed.is_empty(), v2) {
        (true, true) => StatusCode::CREATED,
        (true, false) => StatusCode::OK,
        (false, _) => StatusCode::MULTI_STATUS,
    };
    Ok(if v2 && failed.is_empty() {
        answer(status, true, Value::Array(ok))
    } else if v2 {
        answer(status, true, json!({"succeeded": ok, "failed": failed}))
    } else if failed.is_empty() {
        (status, Json(json!({"success": ok}))).into_response()
    } else {
        (status, Json(json!({"success": ok, "failed": failed}))).into_response()
    })
}

async fn bulk_delete(
    State(state): State<AppState>,
    RestCaller(caller): RestCaller,
    ApiPath(path): Params,
    headers: HeaderMap,
    uri: Uri,
    bytes: Bytes,
) -> Result<Response, ApiError> {
    let body = body_of(&bytes)?;
    let (scope, v2) = scope(&state, &headers, &uri, &path, &body).await?;
    let list = if v2 { &body } else { &body["triggers"] };
    let list = list
        .as_array()
        .ok_or_else(|| ApiError::bad_request("triggers must be an array of ids"))?;
    if let Some(r) = too_many(list.len()) {
        return Ok(r);
    }
    let ids = list
        .iter()
        .map(|v| id_in(v, "a trigger id").and_then(|o| o.ok_or_else(|| ApiError::bad_request("a trigger id is null"))))
        .map(|r| r.map(TriggerId))
        .collect::<Result<Vec<_>, _>>()?;
    let outcomes = state
        .core
        .delete_triggers(&caller, scope, hook_id(&path)?, &ids)
        .await?;
    let id = |t: TriggerId| {
        if v2 {
            Value::from(t.0.to_string())
        } else {
            Value::from(t.0)
        }
    };
    let ok: Vec<Value> = outcomes.iter().filter(|(_, d)| *d).map(|(t, _)| id(*t)).collect();
    let failed: Vec<Value> = outcomes
        .iter()
        .filter(|(_, d)| !*d)
        .map(|(t, _)| json!({"code": "not_found", "trigger": id(*t)}))
        .collect();
    let status = if failed.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::MULTI_STATUS
    };
    Ok(if v2 {
        answer(status, true, json!({"succeeded": ok, "failed": failed}))
    } else if failed.is_empty() {
        (status, Json(json!({"success": ok}))).into_response()
    } else {
        (status, Json(json!({"success": ok, "failed": failed}))).into_response()
    })
}

async fn delete_trigger(
    State(state): State<AppState>,
    RestCaller(caller): RestCaller,
    ApiPath(path): Params,
    headers: HeaderMap,
    uri: Uri,
    bytes: Bytes,
) -> Result<Response, ApiError> {
    let body = body_of(&bytes)?;
    let (scope, v2) = scope(&state, &headers, &uri, &path, &body).await?;
    let id = TriggerId(positive(
        "the trigger id in the path",
        path.get("trigger_id").map_or("", |s| s.as_str()),
    )?);
    let done = state
        .core
        .delete_triggers(&caller, scope, hook_id(&path)?, &[id])
        .await?;
    if !done.first().is_some_and(|(_, d)| *d) {
        return Err(trestle_core::CoreError::NotFound("trigger").into());
    }
    Ok(if v2 {
        StatusCode::NO_CONTENT.into_response()
    } else {
        (StatusCode::OK, Json(json!({}))).into_response()
    })
}

/// v1: `filters[status]` or `filter[status]`, keyset `page_size` (default 100, at most 1,000)
/// and `page_start` (the last id of the page before). v2: `filter[status]`, `page`/`per_page`.
async fn deliveries(
    State(state): State<AppState>,
    RestCaller(caller): RestCaller,
    ApiPath(path): Params,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Response, ApiError> {
    let (scope, v2) = scope(&state, &headers, &uri, &path, &Value::Null).await?;
    let pairs = query_pairs(&uri);
    let status = match single(&pairs, "filters[status]")? {
        Some(s) => Some(s),
        None => single(&pairs, "filter[status]")?,
    };
    let status = DeliveryStatus::filter(status).map_err(ApiError::bad_request)?;
    let number = |name: &str, default: i64, max: i64| -> Result<i64, ApiError> {
        Ok(match single(&pairs, name)? {
            Some(v) => positive(name, v)?.min(max),
            None => default,
        })
    };
    let (query, skip) = if v2 {
        let per_page = number("per_page", 10, 100)?;
        let page = number("page", 1, 100)?;
        let q = DeliveryQuery {
            status,
            after: None,
            limit: page * per_page,
        };
        (q, ((page - 1) * per_page) as usize)
    } else {
        let after = match single(&pairs, "page_start")? {
            Some(v) => Some(DeliveryId(positive("page_start", v)?)),
            None => None,
        };
        let q = DeliveryQuery {
            status,
            after,
            limit: number("page_size", 100, 1000)?,
        };
        (q, 0)
    };
    let found = state
        .core
        .list_deliveries(&caller, scope, hook_id(&path)?, &query)
        .await?;
    let items = found.iter().skip(skip).map(|d| render::delivery(d, v2)).collect();
    Ok(answer(StatusCode::OK, v2, Value::Array(items)))
}

async fn resources(
    State(state): State<AppState>,
    RestCaller(caller): RestCaller,
    ApiPath(path): Params,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Response, ApiError> {
    let (scope, v2) = scope(&state, &headers, &uri, &path, &Value::Null).await?;
    let all = state.core.webhook_resources(&caller, scope).await?;
    let pairs = query_pairs(&uri);
    let asked = match single(&pairs, "payload_version")? {
        Some(v) => Some(v),
        None => single(&pairs, "api_version")?,
    };
    let versions: Vec<&str> = match asked {
        Some(v) => vec![api_version(v).ok_or_else(|| {
            ApiError::bad_request(format!("payload_version must be one of {}", API_VERSIONS.join(", ")))
        })?],
        None => API_VERSIONS.to_vec(),
    };
    let items = versions
        .iter()
        .flat_map(|v| all.iter().map(move |r| render::resource(r, v, v2)))
        .collect();
    Ok(answer(StatusCode::OK, v2, Value::Array(items)))
}

async fn api_versions(
    State(state): State<AppState>,
    RestCaller(caller): RestCaller,
    ApiPath(path): Params,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Response, ApiError> {
    let (scope, v2) = scope(&state, &headers, &uri, &path, &Value::Null).await?;
    state.core.webhook_resources(&caller, scope).await?;
    Ok(answer(StatusCode::OK, v2, json!(API_VERSIONS)))
}
