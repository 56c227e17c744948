//! The change feed: [`ChangeStore`] for both backends. SQLite serves one node, so the node's own
//! invalidation is all there is; PostgreSQL relays `NOTIFY`s from every node (LISTEN on a
//! connection of its own, outside the pool).

use super::*;

/// The PostgreSQL channel that carries [`Change`]s between nodes.
pub(super) const CHANGE_CHANNEL: &str = "trestle_changes";

impl ChangeStore for SqliteStore {
    fn watch_changes(&self, sink: Arc<dyn ChangeSink>) -> bool {
        let _ = self.sink.set(sink);
        false
    }
}

impl ChangeStore for PgStore {
    fn watch_changes(&self, sink: Arc<dyn ChangeSink>) -> bool {
        let _ = self.sink.set(sink.clone());
        let url = self.url.clone();
        tokio::spawn(async move {
            // Each pass: connect, LISTEN, then relay until the connection breaks. A break (or a
            // failed connect) means notifications may have been missed: tell the sink.
            let mut connected_before = false;
            loop {
                let listener = async {
                    let mut l = sqlx::postgres::PgListener::connect(&url).await?;
                    l.listen(CHANGE_CHANNEL).await?;
                    Ok::<_, sqlx::Error>(l)
                }
                .await;
                match listener {
                    Ok(mut l) => {
                        if connected_before {
                            sink.feed_restored();
                        }
                        connected_before = true;
                        while let Ok(Some(n)) = l.try_recv().await {
                            for c in Change::decode_all(n.payload()) {
                                sink.changed(c);
                            }
                        }
                        tracing::warn!("change feed interrupted; caches bypassed until it is back");
                        sink.feed_lost();
                    }
                    Err(e) => {
                        if connected_before {
                            sink.feed_lost();
                        }
                        connected_before = true;
                        tracing::warn!(error = %e, "change feed: cannot listen; retrying");
                        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
                    }
                }
            }
        });
        true
    }
}
