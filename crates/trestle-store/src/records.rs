//! Tool records: the one generic store behind every catalog operation (see
//! `trestle_domain::record`). Every method is bound to one [`RecordScope`]; a record of another
//! company, project, collection or parent is "not found". Every write records its domain event
//! (`record.create`, `record.update`, `record.delete`, with the collection as the event's
//! resource) in its own transaction.

use crate::error::Result;
use async_trait::async_trait;
use serde_json::{Map, Value};
use trestle_domain::event::EventContext;
use trestle_domain::record::*;
use trestle_domain::RecordId;

#[async_trait]
pub trait RecordStore: Send + Sync {
    /// One page of the collection, filtered and sorted, with the number of matches in all.
    /// Costs what the page holds, not what the collection holds, for the default sort with
    /// a keyset cursor and for filters on ids and timestamps; the unfiltered total is read
    /// from the collection's counter. A field filter matches a JSON scalar or its text form
    /// (`3` finds `3` and `"3"`; `null` finds `null` and absent fields); a field sort puts
    /// absent fields first ascending, last descending; ties go by id, the way the first key
    /// goes. `Conflict` for a field name that is not `[A-Za-z0-9_]+`, and for a cursor with a
    /// sort other than by id (either way).
    async fn list_records(&self, scope: &RecordScope, query: &RecordQuery) -> Result<RecordPage>;

    /// One record; a deleted one only when `include_deleted`.
    async fn find_record(&self, scope: &RecordScope, id: RecordId, include_deleted: bool) -> Result<Option<Record>>;

    /// Stores a new record: the store assigns its id, `number` (next in the collection),
    /// timestamps (`at` of the context). `Conflict` when `origin_id` is taken in the company's
    /// collection. With an idempotency key, remembers `response(&record)` under it in the same
    /// transaction; `Conflict("idempotency")` when the key is already remembered (the caller
    /// then answers with [`RecordStore::remembered`]). `NotFound` when the scope's project is
    /// not one of its company's; `Conflict` for a body holding a NUL character.
    async fn create_record(
        &self,
        scope: &RecordScope,
        new: &NewRecord,
        idempotency: Option<(
            &IdempotencyKey,
            &(dyn for<'r> Fn(&'r Record) -> RememberedResponse + Sync),
        )>,
        ctx: &EventContext,
    ) -> Result<Record>;

    /// Merges `patch` into a live record's body (see `trestle_domain::record::merge`) and
    /// updates `origin_id` when given. `NotFound` for an absent or deleted record.
    async fn update_record(
        &self,
        scope: &RecordScope,
        id: RecordId,
        patch: &Map<String, Value>,
        origin_id: Option<&str>,
        idempotency: Option<(
            &IdempotencyKey,
            &(dyn for<'r> Fn(&'r Record) -> RememberedResponse + Sync),
        )>,
        ctx: &EventContext,
    ) -> Result<Record>;

    /// Soft-deletes a live record and returns it as it was (before the delete). `NotFound` for
    /// an absent or already deleted record. Its `origin_id` stays taken.
    async fn delete_record(&self, scope: &RecordScope, id: RecordId, ctx: &EventContext) -> Result<Record>;

    /// Upserts up to 1,000 items in one transaction, one outcome per item in order (more:
    /// `Conflict`, nothing written). An item with an `id` updates that live record of the
    /// scope (else `NotFound`); one with only an `origin_id` updates the live record of the
    /// scope holding it, is `OriginTaken` when another scope's or a deleted record holds it,
    /// and is created otherwise; one with neither is created.
    async fn sync_records(
        &self,
        scope: &RecordScope,
        items: &[SyncItem],
        ctx: &EventContext,
    ) -> Result<Vec<SyncOutcome>>;

    /// The remembered first answer for an idempotency key, if any. Answers are kept until the
    /// janitor purges them, [`IDEMPOTENCY_TTL`](crate::IDEMPOTENCY_TTL) (24 h) after they were
    /// written.
    async fn remembered(&self, key: &IdempotencyKey) -> Result<Option<RememberedResponse>>;
}
