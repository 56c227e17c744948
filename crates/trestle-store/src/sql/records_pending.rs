//! PLACEHOLDER until branch wt-records lands the real record store: every method answers
//! "unavailable". Added by the engine branch only so that the core compiles against the trait;
//! delete this file (and its `mod` line in sql.rs) when merging wt-records.

use super::{PgStore, SqliteStore};
use crate::error::{Result, StoreError};
use crate::records::RecordStore;
use async_trait::async_trait;
use serde_json::{Map, Value};
use trestle_domain::event::EventContext;
use trestle_domain::record::*;
use trestle_domain::RecordId;

fn pending<T>() -> Result<T> {
    Err(StoreError::Unavailable("the record store is not built yet".into()))
}

macro_rules! impl_pending {
    ($store:ty) => {
        #[async_trait]
        impl RecordStore for $store {
            async fn list_records(&self, _: &RecordScope, _: &RecordQuery) -> Result<RecordPage> {
                pending()
            }
            async fn find_record(&self, _: &RecordScope, _: RecordId, _: bool) -> Result<Option<Record>> {
                pending()
            }
            async fn create_record(
                &self,
                _: &RecordScope,
                _: &NewRecord,
                _: Option<(&IdempotencyKey, &(dyn Fn(&Record) -> RememberedResponse + Sync))>,
                _: &EventContext,
            ) -> Result<Record> {
                pending()
            }
            async fn update_record(
                &self,
                _: &RecordScope,
                _: RecordId,
                _: &Map<String, Value>,
                _: Option<&str>,
                _: Option<(&IdempotencyKey, &(dyn Fn(&Record) -> RememberedResponse + Sync))>,
                _: &EventContext,
            ) -> Result<Record> {
                pending()
            }
            async fn delete_record(&self, _: &RecordScope, _: RecordId, _: &EventContext) -> Result<Record> {
                pending()
            }
            async fn sync_records(&self, _: &RecordScope, _: &[SyncItem], _: &EventContext) -> Result<Vec<SyncOutcome>> {
                pending()
            }
            async fn remembered(&self, _: &IdempotencyKey) -> Result<Option<RememberedResponse>> {
                pending()
            }
        }
    };
}

impl_pending!(SqliteStore);
impl_pending!(PgStore);
