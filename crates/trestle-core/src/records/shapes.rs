//! What each shape of operation does to its collection. Creates and updates are checked
//! against the catalog's schema first (every problem listed); `Idempotency-Token` on POST and
//! PATCH makes a replay answer the remembered first response with 200.
//!
//! Actions: on the record the path names — 404 when it is absent; body fields, if any, are
//! merged in (as an update); the answer is the record. Without a record in the path: `POST`
//! creates a record (types and enums checked, no required fields), `GET` answers the
//! collection as a list, any other method answers `{}` (or its declared 204).

use super::{query, render, schema, ListPage, OpAnswer, OpBody, OpRequest, Place};
use crate::{CoreError, Result, Trestle};
use serde_json::{json, Map, Value};
use std::collections::HashMap;
use trestle_domain::catalog::{CatalogOp, Method};
use trestle_domain::entities::User;
use trestle_domain::manifest::Problem;
use trestle_domain::record::*;
use trestle_domain::*;
use trestle_store::StoreError;

/// Most items one sync takes.
pub const MAX_SYNC: usize = 1000;

type Remember<'a> = &'a (dyn Fn(&Record) -> RememberedResponse + Sync);

pub(super) fn answer(status: u16, v: Value) -> OpAnswer {
    OpAnswer {
        status,
        body: if status == 204 { OpBody::Empty } else { OpBody::Json(v) },
        list: None,
    }
}

fn replay(r: RememberedResponse) -> OpAnswer {
    OpAnswer {
        status: 200,
        body: OpBody::Raw(r.body),
        list: None,
    }
}

/// `origin_id` out of the fields (text or a number), and the server fields dropped.
fn take_origin(fields: &mut Map<String, Value>) -> Option<String> {
    for f in render::SERVER_FIELDS {
        fields.remove(*f);
    }
    match fields.remove("origin_id") {
        Some(Value::String(s)) => Some(s),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    }
}

pub(super) fn validate(op: &CatalogOp, fields: &mut Map<String, Value>, require: bool, form: bool) -> Result<()> {
    let mut problems: Vec<Problem> = Vec::new();
    let base = schema::base_path(op);
    if let Some(s) = schema::record_schema(op) {
        schema::check(fields, s, &base, require, form, &mut problems);
    }
    schema::nul_problems(fields, &base, &mut problems);
    if problems.is_empty() {
        return Ok(());
    }
    let message = match problems.as_slice() {
        [one] => format!("{}: {}", one.path, one.reason),
        _ => format!("the request has {} problems", problems.len()),
    };
    Err(CoreError::invalid(message, problems))
}

fn check_origin(origin: Option<&str>) -> Result<()> {
    match origin {
        Some(o) if o.contains('\0') || o.chars().count() > 255 => Err(CoreError::invalid_field(
            "$.origin_id",
            "must be at most 255 characters, without the NUL character",
        )),
        _ => Ok(()),
    }
}

fn origin_taken() -> CoreError {
    CoreError::invalid_field("$.origin_id", "has already been taken")
}

impl Trestle {
    /// The creators of records of `company` shown together, each read once (and remembered
    /// under the company's directory generation: a record write leaves them).
    pub(crate) async fn users_of(
        &self,
        company: CompanyId,
        ids: impl Iterator<Item = UserId>,
    ) -> Result<HashMap<UserId, User>> {
        let gens = &self.caches.gens;
        let mut out = HashMap::new();
        for id in ids {
            if let std::collections::hash_map::Entry::Vacant(e) = out.entry(id) {
                let found = self
                    .caches
                    .creators
                    .get_or_load(
                        gens,
                        &(company, id),
                        gens.stamp_directory(Some(company), None),
                        || async { Ok::<_, CoreError>(self.store.find_user(id).await?) },
                    )
                    .await?;
                if let Some(u) = found {
                    e.insert(u);
                }
            }
        }
        Ok(out)
    }

    /// The creator a record of `company` shows (from the same cache as a list's creators).
    async fn user_of(&self, company: CompanyId, id: Option<UserId>) -> Result<Option<User>> {
        Ok(self.users_of(company, id.into_iter()).await?.into_values().next())
    }

