//! Trestle's use cases. [`Trestle`] holds the store, the server keys and the clock, and offers
//! one method per thing a caller can do: issue a token, list companies, install an app…
//! Every method that acts for someone asks [`trestle_domain::policy::decide`] first.

pub mod answer;
mod api;
mod cache;
mod clock;
mod company;
mod error;
pub mod faults;
mod janitor;
pub mod lockout;
pub mod mail;
mod metrics;
mod oauth;
mod operator;
mod portal;
mod projects;
pub mod records;
mod request_log;
mod samples;
pub mod sandbox;
pub mod secrets;
pub mod seed;
mod service_accounts;
mod signin;
pub mod tokens;
mod tools;
pub mod views;
pub mod webhooks;

pub use api::*;
pub use cache::Shared;
pub use clock::{Clock, ManualClock, SandboxClock, SystemClock};
pub use company::*;
pub use error::{CoreError, OAuthError};
pub use janitor::PURGE_BATCH;
pub use metrics::*;
pub use oauth::*;
pub use operator::*;
pub use portal::*;
pub use records::{ListPage, OpAnswer, OpBody, OpRequest, Rendered, SharedAnswer};
pub use service_accounts::*;
pub use signin::*;

use cache::Caches;
use secrets::Keys;
use std::sync::Arc;
use trestle_domain::event::{ActorKind, EventContext};
use trestle_domain::policy::{decide, Actor, Request};
use trestle_store::Store;

pub type Result<T, E = CoreError> = std::result::Result<T, E>;

/// Behaviour switches of the core.
#[derive(Clone, Debug)]
pub struct CoreConfig {
    /// Lifetime of access tokens in seconds (Procore: 5400).
    pub access_token_ttl: i64,
    /// Absolute lifetime of a person's authorization (its refresh tokens), in seconds from the
    /// approval: after it the person signs in again, however often the tokens were refreshed.
    pub refresh_token_max_age: i64,
    /// Require `Procore-Company-Id` on every company-scoped call, as Procore documents.
    /// Off by default because common clients omit it.
    pub strict_company_header: bool,
    /// The deprecation timeline of traditional service accounts.
    pub service_accounts: service_accounts::Timeline,
    /// Lifetime of an authorization code, in seconds.
    pub code_ttl: i64,
    /// Lifetime of a sign-in session of the login and consent pages and the web UI, in seconds.
    pub session_ttl: i64,
    /// Bytes the page cache of rendered catalog lists may hold (`records/pages.rs`); 0 turns
    /// it off (the benchmark's size check measures the uncached path so).
    pub page_cache_bytes: u64,
    /// Scripted faults may be added (`--faults`; `trestle up`).
    pub faults: bool,
    /// How long the request log keeps entries and how many per app (retention 0: off).
    pub request_log: trestle_domain::request_log::RequestLogLimits,
}

/// The page cache's default size: 64 MiB.
pub const PAGE_CACHE_BYTES: u64 = 64 << 20;

impl Default for CoreConfig {
    fn default() -> Self {
        CoreConfig {
            access_token_ttl: 5400,
            refresh_token_max_age: 90 * 24 * 3600,
            strict_company_header: false,
            service_accounts: Default::default(),
            code_ttl: 600,
            session_ttl: 12 * 3600,
            page_cache_bytes: PAGE_CACHE_BYTES,
            faults: false,
            request_log: Default::default(),
        }
    }
}

/// The application: everything a request handler or CLI command calls.
#[derive(Clone)]
pub struct Trestle {
    store: Arc<dyn Store>,
    keys: Arc<Keys>,
    clock: Arc<dyn Clock>,
    config: CoreConfig,
    caches: Arc<Caches>,
    /// Rendered catalog list answers (`records/pages.rs`).
    pages: Arc<records::PageCache>,
    counters: Arc<Counters>,
    /// This node's scripted fault rules (`faults.rs`).
    faults: Arc<faults::Faults>,
    /// This node's request log queue (`request_log.rs`).
    request_log: Arc<request_log::RequestLog>,
}

/// Event counters of this node.
#[derive(Default)]
struct Counters {
    tokens_issued: std::sync::atomic::AtomicU64,
    token_failures: std::sync::atomic::AtomicU64,
}

/// A snapshot of this node's counters.
#[derive(Clone, Copy, Debug)]
pub struct Stats {
    pub cache_hits: u64,
    pub cache_misses: u64,
    pub change_feed_ok: bool,
    pub tokens_issued: u64,
    pub token_failures: u64,
}

impl Trestle {
    /// Builds the core. With a multi-node backend (PostgreSQL) this subscribes to the change
    /// feed, so it must run inside a Tokio runtime.
    pub fn new(store: Arc<dyn Store>, master_key: &[u8], clock: Arc<dyn Clock>, config: CoreConfig) -> Trestle {
        let caches = Arc::new(Caches::new(clock.clone()));
        store.watch_changes(caches.gens.clone());
        Trestle {
            store,
            keys: Arc::new(Keys::derive(master_key)),
            pages: Arc::new(records::PageCache::new(config.page_cache_bytes, clock.clone())),
            faults: Arc::new(faults::Faults::new(config.faults)),
            clock,
            config,
            caches,
            counters: Arc::default(),
            request_log: Arc::new(request_log::RequestLog::new()),
        }
    }

    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    pub fn config(&self) -> &CoreConfig {
        &self.config
    }

    pub fn now(&self) -> i64 {
        self.clock.now()
    }

    /// Counters for `/metrics`.
    pub fn stats(&self) -> Stats {
        use std::sync::atomic::Ordering::Relaxed;
        let g = &self.caches.gens;
        Stats {
            cache_hits: g.hits.load(Relaxed),
            cache_misses: g.misses.load(Relaxed),
            change_feed_ok: g.usable(),
            tokens_issued: self.counters.tokens_issued.load(Relaxed),
            token_failures: self.counters.token_failures.load(Relaxed),
        }
    }

    fn audit(&self, actor: Actor) -> EventContext {
        let (actor, actor_user) = match actor {
            Actor::Operator => (ActorKind::Operator, None),
            Actor::Person(u) => (ActorKind::Person, Some(u)),
            Actor::Bot(u) => (ActorKind::Bot, Some(u)),
        };
        EventContext {
            actor,
            actor_user,
            actor_app: None,
            at: self.clock.now(),
        }
    }

    /// [`Self::audit`] naming the app whose token made the change (a DMSA caller), so
    /// webhook payloads carry it as `source_application_id`.
    fn audit_by(&self, caller: &Caller, actor: Actor) -> EventContext {
        EventContext {
            actor_app: match caller {
                Caller::App { app, .. } => Some(*app),
                _ => None,
            },
            ..self.audit(actor)
        }
    }

    fn system_audit(&self) -> EventContext {
        EventContext {
            actor: ActorKind::System,
            actor_user: None,
            actor_app: None,
            at: self.clock.now(),
        }
    }

    fn require(&self, actor: Actor, request: Request<'_>) -> Result<()> {
        decide(actor, request).map_err(CoreError::Forbidden)
    }
}
