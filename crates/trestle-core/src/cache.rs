//! In-memory answers for the hot path (token issuance, bearer checks, the caller's membership,
//! project lists), kept correct by *generations*.
//!
//! Every committed change bumps the generation of the company and/or app it touched: on this
//! node right after the write, and on every other node through the store's change feed
//! (PostgreSQL LISTEN/NOTIFY, sent inside the writing transaction). A cached answer remembers
//! the generations it was read under — taken *before* the read — and is used only while they
//! are unchanged. If the change feed is interrupted, caches are bypassed until it is back.
//!
//! A company has two counters: everything of it (bumped by every change), and its directory
//! (bumped by every change but those of its tool records, `Change::Records`). Answers that read
//! nothing of the records — the caller's membership, installs, projects, people — are stamped
//! with [`Generations::stamp_directory`], so writing records does not evict them; answers that
//! read records (the page cache, the vendors a record shows) with [`Generations::stamp`].
//!
//! Generations live in fixed arrays of counters indexed by a hash of the id: two ids that share
//! a slot only invalidate each other more often, never less.
//!
//! The five-minute backstop reads the core's injected [`Clock`], so tests move it.

use crate::clock::Clock;
use quick_cache::sync::Cache;
use std::borrow::Borrow;
use std::future::Future;
use std::hash::Hash;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use trestle_domain::policy::{Actor, CompanyMembership};
use trestle_domain::{AppId, CompanyId, SecretId, UserId};
use trestle_store::{Change, ChangeSink};

const SLOTS: usize = 1 << 14;

/// Generation counters.
pub struct Generations {
    /// Answers served from a cache, and answers that had to be read from storage.
    pub hits: AtomicU64,
    pub misses: AtomicU64,
    epoch: AtomicU64,
    any_app: AtomicU64,
    feed_ok: AtomicBool,
    companies: Box<[AtomicU64]>,
    directories: Box<[AtomicU64]>,
    apps: Box<[AtomicU64]>,
    /// Woken by every committed change with events (this node's, or another's through the
    /// feed): the webhook worker's next pass starts then rather than at its interval, since
    /// such a change wrote outbox events.
    pub(crate) committed: tokio::sync::Notify,
}

/// The generations an answer was read under.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Stamp {
    epoch: u64,
    company: u64,
    app: u64,
}

