//! The served OpenAPI document (`/openapi.json`): the management API's part comes from its
//! route table (utoipa), the OAuth endpoints and the Procore-compatible REST surface from the
//! operation catalog — every catalog operation, with its parameters and request body as Procore
//! declares them, and the answers Trestle gives (the success status of its shape, and the
//! refusals the engine and the global layers make). Built once at start-up.

use serde_json::{json, Map, Value};
use trestle_domain::catalog::{catalog, CatalogOp, Method, OpScope, Param, ParamIn, ParamType, Shape};

/// The whole document as bytes: `management` with the catalog's paths added.
pub fn document(management: &utoipa::openapi::OpenApi) -> Vec<u8> {
    let mut doc = serde_json::to_value(management).unwrap_or_else(|_| json!({}));
    extend(&mut doc, catalog().ops());
    serde_json::to_vec(&doc).unwrap_or_default()
}

/// Whether a success body is a JSON array or object.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Body {
    Array,
    Object,
    /// No body (204).
    Empty,
}

/// The catalog operations that hand-written routes serve (`rest.rs`, `tools.rs`) rather than the
/// resource engine, as (method, template with `{}` for each parameter, success body).
pub const HAND_SERVED: &[(Method, &str, Body)] = &[
    (Method::Get, "/rest/v1.0/me", Body::Object),
    (Method::Get, "/rest/v1.0/companies", Body::Array),
    (Method::Get, "/rest/v1.0/projects", Body::Array),
    (Method::Get, "/rest/v1.1/projects", Body::Array),
    (Method::Get, "/rest/v1.0/companies/{}/projects", Body::Array),
    (Method::Get, "/rest/v1.0/companies/{}/users", Body::Array),
    (Method::Get, "/rest/v1.1/companies/{}/users", Body::Array),
    (Method::Get, "/rest/v1.2/companies/{}/users", Body::Array),
    (Method::Get, "/rest/v1.3/companies/{}/users", Body::Array),
    (Method::Get, "/rest/v1.0/companies/{}/users/{}", Body::Object),
    (Method::Get, "/rest/v1.1/companies/{}/users/{}", Body::Object),
    (Method::Get, "/rest/v1.2/companies/{}/users/{}", Body::Object),
    (Method::Get, "/rest/v1.3/companies/{}/users/{}", Body::Object),
    (Method::Get, "/rest/v1.0/projects/{}/users", Body::Array),
    (Method::Get, "/rest/v1.0/projects/{}/users/{}", Body::Object),
    (Method::Get, "/rest/v1.0/companies/{}/users/inactive", Body::Array),
    (Method::Get, "/rest/v1.0/projects/{}/users/inactive", Body::Array),
    (Method::Post, "/rest/v1.0/projects/{}/users/{}/actions/add", Body::Empty),
    (
        Method::Delete,
        "/rest/v1.0/projects/{}/users/{}/actions/remove",
        Body::Empty,
    ),
    (Method::Get, "/rest/v1.0/folders", Body::Object),
    (Method::Post, "/rest/v1.0/folders", Body::Object),
    (Method::Get, "/rest/v1.0/folders/{}", Body::Object),
    (Method::Patch, "/rest/v1.0/folders/{}", Body::Object),
    (Method::Delete, "/rest/v1.0/folders/{}", Body::Empty),
    (Method::Post, "/rest/v1.0/files", Body::Object),
    (Method::Get, "/rest/v1.0/files/{}", Body::Object),
    (Method::Patch, "/rest/v1.0/files/{}", Body::Object),
    (Method::Delete, "/rest/v1.0/files/{}", Body::Empty),
];

/// `template` with every `{name}` written `{}`.
pub fn unnamed(template: &str) -> String {
    let mut out = String::with_capacity(template.len());
    let mut inside = false;
    for c in template.chars() {
        match c {
            '{' => {
                inside = true;
                out.push_str("{}");
            }
            '}' => inside = false,
            _ if inside => {}
            c => out.push(c),
        }
    }
    out
}

/// The success body of a hand-served operation, when `op` is one.
pub fn hand_served(op: &CatalogOp) -> Option<Body> {
    let t = unnamed(&op.path);
    HAND_SERVED
        .iter()
        .find(|(m, p, _)| *m == op.method && *p == t)
        .map(|(_, _, b)| *b)
        .or_else(|| webhooks_body(&op.method, &t))
}

