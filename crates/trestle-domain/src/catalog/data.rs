//! Loading `data/procore-operations.json` into [`CatalogOp`]s.
//! STUB (interface commit): the catalog helper replaces this with the real loader.

use super::CatalogOp;

pub(super) fn load() -> Vec<CatalogOp> {
    Vec::new()
}