fn slot(id: i64) -> usize {
    ((id as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> (64 - 14)) as usize
}

fn counters() -> Box<[AtomicU64]> {
    (0..SLOTS).map(|_| AtomicU64::new(0)).collect()
}

impl Generations {
    fn new() -> Self {
        Generations {
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
            epoch: AtomicU64::new(0),
            any_app: AtomicU64::new(0),
            feed_ok: AtomicBool::new(true),
            companies: counters(),
            directories: counters(),
            apps: counters(),
            committed: tokio::sync::Notify::new(),
        }
    }

    /// The current stamp for answers that depend on `company` and/or `app`.
    pub fn stamp(&self, company: Option<CompanyId>, app: Option<AppId>) -> Stamp {
        Stamp {
            epoch: self.epoch.load(Ordering::Acquire),
            company: company.map_or(0, |c| self.companies[slot(c.0)].load(Ordering::Acquire)),
            app: app.map_or(0, |a| self.apps[slot(a.0)].load(Ordering::Acquire)),
        }
    }

    /// The stamp for answers that depend on `company`'s directory (not its tool records)
    /// and/or `app`: like [`Self::stamp`], but a write of the company's records leaves it.
    pub fn stamp_directory(&self, company: Option<CompanyId>, app: Option<AppId>) -> Stamp {
        Stamp {
            epoch: self.epoch.load(Ordering::Acquire),
            company: company.map_or(0, |c| self.directories[slot(c.0)].load(Ordering::Acquire)),
            app: app.map_or(0, |a| self.apps[slot(a.0)].load(Ordering::Acquire)),
        }
    }

    /// A stamp that changes with *any* app change (for lookups made before the app is known).
    pub fn stamp_any_app(&self) -> Stamp {
        Stamp {
            epoch: self.epoch.load(Ordering::Acquire),
            company: 0,
            app: self.any_app.load(Ordering::Acquire),
        }
    }

    /// Whether the change feed works (caches are bypassed while it does not).
    pub fn usable(&self) -> bool {
        self.feed_ok.load(Ordering::Acquire)
    }
}

impl ChangeSink for Generations {
    fn changed(&self, change: Change) {
        self.committed.notify_one();
        match change {
            Change::Company(c) => {
                self.directories[slot(c.0)].fetch_add(1, Ordering::AcqRel);
                self.companies[slot(c.0)].fetch_add(1, Ordering::AcqRel);
            }
            Change::Records(c) => {
                self.companies[slot(c.0)].fetch_add(1, Ordering::AcqRel);
            }
            Change::App(a) => {
                self.apps[slot(a.0)].fetch_add(1, Ordering::AcqRel);
                self.any_app.fetch_add(1, Ordering::AcqRel);
            }
            Change::Everything => {
                self.epoch.fetch_add(1, Ordering::AcqRel);
            }
        }
    }

    fn feed_lost(&self) {
        self.feed_ok.store(false, Ordering::Release);
        self.epoch.fetch_add(1, Ordering::AcqRel);
    }

    fn feed_restored(&self) {
        self.epoch.fetch_add(1, Ordering::AcqRel);
        self.feed_ok.store(true, Ordering::Release);
    }
}

struct Stamped<V> {
    stamp: Stamp,
    /// When the answer was read (the clock's seconds, taken before the read).
    born: i64,
    value: V,
}

/// How long an answer may be used at most, in seconds. Only a backstop: generations do the
/// real invalidation.
const TIME_TO_LIVE: i64 = 300;

/// One bounded cache of stamped answers (quick_cache: S3-FIFO eviction, no background work).
pub struct Memo<K, V> {
    cache: Cache<K, Arc<Stamped<V>>>,
    clock: Arc<dyn Clock>,
}

impl<K, V> Memo<K, V>
where
    K: Hash + Eq + Send + Sync + 'static,
    V: Clone + Send + Sync + 'static,
{
    fn new(capacity: usize, clock: Arc<dyn Clock>) -> Self {
        Memo {
            cache: Cache::new(capacity),
            clock,
        }
    }

    /// The cached answer if its stamp is current, else `load()` (and remember it under the
    /// stamp taken before loading). `key` may be borrowed (`&str` for a `String` key), so a
    /// hit allocates nothing.
    pub async fn get_or_load<Q, E, F, Fut>(&self, gens: &Generations, key: &Q, stamp: Stamp, load: F) -> Result<V, E>
    where
        Q: Hash + Eq + ToOwned<Owned = K> + ?Sized,
        K: Borrow<Q>,
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<V, E>>,
    {
        let usable = gens.usable();
        let now = self.clock.now();
        if usable {
            if let Some(hit) = self.cache.get(key) {
                // A clock set back makes the age negative: not used either.
                if hit.stamp == stamp && (0..TIME_TO_LIVE).contains(&(now - hit.born)) {
                    gens.hits.fetch_add(1, Ordering::Relaxed);
                    return Ok(hit.value.clone());
                }
            }
        }
        gens.misses.fetch_add(1, Ordering::Relaxed);
        let born = now;
        let value = load().await?;
        if usable && gens.usable() {
            self.cache.insert(
                key.to_owned(),
                Arc::new(Stamped {
                    stamp,
                    born,
                    value: value.clone(),
                }),
            );
        }
        Ok(value)
    }
}

/// What an entry of a [`Weighed`] cache weighs, in bytes (roughly: what it holds on the heap).
pub trait Weight {
    fn weight(&self) -> u64;
}

/// Weighs an entry by its key and its value, plus a fixed share for the entry itself.
#[derive(Clone, Copy)]
struct ByWeight;

impl<K: Weight, V: Weight> quick_cache::Weighter<K, Arc<Stamped<V>>> for ByWeight {
    fn weight(&self, key: &K, value: &Arc<Stamped<V>>) -> u64 {
        key.weight() + value.value.weight() + 64
    }
}

/// What a [`Weighed`] cache's miss hands back, to be given to [`Weighed::remember`] with the
/// answer once it is read: the stamp and the time taken before the read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ticket {
    stamp: Stamp,
    born: i64,
    usable: bool,
}