/// The Webhooks API (`webhooks/`): every operation of `/rest/v1.0/webhooks/…` and of its v2.0
/// company and project copies is hand-served; v1 lists are arrays, v2 answers are `{"data"}`
/// objects, v2 deletes are 204s.
fn webhooks_body(method: &Method, t: &str) -> Option<Body> {
    let v1 = t.starts_with("/rest/v1.0/webhooks/");
    let v2 = t.starts_with("/rest/v2.0/companies/{}/webhooks/")
        || t.starts_with("/rest/v2.0/companies/{}/projects/{}/webhooks/");
    if !v1 && !v2 {
        return None;
    }
    Some(match *method {
        Method::Get if v1 && !t.ends_with("/hooks/{}") => Body::Array,
        Method::Delete if v2 && !t.ends_with("/bulk") => Body::Empty,
        _ => Body::Object,
    })
}

/// The refusals any management operation can answer with, beside those its handler documents:
/// malformed input, authentication, authorization, absent ids, the global layers' limits.
const MANAGEMENT_REFUSALS: &[(&str, &str)] = &[
    ("400", "Malformed request: bad JSON, a bad parameter."),
    ("401", "No valid API token."),
    ("403", "The token's person may not do this."),
    ("404", "No such resource, or not visible to the caller."),
    ("405", "The path exists, but not with this method."),
    ("413", "The body is too large."),
    ("415", "The body is not JSON."),
    ("422", "A field breaks a rule; every problem is listed with its path."),
    ("429", "Rate limited; see Retry-After."),
];

/// Adds the catalog's operations, their tags and the OAuth security scheme to `doc`, and the
/// refusals every management operation can make to those it documents.
pub fn extend(doc: &mut Value, ops: &[CatalogOp]) {
    let Some(root) = doc.as_object_mut() else { return };
    let mut tags: Vec<String> = Vec::new();
    let paths = object_at(root, "paths");
    for item in paths.values_mut().filter_map(Value::as_object_mut) {
        for op in item.values_mut().filter_map(Value::as_object_mut) {
            let responses = object_at(op, "responses");
            for (code, what) in MANAGEMENT_REFUSALS {
                responses.entry(*code).or_insert_with(|| {
                    json!({"description": what, "content": {"application/json":
                        {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}})
                });
            }
        }
    }
    for op in ops {
        let group = tag_group(&op.tag);
        if !tags.contains(&group) {
            tags.push(group.clone());
        }
        let item = paths.entry(op.path.clone()).or_insert_with(|| json!({}));
        if let Value::Object(item) = item {
            item.insert(method_key(op.method).into(), operation(op, &group));
        }
    }
    let components = object_at(root, "components");
    object_at(components, "securitySchemes").insert(
        "procore_oauth".into(),
        json!({"type": "http", "scheme": "bearer",
               "description": "An access token from POST /oauth/token (client_credentials for a DMSA app, \
                               authorization_code for a person)."}),
    );
    if let Value::Array(listed) = root.entry("tags").or_insert_with(|| json!([])) {
        listed.extend(tags.into_iter().map(|t| json!({"name": t})));
    }
}

/// The object under `key`, made an empty object first when absent or not an object.
fn object_at<'a>(m: &'a mut Map<String, Value>, key: &str) -> &'a mut Map<String, Value> {
    let v = m.entry(key).or_insert_with(|| json!({}));
    if !v.is_object() {
        *v = json!({});
    }
    match v {
        Value::Object(o) => o,
        _ => unreachable!("made an object above"),
    }
}

fn method_key(m: Method) -> &'static str {
    match m {
        Method::Get => "get",
        Method::Post => "post",
        Method::Put => "put",
        Method::Patch => "patch",
        Method::Delete => "delete",
    }
}

/// `"Project Management/RFI"` of `"Project Management/RFI/rfis"`.
fn tag_group(tag: &str) -> String {
    let mut parts = tag.splitn(3, '/');
    match (parts.next(), parts.next()) {
        (Some(a), Some(b)) => format!("{a}/{b}"),
        _ => tag.to_string(),
    }
}

