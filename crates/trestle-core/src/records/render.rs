//! How a record is shown: `{"id", …body, "origin_id"?, "created_at", "updated_at",
//! "created_by": {id, name, login}, "deleted_at"?}`; on v2 paths in `{"data": …}` with every
//! `id` and `*_id` field (and the numbers of `*_ids` arrays) written as strings.
//!
//! This is the one place a resource's shape is decided, so a hand-tuned resource (issue #4:
//! RFIs' number and status defaults, expanded references) plugs in as one arm of [`tune`].

use serde_json::{json, Map, Value};
use trestle_domain::entities::User;
use trestle_domain::record::Record;

use super::tuned::Refs;

/// The server fields a client cannot set: they are dropped from every body before it is stored.
pub(crate) const SERVER_FIELDS: &[&str] = &["id", "created_at", "updated_at", "created_by", "deleted_at"];

/// One record as the API shows it (without the v2 envelope).
pub(crate) fn record(r: &Record, by: Option<&User>, v2: bool, refs: &Refs) -> Value {
    shown(r, r.body.clone(), by, v2, refs)
}

/// The same for a record read only to be shown (a list's): its body is moved into the answer,
/// not copied field by field.
pub(crate) fn record_owned(mut r: Record, by: Option<&User>, v2: bool, refs: &Refs) -> Value {
    let body = std::mem::take(&mut r.body);
    shown(&r, body, by, v2, refs)
}

/// `r` shown with `body` (its body, or a copy of it); the hook reads only `r`'s server fields.
fn shown(r: &Record, body: Map<String, Value>, by: Option<&User>, v2: bool, refs: &Refs) -> Value {
    let mut m = Map::with_capacity(body.len() + 6);
    m.insert("id".into(), json!(r.id.0));
    m.extend(body);
    if let Some(o) = &r.origin_id {
        m.insert("origin_id".into(), json!(o));
    }
    m.insert("created_at".into(), json!(crate::format_timestamp(r.created_at)));
    m.insert("updated_at".into(), json!(crate::format_timestamp(r.updated_at)));
    m.insert(
        "created_by".into(),
        by.map_or(Value::Null, |u| json!({"id": u.id.0, "name": u.name, "login": u.email})),
    );
    if let Some(d) = r.deleted_at {
        m.insert("deleted_at".into(), json!(crate::format_timestamp(d)));
    }
    tune(&r.scope.resource, r, &mut m, refs);
    let mut v = Value::Object(m);
    if v2 {
        stringify_ids(&mut v, 0);
    }
    v
}

/// The per-resource hook: hand-tuned resources (`tuned::SPECS`) add their defaults and
/// expanded references (resolved beforehand into `refs`, inside the record's company).
fn tune(resource: &str, r: &Record, shown: &mut Map<String, Value>, refs: &Refs) {
    super::tuned::apply(resource, r, shown, refs);
}

/// v2 answers wrap their payload in `{"data": …}`.
pub(crate) fn envelope(v: Value, v2: bool) -> Value {
    if v2 {
        json!({ "data": v })
    } else {
        v
    }
}

fn is_id_key(k: &str) -> bool {
    k == "id" || k.ends_with("_id")
}

/// Every `id`/`*_id` number (and every number in a `*_ids` array) becomes a string.
pub(crate) fn stringify_ids(v: &mut Value, depth: usize) {
    if depth > 32 {
        return;
    }
    match v {
        Value::Object(m) => {
            for (k, field) in m.iter_mut() {
                match field {
                    Value::Number(n) if is_id_key(k) => *field = Value::String(n.to_string()),
                    Value::Array(items) if k.ends_with("_ids") => {
                        for item in items.iter_mut() {
                            if let Value::Number(n) = item {
                                *item = Value::String(n.to_string());
                            }
                        }
                    }
                    other => stringify_ids(other, depth + 1),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|i| stringify_ids(i, depth + 1)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use trestle_domain::record::RecordScope;
    use trestle_domain::*;

    fn rec(body: Value) -> Record {
        Record {
            id: RecordId(7),
            scope: RecordScope {
                company: CompanyId(1),
                project: Some(ProjectId(2)),
                resource: "rfis".into(),
                parent: String::new(),
            },
            body: body.as_object().unwrap().clone(),
            origin_id: Some("ext-1".into()),
            number: 1,
            created_at: 0,
            updated_at: 86_400,
            deleted_at: None,
            created_by: Some(UserId(3)),
        }
    }

    #[test]
    fn v1_keeps_numbers_and_fills_server_fields() {
        let user = User {
            id: UserId(3),
            kind: trestle_domain::entities::UserKind::Person,
            email: "a@example.com".into(),
            name: "A".into(),
            created_at: 0,
        };
        let v = record(
            &rec(json!({"subject": "S", "assignee_id": 5})),
            Some(&user),
            false,
            &Refs::default(),
        );
        assert_eq!(v["id"], 7);
        assert_eq!(v["assignee_id"], 5);
        assert_eq!(v["origin_id"], "ext-1");
        assert_eq!(v["created_at"], "1970-01-01T00:00:00Z");
        assert_eq!(v["updated_at"], "1970-01-02T00:00:00Z");
        assert_eq!(v["created_by"], json!({"id": 3, "name": "A", "login": "a@example.com"}));
        assert!(v.get("deleted_at").is_none());
    }

    #[test]
    fn v2_writes_ids_as_strings_everywhere() {
        let v = record(
            &rec(json!({"assignee_id": 5, "tag_ids": [1, 2], "nested": {"id": 9, "n": 1}, "count": 4})),
            None,
            true,
            &Refs::default(),
        );
        assert_eq!(v["id"], "7");
        assert_eq!(v["assignee_id"], "5");
        assert_eq!(v["tag_ids"], json!(["1", "2"]));
        assert_eq!(v["nested"], json!({"id": "9", "n": 1}));
        assert_eq!(v["count"], 4);
        assert_eq!(envelope(json!(1), true), json!({"data": 1}));
        assert_eq!(envelope(json!(1), false), json!(1));
    }
}
