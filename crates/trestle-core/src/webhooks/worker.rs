//! The delivery worker, on every node, never on the request path. Each pass:
//!
//! 1. **Match**: reads the outbox past this node's position (in commit order, see the
//!    store's `sql/webhooks.rs`; a starting node begins at the stored cursor), matches each
//!    event to the triggers of active hooks whose scope contains it (made before the event),
//!    and queues a delivery per match (its body rendered for the hook's payload version) in one
//!    transaction with the cursor's move. A delivery is one row per hook and event, so nodes
//!    matching the same event queue it once. Events that match nothing are passed in memory;
//!    the cursor is written with deliveries, or after [`PERSIST_EVERY`], so most passes write
//!    nothing (several nodes on one SQLite file would otherwise contend for its one writer).
//! 2. **Deliver**: claims the queues of hooks whose head delivery is due — the head and up to
//!    [`DELIVER_PER_HOOK`] behind it (PostgreSQL: `FOR UPDATE SKIP LOCKED` on the head, so
//!    several nodes share the work and each attempt is made once) — and POSTs them, hooks
//!    concurrently, a hook's one after the other in order, stopping at its first failure (what
//!    is left is released, due again behind the retried head); the outcomes are recorded in one
//!    transaction. Signed (`Trestle-Signature: t=<unix>,v1=<hex HMAC-SHA256 of
//!    "<t>.<body>">`, `Trestle-Delivery-Id` the same on every retry). A non-2xx answer, a
//!    timeout (5 s) or a connection error pauses the hook's queue for 1 s, 2 s, 4 s … 1 h
//!    (`trestle_domain::webhook::backoff`); after 12 h of failures the queue is discarded.
//!
//! App lifecycle endpoints (`trestle_domain::endpoint`) are a second kind of destination of
//! the same passes: lifecycle events of the outbox (installs, permitted projects, updates,
//! suspension, expiring secrets) are queued for the app's active endpoints before the cursor
//! moves (an event matched twice is queued once), claimed and attempted like hook deliveries,
//! with the same signature, backoff and discard. About once a second a pass also announces
//! the client secrets that expire within 7 days (`client_secret.expiring`, once per secret).
//! A claim is a lease of `claim_seconds` ([`CLAIM_SECONDS`]): a node that dies holding claims
//! pauses those hooks until it lapses. A pass that attempted something is followed at once by
//! the next; an idle node's next pass starts when a change commits (on this node, or on another
//! through the change feed), or at the interval.
//!
//! Time is the core's clock (tests move it); the pass interval is real time.

use crate::Trestle;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};
use trestle_domain::endpoint::{lifecycle_of, NewEndpointDelivery, EXPIRING_WITHIN};
use trestle_domain::event::RecordedEvent;
use trestle_domain::webhook::*;
use trestle_domain::{EndpointDeliveryId, EventId};
use trestle_store::{Claimed, ClaimedEndpoint, EndpointSubscription, Subscription};

/// Events read from the outbox per pass.
const MATCH_BATCH: i64 = 500;
/// Hooks whose queues a pass claims.
const DELIVER_BATCH: i64 = 32;
/// Deliveries a pass claims per hook: its queue's head and those behind it, POSTed one after
/// the other in order (a hook's deliveries are never concurrent, and never overtake each other).
const DELIVER_PER_HOOK: i64 = 16;
/// A hook's next delivery is started only this long (real time) into its pass, so a pass holds
/// its claims at most this plus one [`DELIVERY_TIMEOUT`] — within [`MIN_CLAIM_SECONDS`].
const FOLLOW_FOR: Duration = Duration::from_secs(1);
/// How long a claim holds by default (seconds on the clock): the claim is a lease, so the
/// deliveries of a node that died holding them (SIGKILL, a lost machine) are due again — for
/// another node, or this one restarted — once it lapses, and the hook's queue, paused behind
/// its head, moves on. An attempt takes at most [`DELIVERY_TIMEOUT`]; the rest is the margin to
/// record it. A lease that lapses anyway (a stalled database) means a second attempt, which the
/// receiver recognises by its `Trestle-Delivery-Id`: delivery is at least once.
pub const CLAIM_SECONDS: i64 = 15;
/// The shortest lease a node may be configured with: longer than an attempt (the clock counts
/// whole seconds, so a claim made late in a second holds one second less).
pub const MIN_CLAIM_SECONDS: i64 = DELIVERY_TIMEOUT.as_secs() as i64 + 2;
/// How often a node writes its position when it queues nothing (real time).
pub const PERSIST_EVERY: Duration = Duration::from_secs(60);
/// The timeout of one POST.
pub const DELIVERY_TIMEOUT: Duration = Duration::from_secs(5);
/// How often (real time) a node looks for client secrets about to expire.
const SECRET_SCAN_EVERY: Duration = Duration::from_secs(1);
/// Secrets announced per scan at most; the rest wait for the next.
const SECRET_SCAN_BATCH: i64 = 100;

