//! The data behind tuned records: the referenced people and vendors (loaded inside the
//! record's company only), and the related lookups — `rfis/potential_rfi_managers` and
//! `rfis/potential_assignees` (the project's people), `<collection>/filter_options/<field>`
//! (`[{key, value}]` of the values the collection's records hold, with expanded names).

use super::{spec_of, Refs, Wanted, STATUS_DEFAULTS, UNION_LISTS};
use crate::records::{render, ListPage, OpAnswer, OpBody, OpRequest, Place};
use crate::{CoreError, Result, Trestle};
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use trestle_domain::catalog::Shape;
use trestle_domain::directory::UserKind;
use trestle_domain::page::{PageRequest, MAX_PER_PAGE};
use trestle_domain::record::{RecordFilter, RecordQuery, RecordScope};
use trestle_domain::*;

/// The collection vendors live in (company and project vendors alike).
const VENDOR_COLLECTION: &str = "vendors";

/// Lookups whose answer is the project's people.
const PEOPLE_LOOKUPS: &[&str] = &[
    "rfis/potential_rfi_managers",
    "rfis/potential_assignees",
    "task_items/assignees",
];

/// Most records a filter-options lookup reads.
const OPTIONS_SCAN: u32 = MAX_PER_PAGE;

fn all() -> PageRequest {
    PageRequest::new(1, MAX_PER_PAGE)
}

fn person(u: &trestle_domain::entities::User) -> Value {
    json!({"id": u.id.0, "name": u.name, "login": u.email})
}

fn ok(v: Value) -> OpAnswer {
    OpAnswer {
        status: 200,
        body: OpBody::Json(v),
        list: None,
    }
}

/// `[{key, value}]` of the distinct values `field` takes in `shown` records, sorted by value.
/// `x_id` reads the expanded `x` (`{id, name}` → key id, value name) when there is one; an
/// array of objects gives one option per object. A field the spec expands (`expanded`) offers
/// only what expanded: an id that named nothing in the company is no option.
pub(crate) fn options(shown: &[Value], field: &str, aliases: &[(&str, &str)], expanded: bool) -> Value {
    let mut found: BTreeMap<String, (Value, String)> = BTreeMap::new();
    let mut add = |v: &Value| {
        let (key, value) = match v {
            Value::Null => return,
            Value::Object(o) => match o.get("id") {
                Some(id) if !id.is_null() => {
                    let name = o
                        .get("name")
                        .and_then(Value::as_str)
                        .map_or_else(|| id.to_string(), str::to_string);
                    (id.clone(), name)
                }
                _ => return,
            },
            Value::String(s) => (v.clone(), s.clone()),
            Value::Array(_) => return,
            other => (other.clone(), other.to_string()),
        };
        found.entry(key.to_string()).or_insert((key, value));
    };
    let base = aliases
        .iter()
        .find(|(f, _)| *f == field)
        .map(|(_, shown)| *shown)
        .or_else(|| field.strip_suffix("_id"));
    for r in shown {
        let expanded_value = base.and_then(|b| r.get(b)).filter(|v| v.is_object() || v.is_array());
        let raw = if expanded { None } else { r.get(field) };
        match expanded_value.or(raw) {
            Some(Value::Array(items)) => items.iter().for_each(&mut add),
            Some(v) => add(v),
            None => {}
        }
    }
    let mut items: Vec<(Value, String)> = found.into_values().collect();
    items.sort_by(|a, b| a.1.cmp(&b.1));
    Value::Array(items.into_iter().map(|(k, v)| json!({"key": k, "value": v})).collect())
}

impl Trestle {
    /// The people and records `wanted` names, found inside `scope`'s company only: a person
    /// must be a current member of it, a vendor a live record of its company vendors (or of
    /// the scope's project vendors), any other named record one of the scope's project (else
    /// company) collection.
    pub(crate) async fn tuned_refs(&self, scope: &RecordScope, wanted: &Wanted) -> Result<Refs> {
        let mut refs = Refs::default();
        if wanted.is_empty() {
            return Ok(refs);
        }
        // People and vendors are the company's data: each is read once per company generation
        // (`Caches::shown_people`, `shown_vendors`), not once per page. A person shown is a
        // member (the directory: a record write leaves it); a vendor is a record.
        let gens = &self.caches.gens;
        let stamp = gens.stamp(Some(scope.company), None);
        let people_stamp = gens.stamp_directory(Some(scope.company), None);
        for &id in &wanted.people {
            let user = UserId(id);
            let shown = self
                .caches
                .shown_people
                .get_or_load(gens, &(scope.company, user), people_stamp, || async {
                    if self.store.company_membership(scope.company, user).await?.is_none() {
                        return Ok::<_, CoreError>(None);
                    }
                    Ok(self.store.find_user(user).await?.map(|u| person(&u)))
                })
                .await?;
            if let Some(v) = shown {
                refs.people.insert(id, v);
            }
        }
        let mut places = vec![None];
        if scope.project.is_some() {
            places.push(scope.project);
        }
        for &id in &wanted.vendors {
            let shown = self
                .caches
                .shown_vendors
                .get_or_load(gens, &(scope.company, scope.project, id), stamp, || async {
                    for project in &places {
                        let at = RecordScope {
                            company: scope.company,
                            project: *project,
                            resource: VENDOR_COLLECTION.into(),
                            parent: String::new(),
                        };
                        if let Some(v) = self.store.find_record(&at, RecordId(id), false).await? {
                            let name = v.body.get("name").cloned().unwrap_or(Value::Null);
                            return Ok::<_, CoreError>(Some(json!({"id": id, "name": name})));
                        }
                    }
                    Ok(None)
                })
                .await?;
            if let Some(v) = shown {
                refs.vendors.insert(id, v);
            }
        }
        for (collection, ids) in &wanted.named {
            for &id in ids {
                for project in places.iter().rev() {
                    let at = RecordScope {
                        company: scope.company,
                        project: *project,
                        resource: (*collection).to_string(),
                        parent: String::new(),
                    };
                    if let Some(r) = self.store.find_record(&at, RecordId(id), false).await? {
                        let name = r.body.get("name").cloned().unwrap_or(Value::Null);
                        refs.named.insert((collection, id), json!({"id": id, "name": name}));
                        break;
                    }
                }
            }
        }
        Ok(refs)
    }

