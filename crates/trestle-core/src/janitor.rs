//! The janitor: on every node, a task that purges what has expired — sessions, authorization
//! codes, revocations of expired tokens, refresh tokens and grants too old to use — in small
//! batches, with the injectable clock. Purging is idempotent, so nodes sharing a database may
//! run it at the same time. The HTTP layer's in-memory state (rate-limit counters, lockouts) is
//! purged on the same beat by the caller's hook.

use crate::{Result, Trestle};
use std::time::Duration;
use trestle_store::{PurgeCounts, PurgeCutoffs, IDEMPOTENCY_TTL};

/// Rows deleted per statement: small, so that no purge holds a lock for long.
pub const PURGE_BATCH: i64 = 500;
/// Batches per kind and pass at most; what is left waits for the next pass.
const MAX_BATCHES: usize = 100;

impl Trestle {
    /// What may go now: rows nothing can use any more.
    pub fn purge_cutoffs(&self) -> PurgeCutoffs {
        let now = self.now();
        let refresh_granted = now.saturating_sub(self.config.refresh_token_max_age);
        PurgeCutoffs {
            expired: now,
            refresh_granted,
            // The last access token of a grant is issued before it is too old to refresh and
            // lives `access_token_ttl` more.
            granted: refresh_granted.saturating_sub(self.config.access_token_ttl),
            remembered: now.saturating_sub(IDEMPOTENCY_TTL),
        }
    }

    /// One purge pass: batches of `batch` rows until nothing expired is left (or a bound on
    /// the work of one pass is reached).
    #[tracing::instrument(level = "debug", skip_all, fields(batch = %batch))]
    pub async fn purge_expired(&self, batch: i64) -> Result<PurgeCounts> {
        let cutoffs = self.purge_cutoffs();
        let mut total = PurgeCounts::default();
        for _ in 0..MAX_BATCHES {
            let n = self.store.purge_expired(&cutoffs, batch).await?;
            total.sessions += n.sessions;
            total.codes += n.codes;
            total.revocations += n.revocations;
            total.refresh_tokens += n.refresh_tokens;
            total.grants += n.grants;
            total.remembered += n.remembered;
            if n.total() == 0 {
                break;
            }
            tokio::task::yield_now().await;
        }
        Ok(total)
    }

    /// Runs the janitor every `interval` until the task is dropped: a purge pass, then
    /// `also(now)` for state kept outside the store. A failed pass (database unavailable) is
    /// logged and retried at the next tick.
    pub async fn run_janitor(self, interval: Duration, also: impl Fn(i64) + Send) {
        // The first pass one interval after start, not at once: a node starting does no work
        // that a running one is about to do.
        let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + interval, interval);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            match self.purge_expired(PURGE_BATCH).await {
                Ok(n) if n.total() > 0 => tracing::info!(
                    sessions = n.sessions,
                    codes = n.codes,
                    revocations = n.revocations,
                    refresh_tokens = n.refresh_tokens,
                    grants = n.grants,
                    remembered = n.remembered,
                    "janitor purged expired rows"
                ),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "janitor: purge failed; retrying at the next tick"),
            }
            match self.prune_request_log().await {
                Ok(n) if n.expired + n.over_cap > 0 => {
                    tracing::debug!(
                        expired = n.expired,
                        over_cap = n.over_cap,
                        "janitor pruned the request log"
                    )
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "janitor: request log prune failed"),
            }
            also(self.now());
        }
    }
}
