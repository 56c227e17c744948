//! A request body against the catalog's schema: the record's fields unwrapped from the body's
//! wrapper (`{"rfi": {…}}`), then checked — required fields (on create), types and enums — with
//! every problem listed. Form bodies (url-encoded, multipart) carry text only, so their values
//! are first converted to the type the schema declares where they parse.

use crate::CoreError;
use serde_json::{Map, Value};
use trestle_domain::catalog::CatalogOp;
use trestle_domain::manifest::Problem;

/// How deep nested objects and arrays are checked.
const MAX_DEPTH: usize = 12;

/// The schema of the record's fields: the wrapper's property, else the body's schema.
pub(crate) fn record_schema(op: &CatalogOp) -> Option<&Value> {
    let spec = op.body.as_ref()?;
    match &spec.wrapper {
        Some(w) => spec.schema.get("properties").and_then(|p| p.get(w)),
        None => Some(&spec.schema),
    }
}

/// The JSONPath the record's fields are reported under, e.g. `$.rfi`.
pub(crate) fn base_path(op: &CatalogOp) -> String {
    match op.body.as_ref().and_then(|b| b.wrapper.as_deref()) {
        Some(w) => format!("$.{w}"),
        None => "$".into(),
    }
}

/// The record's fields from the body: the wrapper's object when the operation has a wrapper
/// and the body uses it, else the body itself.
pub(crate) fn unwrap(op: &CatalogOp, mut body: Map<String, Value>) -> Result<Map<String, Value>, CoreError> {
    if let Some(w) = op.body.as_ref().and_then(|b| b.wrapper.as_deref()) {
        match body.remove(w) {
            Some(Value::Object(fields)) => return Ok(fields),
            Some(Value::Null) | None => {}
            Some(_) => return Err(CoreError::invalid_field(&format!("$.{w}"), "must be an object")),
        }
    }
    Ok(body)
}

/// Every text or key holding the NUL character (no backend stores it), as problems.
pub(crate) fn nul_problems(fields: &Map<String, Value>, path: &str, problems: &mut Vec<Problem>) {
    fn walk(v: &Value, path: &str, problems: &mut Vec<Problem>, depth: usize) {
        match v {
            Value::String(s) if s.contains('\0') => problems.push(Problem {
                path: path.into(),
                reason: "must not contain the NUL character".into(),
            }),
            Value::Array(items) if depth < 64 => {
                for (i, item) in items.iter().enumerate() {
                    walk(item, &format!("{path}[{i}]"), problems, depth + 1);
                }
            }
            Value::Object(m) if depth < 64 => {
                for (k, item) in m {
                    if k.contains('\0') {
                        problems.push(Problem {
                            path: path.into(),
                            reason: "has a key with the NUL character".into(),
                        });
                    } else {
                        walk(item, &format!("{path}.{k}"), problems, depth + 1);
                    }
                }
            }
            _ => {}
        }
    }
    for (k, v) in fields {
        if k.contains('\0') {
            problems.push(Problem {
                path: path.into(),
                reason: "has a key with the NUL character".into(),
            });
        } else {
            walk(v, &format!("{path}.{k}"), problems, 1);
        }
    }
}

fn types_of(schema: &Value) -> Vec<&str> {
    match schema.get("type") {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
        _ => vec![],
    }
}

/// Checks `fields` (an object) against `schema`; `require` also asks for the required fields.
/// Form values are converted in place first when `form`.
pub(crate) fn check(
    fields: &mut Map<String, Value>,
    schema: &Value,
    path: &str,
    require: bool,
    form: bool,
    problems: &mut Vec<Problem>,
) {
    check_object(fields, schema, path, require, form, problems, 0);
}