    /// A list read from other collections of the same company and project: each source's
    /// records (up to a page of the largest size each) in id order, then paged as asked.
    async fn union_list(&self, place: &Place, req: &OpRequest<'_>, sources: &[&str]) -> Result<OpAnswer> {
        let q = crate::records::query::list_query(req.op, req.query, place.v2)?;
        let mut shown: Vec<(i64, Value)> = Vec::new();
        let mut total = 0;
        for source in sources {
            let scope = RecordScope {
                resource: (*source).to_string(),
                parent: String::new(),
                ..place.scope.clone()
            };
            let query = RecordQuery {
                filter: q.filter.clone(),
                sort: Vec::new(),
                page: all(),
                after: None,
            };
            let page = self.store.list_records(&scope, &query).await?;
            total += page.total;
            let refs = self.refs_of(&scope, page.items.iter().map(|r| &r.body)).await?;
            let by = self
                .users_of(scope.company, page.items.iter().filter_map(|r| r.created_by))
                .await?;
            shown.extend(page.items.into_iter().map(|r| {
                let by = r.created_by.and_then(|u| by.get(&u));
                (r.id.0, render::record_owned(r, by, place.v2, &refs))
            }));
        }
        shown.sort_by_key(|(id, _)| *id);
        let start = (q.page.page().saturating_sub(1) as usize).saturating_mul(q.page.per_page() as usize);
        let items: Vec<Value> = shown
            .into_iter()
            .skip(start)
            .take(q.page.per_page() as usize)
            .map(|(_, v)| v)
            .collect();
        Ok(OpAnswer {
            status: 200,
            body: OpBody::Json(render::envelope(Value::Array(items), place.v2)),
            list: Some(ListPage {
                total,
                page: q.page,
                next_after: None,
            }),
        })
    }

    /// The refs of records about to be shown.
    pub(crate) async fn refs_of<'a>(
        &self,
        scope: &RecordScope,
        bodies: impl Iterator<Item = &'a Map<String, Value>>,
    ) -> Result<Refs> {
        if spec_of(&scope.resource).is_none() {
            return Ok(Refs::default());
        }
        let mut wanted = Wanted::default();
        for b in bodies {
            wanted.add(&scope.resource, b);
        }
        self.tuned_refs(scope, &wanted).await
    }

    /// Answers a tuned lookup (a `GET` the module documentation names), or `None` when the
    /// operation is not one.
    pub(crate) async fn tuned_lookup(&self, place: &Place, req: &OpRequest<'_>) -> Result<Option<OpAnswer>> {
        let resource = place.scope.resource.as_str();
        if req.op.shape == Shape::List {
            if let Some((_, sources)) = UNION_LISTS.iter().find(|(r, _)| *r == resource) {
                return self.union_list(place, req, sources).await.map(Some);
            }
        }
        if PEOPLE_LOOKUPS.contains(&resource) {
            let Some(project) = place.scope.project else {
                return Ok(None);
            };
            let page = self
                .store
                .list_project_users(place.scope.company, project, all())
                .await?;
            let people: Vec<Value> = page
                .items
                .iter()
                .filter(|e| e.is_active && e.user.kind == UserKind::Person)
                .map(|e| person(&e.user))
                .collect();
            return Ok(Some(ok(render::envelope(Value::Array(people), place.v2))));
        }
        if let Some((_, defaults)) = STATUS_DEFAULTS.iter().find(|(r, _)| *r == resource) {
            let query = RecordQuery {
                filter: RecordFilter::default(),
                sort: Vec::new(),
                page: PageRequest::new(1, 1),
                after: None,
            };
            if self.store.list_records(&place.scope, &query).await?.total > 0 {
                return Ok(None);
            }
            let list = serde_json::from_str::<Value>(defaults).unwrap_or_else(|_| json!([]));
            return Ok(Some(ok(render::envelope(list, place.v2))));
        }
        let Some((base, field)) = resource.split_once("/filter_options/") else {
            return Ok(None);
        };
        let Some(spec) = spec_of(base) else {
            return Ok(None);
        };
        let scope = RecordScope {
            resource: base.to_string(),
            parent: String::new(),
            ..place.scope.clone()
        };
        let query = RecordQuery {
            filter: RecordFilter::default(),
            sort: Vec::new(),
            page: PageRequest::new(1, OPTIONS_SCAN),
            after: None,
        };
        let page = self.store.list_records(&scope, &query).await?;
        let refs = self.refs_of(&scope, page.items.iter().map(|r| &r.body)).await?;
        let by = self
            .users_of(scope.company, page.items.iter().filter_map(|r| r.created_by))
            .await?;
        let shown: Vec<Value> = page
            .items
            .into_iter()
            .map(|r| {
                let by = r.created_by.and_then(|u| by.get(&u));
                render::record_owned(r, by, false, &refs)
            })
            .collect();
        let expanded =
            spec.expand.iter().any(|e| e.field == field) || spec.option_fields.iter().any(|(f, _)| *f == field);
        let answer = options(&shown, field, spec.option_fields, expanded);
        Ok(Some(ok(render::envelope(answer, place.v2))))
    }
}
