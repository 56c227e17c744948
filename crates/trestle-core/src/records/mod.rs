//! The catalog-driven resource engine: serves any operation of Procore's catalog
//! (`trestle_domain::catalog`) from the generic record store (`trestle_store::RecordStore`).
//!
//! [`Trestle::serve_operation`] makes the one policy decision — the operation's tool at its
//! scope with the level it needs (`UseProjectTool`/`UseCompanyTool`) — then acts on the
//! operation's collection by its shape: lists (paging, filters, sort, a keyset cursor:
//! `query.rs`), creates and updates checked against the catalog's schema (`schema.rs`), shows,
//! soft deletes, syncs, actions (`shapes.rs`), and shows records in one renderer (`render.rs`).
//! List answers are rendered once and shared through the page cache (`pages.rs`).
//!
//! Scope: a project operation's project comes from the path's `project_id`, else the query's,
//! else the body's; a company operation's company from the path, query or body `company_id`,
//! else the `Procore-Company-Id` header. A project or company the caller cannot see is "not
//! found"; a tool level too low is 403. Platform operations (OAuth, `me`) are not served here.
//!
//! Records are bound to `RecordScope { company, project, resource, parent }`, where `parent`
//! is the values of the operation's parent ids joined by `/`; a parent whose collection can be
//! created through the catalog must exist.

mod modelled;
mod pages;
mod query;
mod render;
mod schema;
mod shapes;
mod tuned;

pub(crate) use pages::PageCache;
pub use pages::{Rendered, SharedAnswer};
pub use query::CURSOR_PARAM;
pub use schema::sample;
pub use shapes::MAX_SYNC;
pub(crate) use tuned::fill_defaults;

use crate::{Caller, CoreError, Result, Trestle};
use serde_json::{Map, Value};
use std::collections::HashSet;
use std::sync::OnceLock;
use trestle_domain::catalog::{catalog, CatalogOp, OpScope, PathParams, Shape};
use trestle_domain::page::PageRequest;
use trestle_domain::policy::{decide, Actor, Request};
use trestle_domain::record::{IdempotencyKey, RecordScope};
use trestle_domain::*;

/// One request for a catalog operation, already parsed by the HTTP layer.
pub struct OpRequest<'a> {
    pub op: &'static CatalogOp,
    /// The values of the path template's parameters.
    pub path: &'a PathParams,
    /// The query parameters, decoded, in order.
    pub query: &'a [(String, String)],
    /// The company the request names outside the path (`Procore-Company-Id`, `company_id`).
    pub company_hint: Option<CompanyId>,
    /// The body as an object (empty when there was none).
    pub body: Map<String, Value>,
    /// The body came as a form (url-encoded or multipart), so its values are text.
    pub form: bool,
    /// `Idempotency-Token`, honoured on POST and PATCH.
    pub idempotency_token: Option<&'a str>,
    /// The request's path (idempotency remembers per path).
    pub request_path: &'a str,
}

/// What an answer carries.
#[derive(Debug, PartialEq)]
pub enum OpBody {
    Json(Value),
    /// Remembered JSON text (an idempotent replay).
    Raw(String),
    /// A rendered answer shared with the page cache (`pages.rs`): its status, body and paging
    /// are in it, and `OpAnswer::list` is `None`.
    Shared(SharedAnswer),
    Empty,
}

/// How a list was paged, for the `Total`, `Per-Page` and `Link` headers.
#[derive(Debug, PartialEq)]
pub struct ListPage {
    pub total: i64,
    pub page: PageRequest,
    /// For the next page's link: the id to continue after (default order only).
    pub next_after: Option<RecordId>,
}

/// The answer to one operation.
#[derive(Debug, PartialEq)]
pub struct OpAnswer {
    pub status: u16,
    pub body: OpBody,
    pub list: Option<ListPage>,
}

/// The caller resolved inside the operation's scope.
pub(crate) struct Place {
    pub(crate) actor: Actor,
    pub(crate) scope: RecordScope,
    pub(crate) v2: bool,
    /// Who asked (idempotency remembers per principal).
    pub(crate) caller: Caller,
}

impl Place {
    pub(crate) fn idempotency(&self, req: &OpRequest<'_>) -> Option<IdempotencyKey> {
        if !matches!(
            req.op.method,
            trestle_domain::catalog::Method::Post | trestle_domain::catalog::Method::Patch
        ) {
            return None;
        }
        let token = req.idempotency_token?.trim();
        if token.is_empty() {
            return None;
        }
        Some(IdempotencyKey {
            company: self.scope.company,
            principal: principal(&self.caller),
            method: req.op.method.as_str().to_string(),
            path: req.request_path.to_string(),
            token: token.to_string(),
        })
    }
}