/// How the worker runs.
#[derive(Clone, Copy, Debug)]
pub struct WorkerConfig {
    /// Deliver to loopback, private and link-local addresses (`--allow-private-webhooks`).
    pub allow_private: bool,
    /// Real time between passes.
    pub interval: Duration,
    /// Seconds a claim holds (at least [`MIN_CLAIM_SECONDS`]; default [`CLAIM_SECONDS`]).
    pub claim_seconds: i64,
}

/// Whether an address is one a hook may not reach unless private destinations are allowed.
pub fn is_private(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || o[0] == 0
                || (o[0] == 100 && (o[1] & 0xc0) == 64)
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_private(IpAddr::V4(v4));
            }
            let s = v6.segments();
            v6.is_loopback() || v6.is_unspecified() || (s[0] & 0xfe00) == 0xfc00 || (s[0] & 0xffc0) == 0xfe80
        }
    }
}

/// Resolves names for deliveries, refusing private addresses (so a hook cannot reach an
/// internal service through a name either).
struct PublicOnly;

impl reqwest::dns::Resolve for PublicOnly {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        Box::pin(async move {
            let host = format!("{}:0", name.as_str());
            let addrs: Vec<SocketAddr> = tokio::net::lookup_host(host)
                .await?
                .filter(|a| !is_private(a.ip()))
                .collect();
            if addrs.is_empty() {
                return Err("the destination resolves only to private addresses".into());
            }
            Ok(Box::new(addrs.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

/// How far this node has matched the outbox, and when it last wrote that down.
struct Position {
    next: Option<trestle_domain::EventId>,
    written: Option<Instant>,
}

/// The `Trestle-Signature` header of `body` signed at `t` with `secret`.
pub fn signature(secret: &str, t: i64, body: &[u8]) -> String {
    let mut m = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key length");
    m.update(t.to_string().as_bytes());
    m.update(b".");
    m.update(body);
    format!("t={t},v1={}", hex::encode(m.finalize().into_bytes()))
}

/// RFC 3339 with microseconds, as Procore's payloads.
fn timestamp(at: i64) -> String {
    let s = crate::format_timestamp(at);
    format!("{}.000000Z", s.trim_end_matches('Z'))
}

/// The deliveries one event makes: one per active hook with a matching trigger.
fn matches(e: &RecordedEvent, subs: &[Subscription]) -> Vec<NewDelivery> {
    let (Some((resource, ty)), Some(company)) = (resource_of(e), e.event.company) else {
        return Vec::new();
    };
    let source = Source {
        user: e.context.actor_user,
        application: e.context.actor_app,
    };
    let at = timestamp(e.context.at);
    let mut bodies: Vec<(&str, String)> = Vec::new();
    let mut out: Vec<NewDelivery> = Vec::new();
    for s in subs {
        if s.event_type == ty
            && s.resource_name.eq_ignore_ascii_case(resource.name)
            && e.id > s.after
            && scope_contains(s.company, s.project, company, e.event.project)
            && !out.iter().any(|d| d.hook == s.hook)
        {
            let body = match bodies.iter().find(|(v, _)| *v == s.api_version) {
                Some((_, b)) => b.clone(),
                None => {
                    let b = payload(&s.api_version, e, resource, ty, &at, &source).to_string();
                    bodies.push((s.api_version.as_str(), b.clone()));
                    b
                }
            };
            out.push(NewDelivery {
                hook: s.hook,
                company,
                event_id: e.id,
                payload: body,
            });
        }
    }
    out
}

/// The endpoint deliveries one event makes: one per active endpoint of its app made before it.
fn endpoint_matches(e: &RecordedEvent, subs: &[EndpointSubscription]) -> Vec<NewEndpointDelivery> {
    let (Some((ty, data)), Some(app)) = (lifecycle_of(e), e.event.app) else {
        return Vec::new();
    };
    let body = trestle_domain::endpoint::payload(e, ty, data, &crate::format_timestamp(e.context.at)).to_string();
    subs.iter()
        .filter(|s| s.app == app && e.id > s.after)
        .map(|s| NewEndpointDelivery {
            endpoint: s.endpoint,
            app,
            event_id: e.id,
            event_type: ty.as_str().to_string(),
            payload: body.clone(),
        })
        .collect()
}

/// What one attempt needs, whichever kind of destination it goes to.
struct Job {
    target: Target,
    event_id: EventId,
    payload: String,
    attempts: i64,
    first_failed_at: Option<i64>,
    url: String,
    headers: BTreeMap<String, String>,
    secret: String,
}

#[derive(Clone, Copy, Debug)]
enum Target {
    Hook(trestle_domain::DeliveryId),
    Endpoint(EndpointDeliveryId),
}

impl Target {
    /// `Trestle-Delivery-Id`: a hook delivery's id, an endpoint delivery's with `e` before it
    /// (the two are numbered apart).
    fn header(self) -> String {
        match self {
            Target::Hook(id) => id.0.to_string(),
            Target::Endpoint(id) => format!("e{}", id.0),
        }
    }
}

impl Trestle {
    fn hook_job(&self, c: Claimed) -> Job {
        Job {
            target: Target::Hook(c.delivery.id),
            event_id: c.delivery.event_id,
            secret: self.signing_secret(&c.hook),
            payload: c.delivery.payload,
            attempts: c.delivery.attempts,
            first_failed_at: c.delivery.first_failed_at,
            url: c.hook.destination_url,
            headers: c.hook.destination_headers,
        }
    }

    fn endpoint_job(&self, c: ClaimedEndpoint) -> Job {
        Job {
            target: Target::Endpoint(c.delivery.id),
            event_id: c.delivery.event_id,
            secret: self.endpoint_secret(&c.endpoint),
            payload: c.delivery.payload,
            attempts: c.delivery.attempts,
            first_failed_at: c.delivery.first_failed_at,
            url: c.endpoint.url,
            headers: BTreeMap::new(),
        }
    }

    /// Runs the worker every `config.interval` until the task is dropped. A failed pass
    /// (database unavailable) is logged and retried at the next one.
    pub async fn run_webhooks(self, config: WorkerConfig) {
        let mut builder = reqwest::Client::builder()
            .timeout(DELIVERY_TIMEOUT)
            .connect_timeout(DELIVERY_TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent("Trestle-Webhooks/1");
        if !config.allow_private {
            builder = builder.dns_resolver(Arc::new(PublicOnly));
        }
        let http = match builder.build() {
            Ok(c) => c,
            Err(e) => {
                tracing::error!(error = %e, "webhooks: cannot build the HTTP client; no deliveries on this node");
                return;
            }
        };
        let mut tick = tokio::time::interval(config.interval);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        // The first write waits like every other: a starting node writes nothing at once.
        let mut position = Position {
            next: None,
            written: Some(Instant::now()),
        };
        let mut scanned: Option<Instant> = None;
        // A pass that found work is followed at once by the next (a hook's next delivery, the
        // outbox's next batch); the interval paces only the passes that find nothing.
        let mut busy = false;
        loop {
            if !busy {
                // The next pass starts at the interval, or as soon as a change commits (its
                // events may match a hook: the commit-to-delivery latency is then one pass).
                tokio::select! {
                    _ = tick.tick() => {}
                    _ = self.caches.gens.committed.notified() => {}
                }
            }
            if scanned.is_none_or(|s: Instant| s.elapsed() >= SECRET_SCAN_EVERY) {
                scanned = Some(Instant::now());
                if let Err(e) = self
                    .store
                    .announce_expiring_secrets(EXPIRING_WITHIN, SECRET_SCAN_BATCH, &self.system_audit())
                    .await
                {
                    tracing::warn!(error = %e, "webhooks: the expiring-secret scan failed; retrying later");
                }
            }
            busy = false;
            match self.match_events(&mut position).await {
                Ok(read) => busy |= read >= MATCH_BATCH as usize,
                Err(e) => tracing::warn!(error = %e, "webhooks: matching failed; retrying at the next pass"),
            }
            match self.deliver_due(&http, &config).await {
                Ok(attempted) => busy |= attempted > 0,
                Err(e) => tracing::warn!(error = %e, "webhooks: delivery failed; retrying at the next pass"),
            }
        }
    }

    /// Queues the deliveries of the outbox's next events; the number of events read.
    async fn match_events(&self, at: &mut Position) -> crate::Result<usize> {
        let from = match at.next {
            Some(p) => p,
            None => self.store.webhook_cursor().await?,
        };
        let events = self.store.webhook_outbox(from, MATCH_BATCH).await?;
        let Some(last) = events.last().map(|e| e.id) else {
            at.next = Some(from);
            return Ok(0);
        };
        let subs = if events.iter().any(|e| resource_of(e).is_some()) {
            self.store.webhook_subscriptions().await?
        } else {
            Vec::new()
        };
        let deliveries: Vec<NewDelivery> = events.iter().flat_map(|e| matches(e, &subs)).collect();
        // Endpoint deliveries are queued before the cursor moves past their events: a failure
        // between the two queues nothing twice (one per endpoint and event) and loses nothing.
        let endpoint_deliveries: Vec<NewEndpointDelivery> = if events.iter().any(|e| lifecycle_of(e).is_some()) {
            let subs = self.store.endpoint_subscriptions().await?;
            events.iter().flat_map(|e| endpoint_matches(e, &subs)).collect()
        } else {
            Vec::new()
        };
        self.store
            .enqueue_endpoint_deliveries(&endpoint_deliveries, self.clock.now())
            .await?;
        if !deliveries.is_empty()
            || !endpoint_deliveries.is_empty()
            || at.written.is_none_or(|w: Instant| w.elapsed() >= PERSIST_EVERY)
        {
            self.store
                .enqueue_deliveries(last, &deliveries, self.clock.now())
                .await?;
            at.written = Some(Instant::now());
        }
        at.next = Some(last);
        Ok(events.len())
    }

    /// Attempts the due deliveries concurrently across hooks, in order within each hook (its
    /// head, then those behind it until one fails); how many were attempted.
    async fn deliver_due(&self, http: &reqwest::Client, config: &WorkerConfig) -> crate::Result<usize> {
        let now = self.clock.now();
        let lease = config.claim_seconds.max(MIN_CLAIM_SECONDS);
        let hooks = self
            .store
            .claim_deliveries(now, now + lease, DELIVER_BATCH, DELIVER_PER_HOOK)
            .await?;
        let endpoints = self
            .store
            .claim_endpoint_deliveries(now, now + lease, DELIVER_BATCH)
            .await?;
        let allow_private = config.allow_private;
        // One queue of jobs per hook (the claim answers a hook's deliveries consecutively),
        // one per endpoint delivery.
        let mut queues: Vec<Vec<Job>> = Vec::new();
        let mut last_hook = None;
        for c in hooks {
            let hook = c.hook.id;
            let job = self.hook_job(c);
            match queues.last_mut() {
                Some(q) if last_hook == Some(hook) => q.push(job),
                _ => queues.push(vec![job]),
            }
            last_hook = Some(hook);
        }
        queues.extend(endpoints.into_iter().map(|c| vec![self.endpoint_job(c)]));
        let started = Instant::now();
        let mut tasks = tokio::task::JoinSet::new();
        for queue in queues {
            let (core, http) = (self.clone(), http.clone());
            tasks.spawn(async move {
                let mut done = Vec::with_capacity(queue.len());
                let mut released = Vec::new();
                let mut stopped = false;
                for job in queue {
                    if stopped || (!done.is_empty() && started.elapsed() >= FOLLOW_FOR) {
                        stopped = true;
                        released.push(job.target);
                        continue;
                    }
                    let outcome = core.attempt(&http, job, allow_private).await;
                    stopped = !matches!(outcome.2, AfterAttempt::Delivered);
                    done.push(outcome);
                }
                (done, released)
            });
        }
        // The pass's hook attempts are recorded together: one commit (one disk sync) for all.
        let mut done = Vec::new();
        let mut released = Vec::new();
        let mut endpoint_done = Vec::new();
        while let Some(finished) = tasks.join_next().await {
            let (attempts, not_attempted) = match finished {
                Ok(queue) => queue,
                Err(e) => {
                    tracing::warn!(error = %e, "webhooks: an attempt panicked");
                    continue;
                }
            };
            for (target, attempt, next) in attempts {
                match target {
                    Target::Hook(id) => done.push((id, attempt, next)),
                    Target::Endpoint(id) => endpoint_done.push((id, attempt, next)),
                }
            }
            released.extend(not_attempted.into_iter().filter_map(|t| match t {
                Target::Hook(id) => Some(id),
                Target::Endpoint(_) => None,
            }));
        }
        let attempted = done.len() + endpoint_done.len();
        self.store.finish_attempts(&done, &released).await?;
        for (id, attempt, next) in endpoint_done {
            self.store.finish_endpoint_attempt(id, &attempt, next).await?;
        }
        Ok(attempted)
    }

    /// One POST; the attempt and what follows it, to be recorded.
    async fn attempt(&self, http: &reqwest::Client, job: Job, allow_private: bool) -> (Target, Attempt, AfterAttempt) {
        let started_at = self.clock.now();
        let t0 = Instant::now();
        let body = job.payload.as_bytes().to_vec();
        let mut attempt = Attempt {
            started_at,
            completed_at: started_at,
            duration_ms: 0,
            response_status: None,
            response_headers: None,
            response_body: None,
            error: None,
        };
        let struck = if self.faults.armed() {
            self.faults.strike_delivery(&job.url)
        } else {
            None
        };
        // Latency past the attempt timeout is a receiver that never answers in time.
        let delay = struck.map(|s| Duration::from_millis(u64::from(s.latency_ms)));
        if let Some(d) = delay.filter(|d| !d.is_zero()) {
            tokio::time::sleep(d.min(DELIVERY_TIMEOUT)).await;
        }
        let outcome = match struck {
            Some(strike) if delay.is_some_and(|d| d >= DELIVERY_TIMEOUT) => {
                Err(format!("timed out after 5 s (scripted fault rule {})", strike.rule))
            }
            // A destination fault: the attempt fails as the rule says, and nothing is sent.
            Some(strike) if strike.drop_connection => {
                Err(format!("connection dropped (scripted fault rule {})", strike.rule))
            }
            Some(strike) if strike.status.is_some() => {
                let status = strike.status.map_or(503, i64::from);
                let headers = serde_json::json!({"trestle-fault": strike.rule.to_string()}).to_string();
                Ok((status, headers, format!("scripted fault rule {}", strike.rule)))
            }
            _ => post(http, &job, started_at, body, allow_private).await,
        };
        match outcome {
            Ok((status, headers, excerpt)) => {
                attempt.response_status = Some(status);
                attempt.response_headers = Some(headers);
                attempt.response_body = Some(excerpt);
            }
            Err(e) => attempt.error = Some(e),
        }
        attempt.duration_ms = t0.elapsed().as_millis().min(i64::MAX as u128) as i64;
        attempt.completed_at = self.clock.now();
        let next = after_attempt(&attempt, job.attempts, job.first_failed_at, attempt.completed_at);
        tracing::debug!(delivery = ?job.target, status = ?attempt.response_status, next = ?next, "webhook attempt");
        (job.target, attempt, next)
    }
}

/// One POST: the status, the response headers (JSON) and the start of the body, or why none.
async fn post(
    http: &reqwest::Client,
    job: &Job,
    t: i64,
    body: Vec<u8>,
    allow_private: bool,
) -> Result<(i64, String, String), String> {
    let url = reqwest::Url::parse(&job.url).map_err(|e| format!("bad destination_url: {e}"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err("destination_url is not http(s)".into());
    }
    if !allow_private {
        let literal = url
            .host_str()
            .and_then(|h| h.trim_start_matches('[').trim_end_matches(']').parse::<IpAddr>().ok());
        if literal.is_some_and(is_private) {
            return Err("the destination is a private address (see --allow-private-webhooks)".into());
        }
    }
    let mut req = http
        .post(url)
        .header("Content-Type", "application/json")
        .header("Trestle-Signature", signature(&job.secret, t, &body))
        .header("Trestle-Delivery-Id", job.target.header())
        .header("Trestle-Event-Id", job.event_id.0.to_string());
    for (k, v) in &job.headers {
        req = req.header(k.as_str(), v.as_str());
    }
    let mut res = req.body(body).send().await.map_err(describe)?;
    let status = i64::from(res.status().as_u16());
    let headers: serde_json::Map<String, serde_json::Value> = res
        .headers()
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().to_string(),
                String::from_utf8_lossy(v.as_bytes()).into_owned().into(),
            )
        })
        .collect();
    let mut excerpt = Vec::new();
    while excerpt.len() < BODY_EXCERPT {
        match res.chunk().await {
            Ok(Some(chunk)) => excerpt.extend_from_slice(&chunk[..chunk.len().min(BODY_EXCERPT - excerpt.len())]),
            Ok(None) => break,
            Err(e) => return Err(describe(e)),
        }
    }
    Ok((
        status,
        serde_json::Value::Object(headers).to_string(),
        String::from_utf8_lossy(&excerpt).into_owned(),
    ))
}

fn describe(e: reqwest::Error) -> String {
    if e.is_timeout() {
        "timed out after 5 s".into()
    } else if e.is_connect() {
        format!(
            "connection failed: {}",
            std::error::Error::source(&e).map_or(e.to_string(), |s| s.to_string())
        )
    } else {
        e.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_addresses_are_recognised() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "192.168.0.1",
            "172.16.0.1",
            "169.254.1.1",
            "0.0.0.0",
            "100.64.0.1",
            "::1",
            "fd00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
        ] {
            assert!(is_private(ip.parse().unwrap()), "{ip}");
        }
        for ip in ["8.8.8.8", "1.1.1.1", "2606:4700::1111"] {
            assert!(!is_private(ip.parse().unwrap()), "{ip}");
        }
    }

    #[test]
    fn the_signature_is_hmac_of_time_dot_body() {
        // Python: hmac.new(b"whsec_test", b"1700000000.{}", hashlib.sha256).hexdigest()
        let s = signature("whsec_test", 1_700_000_000, b"{}");
        assert_eq!(
            s,
            "t=1700000000,v1=35495024f4ef3f94e5a93e22221544c4b75e9a42300cd965ab81cb85cd994e91"
        );
        assert_ne!(s, signature("whsec_other", 1_700_000_000, b"{}"));
        assert_eq!(timestamp(0), "1970-01-01T00:00:00.000000Z");
    }
}
