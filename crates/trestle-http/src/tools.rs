//! Tool resources on the Procore-compatible REST API: the company and project Directory (its
//! lists in every version Procore has, v1.0–v1.3 for the company's, and one person) and
//! the project Documents tool (folders and files). What a caller may do follows its tool level:
//! `read_only` reads, `standard` creates and updates, `admin` deletes, `none` sees nothing.

use crate::error::ApiError;
use crate::extract::{ApiJson, ApiPath, RestCaller};
use crate::paging::{origin, page_request, paged, query_pairs, single};
use crate::rest::{company_of, iso, parse_company};
use crate::AppState;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};
use trestle_core::views::DirectoryUserJson;
use trestle_core::{Caller, CoreError};
use trestle_domain::entities::{DirectoryEntry, Document, DocumentKind};
use trestle_domain::page::Page;
use trestle_domain::permissions::ToolScope;
use trestle_domain::*;
use trestle_store::NewDocument;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/rest/v1.0/companies/{company_id}/users", get(company_users))
        .route("/rest/v1.1/companies/{company_id}/users", get(company_users))
        .route("/rest/v1.2/companies/{company_id}/users", get(company_users))
        .route("/rest/v1.3/companies/{company_id}/users", get(company_users))
        .route(
            "/rest/v1.0/companies/{company_id}/users/inactive",
            get(inactive_company_users),
        )
        .route(
            "/rest/v1.0/projects/{project_id}/users/inactive",
            get(inactive_project_users),
        )
        .route("/rest/v1.0/companies/{company_id}/users/{id}", get(company_user))
        .route("/rest/v1.1/companies/{company_id}/users/{id}", get(company_user))
        .route("/rest/v1.2/companies/{company_id}/users/{id}", get(company_user))
        .route("/rest/v1.3/companies/{company_id}/users/{id}", get(company_user))
        .route("/rest/v1.0/projects/{project_id}/users", get(project_users))
        .route("/rest/v1.0/projects/{project_id}/users/{user_id}", get(project_user))
        .route(
            "/rest/v1.0/projects/{project_id}/users/{user_id}/actions/add",
            post(add_project_user),
        )
        .route(
            "/rest/v1.0/projects/{project_id}/users/{user_id}/actions/remove",
            axum::routing::delete(remove_project_user),
        )
        .route("/rest/v1.0/folders", get(list_root).post(create_folder))
        .route(
            "/rest/v1.0/folders/{id}",
            get(show_folder).patch(update_folder).delete(delete_folder),
        )
        .route("/rest/v1.0/files", post(create_file))
        .route(
            "/rest/v1.0/files/{id}",
            get(show_file).patch(update_file).delete(delete_file),
        )
}

pub(crate) fn positive(what: &str, v: &str) -> Result<i64, ApiError> {
    v.trim().parse::<i64>().ok().filter(|n| *n > 0).ok_or_else(|| {
        ApiError::bad_request(format!(
            "{what} must be a positive integer id, got {:?}",
            crate::error::shorten(v, 40)
        ))
    })
}

/// The project named by `project_id` (query) and the company hint from the header or
/// `company_id`.
fn project_and_hint(
    state: &AppState,
    headers: &HeaderMap,
    uri: &Uri,
) -> Result<(ProjectId, Option<CompanyId>), ApiError> {
    let pairs = query_pairs(uri);
    let project = single(&pairs, "project_id")?.ok_or_else(|| ApiError::bad_request("project_id is required"))?;
    let explicit = single(&pairs, "company_id")?
        .map(|v| parse_company("company_id", v))
        .transpose()?;
    Ok((
        ProjectId(positive("project_id", project)?),
        company_of(state, headers, explicit)?,
    ))
}

fn hint(state: &AppState, headers: &HeaderMap, uri: &Uri) -> Result<Option<CompanyId>, ApiError> {
    let pairs = query_pairs(uri);
    let explicit = single(&pairs, "company_id")?
        .map(|v| parse_company("company_id", v))
        .transpose()?;
    company_of(state, headers, explicit)
}

fn directory_page(
    state: &AppState,
    headers: &HeaderMap,
    uri: &Uri,
    req: trestle_domain::page::PageRequest,
    page: Page<DirectoryEntry>,
) -> Response {
    let pairs = query_pairs(uri);
    let page = Page {
        items: page.items.into_iter().map(DirectoryUserJson::from).collect::<Vec<_>>(),
        total: page.total,
    };
    paged(&origin(state.public_url.as_deref(), headers), uri, &pairs, req, page)
}