fn principal(caller: &Caller) -> String {
    match caller {
        Caller::App { app, .. } => format!("app:{}", app.0),
        Caller::Person(u) => format!("user:{}", u.0),
        Caller::Service { account, .. } => format!("service:{account}"),
    }
}

/// A scope id's raw value: the path's, else the query's, else the body's.
fn scope_value(req: &OpRequest<'_>, name: &str) -> Option<String> {
    if let Some(v) = req.path.get(name) {
        return Some(v.to_string());
    }
    if let Some((_, v)) = req.query.iter().find(|(k, _)| k == name) {
        return Some(v.clone());
    }
    match req.body.get(name) {
        Some(Value::Number(n)) => Some(n.to_string()),
        Some(Value::String(s)) => Some(s.clone()),
        _ => None,
    }
}

fn positive(name: &str, v: &str) -> Result<i64> {
    v.trim().parse::<i64>().ok().filter(|n| *n > 0).ok_or_else(|| {
        CoreError::BadRequest(format!(
            "{name} must be a positive integer id, got {:?}",
            crate::answer::shorten(v, 40)
        ))
    })
}

/// The collections the catalog can create records in, with whether at project scope: a
/// parent of such a collection must exist.
fn creatable() -> &'static HashSet<(&'static str, bool)> {
    static SET: OnceLock<HashSet<(&'static str, bool)>> = OnceLock::new();
    SET.get_or_init(|| {
        catalog()
            .ops()
            .iter()
            .filter(|o| o.shape == Shape::Create)
            .map(|o| (o.resource.as_str(), o.scope == OpScope::Project))
            .collect()
    })
}

/// The collection of the `i`-th parent of `resource`: what precedes its `i`-th `{}`.
fn parent_collection(resource: &'static str, i: usize) -> Option<&'static str> {
    let at = resource.match_indices("{}").nth(i)?.0;
    Some(resource[..at].trim_end_matches('/'))
}

impl Trestle {
    /// Serves one catalog operation for `caller` (see the module documentation).
    #[tracing::instrument(level = "debug", skip_all, fields(caller = ?caller, op = %req.op.id))]
    pub async fn serve_operation(&self, caller: &Caller, req: OpRequest<'_>) -> Result<OpAnswer> {
        let place = self.place(caller, &req).await?;
        self.check_parents(&place, &req).await?;
        if let Some(kind) = modelled::of(req.op) {
            return self.serve_modelled(&place, kind, req).await;
        }
        // Only now, with the caller's access decided for this request, may a list come from
        // the page cache.
        if let Some(key) = pages::key_of(&place, &req) {
            return self.cached_list(&place, &req, key).await;
        }
        if req.op.method == trestle_domain::catalog::Method::Get {
            if let Some(answer) = self.tuned_lookup(&place, &req).await? {
                return Ok(answer);
            }
        }
        match req.op.shape {
            Shape::List => self.op_list(&place, &req).await,
            Shape::Create => self.op_create(&place, req, true).await,
            Shape::Show => self.op_show(&place, &req).await,
            Shape::Update => self.op_update(&place, req).await,
            Shape::Delete => self.op_delete(&place, &req).await,
            Shape::Sync => self.op_sync(&place, req).await,
            Shape::Action => self.op_action(&place, req).await,
        }
    }

    /// The one policy decision, and the record scope it opens.
    async fn place(&self, caller: &Caller, req: &OpRequest<'_>) -> Result<Place> {
        let op = req.op;
        let tool = match (op.scope, op.tool) {
            (OpScope::Platform, _) | (_, None) => return Err(CoreError::NotFound("operation")),
            (_, Some(tool)) => tool,
        };
        let (company, project, actor) = match op.scope {
            OpScope::Project => {
                let raw = scope_value(req, "project_id")
                    .ok_or_else(|| CoreError::BadRequest("project_id is required".into()))?;
                let project = ProjectId(positive("project_id", &raw)?);
                let scope = self.project_scope(caller, project, req.company_hint).await?;
                self.require_project_tool(&scope, tool, op.need)?;
                (scope.company, Some(project), scope.actor)
            }
            _ => {
                let company = match scope_value(req, "company_id") {
                    Some(raw) => CompanyId(positive("company_id", &raw)?),
                    None => req
                        .company_hint
                        .ok_or_else(|| CoreError::BadRequest("company_id is required".into()))?,
                };
                if req.company_hint.is_some_and(|h| h != company) {
                    return Err(CoreError::NotFound("company"));
                }
                let (actor, m) = match self.company_actor(caller, company).await {
                    Ok(found) => found,
                    Err(CoreError::Forbidden(_)) => return Err(CoreError::NotFound("company")),
                    Err(e) => return Err(e),
                };
                decide(actor, Request::ViewCompany { company: m.as_deref() })
                    .map_err(|_| CoreError::NotFound("company"))?;
                self.require(
                    actor,
                    Request::UseCompanyTool {
                        company: m.as_deref(),
                        tool,
                        op: op.need,
                    },
                )?;
                (company, None, actor)
            }
        };
        let parent: Vec<&str> = op.parents.iter().map(|p| req.path.get(p).unwrap_or("")).collect();
        // Ids are short text without NUL (no backend stores it); anything else names nothing.
        if parent.iter().any(|p| p.contains('\0') || p.len() > 200) {
            return Err(CoreError::NotFound(op.resource.as_str()));
        }
        Ok(Place {
            actor,
            scope: RecordScope {
                company,
                project,
                resource: op.resource.clone(),
                parent: parent.join("/"),
            },
            v2: op.version.is_some_and(|v| v.is_v2()),
            caller: *caller,
        })
    }

    /// Every parent whose collection the catalog can create in (at the operation's scope, or
    /// at company scope for a project operation) must be a live record there.
    async fn check_parents(&self, place: &Place, req: &OpRequest<'_>) -> Result<()> {
        let resource: &'static str = req.op.resource.as_str();
        // A template whose ids do not line up with its parents is not checked.
        if resource.matches("{}").count() != req.op.parents.len() {
            return Ok(());
        }
        let mut values: Vec<&str> = Vec::new();
        for (i, name) in req.op.parents.iter().enumerate() {
            let value = req.path.get(name).unwrap_or("");
            let Some(collection) = parent_collection(resource, i) else {
                values.push(value);
                continue;
            };
            let project = if creatable().contains(&(collection, place.scope.project.is_some())) {
                Some(place.scope.project)
            } else if place.scope.project.is_some() && creatable().contains(&(collection, false)) {
                Some(None)
            } else {
                None
            };
            if let Some(project) = project {
                let missing = CoreError::NotFound(collection);
                let id = value.parse::<i64>().map_err(|_| CoreError::NotFound(collection))?;
                if let Some(found) = self.modelled_parent(place, collection, id).await? {
                    if !found {
                        return Err(missing);
                    }
                    values.push(value);
                    continue;
                }
                let scope = RecordScope {
                    company: place.scope.company,
                    project,
                    resource: collection.to_string(),
                    parent: values.join("/"),
                };
                if self.store.find_record(&scope, RecordId(id), false).await?.is_none() {
                    return Err(missing);
                }
            }
            values.push(value);
        }
        Ok(())
    }

    /// The id of the record the operation names, when it names one.
    pub(crate) fn record_id(&self, req: &OpRequest<'_>) -> Result<Option<RecordId>> {
        let Some(param) = &req.op.record_param else {
            return Ok(None);
        };
        let raw = req.path.get(param).unwrap_or("");
        raw.trim()
            .parse::<i64>()
            .ok()
            .filter(|n| *n > 0)
            .map(|n| Some(RecordId(n)))
            .ok_or(CoreError::NotFound(req.op.resource.as_str()))
    }
}

/// The catalog operation that creates the records of `resource` at a scope (project or
/// company), without parent records: where a seed file's records of that collection go.
pub(crate) fn creating_op(resource: &str, project: bool) -> Option<&'static CatalogOp> {
    let scope = if project { OpScope::Project } else { OpScope::Company };
    catalog().ops().iter().find(|op| {
        op.method == trestle_domain::catalog::Method::Post
            && op.resource == resource
            && op.scope == scope
            && op.parents.is_empty()
            && op.record_param.is_none()
    })
}

/// A seed file's record against the schema of the operation that creates it (required fields,
/// types, enums), its problems reported under `path` (`$.companies[0].projects[1].records.rfis[3]`).
/// The fields are converted in place the way a create converts them; server fields and
/// `origin_id` are taken out.
pub(crate) fn check_seed_record(
    op: &CatalogOp,
    fields: &mut Map<String, Value>,
    path: &str,
    problems: &mut Vec<trestle_domain::manifest::Problem>,
) {
    for f in render::SERVER_FIELDS {
        fields.remove(*f);
    }
    fields.remove("origin_id");
    if let Some(s) = schema::record_schema(op) {
        schema::check(fields, s, path, true, false, problems);
    }
    schema::nul_problems(fields, path, problems);
}

#[cfg(test)]
mod tests {
    use super::parent_collection;

    #[test]
    fn parents_collections_are_the_path_before_their_id() {
        assert_eq!(parent_collection("rfis/{}/replies", 0), Some("rfis"));
        assert_eq!(parent_collection("a/{}/b/{}/c", 1), Some("a/{}/b"));
        assert_eq!(parent_collection("rfis", 0), None);
    }
}
