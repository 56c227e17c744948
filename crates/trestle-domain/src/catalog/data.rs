//! Loading `data/procore-operations.json` into [`CatalogOp`]s: the raw records are read with
//! private serde structs, then every derived field is filled by the pure rules below
//! ([`scope_of`], [`need_of`], [`resource_of`], [`wrapper_of`]).

use super::shape::{derive_shape, is_collection, param_parts};
use super::tags::{is_platform_tag, tool_of_tag};
use super::{ApiVersion, BodySpec, CatalogOp, Method, OpScope, Param, ParamIn, ParamType, Shape};
use crate::policy::Operation;
use serde::Deserialize;
use serde_json::Value;

const DATA: &str = include_str!("../../data/procore-operations.json");

#[derive(Deserialize)]
struct RawOp {
    id: String,
    method: String,
    path: String,
    summary: String,
    tag: String,
    #[serde(default)]
    parameters: Vec<RawParam>,
    request_body: Option<RawBody>,
    responses: Vec<String>,
}

#[derive(Deserialize)]
struct RawParam {
    name: String,
    #[serde(rename = "in")]
    location: String,
    #[serde(default)]
    required: bool,
    #[serde(default)]
    schema: Value,
}

#[derive(Deserialize)]
struct RawBody {
    content_type: String,
    required: bool,
    schema: Value,
}

/// Writes that Procore documents as needing Admin on the tool (§3.1 of the reference): a
/// non-`GET` operation whose tag starts with `tag` and whose path contains `path` (any path
/// when empty), at `scope` (any scope when `None`), needs [`Operation::Administer`].
struct AdminWrite {
    tag: &'static str,
    path: &'static str,
    scope: Option<OpScope>,
}

const ADMIN_WRITES: &[AdminWrite] = &[
    AdminWrite {
        tag: "Construction Financials/Commitments",
        path: "",
        scope: None,
    },
    AdminWrite {
        tag: "Project Management/Field Productivity",
        path: "timecard_entries",
        scope: None,
    },
    AdminWrite {
        tag: "Core/Directory",
        path: "/users",
        scope: Some(OpScope::Company),
    },
    AdminWrite {
        tag: "Core/Directory",
        path: "permission_template",
        scope: Some(OpScope::Company),
    },
    AdminWrite {
        tag: "Platform - Developer Tools/App Marketplace",
        path: "",
        scope: None,
    },
    AdminWrite {
        tag: "Company Admin/Company Settings",
        path: "",
        scope: None,
    },
    AdminWrite {
        tag: "Company Admin/Project-Level Configuration",
        path: "",
        scope: None,
    },
    AdminWrite {
        tag: "Company Admin/Custom - Configurable Tools",
        path: "",
        scope: None,
    },
];

/// The catalog's operations. The data is embedded and checked by this module's tests, so a
/// failure here is a build defect, reported with the operation it is in.
pub(super) fn load() -> Vec<CatalogOp> {
    let raw: Vec<RawOp> =
        serde_json::from_str(DATA).unwrap_or_else(|e| panic!("data/procore-operations.json does not parse: {e}"));
    raw.into_iter()
        .enumerate()
        .map(|(index, r)| {
            let id = r.id.clone();
            convert(index, r).unwrap_or_else(|e| panic!("data/procore-operations.json, {id}: {e}"))
        })
        .collect()
}

fn convert(index: usize, r: RawOp) -> Result<CatalogOp, String> {
    let method = Method::parse(&r.method).ok_or_else(|| format!("unknown method {:?}", r.method))?;
    let version = version_of(&r.path)?;
    let params = r.parameters.iter().map(param_of).collect::<Result<Vec<_>, _>>()?;
    let body = r.request_body.map(|b| BodySpec {
        wrapper: wrapper_of(&b.schema),
        content_type: b.content_type,
        required: b.required,
        schema: b.schema,
    });
    let scope = scope_of(&r.path, &r.tag, &params, body.as_ref());
    let tool = match scope {
        OpScope::Platform => None,
        scope => Some(tool_of_tag(&r.tag, scope).ok_or_else(|| format!("no tool for tag {:?}", r.tag))?),
    };
    let shape = derive_shape(method, &r.path);
    let (resource, parents, record_param) = resource_of(&r.path, shape);
    let success = r
        .responses
        .iter()
        .filter_map(|c| c.parse::<u16>().ok())
        .find(|c| (200..300).contains(c))
        .unwrap_or(200);
    Ok(CatalogOp {
        index,
        need: need_of(method, &r.tag, &r.path, scope),
        id: r.id,
        method,
        version,
        summary: r.summary,
        tool,
        scope,
        shape,
        resource,
        parents,
        record_param,
        params,
        body,
        responses: r.responses,
        success,
        tag: r.tag,
        path: r.path,
    })
}