async fn company_users(
    State(state): State<AppState>,
    RestCaller(caller): RestCaller,
    ApiPath(company): ApiPath<String>,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Response, ApiError> {
    company_directory(&state, &caller, &company, &headers, &uri, false).await
}

async fn inactive_company_users(
    State(state): State<AppState>,
    RestCaller(caller): RestCaller,
    ApiPath(company): ApiPath<String>,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Response, ApiError> {
    company_directory(&state, &caller, &company, &headers, &uri, true).await
}

/// A page of the company directory named in the path: every member, or the inactive ones.
async fn company_directory(
    state: &AppState,
    caller: &Caller,
    company: &str,
    headers: &HeaderMap,
    uri: &Uri,
    inactive_only: bool,
) -> Result<Response, ApiError> {
    let company = parse_company("the company id in the path", company)?;
    let company = company_of(state, headers, Some(company))?.expect("explicit company");
    let req = page_request(&query_pairs(uri))?;
    let page = if inactive_only {
        state.core.list_inactive_company_directory(caller, company, req).await?
    } else {
        state.core.list_company_directory(caller, company, req).await?
    };
    Ok(directory_page(state, headers, uri, req, page))
}

async fn project_users(
    State(state): State<AppState>,
    RestCaller(caller): RestCaller,
    ApiPath(project): ApiPath<String>,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Response, ApiError> {
    project_directory(&state, &caller, &project, &headers, &uri, false).await
}

async fn inactive_project_users(
    State(state): State<AppState>,
    RestCaller(caller): RestCaller,
    ApiPath(project): ApiPath<String>,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Response, ApiError> {
    project_directory(&state, &caller, &project, &headers, &uri, true).await
}

/// A page of the project directory named in the path: every member, or those whose company
/// membership is inactive.
async fn project_directory(
    state: &AppState,
    caller: &Caller,
    project: &str,
    headers: &HeaderMap,
    uri: &Uri,
    inactive_only: bool,
) -> Result<Response, ApiError> {
    let project = ProjectId(positive("the project id in the path", project)?);
    let req = page_request(&query_pairs(uri))?;
    let hint = hint(state, headers, uri)?;
    let page = if inactive_only {
        state
            .core
            .list_inactive_project_directory(caller, project, hint, req)
            .await?
    } else {
        state.core.list_project_directory(caller, project, hint, req).await?
    };
    Ok(directory_page(state, headers, uri, req, page))
}

async fn company_user(
    State(state): State<AppState>,
    RestCaller(caller): RestCaller,
    ApiPath((company, user)): ApiPath<(String, String)>,
    headers: HeaderMap,
) -> Result<Json<DirectoryUserJson>, ApiError> {
    let company = parse_company("the company id in the path", &company)?;
    let company = company_of(&state, &headers, Some(company))?.expect("explicit company");
    let user = UserId(positive("the user id in the path", &user)?);
    let entry = state.core.show_company_directory_user(&caller, company, user).await?;
    Ok(Json(entry.into()))
}

async fn project_user(
    State(state): State<AppState>,
    RestCaller(caller): RestCaller,
    ApiPath((project, user)): ApiPath<(String, String)>,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Json<DirectoryUserJson>, ApiError> {
    let project = ProjectId(positive("the project id in the path", &project)?);
    let user = UserId(positive("the user id in the path", &user)?);
    let entry = state
        .core
        .show_project_directory_user(&caller, project, hint(&state, &headers, &uri)?, user)
        .await?;
    Ok(Json(entry.into()))
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct AddUserBody {
    /// Project permissions, `{tool: level}`.
    permissions: Option<Value>,
}

async fn add_project_user(
    State(state): State<AppState>,
    RestCaller(caller): RestCaller,
    ApiPath((project, user)): ApiPath<(String, String)>,
    headers: HeaderMap,
    uri: Uri,
    crate::extract::OptionalJson(body): crate::extract::OptionalJson<AddUserBody>,
) -> Result<Response, ApiError> {
    let project = ProjectId(positive("the project id in the path", &project)?);
    let user = UserId(positive("the user id in the path", &user)?);
    let perms = crate::api::shared::permissions(&body.unwrap_or_default().permissions, ToolScope::Project)?;
    state
        .core
        .add_project_directory_user(&caller, project, hint(&state, &headers, &uri)?, user, &perms)
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn remove_project_user(
    State(state): State<AppState>,
    RestCaller(caller): RestCaller,
    ApiPath((project, user)): ApiPath<(String, String)>,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Response, ApiError> {
    let project = ProjectId(positive("the project id in the path", &project)?);
    let user = UserId(positive("the user id in the path", &user)?);
    state
        .core
        .remove_project_directory_user(&caller, project, hint(&state, &headers, &uri)?, user)
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

fn file_json(d: &Document, with_data: bool) -> Value {
    let mut v = json!({
        "id": d.id,
        "name": d.name,
        "parent_id": d.parent_id,
        "size": d.data.as_ref().map_or(0, |x| x.len()),
        "created_at": iso(d.created_at),
        "updated_at": iso(d.updated_at),
    });
    if with_data {
        v["data"] = json!(d.data);
    }
    v
}

fn folder_json(d: Option<&Document>, children: &[Document]) -> Value {
    let folders: Vec<Value> = children
        .iter()
        .filter(|c| c.kind == DocumentKind::Folder)
        .map(|c| json!({"id": c.id, "name": c.name, "parent_id": c.parent_id, "is_root": false, "created_at": iso(c.created_at), "updated_at": iso(c.updated_at)}))
        .collect();
    let files: Vec<Value> = children
        .iter()
        .filter(|c| c.kind == DocumentKind::File)
        .map(|c| file_json(c, false))
        .collect();
    json!({
        "id": d.map(|d| d.id),
        "name": d.map_or("Documents", |d| d.name.as_str()),
        "parent_id": d.and_then(|d| d.parent_id),
        "is_root": d.is_none(),
        "folders": folders,
        "files": files,
    })
}

async fn list_root(
    State(state): State<AppState>,
    RestCaller(caller): RestCaller,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Json<Value>, ApiError> {
    let (project, hint) = project_and_hint(&state, &headers, &uri)?;
    let children = state.core.list_documents(&caller, project, hint, None).await?;
    Ok(Json(folder_json(None, &children)))
}

async fn show_folder(
    State(state): State<AppState>,
    RestCaller(caller): RestCaller,
    ApiPath(id): ApiPath<DocumentId>,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Json<Value>, ApiError> {
    let (project, hint) = project_and_hint(&state, &headers, &uri)?;
    let folder = state
        .core
        .get_document(&caller, project, hint, id, DocumentKind::Folder)
        .await?;
    let children = state.core.list_documents(&caller, project, hint, Some(id)).await?;
    Ok(Json(folder_json(Some(&folder), &children)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FolderFields {
    name: Option<String>,
    parent_id: Option<i64>,
    /// Procore's other create/update fields, taken and not kept: Trestle has no per-folder
    /// permissions or tracking (ProPyCore sends `explicit_permissions: false` on every create).
    #[allow(dead_code)]
    explicit_permissions: Option<bool>,
    #[allow(dead_code)]
    is_tracked: Option<bool>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FolderBody {
    folder: FolderFields,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileFields {
    name: Option<String>,
    parent_id: Option<i64>,
    /// The file's content (text).
    data: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileBody {
    file: FileFields,
}

/// What a create request asks for.
struct Create {
    kind: DocumentKind,
    name: Option<String>,
    parent_id: Option<i64>,
    data: Option<String>,
}

async fn create(
    state: &AppState,
    caller: &Caller,
    headers: &HeaderMap,
    uri: &Uri,
    c: Create,
) -> Result<Response, ApiError> {
    let (project, hint) = project_and_hint(state, headers, uri)?;
    let name = c
        .name
        .ok_or_else(|| ApiError(CoreError::invalid_field("$.name", "is required")))?;
    let kind = c.kind;
    let new = NewDocument {
        parent_id: c.parent_id.map(DocumentId),
        kind,
        name,
        data: c.data,
        created_by: None,
    };
    let d = state
        .core
        .create_document(caller, project, hint, new)
        .await
        .map_err(|e| in_body(e, kind))?;
    let body = if kind == DocumentKind::Folder {
        folder_json(Some(&d), &[])
    } else {
        file_json(&d, true)
    };
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

async fn create_folder(
    State(state): State<AppState>,
    RestCaller(caller): RestCaller,
    headers: HeaderMap,
    uri: Uri,
    ApiJson(b): ApiJson<FolderBody>,
) -> Result<Response, ApiError> {
    let c = Create {
        kind: DocumentKind::Folder,
        name: b.folder.name,
        parent_id: b.folder.parent_id,
        data: None,
    };
    create(&state, &caller, &headers, &uri, c).await
}

async fn create_file(
    State(state): State<AppState>,
    RestCaller(caller): RestCaller,
    headers: HeaderMap,
    uri: Uri,
    ApiJson(b): ApiJson<FileBody>,
) -> Result<Response, ApiError> {
    let c = Create {
        kind: DocumentKind::File,
        name: b.file.name,
        parent_id: b.file.parent_id,
        data: b.file.data,
    };
    create(&state, &caller, &headers, &uri, c).await
}

async fn update_folder(
    State(state): State<AppState>,
    RestCaller(caller): RestCaller,
    ApiPath(id): ApiPath<DocumentId>,
    headers: HeaderMap,
    uri: Uri,
    ApiJson(b): ApiJson<FolderBody>,
) -> Result<Json<Value>, ApiError> {
    let (project, hint) = project_and_hint(&state, &headers, &uri)?;
    if b.folder.parent_id.is_some() {
        return Err(ApiError(CoreError::invalid_field(
            "$.folder.parent_id",
            "moving folders is not supported",
        )));
    }
    let d = state
        .core
        .update_document(
            &caller,
            project,
            hint,
            id,
            DocumentKind::Folder,
            b.folder.name.as_deref(),
            None,
        )
        .await
        .map_err(|e| in_body(e, DocumentKind::Folder))?;
    Ok(Json(folder_json(Some(&d), &[])))
}

async fn update_file(
    State(state): State<AppState>,
    RestCaller(caller): RestCaller,
    ApiPath(id): ApiPath<DocumentId>,
    headers: HeaderMap,
    uri: Uri,
    ApiJson(b): ApiJson<FileBody>,
) -> Result<Json<Value>, ApiError> {
    let (project, hint) = project_and_hint(&state, &headers, &uri)?;
    if b.file.parent_id.is_some() {
        return Err(ApiError(CoreError::invalid_field(
            "$.file.parent_id",
            "moving files is not supported",
        )));
    }
    let d = state
        .core
        .update_document(
            &caller,
            project,
            hint,
            id,
            DocumentKind::File,
            b.file.name.as_deref(),
            b.file.data.as_deref(),
        )
        .await
        .map_err(|e| in_body(e, DocumentKind::File))?;
    Ok(Json(file_json(&d, true)))
}

async fn show_file(
    State(state): State<AppState>,
    RestCaller(caller): RestCaller,
    ApiPath(id): ApiPath<DocumentId>,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Json<Value>, ApiError> {
    let (project, hint) = project_and_hint(&state, &headers, &uri)?;
    let d = state
        .core
        .get_document(&caller, project, hint, id, DocumentKind::File)
        .await?;
    Ok(Json(file_json(&d, true)))
}

async fn delete_doc(
    state: &AppState,
    caller: &Caller,
    headers: &HeaderMap,
    uri: &Uri,
    id: DocumentId,
    kind: DocumentKind,
) -> Result<Response, ApiError> {
    let (project, hint) = project_and_hint(state, headers, uri)?;
    state.core.delete_document(caller, project, hint, id, kind).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn delete_folder(
    State(state): State<AppState>,
    RestCaller(caller): RestCaller,
    ApiPath(id): ApiPath<DocumentId>,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Response, ApiError> {
    delete_doc(&state, &caller, &headers, &uri, id, DocumentKind::Folder).await
}

async fn delete_file(
    State(state): State<AppState>,
    RestCaller(caller): RestCaller,
    ApiPath(id): ApiPath<DocumentId>,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Response, ApiError> {
    delete_doc(&state, &caller, &headers, &uri, id, DocumentKind::File).await
}

/// A use case's field paths (`$.name`) as they are in the REST body (`$.folder.name`).
fn in_body(e: CoreError, kind: DocumentKind) -> ApiError {
    let wrapper = if kind == DocumentKind::Folder {
        "$.folder."
    } else {
        "$.file."
    };
    match e {
        CoreError::Invalid { message, problems } => ApiError(CoreError::Invalid {
            message: message.replacen("$.", wrapper, 1),
            problems: problems
                .into_iter()
                .map(|mut p| {
                    if !p.path.starts_with(wrapper) {
                        p.path = p.path.replacen("$.", wrapper, 1);
                    }
                    p
                })
                .collect(),
        }),
        other => ApiError(other),
    }
}