fn check_object(
    fields: &mut Map<String, Value>,
    schema: &Value,
    path: &str,
    require: bool,
    form: bool,
    problems: &mut Vec<Problem>,
    depth: usize,
) {
    if depth > MAX_DEPTH {
        return;
    }
    if require {
        if let Some(Value::Array(required)) = schema.get("required") {
            for name in required.iter().filter_map(Value::as_str) {
                if fields.get(name).is_none_or(Value::is_null) {
                    problems.push(Problem {
                        path: format!("{path}.{name}"),
                        reason: "is required".into(),
                    });
                }
            }
        }
    }
    let Some(Value::Object(props)) = schema.get("properties") else {
        return;
    };
    for (name, value) in fields.iter_mut() {
        if let Some(prop) = props.get(name) {
            check_value(
                value,
                prop,
                &format!("{path}.{name}"),
                require,
                form,
                problems,
                depth + 1,
            );
        }
    }
}

fn check_value(
    value: &mut Value,
    schema: &Value,
    path: &str,
    require: bool,
    form: bool,
    problems: &mut Vec<Problem>,
    depth: usize,
) {
    // `null` clears a field, as Procore does.
    if value.is_null() || depth > MAX_DEPTH {
        return;
    }
    let types = types_of(schema);
    if form {
        convert(value, &types);
    }
    let binary = schema.get("format").and_then(Value::as_str) == Some("binary");
    let fits = |t: &str, v: &Value| match t {
        "integer" => v.is_i64() || v.is_u64() || v.as_f64().is_some_and(|f| f.fract() == 0.0),
        "number" => v.is_number(),
        "string" => v.is_string() || (binary && v.is_object()),
        "boolean" => v.is_boolean(),
        "array" => v.is_array(),
        "object" => v.is_object(),
        _ => true,
    };
    if !types.is_empty() && !types.iter().any(|t| fits(t, value)) {
        let want: Vec<String> = types.iter().filter(|t| **t != "null").map(|t| article(t)).collect();
        problems.push(Problem {
            path: path.into(),
            reason: format!("must be {}", want.join(" or ")),
        });
        return;
    }
    if let Some(Value::Array(allowed)) = schema.get("enum") {
        let matches = allowed
            .iter()
            .any(|a| a == value || (a.as_str().is_some() && a.as_str() == value.as_str()));
        if !allowed.is_empty() && !matches {
            let shown: Vec<String> = allowed
                .iter()
                .take(20)
                .map(|a| a.as_str().map_or_else(|| a.to_string(), str::to_string))
                .collect();
            problems.push(Problem {
                path: path.into(),
                reason: format!("must be one of: {}", shown.join(", ")),
            });
        }
    }
    match value {
        Value::Object(m) => check_object(m, schema, path, require, form, problems, depth),
        Value::Array(items) => {
            if let Some(item_schema) = schema.get("items") {
                for (i, item) in items.iter_mut().enumerate().take(1000) {
                    check_value(
                        item,
                        item_schema,
                        &format!("{path}[{i}]"),
                        require,
                        form,
                        problems,
                        depth + 1,
                    );
                }
            }
        }
        _ => {}
    }
}

fn article(t: &str) -> String {
    match t {
        "integer" => "an integer".into(),
        "array" => "an array".into(),
        "object" => "an object".into(),
        other => format!("a {other}"),
    }
}

/// A form's text value as the declared type, when it parses as one.
fn convert(value: &mut Value, types: &[&str]) {
    let Value::String(s) = value else {
        return;
    };
    let t = s.trim();
    let new = if types.contains(&"integer") {
        t.parse::<i64>().ok().map(Value::from)
    } else if types.contains(&"number") {
        t.parse::<f64>()
            .ok()
            .and_then(|f| serde_json::Number::from_f64(f).map(Value::Number))
    } else if types.contains(&"boolean") {
        match t {
            "true" | "1" => Some(Value::Bool(true)),
            "false" | "0" => Some(Value::Bool(false)),
            _ => None,
        }
    } else if types.contains(&"array") {
        Some(Value::Array(vec![Value::String(s.clone())]))
    } else {
        None
    };
    if let Some(n) = new {
        *value = n;
    }
}

