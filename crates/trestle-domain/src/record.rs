//! Tool records: the generic, stateful data behind every catalog operation (RFIs, submittals,
//! vendors, …). A record lives in one company, optionally one project, one collection
//! ([`crate::catalog::CatalogOp::resource`], e.g. `rfis` or `rfis/{}/replies`) and one parent
//! (the values of the path's parent ids, `""` when there are none). Its body is the JSON object
//! a client sent, merged over time; the server fields (`id`, timestamps, `created_by`, sequence
//! `number`) are kept beside it and filled in when the record is shown.

use crate::ids::{CompanyId, ProjectId, RecordId, UserId};
use crate::page::PageRequest;
use serde_json::{Map, Value};

/// The collection a record belongs to. Every store query is bound to one scope, so ids from
/// another company, project, collection or parent are "not found".
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct RecordScope {
    pub company: CompanyId,
    /// `None` for company-level collections (vendors, company users, …).
    pub project: Option<ProjectId>,
    /// The collection key, e.g. `rfis`.
    pub resource: String,
    /// The parent ids joined by `/`, e.g. `"42"` for the replies of RFI 42; `""` for none.
    pub parent: String,
}

/// One stored record.
#[derive(Clone, Debug, PartialEq)]
pub struct Record {
    pub id: RecordId,
    pub scope: RecordScope,
    /// The client's fields (never the server fields below).
    pub body: Map<String, Value>,
    /// The integration's own id (sync matches on it); unique per company and collection.
    pub origin_id: Option<String>,
    /// The per-collection sequence number (an RFI's `number`), 1, 2, 3, … in creation order.
    pub number: i64,
    /// Unix seconds.
    pub created_at: i64,
    pub updated_at: i64,
    /// Set by a delete; deleted records are only listed with `filters[include_deleted]`.
    pub deleted_at: Option<i64>,
    /// The directory user who created it (a person, or an app's bot).
    pub created_by: Option<UserId>,
}

/// What a create stores.
#[derive(Clone, Debug, PartialEq)]
pub struct NewRecord {
    pub body: Map<String, Value>,
    pub origin_id: Option<String>,
    pub created_by: Option<UserId>,
}

/// Which records a list includes by deletion.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Deleted {
    /// Live records only (the default).
    #[default]
    Exclude,
    /// `filters[include_deleted]=only`.
    Only,
    /// `filters[include_deleted]=with` (or `true`).
    With,
}

/// An inclusive range of Unix seconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TimeRange {
    pub from: i64,
    pub to: i64,
}

/// `filters[<field>]=v` (or several values, any of which matches) on a body field.
#[derive(Clone, Debug, PartialEq)]
pub struct FieldFilter {
    pub field: String,
    /// The accepted values, typed as the catalog declares the filter (numbers as numbers, …).
    pub any_of: Vec<Value>,
}

/// A list's filters; all given ones must hold.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RecordFilter {
    /// `filters[id]`: one or many ids.
    pub ids: Option<Vec<RecordId>>,
    pub created: Option<TimeRange>,
    pub updated: Option<TimeRange>,
    pub deleted: Deleted,
    pub fields: Vec<FieldFilter>,
    /// A case-insensitive substring over the body's text fields (`search`, `filters[search]`,
    /// `filters[query]`).
    pub search: Option<String>,
}

/// What a list may be sorted by.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SortKey {
    Id,
    CreatedAt,
    UpdatedAt,
    /// A body field, compared as JSON scalars.
    Field(String),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sort {
    pub key: SortKey,
    pub descending: bool,
}

/// One page of one collection.
#[derive(Clone, Debug, PartialEq)]
pub struct RecordQuery {
    pub filter: RecordFilter,
    /// Empty: by id ascending. Ties are broken by id.
    pub sort: Vec<Sort>,
    pub page: PageRequest,
    /// A keyset cursor: the id of the last record of the previous page, valid only with the
    /// default sort. When given, the store starts after it instead of skipping
    /// `page.offset()` rows, so deep pages cost what the first one does.
    pub after: Option<RecordId>,
}

/// A page of records and how many match in all.
#[derive(Clone, Debug, PartialEq)]
pub struct RecordPage {
    pub items: Vec<Record>,
    pub total: i64,
}

/// One item of a sync (`PATCH …/sync`): matched by `id`, then by `origin_id`.
#[derive(Clone, Debug, PartialEq)]
pub struct SyncItem {
    pub id: Option<RecordId>,
    pub origin_id: Option<String>,
    /// The fields to create with or merge in (without `id`/`origin_id`).
    pub body: Map<String, Value>,
}

/// What became of one sync item.
#[derive(Clone, Debug, PartialEq)]
pub enum SyncOutcome {
    Created(Record),
    Updated(Record),
    /// The item named an `id` that is not in the collection.
    NotFound,
    /// The item's `origin_id` is taken by another record of the company's collection.
    OriginTaken,
}

/// The key an `Idempotency-Token` is remembered under: a replay of the same token by the same
/// caller for the same method and path in the same company answers what the first request did.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct IdempotencyKey {
    pub company: CompanyId,
    /// Who asked: e.g. `"app:12"`, `"user:7"`, `"service:3"`.
    pub principal: String,
    pub method: String,
    pub path: String,
    pub token: String,
}

/// The first answer to an idempotent request, as remembered.
#[derive(Clone, Debug, PartialEq)]
pub struct RememberedResponse {
    pub status: u16,
    pub body: String,
}

/// Merges `patch` into `body`: a field in the patch replaces the body's, nested objects merge,
/// `null` stores `null` (Procore clears a field that way).
pub fn merge(body: &mut Map<String, Value>, patch: &Map<String, Value>) {
    for (k, v) in patch {
        match (body.get_mut(k), v) {
            (Some(Value::Object(old)), Value::Object(new)) => merge(old, new),
            _ => {
                body.insert(k.clone(), v.clone());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn merge_replaces_fields_merges_objects_and_keeps_nulls() {
        let obj = |v: Value| v.as_object().unwrap().clone();
        let cases = [
            (json!({"a": 1}), json!({"b": 2}), json!({"a": 1, "b": 2})),
            (json!({"a": 1}), json!({"a": "x"}), json!({"a": "x"})),
            (
                json!({"q": {"body": "x", "n": 1}}),
                json!({"q": {"body": "y"}}),
                json!({"q": {"body": "y", "n": 1}}),
            ),
            (json!({"a": [1, 2]}), json!({"a": [3]}), json!({"a": [3]})),
            (json!({"a": 1}), json!({"a": null}), json!({"a": null})),
            (json!({"a": {"x": 1}}), json!({"a": 5}), json!({"a": 5})),
        ];
        for (body, patch, want) in cases {
            let mut b = obj(body.clone());
            merge(&mut b, &obj(patch.clone()));
            assert_eq!(Value::Object(b), want, "{body} + {patch}");
        }
    }
}