fn version_of(path: &str) -> Result<Option<ApiVersion>, String> {
    match path.strip_prefix("/rest/") {
        None => Ok(None),
        Some(rest) => {
            let segment = rest.split('/').next().unwrap_or("");
            ApiVersion::parse(segment)
                .map(Some)
                .ok_or_else(|| format!("unknown version {segment:?}"))
        }
    }
}

fn type_of(schema: &Value) -> Result<ParamType, String> {
    Ok(match schema.get("type").and_then(Value::as_str) {
        None | Some("string") => ParamType::String,
        Some("integer") => ParamType::Integer,
        Some("number") => ParamType::Number,
        Some("boolean") => ParamType::Boolean,
        Some("object") => ParamType::Object,
        Some("array") => ParamType::Array(Box::new(match schema.get("items") {
            Some(items) => type_of(items)?,
            None => ParamType::String,
        })),
        Some(other) => return Err(format!("unknown parameter type {other:?}")),
    })
}

fn param_of(p: &RawParam) -> Result<Param, String> {
    let location = match p.location.as_str() {
        "path" => ParamIn::Path,
        "query" => ParamIn::Query,
        "header" => ParamIn::Header,
        other => return Err(format!("parameter {} in unknown place {other:?}", p.name)),
    };
    let enum_of = |s: &Value| s.get("enum").and_then(Value::as_array).cloned();
    let values = enum_of(&p.schema)
        .or_else(|| p.schema.get("items").and_then(enum_of))
        .unwrap_or_default();
    let allowed = values
        .iter()
        .map(|v| match v {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        })
        .collect();
    Ok(Param {
        name: p.name.clone(),
        location,
        required: p.required || location == ParamIn::Path,
        ty: type_of(&p.schema)?,
        allowed,
    })
}

/// The one object-typed top-level property of a body schema other than `company_id` and
/// `project_id`, e.g. `rfi` for `{"rfi": {…}}`.
fn wrapper_of(schema: &Value) -> Option<String> {
    let props = schema.get("properties")?.as_object()?;
    let mut objects = props.iter().filter(|(name, s)| {
        *name != "company_id" && *name != "project_id" && s.get("type").and_then(Value::as_str) == Some("object")
    });
    let (name, _) = objects.next()?;
    objects.next().is_none().then(|| name.clone())
}

fn body_has(body: Option<&BodySpec>, name: &str) -> bool {
    body.and_then(|b| b.schema.get("properties"))
        .and_then(|p| p.get(name))
        .is_some()
}

/// Project when the path, the query or the body names a project; Company when they name a
/// company (or the path is under `/companies/`), and for every other tool operation (the
/// company comes from `Procore-Company-Id` then); Platform for OAuth, `/me` and the platform
/// services.
pub(super) fn scope_of(path: &str, tag: &str, params: &[Param], body: Option<&BodySpec>) -> OpScope {
    if path.starts_with("/oauth/") || path == "/rest/v1.0/me" || is_platform_tag(tag) {
        return OpScope::Platform;
    }
    let declared = |name: &str| {
        params
            .iter()
            .any(|p| p.name == name && matches!(p.location, ParamIn::Path | ParamIn::Query))
    };
    if declared("project_id") || body_has(body, "project_id") {
        OpScope::Project
    } else {
        OpScope::Company
    }
}