/// A cache of stamped answers bounded by bytes rather than by entries (quick_cache with a
/// weighter), for answers whose sizes differ a lot (rendered list pages). The same rules as
/// [`Memo`]: an answer counts only under the stamp it was read under, never past the
/// five-minute backstop on the injected clock, and nothing is served or kept while the change
/// feed is down. An answer heavier than a sixteenth of the capacity is not kept (one huge page
/// must not push out hundreds of small ones); a capacity of 0 turns the cache off.
pub struct Weighed<K, V> {
    cache: Option<Cache<K, Arc<Stamped<V>>, ByWeight>>,
    largest: u64,
    clock: Arc<dyn Clock>,
}

impl<K, V> Weighed<K, V>
where
    K: Hash + Eq + Weight + Send + Sync + 'static,
    V: Clone + Weight + Send + Sync + 'static,
{
    /// A cache of at most `capacity` bytes (0: off), whose answers age by `clock`.
    pub fn new(capacity: u64, clock: Arc<dyn Clock>) -> Self {
        let cache = (capacity > 0).then(|| {
            // quick_cache wants an estimate of the entries: assume 16 KiB an answer.
            let items = (capacity / 16_384).clamp(16, 1 << 20) as usize;
            Cache::with_weighter(items, capacity, ByWeight)
        });
        Weighed {
            cache,
            largest: capacity / 16,
            clock,
        }
    }

    /// The answer remembered for `key` under `stamp` (younger than the backstop), else the
    /// ticket to remember the answer about to be read. `key` may be a borrowed form of `K`
    /// (quick_cache's `Equivalent`), so a hit allocates nothing.
    pub fn lookup<Q>(&self, gens: &Generations, key: &Q, stamp: Stamp) -> Result<V, Ticket>
    where
        Q: Hash + quick_cache::Equivalent<K> + ?Sized,
    {
        let usable = gens.usable();
        let now = self.clock.now();
        if let (true, Some(cache)) = (usable, &self.cache) {
            if let Some(hit) = cache.get(key) {
                // A clock set back makes the age negative: not used either.
                if hit.stamp == stamp && (0..TIME_TO_LIVE).contains(&(now - hit.born)) {
                    gens.hits.fetch_add(1, Ordering::Relaxed);
                    return Ok(hit.value.clone());
                }
            }
            gens.misses.fetch_add(1, Ordering::Relaxed);
        }
        Err(Ticket {
            stamp,
            born: now,
            usable,
        })
    }

    /// Remembers `value`, read after `ticket` was handed out, unless the feed was or is down,
    /// the cache is off or the value is too heavy to keep.
    pub fn remember(&self, gens: &Generations, ticket: Ticket, key: K, value: V) {
        let Some(cache) = &self.cache else { return };
        if !(ticket.usable && gens.usable()) || key.weight() + value.weight() > self.largest {
            return;
        }
        cache.insert(
            key,
            Arc::new(Stamped {
                stamp: ticket.stamp,
                born: ticket.born,
                value,
            }),
        );
    }

    /// The bytes the cache holds now.
    #[cfg(test)]
    pub fn weight(&self) -> u64 {
        self.cache.as_ref().map_or(0, |c| c.weight())
    }
}

/// A cached answer to which an outer layer may attach one rendering of it (e.g. its JSON
/// body), reused for as long as the answer itself is.
pub struct Shared<T> {
    pub value: T,
    rendering: std::sync::OnceLock<Box<dyn std::any::Any + Send + Sync>>,
}

