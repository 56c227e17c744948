//! The Procore-compatible REST API (`/rest/v1.0`, `/rest/v1.1`).

use crate::error::ApiError;
use crate::extract::{ApiPath, RestCaller};
use crate::paging::{after_param, keyset_paged_shared, page_request, query_pairs, single};
use crate::AppState;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;
use trestle_core::views::ProjectJson;
use trestle_core::MISSING_COMPANY_HEADER;
use trestle_domain::entities::{Company, User};
use trestle_domain::{CompanyId, ProjectId};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/rest/v1.0/me", get(me))
        .route("/rest/v1.0/companies", get(companies))
        .route("/rest/v1.0/projects", get(projects))
        .route("/rest/v1.1/projects", get(projects))
        .route("/rest/v1.0/companies/{company_id}/projects", get(company_projects))
}

pub(crate) fn parse_company(what: &str, v: &str) -> Result<CompanyId, ApiError> {
    v.trim()
        .parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .map(CompanyId)
        .ok_or_else(|| {
            ApiError::bad_request(format!(
                "{what} must be a positive integer company id, got {:?}",
                crate::error::shorten(v, 40)
            ))
        })
}

/// The company a call acts in: from the path or `company_id` parameter and the
/// `Procore-Company-Id` header, which must agree when both are given.
pub(crate) fn company_of(
    state: &AppState,
    headers: &HeaderMap,
    explicit: Option<CompanyId>,
) -> Result<Option<CompanyId>, ApiError> {
    let header = match headers.get(crate::paging::PROCORE_COMPANY_ID) {
        Some(v) => Some(parse_company(
            "the Procore-Company-Id header",
            v.to_str().unwrap_or(""),
        )?),
        None => None,
    };
    if let (Some(h), Some(e)) = (header, explicit) {
        if h != e {
            return Err(ApiError::bad_request(format!(
                "the Procore-Company-Id header ({h}) does not match the company of the request ({e})"
            )));
        }
    }
    if header.is_none() && state.core.config().strict_company_header {
        return Err(ApiError::bad_request(MISSING_COMPANY_HEADER));
    }
    Ok(header.or(explicit))
}

pub(crate) fn iso(t: i64) -> String {
    trestle_core::format_timestamp(t)
}

#[derive(Serialize)]
struct CompanyJson<'a> {
    id: i64,
    name: &'a str,
    is_active: bool,
    logo_url: Option<&'a str>,
    pcn_business_experience: bool,
    my_company: bool,
}

impl<'a> From<&'a Company> for CompanyJson<'a> {
    fn from(c: &'a Company) -> Self {
        CompanyJson {
            id: c.id.0,
            name: &c.name,
            is_active: c.is_active,
            logo_url: None,
            pcn_business_experience: false,
            my_company: false,
        }
    }
}

#[derive(Serialize)]
struct MeJson {
    id: i64,
    login: String,
    name: String,
}

impl From<User> for MeJson {
    fn from(u: User) -> Self {
        MeJson {
            id: u.id.0,
            login: u.email,
            name: u.name,
        }
    }
}

// The REST handlers take the request itself (its headers and URI are only read, not copied).

async fn me(State(state): State<AppState>, RestCaller(caller): RestCaller, req: Request) -> Result<Response, ApiError> {
    let pairs = query_pairs(req.uri());
    let explicit = single(&pairs, "company_id")?
        .map(|v| parse_company("company_id", v))
        .transpose()?;
    let company = company_of(&state, req.headers(), explicit)?;
    let user = state.core.me(&caller, company).await?;
    Ok(Json(MeJson::from(user)).into_response())
}

async fn companies(
    State(state): State<AppState>,
    RestCaller(caller): RestCaller,
    request: Request,
) -> Result<Response, ApiError> {
    let (headers, uri) = (request.headers(), request.uri());
    let pairs = query_pairs(uri);
    let req = page_request(&pairs)?;
    let company = company_of(&state, headers, None)?;
    let after = after_param(&pairs)?.map(CompanyId);
    let page = state.core.list_companies(&caller, company, req, after).await?;
    Ok(keyset_paged_shared(
        state.public_url.as_deref(),
        headers,
        uri,
        &pairs,
        req,
        &page,
        |items| serde_json::to_vec(&items.iter().map(CompanyJson::from).collect::<Vec<_>>()),
        |c| c.id.0,
    ))
}

async fn list_projects_of(
    state: &AppState,
    caller: trestle_core::Caller,
    headers: &HeaderMap,
    uri: &Uri,
    pairs: &[(String, String)],
    explicit: Option<CompanyId>,
) -> Result<Response, ApiError> {
    let req = page_request(pairs)?;
    let company = company_of(state, headers, explicit)?
        .ok_or_else(|| ApiError::bad_request("company_id is required: /rest/v1.0/projects?company_id=<id>"))?;
    let after = after_param(pairs)?.map(ProjectId);
    let page = state.core.list_projects(&caller, company, req, after).await?;
    Ok(keyset_paged_shared(
        state.public_url.as_deref(),
        headers,
        uri,
        pairs,
        req,
        &page,
        |items| serde_json::to_vec(&items.iter().map(ProjectJson::from).collect::<Vec<_>>()),
        |p| p.id.0,
    ))
}

async fn projects(
    State(state): State<AppState>,
    RestCaller(caller): RestCaller,
    req: Request,
) -> Result<Response, ApiError> {
    let pairs = query_pairs(req.uri());
    let explicit = match single(&pairs, "company_id")? {
        Some(v) => Some(parse_company("company_id", v)?),
        None => None,
    };
    list_projects_of(&state, caller, req.headers(), req.uri(), &pairs, explicit).await
}

async fn company_projects(
    State(state): State<AppState>,
    RestCaller(caller): RestCaller,
    ApiPath(company_id): ApiPath<String>,
    req: Request,
) -> Result<Response, ApiError> {
    let company = parse_company("the company id in the path", &company_id)?;
    let pairs = query_pairs(req.uri());
    list_projects_of(&state, caller, req.headers(), req.uri(), &pairs, Some(company)).await
}