/// What the caller must be allowed to do: Read for `GET`, Write for `POST`/`PUT`/`PATCH`,
/// Delete for `DELETE`, and Administer for the writes of [`ADMIN_WRITES`].
pub(super) fn need_of(method: Method, tag: &str, path: &str, scope: OpScope) -> Operation {
    if method == Method::Get {
        return Operation::Read;
    }
    let admin = ADMIN_WRITES.iter().any(|x| {
        tag.starts_with(x.tag) && (x.path.is_empty() || path.contains(x.path)) && x.scope.is_none_or(|s| s == scope)
    });
    match method {
        _ if admin => Operation::Administer,
        Method::Delete => Operation::Delete,
        _ => Operation::Write,
    }
}

/// `(resource, parents, record_param)` of a path template with this shape (see the fields of
/// [`CatalogOp`]).
pub(super) fn resource_of(path: &str, shape: Shape) -> (String, Vec<String>, Option<String>) {
    let rest = match path.strip_prefix("/rest/") {
        Some(r) => r.split_once('/').map_or("", |(_, after)| after),
        None => path.trim_start_matches('/'),
    };
    let raw: Vec<&str> = rest.split('/').filter(|s| !s.is_empty()).collect();
    // Drop `companies/{company_id}` and `projects/{project_id}` when something follows them.
    let mut segs: Vec<&str> = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        let scoped = matches!(
            (raw[i], raw.get(i + 1)),
            ("companies", Some(&"{company_id}")) | ("projects", Some(&"{project_id}"))
        );
        if scoped && i + 2 < raw.len() {
            i += 2;
        } else {
            segs.push(raw[i]);
            i += 1;
        }
    }
    match shape {
        Shape::Action | Shape::Sync => {
            // An action names its record (`…/{id}/actions/close`) or its collection
            // (`…/line_items/sync`): drop the trailing verbs.
            while segs.len() > 1
                && segs
                    .last()
                    .is_some_and(|s| param_parts(s).is_none() && !is_collection(s))
            {
                segs.pop();
            }
        }
        _ => {}
    }
    let takes_record = matches!(shape, Shape::Show | Shape::Update | Shape::Delete | Shape::Action);
    let mut record_param = None;
    if takes_record && segs.len() > 1 {
        if let Some((name, _)) = segs.last().and_then(|s| param_parts(s)) {
            record_param = Some(name.to_string());
            segs.pop();
        }
    }
    let parents = segs
        .iter()
        .filter_map(|s| param_parts(s))
        .map(|(name, _)| name.to_string())
        .filter(|n| n != "company_id" && n != "project_id")
        .collect();
    let resource = segs
        .iter()
        .map(|s| if param_parts(s).is_some() { "{}" } else { s })
        .collect::<Vec<_>>()
        .join("/");
    (resource, parents, record_param)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resources_of_real_paths() {
        /// `(template, shape, resource, parents, record_param)`.
        type Row = (
            &'static str,
            Shape,
            &'static str,
            &'static [&'static str],
            Option<&'static str>,
        );
        let table: &[Row] = &[
            ("/rest/v1.0/projects/{project_id}/rfis", Shape::List, "rfis", &[], None),
            (
                "/rest/v1.0/projects/{project_id}/rfis/{id}",
                Shape::Show,
                "rfis",
                &[],
                Some("id"),
            ),
            (
                "/rest/v1.0/projects/{project_id}/rfis/{rfi_id}/replies/{id}",
                Shape::Show,
                "rfis/{}/replies",
                &["rfi_id"],
                Some("id"),
            ),
            ("/rest/v1.1/punch_items", Shape::List, "punch_items", &[], None),
            (
                "/rest/v1.0/projects/{project_id}/punch_items",
                Shape::List,
                "punch_items",
                &[],
                None,
            ),
            (
                "/rest/v1.0/rfis/{id}/actions/close",
                Shape::Action,
                "rfis",
                &[],
                Some("id"),
            ),
            ("/rest/v1.0/rfis/{id}/reopen", Shape::Action, "rfis", &[], Some("id")),
            (
                "/rest/v1.0/coordination_issues/sync",
                Shape::Sync,
                "coordination_issues",
                &[],
                None,
            ),
            (
                "/rest/v1.0/prime_contracts/{prime_contract_id}/line_items/sync",
                Shape::Sync,
                "prime_contracts/{}/line_items",
                &["prime_contract_id"],
                None,
            ),
            (
                "/rest/v2.0/companies/{company_id}/projects/{project_id}/equipment_register/{id}",
                Shape::Update,
                "equipment_register",
                &[],
                Some("id"),
            ),
            (
                "/rest/v1.0/companies/{company_id}",
                Shape::Show,
                "companies",
                &[],
                Some("company_id"),
            ),
            (
                "/rest/v1.0/companies/{company_id}/concierge",
                Shape::Action,
                "concierge",
                &[],
                None,
            ),
            ("/oauth/token", Shape::Action, "oauth", &[], None),
            ("/rest/v1.0/me", Shape::List, "me", &[], None),
            (
                "/rest/v1.0/projects/{project_id}/rfis/{id}.pdf",
                Shape::Action,
                "rfis",
                &[],
                Some("id"),
            ),
        ];
        for (path, shape, resource, parents, record) in table {
            let (r, p, rp) = resource_of(path, *shape);
            assert_eq!(r, *resource, "{path}");
            assert_eq!(p, parents.iter().map(|s| s.to_string()).collect::<Vec<_>>(), "{path}");
            assert_eq!(rp.as_deref(), *record, "{path}");
        }
    }

    #[test]
    fn needs_and_exceptions() {
        use Method::*;
        let rfi = "Project Management/RFI/rfis";
        assert_eq!(need_of(Get, rfi, "/x", OpScope::Project), Operation::Read);
        assert_eq!(need_of(Post, rfi, "/x", OpScope::Project), Operation::Write);
        assert_eq!(need_of(Put, rfi, "/x", OpScope::Project), Operation::Write);
        assert_eq!(need_of(Delete, rfi, "/x", OpScope::Project), Operation::Delete);
        let c = "Construction Financials/Commitments/work-order-contracts";
        assert_eq!(
            need_of(Get, c, "/rest/v1.0/work_order_contracts", OpScope::Project),
            Operation::Read
        );
        assert_eq!(
            need_of(Post, c, "/rest/v1.0/work_order_contracts", OpScope::Project),
            Operation::Administer
        );
        let t = "Project Management/Field Productivity/timecard-entries";
        assert_eq!(
            need_of(
                Patch,
                t,
                "/rest/v1.0/companies/{company_id}/timecard_entries/{id}",
                OpScope::Company
            ),
            Operation::Administer
        );
        assert_eq!(
            need_of(Post, t, "/rest/v1.0/projects/{project_id}/timesheets", OpScope::Project),
            Operation::Write
        );
        let d = "Core/Directory/company-users";
        let users = "/rest/v1.3/companies/{company_id}/users";
        assert_eq!(need_of(Post, d, users, OpScope::Company), Operation::Administer);
        assert_eq!(
            need_of(Post, d, "/rest/v1.0/projects/{project_id}/users", OpScope::Project),
            Operation::Write
        );
        let s = "Company Admin/Company Settings/x";
        assert_eq!(
            need_of(Patch, s, "/rest/v1.0/companies/{company_id}/x", OpScope::Company),
            Operation::Administer
        );
    }

    #[test]
    fn wrappers_and_types() {
        let schema = serde_json::json!({"type": "object", "properties": {
            "project_id": {"type": "integer"}, "rfi": {"type": "object"}}});
        assert_eq!(wrapper_of(&schema).as_deref(), Some("rfi"));
        let two = serde_json::json!({"properties": {"a": {"type": "object"}, "b": {"type": "object"}}});
        assert_eq!(wrapper_of(&two), None);
        let flat = serde_json::json!({"properties": {"name": {"type": "string"}}});
        assert_eq!(wrapper_of(&flat), None);
        let arr = serde_json::json!({"type": "array", "items": {"type": "integer"}});
        assert_eq!(type_of(&arr), Ok(ParamType::Array(Box::new(ParamType::Integer))));
        assert_eq!(type_of(&serde_json::json!({})), Ok(ParamType::String));
    }
}