    async fn shown(&self, place: &Place, r: &Record) -> Result<Value> {
        let by = self.user_of(place.scope.company, r.created_by).await?;
        let refs = self.refs_of(&place.scope, std::iter::once(&r.body)).await?;
        Ok(render::envelope(
            render::record(r, by.as_ref(), place.v2, &refs),
            place.v2,
        ))
    }

    pub(super) async fn replayed(&self, key: Option<&IdempotencyKey>) -> Result<Option<OpAnswer>> {
        match key {
            Some(k) => Ok(self.store.remembered(k).await?.map(replay)),
            None => Ok(None),
        }
    }

    pub(super) async fn op_list(&self, place: &Place, req: &OpRequest<'_>) -> Result<OpAnswer> {
        let mut q = query::list_query(req.op, req.query, place.v2)?;
        super::tuned::tune_filter(&place.scope.resource, &mut q.filter);
        let page = self.store.list_records(&place.scope, &q).await?;
        let users = self
            .users_of(place.scope.company, page.items.iter().filter_map(|r| r.created_by))
            .await?;
        let refs = self.refs_of(&place.scope, page.items.iter().map(|r| &r.body)).await?;
        let full = page.items.len() as u32 == q.page.per_page();
        let next_after = page.items.last().filter(|_| full && q.sort.is_empty()).map(|r| r.id);
        // The records were read only to be shown: their bodies move into the answer.
        let items: Vec<Value> = page
            .items
            .into_iter()
            .map(|r| {
                let by = r.created_by.and_then(|u| users.get(&u));
                render::record_owned(r, by, place.v2, &refs)
            })
            .collect();
        let shown = super::tuned::grouped(&req.op.path, &items).unwrap_or(Value::Array(items));
        Ok(OpAnswer {
            status: 200,
            body: OpBody::Json(render::envelope(shown, place.v2)),
            list: Some(ListPage {
                total: page.total,
                page: q.page,
                next_after,
            }),
        })
    }

    pub(super) async fn op_show(&self, place: &Place, req: &OpRequest<'_>) -> Result<OpAnswer> {
        let missing = || CoreError::NotFound(req.op.resource.as_str());
        let id = self.record_id(req)?.ok_or_else(missing)?;
        let deleted = query::deleted_of(req.query)? != Deleted::Exclude;
        let r = self
            .store
            .find_record(&place.scope, id, deleted)
            .await?
            .ok_or_else(missing)?;
        Ok(answer(req.op.success, self.shown(place, &r).await?))
    }

