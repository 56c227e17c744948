//! App lifecycle endpoints: an app's own webhook destinations (changes to them are domain
//! events), their delivery queue (bookkeeping, as the hooks' queue), redelivery (an event),
//! and the scan that announces client secrets about to expire (an event per secret, once).
//! Every endpoint method takes the app and filters on it; another app's endpoint is "not found".

use crate::error::Result;
use async_trait::async_trait;
use trestle_domain::endpoint::*;
use trestle_domain::event::EventContext;
use trestle_domain::webhook::{AfterAttempt, Attempt, DeliveryStatus};
use trestle_domain::*;

/// An active endpoint, as the matcher needs it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EndpointSubscription {
    pub endpoint: EndpointId,
    pub app: AppId,
    /// The endpoint receives events after this one (the last when it was made).
    pub after: EventId,
}

/// An endpoint delivery claimed by this node, with its endpoint.
#[derive(Clone, Debug, PartialEq)]
pub struct ClaimedEndpoint {
    pub delivery: EndpointDelivery,
    pub endpoint: Endpoint,
}

/// Which deliveries of an endpoint a list shows: newest first.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EndpointDeliveryQuery {
    pub status: Option<DeliveryStatus>,
    /// Keyset: only ids below this (the last id of the page before).
    pub before: Option<EndpointDeliveryId>,
    pub limit: i64,
}

#[async_trait]
pub trait EndpointStore: Send + Sync {
    /// `NotFound` when the app does not exist.
    async fn create_endpoint(&self, new: &NewEndpoint, ctx: &EventContext) -> Result<Endpoint>;
    async fn find_endpoint(&self, app: AppId, id: EndpointId) -> Result<Option<Endpoint>>;
    /// The app's endpoints, by id.
    async fn list_endpoints(&self, app: AppId) -> Result<Vec<Endpoint>>;
    async fn update_endpoint(
        &self,
        app: AppId,
        id: EndpointId,
        patch: &EndpointPatch,
        ctx: &EventContext,
    ) -> Result<Endpoint>;
    /// Replaces the endpoint's secret salt (so its signing secret).
    async fn rotate_endpoint_salt(
        &self,
        app: AppId,
        id: EndpointId,
        salt: &str,
        ctx: &EventContext,
    ) -> Result<Endpoint>;
    /// Deletes the endpoint with its deliveries.
    async fn delete_endpoint(&self, app: AppId, id: EndpointId, ctx: &EventContext) -> Result<()>;
    async fn list_endpoint_deliveries(
        &self,
        app: AppId,
        endpoint: EndpointId,
        query: &EndpointDeliveryQuery,
    ) -> Result<Vec<EndpointDelivery>>;
    /// Queues the delivery again, due now, with the same body and id (its failures forgotten).
    async fn redeliver_endpoint_delivery(
        &self,
        app: AppId,
        endpoint: EndpointId,
        id: EndpointDeliveryId,
        ctx: &EventContext,
    ) -> Result<EndpointDelivery>;

    /// Every active endpoint.
    async fn endpoint_subscriptions(&self) -> Result<Vec<EndpointSubscription>>;
    /// Queues `deliveries` (one already queued for its endpoint and event is skipped, so
    /// matching an event twice queues it once).
    async fn enqueue_endpoint_deliveries(&self, deliveries: &[NewEndpointDelivery], now: i64) -> Result<()>;
    /// Claims, until `until`, up to `limit` deliveries due at `now`, each the head of its
    /// endpoint's queue (PostgreSQL: `FOR UPDATE SKIP LOCKED`).
    async fn claim_endpoint_deliveries(&self, now: i64, until: i64, limit: i64) -> Result<Vec<ClaimedEndpoint>>;
    /// Records an attempt and what follows it; releases the claim.
    async fn finish_endpoint_attempt(
        &self,
        id: EndpointDeliveryId,
        attempt: &Attempt,
        next: AfterAttempt,
    ) -> Result<()>;

    /// Records `client_secret.expiring` (with the secret's id, expiry and environment) for up
    /// to `limit` live client secrets that expire after `ctx.at` and within `within` seconds
    /// and were not announced yet, marking each announced in the same transaction; how many.
    async fn announce_expiring_secrets(&self, within: i64, limit: i64, ctx: &EventContext) -> Result<u64>;
}