/// A valid sample of `schema` (required fields with typed values), for tests and examples.
pub fn sample(schema: &Value, depth: usize) -> Value {
    if let Some(Value::Array(allowed)) = schema.get("enum") {
        if let Some(first) = allowed.first() {
            return first.clone();
        }
    }
    let types = types_of(schema);
    match types.iter().find(|t| **t != "null").copied().unwrap_or("object") {
        "integer" => Value::from(1),
        "number" => Value::from(1.5),
        "boolean" => Value::Bool(true),
        "string" => Value::String(
            match schema.get("format").and_then(Value::as_str) {
                Some("email") => "sample@example.com",
                Some("date") => "2026-01-05",
                Some("date-time") => "2026-01-05T12:00:00Z",
                _ => "sample",
            }
            .into(),
        ),
        "array" => match schema.get("items") {
            Some(items) if depth < MAX_DEPTH => Value::Array(vec![sample(items, depth + 1)]),
            _ => Value::Array(vec![]),
        },
        _ => {
            let mut m = Map::new();
            if depth < MAX_DEPTH {
                let none = Map::new();
                let props = schema.get("properties").and_then(Value::as_object).unwrap_or(&none);
                if let Some(Value::Array(required)) = schema.get("required") {
                    for name in required.iter().filter_map(Value::as_str) {
                        let v = match props.get(name) {
                            Some(prop) => sample(prop, depth + 1),
                            None => Value::String("sample".into()),
                        };
                        m.insert(name.into(), v);
                    }
                }
            }
            Value::Object(m)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn schema() -> Value {
        json!({
            "type": "object",
            "required": ["subject", "question"],
            "properties": {
                "subject": {"type": "string"},
                "assignee_id": {"type": "integer"},
                "private": {"type": "boolean"},
                "status": {"type": "string", "enum": ["open", "closed", "draft"]},
                "question": {"type": "object", "required": ["body"], "properties": {"body": {"type": "string"}}},
                "tags": {"type": "array", "items": {"type": "integer"}}
            }
        })
    }

    fn problems(body: Value, require: bool, form: bool) -> Vec<String> {
        let mut fields = body.as_object().unwrap().clone();
        let mut ps = vec![];
        check(&mut fields, &schema(), "$.rfi", require, form, &mut ps);
        ps.into_iter().map(|p| format!("{} {}", p.path, p.reason)).collect()
    }

    #[test]
    fn every_problem_is_listed() {
        let got = problems(
            json!({"assignee_id": "x", "private": 1, "status": "nope", "tags": [1, "a"]}),
            true,
            false,
        );
        assert_eq!(
            got,
            [
                "$.rfi.subject is required",
                "$.rfi.question is required",
                "$.rfi.assignee_id must be an integer",
                "$.rfi.private must be a boolean",
                "$.rfi.status must be one of: open, closed, draft",
                "$.rfi.tags[1] must be an integer",
            ]
        );
    }

    #[test]
    fn updates_check_types_but_not_required_fields_and_nulls_clear() {
        assert!(problems(json!({"status": "open", "subject": null}), false, false).is_empty());
        assert_eq!(problems(json!({"question": {}}), false, false), Vec::<String>::new());
        assert_eq!(
            problems(json!({"question": {}, "subject": "s"}), true, false),
            ["$.rfi.question.body is required"]
        );
    }

    #[test]
    fn form_values_are_converted_to_the_declared_types() {
        let mut fields = json!({"subject": "S", "assignee_id": "5", "private": "true", "question": {"body": "b"}})
            .as_object()
            .unwrap()
            .clone();
        let mut ps = vec![];
        check(&mut fields, &schema(), "$", true, true, &mut ps);
        assert!(ps.is_empty(), "{ps:?}");
        assert_eq!(fields["assignee_id"], 5);
        assert_eq!(fields["private"], true);
        assert_eq!(
            problems(json!({"assignee_id": "five"}), false, true),
            ["$.rfi.assignee_id must be an integer"]
        );
    }

    #[test]
    fn samples_satisfy_their_schema() {
        let mut s = sample(&schema(), 0).as_object().unwrap().clone();
        let mut ps = vec![];
        check(&mut s, &schema(), "$", true, false, &mut ps);
        assert!(ps.is_empty(), "{ps:?}");
        assert_eq!(s["subject"], "sample");
    }
}
