//! The feed of committed changes.

use crate::model::ChangeSink;
use std::sync::Arc;

/// The feed of committed changes, from every node sharing the database.
pub trait ChangeStore: Send + Sync {
    /// Starts delivering changes to `sink` in the background. Returns `false` when the backend
    /// serves a single node (SQLite), where the node's own invalidation is all there is.
    fn watch_changes(&self, sink: Arc<dyn ChangeSink>) -> bool;
}