    pub(super) async fn op_create(&self, place: &Place, req: OpRequest<'_>, require: bool) -> Result<OpAnswer> {
        let op = req.op;
        let key = place.idempotency(&req);
        if let Some(done) = self.replayed(key.as_ref()).await? {
            return Ok(done);
        }
        let mut fields = schema::unwrap(op, req.body)?;
        let origin_id = take_origin(&mut fields);
        check_origin(origin_id.as_deref())?;
        validate(op, &mut fields, require, req.form)?;
        super::tuned::fill_defaults(&place.scope.resource, &mut fields);
        let by = self.user_of(place.scope.company, place.actor.user_id()).await?;
        let refs = self.refs_of(&place.scope, std::iter::once(&fields)).await?;
        let (v2, success) = (place.v2, op.success);
        let remember = |r: &Record| RememberedResponse {
            status: success,
            body: render::envelope(render::record(r, by.as_ref(), v2, &refs), v2).to_string(),
        };
        let new = NewRecord {
            body: fields,
            origin_id,
            created_by: place.actor.user_id(),
        };
        let idem = key.as_ref().map(|k| (k, &remember as Remember<'_>));
        match self
            .store
            .create_record(&place.scope, &new, idem, &self.audit_by(&place.caller, place.actor))
            .await
        {
            Ok(r) => Ok(answer(
                success,
                render::envelope(render::record_owned(r, by.as_ref(), v2, &refs), v2),
            )),
            Err(StoreError::Conflict(m)) if m == "idempotency" => self
                .replayed(key.as_ref())
                .await?
                .ok_or_else(|| CoreError::Conflict("the Idempotency-Token is in use".into())),
            Err(StoreError::Conflict(m)) if m.contains("origin_id") => Err(origin_taken()),
            Err(StoreError::Conflict(m)) => Err(CoreError::invalid_field("$", m)),
            Err(e) => Err(e.into()),
        }
    }

    pub(super) async fn op_update(&self, place: &Place, req: OpRequest<'_>) -> Result<OpAnswer> {
        let op = req.op;
        let missing = || CoreError::NotFound(op.resource.as_str());
        let id = self.record_id(&req)?.ok_or_else(missing)?;
        let key = place.idempotency(&req);
        if let Some(done) = self.replayed(key.as_ref()).await? {
            return Ok(done);
        }
        let existing = self
            .store
            .find_record(&place.scope, id, false)
            .await?
            .ok_or_else(missing)?;
        let mut fields = schema::unwrap(op, req.body)?;
        let origin_id = take_origin(&mut fields);
        check_origin(origin_id.as_deref())?;
        validate(op, &mut fields, false, req.form)?;
        let by = self.user_of(place.scope.company, existing.created_by).await?;
        let refs = self
            .refs_of(&place.scope, [&existing.body, &fields].into_iter())
            .await?;
        let (v2, success) = (place.v2, op.success);
        let remember = |r: &Record| RememberedResponse {
            status: success,
            body: render::envelope(render::record(r, by.as_ref(), v2, &refs), v2).to_string(),
        };
        let idem = key.as_ref().map(|k| (k, &remember as Remember<'_>));
        match self
            .store
            .update_record(
                &place.scope,
                id,
                &fields,
                origin_id.as_deref(),
                idem,
                &self.audit_by(&place.caller, place.actor),
            )
            .await
        {
            Ok(r) => Ok(answer(
                success,
                render::envelope(render::record(&r, by.as_ref(), v2, &refs), v2),
            )),
            Err(StoreError::NotFound) => Err(missing()),
            Err(StoreError::Conflict(m)) if m == "idempotency" => self
                .replayed(key.as_ref())
                .await?
                .ok_or_else(|| CoreError::Conflict("the Idempotency-Token is in use".into())),
            Err(StoreError::Conflict(m)) if m.contains("origin_id") => Err(origin_taken()),
            Err(StoreError::Conflict(m)) => Err(CoreError::invalid_field("$", m)),
            Err(e) => Err(e.into()),
        }
    }

    pub(super) async fn op_delete(&self, place: &Place, req: &OpRequest<'_>) -> Result<OpAnswer> {
        let missing = || CoreError::NotFound(req.op.resource.as_str());
        let id = self.record_id(req)?.ok_or_else(missing)?;
        let r = match self
            .store
            .delete_record(&place.scope, id, &self.audit_by(&place.caller, place.actor))
            .await
        {
            Ok(r) => r,
            Err(StoreError::NotFound) => return Err(missing()),
            Err(e) => return Err(e.into()),
        };
        if req.op.success == 204 {
            return Ok(answer(204, Value::Null));
        }
        Ok(answer(req.op.success, self.shown(place, &r).await?))
    }

    pub(super) async fn op_sync(&self, place: &Place, req: OpRequest<'_>) -> Result<OpAnswer> {
        let op = req.op;
        let updates = match req.body.get("updates") {
            Some(Value::Array(items)) => items,
            _ => {
                return Err(CoreError::invalid_field(
                    "$.updates",
                    format!("is required: an array of at most {MAX_SYNC} items"),
                ))
            }
        };
        if updates.len() > MAX_SYNC {
            return Err(CoreError::invalid_field(
                "$.updates",
                format!("takes at most {MAX_SYNC} items, got {}", updates.len()),
            ));
        }
        let item_schema = op
            .body
            .as_ref()
            .and_then(|b| b.schema.pointer("/properties/updates/items"));
        let mut errors: Vec<Value> = Vec::new();
        let mut items: Vec<SyncItem> = Vec::new();
        let mut sent: Vec<&Value> = Vec::new();
        for (i, item) in updates.iter().enumerate() {
            let with_errors = |errs: Value| {
                let mut shown = item.as_object().cloned().unwrap_or_default();
                shown.insert("errors".into(), errs);
                Value::Object(shown)
            };
            let Some(obj) = item.as_object() else {
                errors.push(json!({"errors": {"base": ["must be an object"]}, "index": i}));
                continue;
            };
            let id = match obj.get("id") {
                None | Some(Value::Null) => None,
                Some(v) => match v.as_i64().or_else(|| v.as_str().and_then(|s| s.trim().parse().ok())) {
                    Some(n) => Some(RecordId(n)),
                    None => {
                        errors.push(with_errors(json!({"id": ["Entity with this ID not found"]})));
                        continue;
                    }
                },
            };
            let mut fields = obj.clone();
            let origin_id = take_origin(&mut fields);
            {
                let mut problems = Vec::new();
                if let Some(s) = item_schema {
                    schema::check(&mut fields, s, "$", false, req.form, &mut problems);
                }
                schema::nul_problems(&fields, "$", &mut problems);
                if origin_id.as_deref().is_some_and(|o| o.contains('\0')) {
                    problems.push(Problem {
                        path: "$.origin_id".into(),
                        reason: "must not contain the NUL character".into(),
                    });
                }
                if !problems.is_empty() {
                    let mut by_field = Map::new();
                    for p in problems {
                        let field = p.path.trim_start_matches("$.").to_string();
                        by_field.insert(field, json!([p.reason]));
                    }
                    errors.push(with_errors(Value::Object(by_field)));
                    continue;
                }
            }
            items.push(SyncItem {
                id,
                origin_id,
                body: fields,
            });
            sent.push(item);
        }
        let outcomes = if items.is_empty() {
            Vec::new()
        } else {
            self.store
                .sync_records(&place.scope, &items, &self.audit_by(&place.caller, place.actor))
                .await?
        };
        let users = self
            .users_of(
                place.scope.company,
                outcomes.iter().filter_map(|o| match o {
                    SyncOutcome::Created(r) | SyncOutcome::Updated(r) => r.created_by,
                    _ => None,
                }),
            )
            .await?;
        let refs = self
            .refs_of(
                &place.scope,
                outcomes.iter().filter_map(|o| match o {
                    SyncOutcome::Created(r) | SyncOutcome::Updated(r) => Some(&r.body),
                    _ => None,
                }),
            )
            .await?;
        let mut entities = Vec::new();
        for (outcome, item) in outcomes.iter().zip(sent) {
            let with_errors = |errs: Value| {
                let mut shown = item.as_object().cloned().unwrap_or_default();
                shown.insert("errors".into(), errs);
                Value::Object(shown)
            };
            match outcome {
                SyncOutcome::Created(r) | SyncOutcome::Updated(r) => entities.push(render::record(
                    r,
                    r.created_by.and_then(|u| users.get(&u)),
                    place.v2,
                    &refs,
                )),
                SyncOutcome::NotFound => errors.push(with_errors(json!({"id": ["Entity with this ID not found"]}))),
                SyncOutcome::OriginTaken => errors.push(with_errors(json!({"origin_id": ["has already been taken"]}))),
            }
        }
        let mut body = json!({"entities": entities, "errors": errors});
        if place.v2 {
            render::stringify_ids(&mut body, 0);
        }
        Ok(answer(200, render::envelope(body, place.v2)))
    }

    pub(super) async fn op_action(&self, place: &Place, req: OpRequest<'_>) -> Result<OpAnswer> {
        let op = req.op;
        match self.record_id(&req)? {
            Some(id) => {
                let mut fields = schema::unwrap(op, req.body.clone())?;
                let origin = take_origin(&mut fields);
                if !fields.is_empty() || origin.is_some() {
                    return self.op_update(place, req).await;
                }
                let r = self
                    .store
                    .find_record(&place.scope, id, false)
                    .await?
                    .ok_or(CoreError::NotFound(op.resource.as_str()))?;
                Ok(answer(op.success, self.shown(place, &r).await?))
            }
            None => match op.method {
                Method::Post => self.op_create(place, req, false).await,
                Method::Get => self.op_list(place, &req).await,
                _ => Ok(answer(op.success, render::envelope(json!({}), place.v2))),
            },
        }
    }
}
