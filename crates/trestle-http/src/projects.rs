//! Management API: project management (one, change, deactivate, delete, bulk create),
//! invitations into company directories by e-mail address, and the operator's listings of
//! companies and people.

use crate::admin::permissions;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{ApiActor, ApiJson, ApiPath};
use crate::manage::{created, CompanyOut, ProjectOut, UserOut};
use crate::paging::{page_request, paged_as, query_pairs, single};
use crate::AppState;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;
use trestle_core::CoreError;
use trestle_domain::permissions::ToolScope;
use trestle_domain::*;
use trestle_store::{Invitation, NewProject, ProjectFilter, ProjectPatch, ProjectStatus};
use utoipa::ToSchema;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/api/v1/companies/{company_id}/projects/{project_id}",
            get(get_project).patch(update_project).delete(delete_project),
        )
        .route("/api/v1/companies/{company_id}/projects/bulk", post(bulk_create))
        .route(
            "/api/v1/companies/{company_id}/invitations",
            post(invite).get(list_invitations),
        )
        .route(
            "/api/v1/companies/{company_id}/invitations/{invitation_id}",
            delete(cancel_invitation),
        )
        .route("/api/v1/me/invitations", get(my_invitations))
        .route("/api/v1/me/invitations/{invitation_id}/accept", post(accept_invitation))
}

/// `null` clears a field, an absent field stays as it is.
fn set_or_clear<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(d).map(Some)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateProject {
    /// 1 to 200 characters.
    #[schema(max_length = 200)]
    pub name: Option<String>,
    /// At most 100 characters; `null` clears it.
    #[serde(default, deserialize_with = "set_or_clear")]
    #[schema(value_type = Option<String>, max_length = 100)]
    pub project_number: Option<Option<String>>,
    /// At most 255 characters; `null` clears it.
    #[serde(default, deserialize_with = "set_or_clear")]
    #[schema(value_type = Option<String>, max_length = 255)]
    pub address: Option<Option<String>>,
    /// At most 100 characters; `null` clears it.
    #[serde(default, deserialize_with = "set_or_clear")]
    #[schema(value_type = Option<String>, max_length = 100)]
    pub city: Option<Option<String>>,
    /// ISO 3166-2 subdivision code without the country, e.g. `CA` (1 to 3 letters or digits).
    #[serde(default, deserialize_with = "set_or_clear")]
    #[schema(value_type = Option<String>, max_length = 3)]
    pub state_code: Option<Option<String>>,
    /// ISO 3166-1 alpha-2 country code, e.g. `US`.
    #[serde(default, deserialize_with = "set_or_clear")]
    #[schema(value_type = Option<String>, max_length = 2)]
    pub country_code: Option<Option<String>>,
    /// At most 20 characters; `null` clears it.
    #[serde(default, deserialize_with = "set_or_clear")]
    #[schema(value_type = Option<String>, max_length = 20)]
    pub zip: Option<Option<String>>,
    /// `false` deactivates the project, `true` reactivates it.
    pub active: Option<bool>,
}