impl<T> Shared<T> {
    pub fn new(value: T) -> Self {
        Shared {
            value,
            rendering: std::sync::OnceLock::new(),
        }
    }

    /// The rendering attached to this answer, made by `make` the first time. A rendering of
    /// another type than the one attached first is made afresh each time.
    pub fn rendering<R: Clone + Send + Sync + 'static>(&self, make: impl FnOnce(&T) -> R) -> R {
        if let Some(stored) = self.rendering.get() {
            return match stored.downcast_ref::<R>() {
                Some(r) => r.clone(),
                None => make(&self.value),
            };
        }
        let r = make(&self.value);
        // Two requests may render at once; either rendering is right, the first one stays.
        let _ = self.rendering.set(Box::new(r.clone()));
        r
    }

    /// The attached rendering, if there is one of type `R`.
    pub fn rendered<R: Clone + 'static>(&self) -> Option<R> {
        self.rendering.get().and_then(|b| b.downcast_ref::<R>()).cloned()
    }
}

impl<T: std::fmt::Debug> std::fmt::Debug for Shared<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.value.fmt(f)
    }
}

/// Two shared answers are equal when their values are (whatever is attached).
impl<T: PartialEq> PartialEq for Shared<T> {
    fn eq(&self, other: &Self) -> bool {
        self.value == other.value
    }
}

impl<T: Weight> Weight for Shared<T> {
    fn weight(&self) -> u64 {
        self.value.weight()
    }
}

impl<T: Weight> Weight for Arc<T> {
    fn weight(&self) -> u64 {
        (**self).weight()
    }
}

/// A cached page of results, shared by every request that asks the same question.
pub type SharedPage<T> = Arc<Shared<trestle_domain::page::Page<T>>>;

/// Whom a company-scoped answer is for, as a cache key (REST reads in `api.rs` look it up).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Who {
    /// An app, and whether through its sandbox client.
    App(AppId, bool),
    Person(UserId),
}

/// The caller's identity and membership in a company; `None` when a DMSA app is not installed.
/// The membership is shared with the cache, not copied per request.
pub type CompanyActor = Option<(Actor, Option<Arc<CompanyMembership>>)>;

/// A cached project list page's key: the caller's user id (0 for none), the company, whether
/// only the caller's projects are listed, page, per_page, and the keyset's `after` (0 for none).
pub type ProjectsKey = (i64, CompanyId, bool, u32, u32, i64);

/// All of the core's caches.
pub struct Caches {
    pub gens: Arc<Generations>,
    pub clients: Memo<String, Option<Arc<trestle_domain::entities::ClientCredentials>>>,
    pub client_apps: Memo<(AppId, bool), crate::oauth::AppGrant>,
    pub secrets: Memo<i64, Option<Option<i64>>>,
    /// People's grants (authorization_code), by id.
    pub grants: Memo<i64, Option<trestle_domain::entities::Grant>>,
    /// Per app, the ids of its revoked, unexpired access tokens.
    pub revoked: Memo<AppId, Arc<std::collections::HashSet<String>>>,
    pub actors: Memo<(Who, CompanyId), CompanyActor>,
    pub projects: Memo<ProjectsKey, SharedPage<trestle_domain::entities::Project>>,
    pub app_companies: Memo<(AppId, bool, u32, u32, i64), SharedPage<trestle_domain::entities::Company>>,
    /// What a catalog record shows of the people and vendors it names, inside the record's
    /// company (stamped by its generation: memberships and vendors are the company's data, and
    /// a person's name and login never change): a person by company and user (`None`: not a
    /// member), a creator by company and user, a vendor by company, project and id.
    pub shown_people: Memo<(CompanyId, UserId), Option<serde_json::Value>>,
    pub creators: Memo<(CompanyId, UserId), Option<trestle_domain::entities::User>>,
    pub shown_vendors: Memo<(CompanyId, Option<trestle_domain::ProjectId>, i64), Option<serde_json::Value>>,
    /// A live project's company, found once (a project never changes company; stamped by the
    /// epoch alone), and whether it is live with the caller's membership of it, under the
    /// company's generation (`tools.rs` `project_scope`).
    pub project_companies: Memo<trestle_domain::ProjectId, CompanyId>,
    pub project_standing: Memo<(CompanyId, trestle_domain::ProjectId, Option<UserId>), crate::tools::ProjectStanding>,
    /// Access tokens whose MAC was checked.
    pub tokens: crate::tokens::Verified,
    /// Client secrets that matched.
    pub client_secrets: VerifiedSecrets,
}

