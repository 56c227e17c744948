//! Webhooks: hooks and triggers (changes to them are domain events), and the delivery queue
//! (bookkeeping, no events: a delivery is not a change of the tenant's data). Every hook and
//! trigger method takes the company and filters on it; another company's hook is "not found".

use crate::error::Result;
use async_trait::async_trait;
use trestle_domain::event::{EventContext, RecordedEvent};
use trestle_domain::webhook::*;
use trestle_domain::*;

/// One trigger of an active hook, as the matcher needs it.
#[derive(Clone, Debug, PartialEq)]
pub struct Subscription {
    pub hook: HookId,
    pub company: CompanyId,
    pub project: Option<ProjectId>,
    pub api_version: String,
    pub resource_name: String,
    pub event_type: EventType,
    /// The trigger fires for events after this one (the last when it was made).
    pub after: EventId,
}

/// A delivery claimed by this node, with its hook.
#[derive(Clone, Debug, PartialEq)]
pub struct Claimed {
    pub delivery: Delivery,
    pub hook: Hook,
}

/// Which deliveries of a hook a list shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DeliveryQuery {
    pub status: Option<DeliveryStatus>,
    /// Keyset: only ids above this (v1 `page_start`: the last id of the page before).
    pub after: Option<DeliveryId>,
    pub limit: i64,
}

#[async_trait]
pub trait WebhookStore: Send + Sync {
    /// `NotFound` when the project is not one of the company's.
    async fn create_hook(&self, new: &NewHook, ctx: &EventContext) -> Result<Hook>;
    async fn find_hook(&self, company: CompanyId, id: HookId) -> Result<Option<Hook>>;
    /// The hooks of exactly this scope (the company's own when `project` is `None`), by id.
    async fn list_hooks(
        &self,
        company: CompanyId,
        project: Option<ProjectId>,
        namespace: Option<&str>,
        api_version: Option<&str>,
    ) -> Result<Vec<Hook>>;
    async fn update_hook(&self, company: CompanyId, id: HookId, patch: &HookPatch, ctx: &EventContext) -> Result<Hook>;
    /// Replaces the hook's secret salt (so its signing secret).
    async fn rotate_hook_salt(&self, company: CompanyId, id: HookId, salt: &str, ctx: &EventContext) -> Result<Hook>;
    /// Deletes the hook with its triggers and deliveries.
    async fn delete_hook(&self, company: CompanyId, id: HookId, ctx: &EventContext) -> Result<()>;

    /// `Conflict` when the hook already has this trigger.
    async fn create_trigger(
        &self,
        company: CompanyId,
        hook: HookId,
        resource_name: &str,
        event_type: EventType,
        ctx: &EventContext,
    ) -> Result<Trigger>;
    async fn list_triggers(&self, company: CompanyId, hook: HookId) -> Result<Vec<Trigger>>;
    async fn delete_trigger(&self, company: CompanyId, hook: HookId, id: TriggerId, ctx: &EventContext) -> Result<()>;

    /// A hook's deliveries, oldest first.
    async fn list_deliveries(&self, company: CompanyId, hook: HookId, query: &DeliveryQuery) -> Result<Vec<Delivery>>;

    /// Every trigger of every active hook.
    async fn webhook_subscriptions(&self) -> Result<Vec<Subscription>>;
    /// The last outbox id matched against triggers.
    async fn webhook_cursor(&self) -> Result<EventId>;
    /// Up to `limit` outbox events past `after`, oldest first, read so that no event with a
    /// smaller id can still commit later (on PostgreSQL, ids are taken in one order and
    /// committed in another; see `sql/webhooks.rs`).
    async fn webhook_outbox(&self, after: EventId, limit: i64) -> Result<Vec<RecordedEvent>>;
    /// In one transaction: queues `deliveries` (one already queued for its hook and event —
    /// another node matched it too — is skipped) and moves the cursor up to `to` (never back).
    async fn enqueue_deliveries(&self, to: EventId, deliveries: &[NewDelivery], now: i64) -> Result<()>;
    /// Claims, until `until`, the queues of up to `hooks` hooks whose head delivery is due at
    /// `now` and not claimed by another node (PostgreSQL: `FOR UPDATE SKIP LOCKED`): per hook its
    /// head and the deliveries queued behind it, `per_hook` at most, in order (a hook's
    /// deliveries are consecutive in the answer, oldest first).
    async fn claim_deliveries(&self, now: i64, until: i64, hooks: i64, per_hook: i64) -> Result<Vec<Claimed>>;
    /// Records an attempt and what follows it; releases the claim.
    async fn finish_attempt(&self, id: DeliveryId, attempt: &Attempt, next: AfterAttempt) -> Result<()>;
    /// Queues the delivery again, due now, with the same body and id (its failures forgotten):
    /// the operator's redelivery, an event of the delivery's company.
    async fn redeliver(&self, id: DeliveryId, ctx: &EventContext) -> Result<Delivery>;
    /// [`WebhookStore::finish_attempt`] for several deliveries in one transaction (a worker
    /// pass's attempts: one commit, so one disk sync, for all of them), releasing the claims of
    /// `released` (claimed behind one that failed, not attempted: due again with their head).
    async fn finish_attempts(
        &self,
        done: &[(DeliveryId, Attempt, AfterAttempt)],
        released: &[DeliveryId],
    ) -> Result<()>;
}
