//! Procore's operation catalog as data: every REST operation of Procore's public API
//! (`data/procore-operations.json`, 2,636 operations; its notice is beside it), parsed once and
//! enriched with what Trestle needs to serve it: the tool that guards it and the level it needs,
//! its shape (list, create, show, …), the record collection it acts on, and a router from a
//! request's method and path to the operation.
//!
//! Nothing here serves anything: the core's resource engine and the HTTP fallback do that, by
//! looking operations up here. The rules that turn the raw data into those facts are pure
//! functions, tested as tables in the submodules.

mod data;
mod route;
mod shape;
mod tags;

pub use route::{PathParams, Resolved};
pub use shape::derive_shape;
pub use tags::{tool_of_tag, TAG_GROUPS};

use crate::policy::Operation;
use crate::tool::Tool;
use std::sync::OnceLock;

/// A version of Procore's REST API, as written in the path (`/rest/v1.1/…`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ApiVersion {
    V1_0,
    V1_1,
    V1_2,
    V1_3,
    V2_0,
    V2_1,
}

impl ApiVersion {
    /// v2 wraps bodies in `{"data": …}` and writes every id as a string.
    pub const fn is_v2(self) -> bool {
        matches!(self, ApiVersion::V2_0 | ApiVersion::V2_1)
    }

    /// The path segment, e.g. `"v1.1"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            ApiVersion::V1_0 => "v1.0",
            ApiVersion::V1_1 => "v1.1",
            ApiVersion::V1_2 => "v1.2",
            ApiVersion::V1_3 => "v1.3",
            ApiVersion::V2_0 => "v2.0",
            ApiVersion::V2_1 => "v2.1",
        }
    }

    pub fn parse(segment: &str) -> Option<ApiVersion> {
        [
            ApiVersion::V1_0,
            ApiVersion::V1_1,
            ApiVersion::V1_2,
            ApiVersion::V1_3,
            ApiVersion::V2_0,
            ApiVersion::V2_1,
        ]
        .into_iter()
        .find(|v| v.as_str() == segment)
    }
}

/// An HTTP method the catalog uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Method {
    Get,
    Post,
    Put,
    Patch,
    Delete,
}

impl Method {
    pub fn parse(name: &str) -> Option<Method> {
        Some(match name {
            "GET" => Method::Get,
            "POST" => Method::Post,
            "PUT" => Method::Put,
            "PATCH" => Method::Patch,
            "DELETE" => Method::Delete,
            _ => return None,
        })
    }

    pub const fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
        }
    }
}

/// What an operation does to its collection, derived from its method and path
/// ([`derive_shape`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Shape {
    /// `GET` of a collection: a page of records.
    List,
    /// `POST` to a collection: a new record.
    Create,
    /// `GET` of one record (the path ends in its id).
    Show,
    /// `PATCH`/`PUT` of one record: merge the body into it.
    Update,
    /// `DELETE` of one record: soft delete.
    Delete,
    /// `PATCH` (once `POST`) of `…/sync`: batch upsert of at most 1,000 items.
    Sync,
    /// Anything else (`POST …/{id}/actions/close`, `PATCH` of a collection, …): acts on the
    /// record named by the path's last id, or on the collection when there is none.
    Action,
}

/// Where an operation acts, which decides which tool level is asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OpScope {
    /// A company's tool (the company from the path, `company_id`, or `Procore-Company-Id`).
    Company,
    /// A project's tool (the project from the path, `project_id` query, or body).
    Project,
    /// No tool: OAuth and platform endpoints (`/oauth/*`, `/rest/v1.0/me`, …).
    Platform,
}

/// Where a parameter goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ParamIn {
    Path,
    Query,
    Header,
}

/// A parameter's declared type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ParamType {
    Integer,
    Number,
    String,
    Boolean,
    /// An array of the inner type (filters such as `filters[status_id][]`).
    Array(Box<ParamType>),
    Object,
}

/// One declared parameter.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Param {
    pub name: String,
    pub location: ParamIn,
    pub required: bool,
    pub ty: ParamType,
    /// The allowed values, when the catalog lists them (as strings, whatever the type).
    pub allowed: Vec<String>,
}

/// A declared request body.
#[derive(Clone, Debug, PartialEq)]
pub struct BodySpec {
    /// `application/json`, `multipart/form-data`, …
    pub content_type: String,
    pub required: bool,
    /// The JSON schema as the catalog gives it.
    pub schema: serde_json::Value,
    /// The one object property that wraps the record's fields, e.g. `"rfi"` for
    /// `{"rfi": {…}}`, when the schema has one.
    pub wrapper: Option<String>,
}

