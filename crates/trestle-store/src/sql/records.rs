//! [`RecordStore`]: tool records, one generic table for every catalog collection, with a
//! counter row per collection (live records, next number) kept in each write's transaction
//! and the remembered answers of idempotent requests. The list's SQL is built in [`query`].

mod query;

use super::tx::*;
use super::*;
use query::{columns, record_json, storable, Bind, Dialect, Sql, MAX_SYNC, POSTGRES, SQLITE};
use serde_json::{Map, Value};
use sqlx::FromRow;
use trestle_domain::record::*;

#[derive(FromRow)]
struct RecordRow {
    id: i64,
    company_id: i64,
    project_id: Option<i64>,
    resource: String,
    parent: String,
    body: String,
    origin_id: Option<String>,
    number: i64,
    created_at: i64,
    updated_at: i64,
    deleted_at: Option<i64>,
    created_by: Option<i64>,
}

impl TryFrom<RecordRow> for Record {
    type Error = StoreError;

    fn try_from(r: RecordRow) -> Result<Record> {
        let body = match serde_json::from_str(&r.body) {
            Ok(Value::Object(body)) => body,
            Ok(_) => {
                return Err(StoreError::Other(format!(
                    "record {}: the body is not a JSON object",
                    r.id
                )))
            }
            Err(e) => return Err(StoreError::Other(format!("record {}: {e}", r.id))),
        };
        Ok(Record {
            id: RecordId(r.id),
            scope: RecordScope {
                company: CompanyId(r.company_id),
                project: r.project_id.map(ProjectId),
                resource: r.resource,
                parent: r.parent,
            },
            body,
            origin_id: r.origin_id,
            number: r.number,
            created_at: r.created_at,
            updated_at: r.updated_at,
            deleted_at: r.deleted_at,
            created_by: r.created_by.map(UserId),
        })
    }
}

/// The event of a change to `record`, placed in its company, project and collection.
fn event(action: Action, record: &Record) -> Event {
    let e = Event::new(action, TargetKind::Record, record.id)
        .in_company(record.scope.company)
        .of_resource(&record.scope.resource);
    match record.scope.project {
        Some(p) => e.in_project(p),
        None => e,
    }
}

fn origin_taken() -> StoreError {
    StoreError::Conflict("origin_id is taken by another record of the collection".into())
}

/// A write's database error, where the only uniqueness it can break is the origin id's.
fn unless_origin_taken(e: sqlx::Error) -> StoreError {
    match StoreError::from(e) {
        StoreError::Conflict(_) => origin_taken(),
        other => other,
    }
}

fn idempotency_taken() -> StoreError {
    StoreError::Conflict("idempotency".into())
}

/// Binds a statement's parameters in order.
macro_rules! bind {
    ($q:expr, $binds:expr) => {{
        let mut q = $q;
        for b in &$binds {
            q = match b {
                Bind::Int(v) => q.bind(*v),
                Bind::Text(s) => q.bind(s.as_str()),
            };
        }
        q
    }};
}

