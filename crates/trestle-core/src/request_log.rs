//! The request log's queue and writer: [`Trestle::log_request`] hands an entry to a bounded
//! queue without waiting (a full queue drops it and counts the drop: a request never waits on
//! the log); [`Trestle::run_request_log`] drains it in batches into the store. Listing flushes
//! the queue first, so a call just made is listed.

use crate::{CoreError, Result, Trestle};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use tokio::sync::{mpsc, oneshot};
use trestle_domain::page::{Page, PageRequest};
use trestle_domain::policy::{Actor, Request};
use trestle_domain::request_log::*;
use trestle_domain::AppId;

/// Entries the queue holds before it drops.
pub const QUEUE: usize = 8192;

enum Msg {
    Entry(NewRequestEntry),
    Flush(oneshot::Sender<()>),
}

/// This node's queue.
pub(crate) struct RequestLog {
    tx: mpsc::Sender<Msg>,
    rx: Mutex<Option<mpsc::Receiver<Msg>>>,
    running: std::sync::atomic::AtomicBool,
    pub(crate) dropped: AtomicU64,
}

impl RequestLog {
    pub(crate) fn new() -> Self {
        let (tx, rx) = mpsc::channel(QUEUE);
        RequestLog {
            tx,
            rx: Mutex::new(Some(rx)),
            running: Default::default(),
            dropped: AtomicU64::new(0),
        }
    }
}

impl Trestle {
    /// Whether REST calls are logged at all.
    pub fn request_log_enabled(&self) -> bool {
        self.config.request_log.enabled()
    }

    /// Queues an entry; never waits. Dropped (and counted) when the queue is full.
    pub fn log_request(&self, entry: NewRequestEntry) {
        if !self.request_log_enabled() {
            return;
        }
        if self.request_log.tx.try_send(Msg::Entry(entry)).is_err() {
            self.request_log.dropped.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Entries dropped because the queue was full.
    pub fn request_log_drops(&self) -> u64 {
        self.request_log.dropped.load(Ordering::Relaxed)
    }

    /// Waits until every entry queued before it is stored (at once when no writer runs).
    async fn flush_request_log(&self) {
        if !self.request_log.running.load(Ordering::Acquire) {
            return;
        }
        let (tx, rx) = oneshot::channel();
        let sent = tokio::time::timeout(
            std::time::Duration::from_secs(5),
            self.request_log.tx.send(Msg::Flush(tx)),
        );
        if let Ok(Ok(())) = sent.await {
            let _ = tokio::time::timeout(std::time::Duration::from_secs(5), rx).await;
        }
    }

    /// The writer: drains the queue, up to [`APPEND_BATCH`](trestle_store::APPEND_BATCH)
    /// entries per insert, until the task is dropped. Runs once per core.
    pub async fn run_request_log(self) {
        let Some(mut rx) = self.request_log.rx.lock().expect("request log").take() else {
            return;
        };
        self.request_log.running.store(true, Ordering::Release);
        let mut entries = Vec::with_capacity(trestle_store::APPEND_BATCH);
        let mut acks = Vec::new();
        while let Some(first) = rx.recv().await {
            let mut next = Some(first);
            while let Some(m) = next.take() {
                match m {
                    Msg::Entry(e) => entries.push(e),
                    Msg::Flush(a) => acks.push(a),
                }
                if entries.len() < trestle_store::APPEND_BATCH {
                    next = rx.try_recv().ok();
                }
            }
            if !entries.is_empty() {
                if let Err(e) = self.store.append_requests(&entries).await {
                    self.request_log
                        .dropped
                        .fetch_add(entries.len() as u64, Ordering::Relaxed);
                    tracing::warn!(error = %e, n = entries.len(), "request log: entries lost");
                }
                entries.clear();
            }
            for a in acks.drain(..) {
                let _ = a.send(());
            }
        }
    }

    /// An app's logged calls, newest first: its developer and the operator; for anyone else
    /// the app does not exist (404).
    #[tracing::instrument(level = "debug", skip_all, fields(actor = ?actor, app = %app))]
    pub async fn list_app_requests(
        &self,
        actor: Actor,
        app: AppId,
        filter: &RequestFilter,
        page: PageRequest,
    ) -> Result<Page<RequestEntry>> {
        let found = self.store.find_app(app).await?.ok_or(CoreError::NotFound("app"))?;
        if trestle_domain::policy::decide(actor, Request::ReadAppRequestLog { owner: found.owner_id }).is_err() {
            return Err(CoreError::NotFound("app"));
        }
        self.flush_request_log().await;
        Ok(self.store.list_requests(app, filter, page).await?)
    }

    /// The janitor's part: entries past the retention, and each app's beyond its cap.
    pub(crate) async fn prune_request_log(&self) -> Result<trestle_store::PrunedRequests> {
        let l = self.config.request_log;
        if !l.enabled() {
            return Ok(Default::default());
        }
        let older = self.now().saturating_sub(l.retention_secs);
        Ok(self
            .store
            .prune_requests(older, l.per_app_cap, crate::PURGE_BATCH)
            .await?)
    }
}