/// One operation of the catalog, with what Trestle derives from it.
#[derive(Clone, Debug, PartialEq)]
pub struct CatalogOp {
    /// The operation's position in [`Catalog::ops`].
    pub index: usize,
    /// Procore's operation id, e.g. `"RestV10ProjectsProjectIdRfisGet"`.
    pub id: String,
    pub method: Method,
    /// The path template as Procore writes it, e.g. `/rest/v1.0/projects/{project_id}/rfis/{id}`.
    pub path: String,
    /// `None` for `/oauth/*`.
    pub version: Option<ApiVersion>,
    pub summary: String,
    /// Procore's tag, `<Category>/<Tool group>/<sub-tag>`.
    pub tag: String,
    /// The tool that guards the operation; `None` only for [`OpScope::Platform`].
    pub tool: Option<Tool>,
    pub scope: OpScope,
    /// What the caller must be allowed to do with the tool.
    pub need: Operation,
    pub shape: Shape,
    /// The record collection the operation acts on: the path after the version, without the
    /// company and project segments and without a trailing record id, other ids as `{}`; the
    /// same for every version of a resource, e.g. `rfis`, `rfis/{}/replies`, `punch_items`.
    pub resource: String,
    /// The path parameters, other than `company_id`/`project_id`, that name the parent records
    /// (in path order), e.g. `["rfi_id"]` for `…/rfis/{rfi_id}/replies`.
    pub parents: Vec<String>,
    /// The path parameter that names the record itself (`Show`, `Update`, `Delete`, and an
    /// `Action` on one record), e.g. `"id"`.
    pub record_param: Option<String>,
    pub params: Vec<Param>,
    pub body: Option<BodySpec>,
    /// The declared response codes, e.g. `["200", "401", "403", "default"]`.
    pub responses: Vec<String>,
    /// The status a success answers with: the first declared 2xx (200 when none is declared).
    pub success: u16,
}

impl CatalogOp {
    /// The declared parameter `name` at `location`.
    pub fn param(&self, location: ParamIn, name: &str) -> Option<&Param> {
        self.params.iter().find(|p| p.location == location && p.name == name)
    }
}

/// The whole catalog with its router.
pub struct Catalog {
    ops: Vec<CatalogOp>,
    router: route::Router,
}

impl Catalog {
    /// Every operation, in the data file's order.
    pub fn ops(&self) -> &[CatalogOp] {
        &self.ops
    }

    /// The operation a request's method and path (without query) select.
    pub fn resolve<'c>(&'c self, method: Method, path: &str) -> Resolved<'c> {
        self.router.resolve(&self.ops, method, path)
    }
}

/// The catalog, parsed from the embedded data on first use.
pub fn catalog() -> &'static Catalog {
    static CATALOG: OnceLock<Catalog> = OnceLock::new();
    CATALOG.get_or_init(|| {
        let ops = data::load();
        let router = route::Router::new(&ops);
        Catalog { ops, router }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::{HashMap, HashSet};

    #[test]
    fn the_whole_catalog() {
        let ops = catalog().ops();
        let mut shapes: HashMap<String, usize> = HashMap::new();
        for op in ops {
            *shapes.entry(format!("{:?}", op.shape)).or_default() += 1;
        }
        let mut counts: Vec<_> = shapes.into_iter().collect();
        counts.sort();
        assert_eq!(ops.len(), 2636, "shapes: {counts:?}");
        let mut seen = HashSet::new();
        // Also with parameter names erased: two such ops would be indistinguishable to a router.
        let mut shapes_seen = HashSet::new();
        for op in ops {
            let erased: Vec<String> = op
                .path
                .split('/')
                .map(|s| match shape::param_parts(s) {
                    Some((_, suffix)) => format!("{{}}{suffix}"),
                    None => s.to_string(),
                })
                .collect();
            assert!(
                shapes_seen.insert((op.method, erased.join("/"))),
                "{} {}",
                op.method.as_str(),
                op.path
            );
        }
        for (i, op) in ops.iter().enumerate() {
            assert_eq!(op.index, i);
            assert!(
                seen.insert((op.method, op.path.as_str())),
                "{} {} twice",
                op.method.as_str(),
                op.path
            );
            match op.scope {
                OpScope::Platform => assert_eq!(op.tool, None, "{}", op.id),
                scope => {
                    let tool = op.tool.unwrap_or_else(|| panic!("{} has no tool", op.id));
                    let at = match scope {
                        OpScope::Project => crate::tool::ToolScope::Project,
                        _ => crate::tool::ToolScope::Company,
                    };
                    assert_ne!(
                        tool.def().at(at),
                        crate::tool::Offered::No,
                        "{}: {tool} at {at:?}",
                        op.id
                    );
                }
            }
            assert!(
                !op.resource.is_empty() && !op.resource.contains("{company_id}"),
                "{}",
                op.id
            );
            assert!((200..300).contains(&op.success), "{}", op.id);
        }
        let platform: Vec<_> = ops
            .iter()
            .filter(|o| o.scope == OpScope::Platform)
            .map(|o| o.path.as_str())
            .collect();
        assert_eq!(platform.len(), 6, "{platform:?}");
        // Every tag group of the data is in the table.
        for op in ops {
            let group = tags::group_of(&op.tag);
            assert_eq!(TAG_GROUPS.iter().filter(|(g, ..)| *g == group).count(), 1, "{group}");
        }
        // One resource key for the versions and spellings of a resource.
        let key = |m: Method, p: &str| {
            ops.iter()
                .find(|o| o.method == m && o.path == p)
                .map(|o| o.resource.clone())
        };
        assert_eq!(key(Method::Get, "/rest/v1.1/punch_items"), Some("punch_items".into()));
        assert_eq!(
            key(Method::Get, "/rest/v1.0/projects/{project_id}/rfis"),
            Some("rfis".into())
        );
        let rfi = ops
            .iter()
            .find(|o| o.method == Method::Post && o.path == "/rest/v1.0/projects/{project_id}/rfis");
        let rfi = rfi.expect("RFI create");
        assert_eq!(
            (rfi.shape, rfi.scope, rfi.tool, rfi.need),
            (Shape::Create, OpScope::Project, Some(Tool::Rfis), Operation::Write)
        );
        assert_eq!(rfi.body.as_ref().and_then(|b| b.wrapper.as_deref()), Some("rfi"));
        assert_eq!(rfi.success, 201);
    }
}