macro_rules! impl_records {
    ($store:ident, $db:ty, $dialect:expr) => {
        impl $store {
            const RECORDS: &'static Dialect = &$dialect;

            async fn record_in_tx(
                tx: &mut Tx<$db>,
                scope: &RecordScope,
                id: RecordId,
                include_deleted: bool,
            ) -> Result<Option<Record>> {
                let mut sql = Sql::default();
                let cond = sql.scope(scope);
                let id = sql.param(Bind::Int(id.0));
                let live = if include_deleted { "" } else { " AND deleted_at IS NULL" };
                let text = format!(
                    "SELECT {} FROM records WHERE {cond} AND id = {id}{live}{}",
                    columns(Self::RECORDS),
                    Self::RECORDS.lock
                );
                let row: Option<RecordRow> = bind!(sqlx::query_as(&text), sql.binds).fetch_optional(&mut **tx).await?;
                row.map(Record::try_from).transpose()
            }

            /// The record of the company's collection that holds `origin_id`, in any scope.
            async fn origin_owner(tx: &mut Tx<$db>, scope: &RecordScope, origin_id: &str) -> Result<Option<Record>> {
                let row: Option<RecordRow> = sqlx::query_as(&format!(
                    "SELECT {} FROM records WHERE company_id = $1 AND resource = $2 AND origin_id = $3{}",
                    columns(Self::RECORDS),
                    Self::RECORDS.lock
                ))
                .bind(scope.company.0)
                .bind(&scope.resource)
                .bind(origin_id)
                .fetch_optional(&mut **tx)
                .await?;
                row.map(Record::try_from).transpose()
            }

            /// `NotFound` unless the scope's project is one of its company's.
            async fn check_scope(tx: &mut Tx<$db>, scope: &RecordScope) -> Result<()> {
                let found: Option<i64> = match scope.project {
                    Some(p) => sqlx::query_scalar("SELECT id FROM projects WHERE id = $1 AND company_id = $2")
                        .bind(p.0)
                        .bind(scope.company.0)
                        .fetch_optional(&mut **tx)
                        .await?,
                    None => sqlx::query_scalar("SELECT id FROM companies WHERE id = $1")
                        .bind(scope.company.0)
                        .fetch_optional(&mut **tx)
                        .await?,
                };
                found.map(|_| ()).ok_or(StoreError::NotFound)
            }

            /// Adds `delta` live records to the collection's counter; with `number`, also takes
            /// the collection's next number and returns it.
            async fn count_in_tx(tx: &mut Tx<$db>, scope: &RecordScope, delta: i64, number: bool) -> Result<i64> {
                let taken = if number { 1 } else { 0 };
                let next: i64 = sqlx::query_scalar(
                    "INSERT INTO record_counters (company_id, project_id, resource, parent, live_count, next_number) \
                     VALUES ($1, $2, $3, $4, $5, 1 + $6) ON CONFLICT (company_id, project_id, resource, parent) \
                     DO UPDATE SET live_count = record_counters.live_count + $5, \
                     next_number = record_counters.next_number + $6 RETURNING next_number",
                )
                .bind(scope.company.0)
                .bind(scope.project.map_or(0, |p| p.0))
                .bind(&scope.resource)
                .bind(&scope.parent)
                .bind(delta)
                .bind(taken)
                .fetch_one(&mut **tx)
                .await?;
                Ok(next - taken)
            }

            /// Stores a new record (its origin id checked free) and counts it.
            async fn insert_in_tx(
                tx: &mut Tx<$db>,
                scope: &RecordScope,
                new: &NewRecord,
                at: i64,
            ) -> Result<Record> {
                if let Some(origin) = &new.origin_id {
                    if Self::origin_owner(tx, scope, origin).await?.is_some() {
                        return Err(origin_taken());
                    }
                }
                storable(&new.body)?;
                let number = Self::count_in_tx(tx, scope, 1, true).await?;
                let body = serde_json::to_string(&new.body).map_err(|e| StoreError::Other(format!("a record body: {e}")))?;
                // Only the id comes back: the body stored is the one sent (a JSON object's text
                // reads back as the same object on both backends), the times are `at`.
                let id: i64 = sqlx::query_scalar(&format!(
                    "INSERT INTO records (company_id, project_id, resource, parent, body, origin_id, number, created_at, \
                     updated_at, created_by) VALUES ($1, $2, $3, $4, $5{}, $6, $7, $8, $8, $9) RETURNING id",
                    Self::RECORDS.body_in,
                ))
                .bind(scope.company.0)
                .bind(scope.project.map(|p| p.0))
                .bind(&scope.resource)
                .bind(&scope.parent)
                .bind(body)
                .bind(&new.origin_id)
                .bind(number)
                .bind(at)
                .bind(new.created_by.map(|u| u.0))
                .fetch_one(&mut **tx)
                .await
                .map_err(unless_origin_taken)?;
                let record = Record {
                    id: RecordId(id),
                    scope: scope.clone(),
                    body: new.body.clone(),
                    origin_id: new.origin_id.clone(),
                    number,
                    created_at: at,
                    updated_at: at,
                    deleted_at: None,
                    created_by: new.created_by,
                };
                tx.record(event(Action::RecordCreate, &record).after(record_json(&record)));
                Ok(record)
            }

            /// Merges `patch` into a live record (and moves its origin id when given).
            async fn update_in_tx(
                tx: &mut Tx<$db>,
                before: &Record,
                patch: &Map<String, Value>,
                origin_id: Option<&str>,
                at: i64,
            ) -> Result<Record> {
                if let Some(origin) = origin_id.filter(|o| before.origin_id.as_deref() != Some(*o)) {
                    if Self::origin_owner(tx, &before.scope, origin).await?.is_some() {
                        return Err(origin_taken());
                    }
                }
                let mut body = before.body.clone();
                merge(&mut body, patch);
                storable(&body)?;
                let row: RecordRow = sqlx::query_as(&format!(
                    "UPDATE records SET body = $1{}, origin_id = COALESCE($2, origin_id), updated_at = $3 \
                     WHERE id = $4 RETURNING {}",
                    Self::RECORDS.body_in,
                    columns(Self::RECORDS)
                ))
                .bind(Value::Object(body).to_string())
                .bind(origin_id)
                // Never earlier than the last change, whatever the clock says.
                .bind(at.max(before.updated_at))
                .bind(before.id.0)
                .fetch_one(&mut **tx)
                .await
                .map_err(unless_origin_taken)?;
                let record = Record::try_from(row)?;
                tx.record(
                    event(Action::RecordUpdate, &record)
                        .before(record_json(before))
                        .after(record_json(&record)),
                );
                Ok(record)
            }

            /// `Conflict("idempotency")` when an answer is already remembered under `key`.
            pub(super) async fn unused_key(tx: &mut Tx<$db>, key: &IdempotencyKey) -> Result<()> {
                let found: Option<i64> = sqlx::query_scalar(
                    "SELECT status FROM idempotency WHERE company_id = $1 AND principal = $2 AND method = $3 \
                     AND path = $4 AND token = $5",
                )
                .bind(key.company.0)
                .bind(&key.principal)
                .bind(&key.method)
                .bind(&key.path)
                .bind(&key.token)
                .fetch_optional(&mut **tx)
                .await?;
                match found {
                    Some(_) => Err(idempotency_taken()),
                    None => Ok(()),
                }
            }

            pub(super) async fn remember_in_tx(tx: &mut Tx<$db>, key: &IdempotencyKey, answer: &RememberedResponse, at: i64) -> Result<()> {
                sqlx::query(
                    "INSERT INTO idempotency (company_id, principal, method, path, token, status, body, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                )
                .bind(key.company.0)
                .bind(&key.principal)
                .bind(&key.method)
                .bind(&key.path)
                .bind(&key.token)
                .bind(i64::from(answer.status))
                .bind(&answer.body)
                .bind(at)
                .execute(&mut **tx)
                .await
                .map_err(|e| match StoreError::from(e) {
                    StoreError::Conflict(_) => idempotency_taken(),
                    other => other,
                })?;
                Ok(())
            }
        }

        #[async_trait]
        impl RecordStore for $store {
            async fn list_records(&self, scope: &RecordScope, q: &RecordQuery) -> Result<RecordPage> {
                let (page, count) = query::list(Self::RECORDS, scope, q)?;
                let rows: Vec<RecordRow> = bind!(sqlx::query_as(&page.text), page.binds).fetch_all(&self.read).await?;
                let items = rows.into_iter().map(Record::try_from).collect::<Result<Vec<_>>>()?;
                let total = match count {
                    Some(count) => bind!(sqlx::query_scalar::<_, i64>(&count.text), count.binds).fetch_one(&self.read).await?,
                    None => sqlx::query_scalar::<_, i64>(
                        "SELECT live_count FROM record_counters WHERE company_id = $1 AND project_id = $2 \
                         AND resource = $3 AND parent = $4",
                    )
                    .bind(scope.company.0)
                    .bind(scope.project.map_or(0, |p| p.0))
                    .bind(&scope.resource)
                    .bind(&scope.parent)
                    .fetch_optional(&self.read)
                    .await?
                    .unwrap_or(0),
                };
                Ok(RecordPage { items, total })
            }

            async fn find_record(&self, scope: &RecordScope, id: RecordId, include_deleted: bool) -> Result<Option<Record>> {
                let mut sql = Sql::default();
                let cond = sql.scope(scope);
                let id = sql.param(Bind::Int(id.0));
                let live = if include_deleted { "" } else { " AND deleted_at IS NULL" };
                let text = format!("SELECT {} FROM records WHERE {cond} AND id = {id}{live}", columns(Self::RECORDS));
                let row: Option<RecordRow> = bind!(sqlx::query_as(&text), sql.binds).fetch_optional(&self.read).await?;
                row.map(Record::try_from).transpose()
            }

            async fn create_record(
                &self,
                scope: &RecordScope,
                new: &NewRecord,
                idempotency: Option<(&IdempotencyKey, &(dyn for<'r> Fn(&'r Record) -> RememberedResponse + Sync))>,
                ctx: &EventContext,
            ) -> Result<Record> {
                let mut tx = self.begin(ctx).await?;
                if let Some((key, _)) = idempotency {
                    Self::unused_key(&mut tx, key).await?;
                }
                Self::check_scope(&mut tx, scope).await?;
                let record = Self::insert_in_tx(&mut tx, scope, new, ctx.at).await?;
                if let Some((key, answer)) = idempotency {
                    Self::remember_in_tx(&mut tx, key, &answer(&record), ctx.at).await?;
                }
                tx.commit().await?;
                Ok(record)
            }

            async fn update_record(
                &self,
                scope: &RecordScope,
                id: RecordId,
                patch: &Map<String, Value>,
                origin_id: Option<&str>,
                idempotency: Option<(&IdempotencyKey, &(dyn for<'r> Fn(&'r Record) -> RememberedResponse + Sync))>,
                ctx: &EventContext,
            ) -> Result<Record> {
                let mut tx = self.begin(ctx).await?;
                if let Some((key, _)) = idempotency {
                    Self::unused_key(&mut tx, key).await?;
                }
                let before = Self::record_in_tx(&mut tx, scope, id, false).await?.ok_or(StoreError::NotFound)?;
                let record = Self::update_in_tx(&mut tx, &before, patch, origin_id, ctx.at).await?;
                if let Some((key, answer)) = idempotency {
                    Self::remember_in_tx(&mut tx, key, &answer(&record), ctx.at).await?;
                }
                tx.commit().await?;
                Ok(record)
            }

            async fn delete_record(&self, scope: &RecordScope, id: RecordId, ctx: &EventContext) -> Result<Record> {
                let mut tx = self.begin(ctx).await?;
                let before = Self::record_in_tx(&mut tx, scope, id, false).await?.ok_or(StoreError::NotFound)?;
                sqlx::query("UPDATE records SET deleted_at = $1 WHERE id = $2")
                    .bind(ctx.at.max(before.updated_at))
                    .bind(id.0)
                    .execute(&mut *tx)
                    .await?;
                Self::count_in_tx(&mut tx, scope, -1, false).await?;
                tx.record(event(Action::RecordDelete, &before).before(record_json(&before)));
                tx.commit().await?;
                Ok(before)
            }

            async fn sync_records(&self, scope: &RecordScope, items: &[SyncItem], ctx: &EventContext) -> Result<Vec<SyncOutcome>> {
                if items.len() > MAX_SYNC {
                    return Err(StoreError::Conflict(format!(
                        "a sync carries at most {MAX_SYNC} items, not {}",
                        items.len()
                    )));
                }
                let mut tx = self.begin(ctx).await?;
                Self::check_scope(&mut tx, scope).await?;
                let mut outcomes = Vec::with_capacity(items.len());
                let mut changed = false;
                for item in items {
                    let existing = match (item.id, &item.origin_id) {
                        (Some(id), _) => match Self::record_in_tx(&mut tx, scope, id, false).await? {
                            Some(r) => Some(r),
                            None => {
                                outcomes.push(SyncOutcome::NotFound);
                                continue;
                            }
                        },
                        (None, Some(origin)) => match Self::origin_owner(&mut tx, scope, origin).await? {
                            Some(r) if r.scope == *scope && r.deleted_at.is_none() => Some(r),
                            Some(_) => {
                                outcomes.push(SyncOutcome::OriginTaken);
                                continue;
                            }
                            None => None,
                        },
                        (None, None) => None,
                    };
                    let outcome = match existing {
                        Some(before) => {
                            let origin = item.origin_id.as_deref();
                            if let Some(o) = origin.filter(|o| before.origin_id.as_deref() != Some(*o)) {
                                if Self::origin_owner(&mut tx, scope, o).await?.is_some() {
                                    outcomes.push(SyncOutcome::OriginTaken);
                                    continue;
                                }
                            }
                            SyncOutcome::Updated(Self::update_in_tx(&mut tx, &before, &item.body, origin, ctx.at).await?)
                        }
                        None => {
                            let new = NewRecord {
                                body: item.body.clone(),
                                origin_id: item.origin_id.clone(),
                                created_by: ctx.actor_user,
                            };
                            SyncOutcome::Created(Self::insert_in_tx(&mut tx, scope, &new, ctx.at).await?)
                        }
                    };
                    changed |= matches!(outcome, SyncOutcome::Created(_) | SyncOutcome::Updated(_));
                    outcomes.push(outcome);
                }
                if changed {
                    tx.commit().await?;
                } else {
                    // Nothing matched: no change, so no event.
                    tx.commit_unrecorded().await?;
                }
                Ok(outcomes)
            }

            async fn remembered(&self, key: &IdempotencyKey) -> Result<Option<RememberedResponse>> {
                let row: Option<(i64, String)> = sqlx::query_as(
                    "SELECT status, body FROM idempotency WHERE company_id = $1 AND principal = $2 AND method = $3 \
                     AND path = $4 AND token = $5",
                )
                .bind(key.company.0)
                .bind(&key.principal)
                .bind(&key.method)
                .bind(&key.path)
                .bind(&key.token)
                .fetch_optional(&self.read)
                .await?;
                row.map(|(status, body)| {
                    let status = u16::try_from(status)
                        .map_err(|_| StoreError::Other(format!("remembered answer with status {status}")))?;
                    Ok(RememberedResponse { status, body })
                })
                .transpose()
            }
        }
    };
}

impl_records!(SqliteStore, sqlx::Sqlite, SQLITE);
impl_records!(PgStore, sqlx::Postgres, POSTGRES);