/// Client secrets this node has verified (keyed hash, constant-time comparison), so a client
/// that asks for a token again skips the keyed hash. Keyed by a keyed tag of the presented
/// secret ([`crate::secrets::Keys::tag`]: no secret, nor an unkeyed digest of one, is kept). An entry holds the client's credentials *as the `clients` cache answered them*
/// and counts only while that cache still answers with that very value (the same `Arc`): any
/// change that reloads the client — a secret created, rotated, revoked or expired, on this node
/// or, through the change feed, another — ends it, as does the `clients` cache's own five-minute
/// backstop, and nothing is remembered while the change feed is down (the `clients` cache
/// answers fresh values then). The secret's expiry is checked on every use.
pub struct VerifiedSecrets {
    cache: Cache<[u8; 16], (Arc<trestle_domain::entities::ClientCredentials>, SecretId)>,
}

impl VerifiedSecrets {
    fn new(capacity: usize) -> Self {
        VerifiedSecrets {
            cache: Cache::new(capacity),
        }
    }

    /// The id of the verified secret `tag` stands for, if `creds` is still the client's current
    /// answer and that secret is unexpired at `now`.
    pub fn find(
        &self,
        tag: &[u8; 16],
        creds: &Arc<trestle_domain::entities::ClientCredentials>,
        now: i64,
    ) -> Option<SecretId> {
        let (seen, secret) = self.cache.get(tag)?;
        if !Arc::ptr_eq(&seen, creds) {
            return None;
        }
        creds
            .secrets
            .iter()
            .any(|s| s.id == secret && s.expires_at.is_none_or(|e| e > now))
            .then_some(secret)
    }

    /// Remembers that the secret `tag` stands for is `secret` of `creds`.
    pub fn remember(
        &self,
        gens: &Generations,
        tag: [u8; 16],
        creds: Arc<trestle_domain::entities::ClientCredentials>,
        secret: SecretId,
    ) {
        if gens.usable() {
            self.cache.insert(tag, (creds, secret));
        }
    }
}