fn operation(op: &CatalogOp, group: &str) -> Value {
    let mut o = Map::new();
    o.insert("operationId".into(), json!(op.id));
    o.insert("summary".into(), json!(op.summary));
    o.insert("tags".into(), json!([group]));
    let mut params: Vec<Value> = op.params.iter().map(parameter).collect();
    if op.scope != OpScope::Platform && op.param(ParamIn::Header, "Procore-Company-Id").is_none() {
        params.push(json!({
            "name": "Procore-Company-Id", "in": "header", "required": false,
            "description": "The company the call acts in; must agree with a company in the path or query.",
            "schema": {"type": "integer", "minimum": 1}
        }));
    }
    if matches!(op.method, Method::Post | Method::Patch) && op.scope != OpScope::Platform {
        params.push(json!({
            "name": "Idempotency-Token", "in": "header", "required": false,
            "description": "A replay with the same token answers the first response (status 200) and writes nothing.",
            "schema": {"type": "string", "maxLength": 255}
        }));
    }
    if !params.is_empty() {
        o.insert("parameters".into(), Value::Array(params));
    }
    if let Some(body) = &op.body {
        o.insert(
            "requestBody".into(),
            json!({"required": body.required, "content": {body.content_type.clone(): {"schema": body.schema}}}),
        );
    }
    if op.scope != OpScope::Platform {
        o.insert("security".into(), json!([{"procore_oauth": []}]));
    }
    o.insert("responses".into(), responses(op));
    Value::Object(o)
}

fn parameter(p: &Param) -> Value {
    let location = match p.location {
        ParamIn::Path => "path",
        ParamIn::Query => "query",
        ParamIn::Header => "header",
    };
    let mut schema = type_schema(&p.ty);
    let element = match &p.ty {
        ParamType::Array(inner) => inner.as_ref(),
        t => t,
    };
    if !p.allowed.is_empty() {
        let values: Vec<Value> = p
            .allowed
            .iter()
            .map(|v| match element {
                ParamType::Integer => v.parse::<i64>().map(Value::from).unwrap_or_else(|_| json!(v)),
                _ => json!(v),
            })
            .collect();
        if let (Some(s), ParamType::Array(_)) = (schema.as_object_mut(), &p.ty) {
            if let Some(Value::Object(items)) = s.get_mut("items") {
                items.insert("enum".into(), Value::Array(values));
            }
        } else if let Some(s) = schema.as_object_mut() {
            s.insert("enum".into(), Value::Array(values));
        }
    }
    json!({"name": p.name, "in": location, "required": p.required || p.location == ParamIn::Path, "schema": schema})
}

fn type_schema(t: &ParamType) -> Value {
    match t {
        ParamType::Integer => json!({"type": "integer"}),
        ParamType::Number => json!({"type": "number"}),
        ParamType::String => json!({"type": "string"}),
        ParamType::Boolean => json!({"type": "boolean"}),
        ParamType::Object => json!({"type": "object"}),
        ParamType::Array(inner) => json!({"type": "array", "items": type_schema(inner)}),
    }
}