/// Company admin: one project, active or not.
#[utoipa::path(get, path = "/api/v1/companies/{company_id}/projects/{project_id}", tag = "company admin",
    security(("api_token" = [])), params(("company_id" = i64, Path), ("project_id" = i64, Path)),
    responses((status = 200, body = ProjectOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn get_project(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath((company, project)): ApiPath<(i64, i64)>,
) -> Result<Json<ProjectOut>, ApiError> {
    let p = s
        .core
        .get_project(actor, CompanyId(company), ProjectId(project))
        .await?;
    Ok(Json(p.into()))
}

/// Company admin: change a project's name, number or address, or deactivate (`"active":
/// false`) and reactivate it. An inactive project drops out of every project list (the REST
/// lists as in Procore, which lists active projects) and its tools answer "not found" for
/// everyone, apps included, until it is reactivated; its members, permitted apps and documents
/// are kept.
#[utoipa::path(patch, path = "/api/v1/companies/{company_id}/projects/{project_id}", tag = "company admin",
    security(("api_token" = [])), params(("company_id" = i64, Path), ("project_id" = i64, Path)),
    request_body = UpdateProject,
    responses((status = 200, body = ProjectOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub(crate) async fn update_project(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath((company, project)): ApiPath<(i64, i64)>,
    ApiJson(b): ApiJson<UpdateProject>,
) -> Result<Json<ProjectOut>, ApiError> {
    let patch = ProjectPatch {
        name: b.name,
        project_number: b.project_number,
        address: b.address,
        city: b.city,
        state_code: b.state_code,
        country_code: b.country_code,
        zip: b.zip,
        active: b.active,
    };
    let p = s
        .core
        .update_project(actor, CompanyId(company), ProjectId(project), patch)
        .await?;
    Ok(Json(p.into()))
}

/// Company admin: delete a project nothing depends on. A project with documents, members or
/// apps permitted on it is refused with 409 naming them: remove those first, or deactivate it.
#[utoipa::path(delete, path = "/api/v1/companies/{company_id}/projects/{project_id}", tag = "company admin",
    security(("api_token" = [])), params(("company_id" = i64, Path), ("project_id" = i64, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub(crate) async fn delete_project(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath((company, project)): ApiPath<(i64, i64)>,
) -> Result<StatusCode, ApiError> {
    s.core
        .delete_project(actor, CompanyId(company), ProjectId(project))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BulkProjects {
    /// 1 to 1000 projects, each like `POST /api/v1/companies/{company_id}/projects`.
    #[schema(min_items = 1, max_items = 1000)]
    pub projects: Vec<crate::manage::CreateProject>,
}

#[derive(Serialize, ToSchema)]
pub struct BulkCreated {
    /// The new projects, in the order given.
    pub projects: Vec<ProjectOut>,
}

/// Company admin: create up to 1000 projects in one request and one transaction: all of them
/// or none. Every problem is listed with its path, e.g. `$.projects[3].name` (at most 100).
#[utoipa::path(post, path = "/api/v1/companies/{company_id}/projects/bulk", tag = "company admin",
    security(("api_token" = [])), params(("company_id" = i64, Path)), request_body = BulkProjects,
    responses((status = 201, body = BulkCreated), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn bulk_create(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(company): ApiPath<i64>,
    ApiJson(b): ApiJson<BulkProjects>,
) -> Result<Response, ApiError> {
    let new = b.projects.into_iter().map(NewProject::from).collect();
    let made = s.core.create_projects(actor, CompanyId(company), new).await?;
    Ok(created(BulkCreated {
        projects: made.into_iter().map(Into::into).collect(),
    }))
}

/// `status=active|inactive|all` (default `active`).
pub(crate) fn project_filter(pairs: &[(String, String)]) -> Result<ProjectFilter, ApiError> {
    let status = match single(pairs, "status")? {
        None | Some("") | Some("active") => ProjectStatus::Active,
        Some("inactive") => ProjectStatus::Inactive,
        Some("all") => ProjectStatus::All,
        Some(_) => {
            return Err(CoreError::invalid_field("$.status", "must be active, inactive or all").into());
        }
    };
    Ok(ProjectFilter {
        status,
        query: single(pairs, "query")?.unwrap_or_default().to_string(),
    })
}

/// Operator: every company (paginated; `query` matches a part of the name). A person gets the
/// companies they belong to.
#[utoipa::path(get, path = "/api/v1/companies", tag = "operator", security(("api_token" = [])),
    params(("query" = Option<String>, Query, description = "part of the name, at most 200 characters"),
        ("page" = Option<u32>, Query), ("per_page" = Option<u32>, Query)),
    responses((status = 200, body = [CompanyOut]), (status = 403, body = ErrorBody)))]
pub(crate) async fn list_companies(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Response, ApiError> {
    let pairs = query_pairs(&uri);
    let req = page_request(&pairs)?;
    let q = single(&pairs, "query")?.unwrap_or_default().to_string();
    let page = s.core.find_companies(actor, &q, req).await?;
    Ok(paged_as(&s, &headers, &uri, &pairs, req, page, CompanyOut::from))
}

/// Operator: every person (paginated; `query` matches a part of the name or e-mail address).
/// Others get 403.
#[utoipa::path(get, path = "/api/v1/people", tag = "operator", security(("api_token" = [])),
    params(("query" = Option<String>, Query, description = "part of the name or e-mail, at most 200 characters"),
        ("page" = Option<u32>, Query), ("per_page" = Option<u32>, Query)),
    responses((status = 200, body = [UserOut]), (status = 403, body = ErrorBody)))]
pub(crate) async fn list_people(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Response, ApiError> {
    let pairs = query_pairs(&uri);
    let req = page_request(&pairs)?;
    let q = single(&pairs, "query")?.unwrap_or_default().to_string();
    let page = s.core.list_people(actor, &q, req).await?;
    Ok(paged_as(&s, &headers, &uri, &pairs, req, page, UserOut::from))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InviteIn {
    /// The person's e-mail address (at most 254 characters).
    #[schema(max_length = 254)]
    pub email: String,
    /// The name given to a person created by this invitation (when no one has the address
    /// yet); at most 200 characters, defaults to the address's local part.
    #[serde(default)]
    #[schema(max_length = 200)]
    pub name: Option<String>,
    #[serde(default)]
    pub is_admin: bool,
    /// Company tool permissions, `{tool: level}`.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub permissions: Option<Value>,
}

#[derive(Serialize, ToSchema)]
pub struct InvitationOut {
    pub id: i64,
    pub company_id: i64,
    pub company_name: String,
    pub email: String,
    pub is_admin: bool,
    #[schema(value_type = Object)]
    pub permissions: Value,
    /// `pending` or `accepted` (cancelled ones are not listed).
    pub status: String,
    pub created_at: i64,
    pub decided_at: Option<i64>,
}

impl From<Invitation> for InvitationOut {
    fn from(i: Invitation) -> Self {
        InvitationOut {
            id: i.id,
            company_id: i.company_id.0,
            company_name: i.company_name,
            email: i.email,
            is_admin: i.is_admin,
            permissions: serde_json::from_str(&i.permissions_json).unwrap_or(Value::Null),
            status: i.status,
            created_at: i.created_at,
            decided_at: i.decided_at,
        }
    }
}

async fn do_invite(
    s: &AppState,
    actor: trestle_domain::policy::Actor,
    company: i64,
    b: InviteIn,
) -> Result<Response, ApiError> {
    let perms = permissions(&b.permissions, ToolScope::Company)?;
    let inv = s
        .core
        .invite_member(
            actor,
            CompanyId(company),
            &b.email,
            b.name.as_deref(),
            b.is_admin,
            perms,
        )
        .await?;
    Ok(created(InvitationOut::from(inv)))
}

/// Company admin: invite someone into the directory by e-mail address. The answer is the same
/// whether the address belongs to a person, to nobody (a person without credentials is
/// created for it; the operator gives them a token or password) or to an app's bot: nothing
/// about people outside the company shows. They appear in the directory once they accept
/// (`POST /api/v1/me/invitations/{id}/accept`); inviting an address again replaces the role
/// and permissions of its pending invitation. 409 only for an active member.
#[utoipa::path(post, path = "/api/v1/companies/{company_id}/invitations", tag = "company admin",
    security(("api_token" = [])), params(("company_id" = i64, Path)), request_body = InviteIn,
    responses((status = 201, body = InvitationOut), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub(crate) async fn invite(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(company): ApiPath<i64>,
    ApiJson(b): ApiJson<InviteIn>,
) -> Result<Response, ApiError> {
    do_invite(&s, actor, company, b).await
}

/// Company admin: the same as `POST /api/v1/companies/{company_id}/invitations`. People are
/// never added by their global user id: a body with `user_id` is refused (422).
#[utoipa::path(post, path = "/api/v1/companies/{company_id}/users", tag = "company admin",
    security(("api_token" = [])), params(("company_id" = i64, Path)), request_body = InviteIn,
    responses((status = 201, body = InvitationOut), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub(crate) async fn add_member(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(company): ApiPath<i64>,
    ApiJson(b): ApiJson<Value>,
) -> Result<Response, ApiError> {
    if b.get("user_id").is_some() {
        return Err(CoreError::invalid_field(
            "$.user_id",
            "people join a company by invitation: send their e-mail address as \"email\"; they appear in the directory once they accept",
        )
        .into());
    }
    // The same refusals, in the same words, as any other body (never serde's wording).
    let b: InviteIn = match crate::extract::parse_json(&serde_json::to_vec(&b).unwrap_or_default()) {
        Ok(b) => b,
        Err(e) => return Ok(e.into_response()),
    };
    do_invite(&s, actor, company, b).await
}

/// Company admin: the pending invitations (paginated).
#[utoipa::path(get, path = "/api/v1/companies/{company_id}/invitations", tag = "company admin",
    security(("api_token" = [])), params(("company_id" = i64, Path), ("page" = Option<u32>, Query), ("per_page" = Option<u32>, Query)),
    responses((status = 200, body = [InvitationOut]), (status = 403, body = ErrorBody)))]
pub(crate) async fn list_invitations(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(company): ApiPath<i64>,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Response, ApiError> {
    let pairs = query_pairs(&uri);
    let req = page_request(&pairs)?;
    let page = s.core.list_invitations(actor, CompanyId(company), req).await?;
    Ok(paged_as(&s, &headers, &uri, &pairs, req, page, InvitationOut::from))
}

/// Company admin: withdraw a pending invitation.
#[utoipa::path(delete, path = "/api/v1/companies/{company_id}/invitations/{invitation_id}", tag = "company admin",
    security(("api_token" = [])), params(("company_id" = i64, Path), ("invitation_id" = i64, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn cancel_invitation(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath((company, id)): ApiPath<(i64, i64)>,
) -> Result<StatusCode, ApiError> {
    s.core.cancel_invitation(actor, CompanyId(company), id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A person: my pending invitations to companies.
#[utoipa::path(get, path = "/api/v1/me/invitations", tag = "account", security(("api_token" = [])),
    responses((status = 200, body = [InvitationOut]), (status = 403, body = ErrorBody)))]
pub(crate) async fn my_invitations(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
) -> Result<Json<Vec<InvitationOut>>, ApiError> {
    let v = s.core.my_invitations(actor).await?;
    Ok(Json(v.into_iter().map(Into::into).collect()))
}

/// A person: accept an invitation; I join the company's directory with its role and
/// permissions. Someone else's invitation is 404.
#[utoipa::path(post, path = "/api/v1/me/invitations/{invitation_id}/accept", tag = "account", security(("api_token" = [])),
    params(("invitation_id" = i64, Path)),
    responses((status = 200, body = InvitationOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn accept_invitation(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<InvitationOut>, ApiError> {
    Ok(Json(s.core.accept_invitation(actor, id).await?.into()))
}