impl Caches {
    /// The caches, whose answers age by `clock`.
    pub fn new(clock: Arc<dyn Clock>) -> Self {
        let c = &clock;
        Caches {
            gens: Arc::new(Generations::new()),
            clients: Memo::new(100_000, c.clone()),
            client_apps: Memo::new(100_000, c.clone()),
            secrets: Memo::new(100_000, c.clone()),
            revoked: Memo::new(100_000, c.clone()),
            grants: Memo::new(100_000, c.clone()),
            actors: Memo::new(200_000, c.clone()),
            projects: Memo::new(50_000, c.clone()),
            app_companies: Memo::new(10_000, c.clone()),
            shown_people: Memo::new(100_000, c.clone()),
            creators: Memo::new(100_000, c.clone()),
            shown_vendors: Memo::new(100_000, c.clone()),
            project_companies: Memo::new(100_000, c.clone()),
            project_standing: Memo::new(200_000, c.clone()),
            tokens: crate::tokens::Verified::new(100_000),
            client_secrets: VerifiedSecrets::new(10_000),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::{ManualClock, SystemClock};

    fn clock() -> Arc<dyn Clock> {
        Arc::new(SystemClock)
    }

    #[tokio::test]
    async fn answers_are_reused_until_their_generation_moves() {
        let caches = Caches::new(clock());
        let g = &caches.gens;
        let memo: Memo<i64, i64> = Memo::new(10, clock());
        let c = Some(CompanyId(5));
        let load = |v: i64| move || async move { Ok::<_, ()>(v) };
        assert_eq!(memo.get_or_load(g, &1, g.stamp(c, None), load(10)).await, Ok(10));
        assert_eq!(
            memo.get_or_load(g, &1, g.stamp(c, None), load(11)).await,
            Ok(10),
            "cached"
        );
        g.changed(Change::Company(CompanyId(6)));
        assert_eq!(
            memo.get_or_load(g, &1, g.stamp(c, None), load(12)).await,
            Ok(10),
            "another company"
        );
        g.changed(Change::Company(CompanyId(5)));
        assert_eq!(
            memo.get_or_load(g, &1, g.stamp(c, None), load(13)).await,
            Ok(13),
            "invalidated"
        );
        g.changed(Change::Everything);
        assert_eq!(
            memo.get_or_load(g, &1, g.stamp(c, None), load(14)).await,
            Ok(14),
            "epoch"
        );
        // while the feed is down nothing is served from or stored in the cache
        g.feed_lost();
        assert_eq!(memo.get_or_load(g, &1, g.stamp(c, None), load(15)).await, Ok(15));
        assert_eq!(memo.get_or_load(g, &1, g.stamp(c, None), load(16)).await, Ok(16));
        g.feed_restored();
        assert_eq!(memo.get_or_load(g, &1, g.stamp(c, None), load(17)).await, Ok(17));
        assert_eq!(memo.get_or_load(g, &1, g.stamp(c, None), load(18)).await, Ok(17));
    }

    /// A write of a company's records moves its full stamp, not its directory stamp; any
    /// other change of the company (and the epoch) moves both.
    #[test]
    fn record_writes_leave_the_directory_stamp() {
        let caches = Caches::new(clock());
        let g = &caches.gens;
        let c = Some(CompanyId(5));
        let (full, dir) = (g.stamp(c, None), g.stamp_directory(c, None));
        g.changed(Change::Records(CompanyId(5)));
        assert_ne!(g.stamp(c, None), full, "records are part of the company");
        assert_eq!(g.stamp_directory(c, None), dir, "but not of its directory");
        let (full, dir) = (g.stamp(c, None), g.stamp_directory(c, None));
        g.changed(Change::Company(CompanyId(5)));
        assert_ne!(g.stamp(c, None), full);
        assert_ne!(g.stamp_directory(c, None), dir);
        let dir = g.stamp_directory(c, None);
        g.changed(Change::Everything);
        assert_ne!(g.stamp_directory(c, None), dir);
        let dir = g.stamp_directory(c, None);
        g.changed(Change::Records(CompanyId(6)));
        g.changed(Change::Company(CompanyId(6)));
        assert_eq!(g.stamp_directory(c, None), dir, "another company");
    }

    #[test]
    fn a_rendering_is_made_once_per_answer() {
        let shared = Shared::new(21);
        let calls = std::sync::atomic::AtomicU32::new(0);
        let make = |v: &i32| {
            calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            v.to_string()
        };
        assert_eq!(shared.rendering(make), "21");
        assert_eq!(shared.rendering(make), "21");
        assert_eq!(calls.load(std::sync::atomic::Ordering::SeqCst), 1);
        assert_eq!(shared.rendered::<String>().as_deref(), Some("21"));
        // another type is made each time, never confused with the first
        assert_eq!(shared.rendering(|v| *v * 2), 42);
        assert_eq!(shared.rendered::<i32>(), None);
    }

    #[tokio::test]
    async fn a_change_during_a_load_is_not_hidden() {
        let caches = Caches::new(clock());
        let g = caches.gens.clone();
        let memo: Memo<i64, i64> = Memo::new(10, clock());
        let a = Some(AppId(9));
        let stamp = g.stamp(None, a);
        // the app changes while the (old) value is being read
        let g2 = g.clone();
        let v = memo
            .get_or_load(&g, &1, stamp, move || async move {
                g2.changed(Change::App(AppId(9)));
                Ok::<_, ()>(1)
            })
            .await;
        assert_eq!(v, Ok(1));
        assert_eq!(
            memo.get_or_load(&g, &1, g.stamp(None, a), || async { Ok::<_, ()>(2) })
                .await,
            Ok(2)
        );
        // any app change moves the any-app stamp
        let before = g.stamp_any_app();
        g.changed(Change::App(AppId(1234)));
        assert_ne!(before, g.stamp_any_app());
    }

    impl Weight for i64 {
        fn weight(&self) -> u64 {
            *self as u64
        }
    }

    /// A weighed cache keeps the rules of the others (stamp, feed, backstop on the injected
    /// clock), keeps nothing heavier than a sixteenth of its bytes, and is off at 0 bytes.
    #[test]
    fn a_weighed_cache_is_bounded_by_bytes_and_stamped() {
        let manual = Arc::new(ManualClock::new(1_000_000));
        let caches = Caches::new(manual.clone());
        let g = &caches.gens;
        let cache: Weighed<i64, i64> = Weighed::new(16_000, manual.clone());
        let stamp = || g.stamp(Some(CompanyId(1)), None);
        let ticket = cache.lookup(g, &1, stamp()).expect_err("nothing yet");
        cache.remember(g, ticket, 1, 100);
        assert_eq!(cache.lookup(g, &1, stamp()), Ok(100));
        assert!(cache.weight() >= 101, "weighed by key and value: {}", cache.weight());
        // too heavy to keep: over 16,000 / 16 bytes
        let ticket = cache.lookup(g, &2, stamp()).expect_err("nothing yet");
        cache.remember(g, ticket, 2, 1_000);
        assert!(cache.lookup(g, &2, stamp()).is_err(), "a huge answer is not kept");
        // the company's generation moves
        g.changed(Change::Company(CompanyId(1)));
        let ticket = cache.lookup(g, &1, stamp()).expect_err("invalidated");
        // a change while reading is not hidden: the ticket's stamp is the one before
        g.changed(Change::Company(CompanyId(1)));
        cache.remember(g, ticket, 1, 101);
        assert!(cache.lookup(g, &1, stamp()).is_err());
        let ticket = cache.lookup(g, &1, stamp()).unwrap_err();
        cache.remember(g, ticket, 1, 102);
        assert_eq!(cache.lookup(g, &1, stamp()), Ok(102));
        // the backstop, on the injected clock
        manual.advance(TIME_TO_LIVE - 1);
        assert_eq!(cache.lookup(g, &1, stamp()), Ok(102));
        manual.advance(1);
        assert!(cache.lookup(g, &1, stamp()).is_err(), "300 s old");
        // nothing served or kept while the feed is down
        let ticket = cache.lookup(g, &1, stamp()).unwrap_err();
        cache.remember(g, ticket, 1, 103);
        g.feed_lost();
        assert!(cache.lookup(g, &1, stamp()).is_err());
        let ticket = cache.lookup(g, &3, stamp()).unwrap_err();
        g.feed_restored();
        cache.remember(g, ticket, 3, 1);
        assert!(cache.lookup(g, &3, stamp()).is_err(), "read while the feed was down");
        // off
        let off: Weighed<i64, i64> = Weighed::new(0, manual.clone());
        let ticket = off.lookup(g, &1, stamp()).unwrap_err();
        off.remember(g, ticket, 1, 1);
        assert!(off.lookup(g, &1, stamp()).is_err());
        assert_eq!(off.weight(), 0);
    }

    /// A verified secret counts only for the very credentials it was verified with, while
    /// it is unexpired, and nothing is remembered while the change feed is down.
    #[test]
    fn verified_secrets_end_with_the_credentials_they_were_checked_against() {
        use trestle_domain::entities::{ClientCredentials, ClientSecret, Environment, OAuthClient};
        use trestle_domain::{ClientPk, SecretId};
        let caches = Caches::new(clock());
        let g = &caches.gens;
        let creds = |expires_at| {
            Arc::new(ClientCredentials {
                client: OAuthClient {
                    pk: ClientPk(1),
                    app_id: AppId(2),
                    environment: Environment::Production,
                    client_id: "id".into(),
                    created_at: 0,
                },
                secrets: vec![ClientSecret {
                    id: SecretId(7),
                    secret_hash: "h".into(),
                    expires_at,
                }],
            })
        };
        let verified = &caches.client_secrets;
        let (tag, other_tag) = ([1u8; 16], [2u8; 16]);
        let current = creds(Some(100));
        assert_eq!(verified.find(&tag, &current, 10), None, "nothing verified yet");
        verified.remember(g, tag, current.clone(), SecretId(7));
        assert_eq!(verified.find(&tag, &current, 10), Some(SecretId(7)));
        assert_eq!(verified.find(&other_tag, &current, 10), None, "another secret");
        assert_eq!(verified.find(&tag, &current, 100), None, "the secret expired");
        // the same client read again (a change reloaded it): an equal value, not the same one
        let reloaded = creds(Some(100));
        assert_eq!(*reloaded, *current);
        assert_eq!(verified.find(&tag, &reloaded, 10), None, "reloaded credentials");
        // a secret no longer among the client's live secrets
        let mut rotated = (*current).clone();
        rotated.secrets[0].id = SecretId(8);
        let rotated = Arc::new(rotated);
        verified.remember(g, tag, rotated.clone(), SecretId(7));
        assert_eq!(verified.find(&tag, &rotated, 10), None, "secret 7 is gone");
        g.feed_lost();
        let fresh = creds(None);
        verified.remember(g, other_tag, fresh.clone(), SecretId(7));
        g.feed_restored();
        assert_eq!(
            verified.find(&other_tag, &fresh, 10),
            None,
            "not remembered without the feed"
        );
    }

    /// The five-minute backstop follows the injected clock: an answer whose generations never
    /// moved is used until it is 300 seconds old, then read again; a clock set back does not
    /// make an old answer young.
    #[tokio::test]
    async fn an_answer_past_its_time_to_live_is_read_again() {
        let manual = Arc::new(ManualClock::new(1_000_000));
        let caches = Caches::new(manual.clone());
        let g = &caches.gens;
        let memo: Memo<i64, i64> = Memo::new(10, manual.clone());
        let load = |v: i64| move || async move { Ok::<_, ()>(v) };
        let stamp = || g.stamp(Some(CompanyId(1)), Some(AppId(1)));
        assert_eq!(memo.get_or_load(g, &1, stamp(), load(1)).await, Ok(1));
        manual.advance(TIME_TO_LIVE - 1);
        assert_eq!(memo.get_or_load(g, &1, stamp(), load(2)).await, Ok(1), "299 s: cached");
        manual.advance(1);
        assert_eq!(
            memo.get_or_load(g, &1, stamp(), load(3)).await,
            Ok(3),
            "300 s: read again"
        );
        assert_eq!(
            memo.get_or_load(g, &1, stamp(), load(4)).await,
            Ok(3),
            "the new answer is cached"
        );
        manual.advance(-10);
        assert_eq!(
            memo.get_or_load(g, &1, stamp(), load(5)).await,
            Ok(5),
            "clock set back: read again"
        );
        // the core's caches take the clock they are given
        manual.advance(TIME_TO_LIVE);
        let hits = g.hits.load(Ordering::Relaxed);
        assert_eq!(
            caches
                .secrets
                .get_or_load(g, &9, stamp(), || async { Ok::<_, ()>(Some(None)) })
                .await,
            Ok(Some(None))
        );
        manual.advance(TIME_TO_LIVE);
        assert_eq!(
            caches
                .secrets
                .get_or_load(g, &9, stamp(), || async { Ok::<_, ()>(None) })
                .await,
            Ok(None),
            "past its time to live"
        );
        assert_eq!(g.hits.load(Ordering::Relaxed), hits, "no hit was served");
    }
}