/// What Trestle answers: the shape's success, and every refusal it can make.
fn responses(op: &CatalogOp) -> Value {
    let v2 = op.version.is_some_and(|v| v.is_v2());
    let error = if v2 {
        json!({"type": "object", "required": ["error"], "properties": {"error": {"type": "object",
               "required": ["code", "message"], "properties": {"code": {"type": "string"},
               "message": {"type": "string"}, "details": {"type": "array", "items": {"type": "object"}}}}}})
    } else {
        json!({"type": "object"})
    };
    let envelope = |inner: Value| {
        if v2 {
            json!({"type": "object", "required": ["data"], "properties": {"data": inner}})
        } else {
            inner
        }
    };
    let hand = hand_served(op);
    let success_schema = match (op.scope, op.shape) {
        // OAuth and platform endpoints answer their own shapes.
        (OpScope::Platform, _) => json!({}),
        _ if hand == Some(Body::Array) => json!({"type": "array", "items": {"type": "object"}}),
        _ if hand.is_some() => json!({"type": "object"}),
        (_, Shape::List) => envelope(json!({"type": "array", "items": {"type": "object"}})),
        (_, Shape::Sync) => json!({"type": "object", "required": ["entities", "errors"],
                                   "properties": {"entities": {"type": "array"}, "errors": {"type": "array"}}}),
        _ => envelope(json!({"type": "object"})),
    };
    // The authorization endpoint answers people in a browser: its pages are HTML.
    let media = if op.path == "/oauth/authorize" {
        "text/html"
    } else {
        "application/json"
    };
    let mut r = Map::new();
    let success = match hand {
        Some(Body::Empty) => "204".to_string(),
        Some(_) if op.method == Method::Post => "201".to_string(),
        _ => op.success.to_string(),
    };
    if hand == Some(Body::Empty) || (hand.is_none() && op.success == 204) {
        r.insert(success, json!({"description": "Done; no body."}));
    } else {
        r.insert(
            success,
            json!({"description": "Success.", "content": {media: {"schema": success_schema.clone()}}}),
        );
    }
    if op.success != 200 && matches!(op.method, Method::Post | Method::Patch) {
        r.insert(
            "200".into(),
            json!({"description": "A replay of an Idempotency-Token: the first answer.",
                   "content": {"application/json": {"schema": success_schema}}}),
        );
    }
    if op.scope == OpScope::Platform && op.method == Method::Get && op.path.starts_with("/oauth/") {
        r.insert(
            "302".into(),
            json!({"description": "Redirect (the authorization flow)."}),
        );
    }
    for (code, what) in [
        (
            "400",
            "Malformed request: bad JSON, a missing or invalid parameter or field.",
        ),
        ("401", "No valid access token."),
        (
            "403",
            "The caller's tool level is too low, or the app may not act here.",
        ),
        (
            "404",
            "No such route, record, project or company, or not visible to the caller.",
        ),
        ("405", "The path exists, but not with this method."),
        ("409", "A conflict, e.g. an origin_id already taken."),
        ("413", "The body is too large."),
        ("415", "The body's content type is not JSON, form or multipart."),
        ("422", "Valid syntax, but a field breaks a rule."),
        ("429", "Rate limited; see Retry-After."),
    ] {
        let mut content = json!({"application/json": {"schema": error.clone()}});
        content[media] = json!({"schema": error.clone()});
        r.entry(code)
            .or_insert_with(|| json!({"description": what, "content": content}));
    }
    Value::Object(r)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_document_has_every_catalog_operation_and_keeps_the_management_api() {
        let mut doc = serde_json::to_value(crate::api::openapi()).unwrap();
        let management = |doc: &Value| {
            doc["paths"]
                .as_object()
                .unwrap()
                .keys()
                .filter(|p| !p.starts_with("/rest/") && !p.starts_with("/oauth/"))
                .count()
        };
        let management_paths = management(&doc);
        assert!(management_paths > 20);
        let ops = catalog().ops();
        extend(&mut doc, ops);
        let paths = doc["paths"].as_object().unwrap();
        let mut ids = std::collections::HashSet::new();
        for (_, item) in paths {
            for (_, o) in item.as_object().unwrap() {
                if let Some(id) = o.get("operationId").and_then(Value::as_str) {
                    assert!(ids.insert(id.to_string()), "operationId {id} twice");
                }
            }
        }
        for op in ops {
            let o = &paths[&op.path][method_key(op.method)];
            assert_eq!(o["operationId"], json!(op.id), "{} {}", op.method.as_str(), op.path);
            let declared: Vec<&str> = o["responses"].as_object().unwrap().keys().map(String::as_str).collect();
            for code in ["400", "401", "404"] {
                assert!(declared.contains(&code), "{} lacks {code}", op.id);
            }
        }
        assert!(paths.keys().any(|p| p.starts_with("/api/v1/")), "management API kept");
        assert_eq!(management(&doc), management_paths, "management paths untouched");
    }

    #[test]
    fn every_hand_served_operation_is_in_the_catalog() {
        for (m, p, _) in HAND_SERVED {
            assert!(
                catalog()
                    .ops()
                    .iter()
                    .any(|op| op.method == *m && unnamed(&op.path) == *p),
                "{} {p} is not a catalog operation",
                m.as_str()
            );
        }
        assert_eq!(
            unnamed("/rest/v1.0/projects/{project_id}/users/{id}"),
            "/rest/v1.0/projects/{}/users/{}"
        );
    }

    #[test]
    fn parameters_keep_their_types_and_enums() {
        let p = Param {
            name: "filters[status]".into(),
            location: ParamIn::Query,
            required: false,
            ty: ParamType::Array(Box::new(ParamType::Integer)),
            allowed: vec!["1".into(), "2".into()],
        };
        assert_eq!(
            parameter(&p),
            json!({"name": "filters[status]", "in": "query", "required": false,
                   "schema": {"type": "array", "items": {"type": "integer", "enum": [1, 2]}}})
        );
        let p = Param {
            name: "project_id".into(),
            location: ParamIn::Path,
            required: false,
            ty: ParamType::Integer,
            allowed: vec![],
        };
        assert_eq!(
            parameter(&p)["required"],
            json!(true),
            "path parameters are always required"
        );
    }
}
