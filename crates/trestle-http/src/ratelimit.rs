//! Procore-style rate limiting: an hourly window and an optional 10-second "spike" window per
//! caller, reported on every response as `X-Rate-Limit-Limit`, `X-Rate-Limit-Remaining` and
//! `X-Rate-Limit-Reset` (Unix seconds) for whichever window runs out first; over the limit, a
//! 429 with Procore's plain-text message and `Retry-After`.
//!
//! The caller is the app or person a valid access token names — per company when the request
//! names one (`Procore-Company-Id`), as Procore counts DMSA calls — else the API token, else
//! the client address. Counters live in this node's memory.

use crate::error::PageRefusals;
use crate::AppState;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::net::SocketAddr;
use std::sync::Mutex;

/// Limits per caller; 0 turns a window off.
#[derive(Clone, Copy, Debug)]
pub struct RateLimitConfig {
    pub per_hour: u32,
    pub per_spike: u32,
}

impl Default for RateLimitConfig {
    fn default() -> Self {
        RateLimitConfig {
            per_hour: 3600,
            per_spike: 0,
        }
    }
}

const HOUR: i64 = 3600;
const SPIKE: i64 = 10;
const SHARDS: usize = 64;

#[derive(Clone, Copy, Default)]
struct Counter {
    hour_window: i64,
    hour_count: u32,
    spike_window: i64,
    spike_count: u32,
}

/// The counters, sharded to keep lock contention low.
pub struct RateLimiter {
    config: RateLimitConfig,
    shards: Vec<Mutex<HashMap<CallerKey, Counter>>>,
}

/// What one request used.
struct Decision {
    allowed: bool,
    limit: u32,
    remaining: u32,
    reset: i64,
}

impl RateLimiter {
    pub fn new(config: RateLimitConfig) -> Self {
        RateLimiter {
            config,
            shards: (0..SHARDS).map(|_| Mutex::new(HashMap::new())).collect(),
        }
    }

    /// Forgets the callers whose counters belong to a past hour (they would start again from
    /// zero anyway); the janitor calls it. Returns how many callers are still counted.
    pub fn purge(&self, now: i64) -> usize {
        let window = now.div_euclid(HOUR);
        self.shards
            .iter()
            .map(|shard| {
                let mut map = shard.lock().unwrap_or_else(|p| p.into_inner());
                map.retain(|_, c| c.hour_window == window);
                map.len()
            })
            .sum()
    }

    pub fn enabled(&self) -> bool {
        self.config.per_hour > 0 || self.config.per_spike > 0
    }

    fn hit(&self, key: CallerKey, now: i64) -> Decision {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        key.hash(&mut h);
        let shard = &self.shards[(h.finish() as usize) % SHARDS];
        let mut map = shard.lock().unwrap_or_else(|p| p.into_inner());
        let (hour_window, spike_window) = (now.div_euclid(HOUR), now.div_euclid(SPIKE));
        // Forget callers whose hour is over, so the map does not grow without bound.
        if map.len() > 10_000 {
            map.retain(|_, c| c.hour_window == hour_window);
        }
        let c = map.entry(key).or_default();
        if c.hour_window != hour_window {
            c.hour_window = hour_window;
            c.hour_count = 0;
        }
        if c.spike_window != spike_window {
            c.spike_window = spike_window;
            c.spike_count = 0;
        }
        let cfg = self.config;
        let hour_left = cfg.per_hour.saturating_sub(c.hour_count);
        let spike_left = cfg.per_spike.saturating_sub(c.spike_count);
        let hour_ok = cfg.per_hour == 0 || hour_left > 0;
        let spike_ok = cfg.per_spike == 0 || spike_left > 0;
        let allowed = hour_ok && spike_ok;
        if allowed {
            c.hour_count += 1;
            c.spike_count += 1;
        }
        // Report the window that runs out first.
        let hour = (
            cfg.per_hour,
            cfg.per_hour.saturating_sub(c.hour_count),
            (hour_window + 1) * HOUR,
        );
        let spike = (
            cfg.per_spike,
            cfg.per_spike.saturating_sub(c.spike_count),
            (spike_window + 1) * SPIKE,
        );
        let (limit, remaining, reset) = match (cfg.per_hour > 0, cfg.per_spike > 0) {
            (true, true) if !spike_ok || (hour_ok && spike.1 < hour.1) => spike,
            (false, true) => spike,
            _ => hour,
        };
        Decision {
            allowed,
            limit,
            remaining,
            reset,
        }
    }
}

/// Whom a request is counted against.
#[derive(Hash, PartialEq, Eq)]
enum CallerKey {
    /// The app, person or service account a valid access token names, per company named by
    /// `Procore-Company-Id` (0: none, or not a company id).
    Token { kind: u8, subject: i64, company: i64 },
    /// A management API token.
    ApiToken(String),
    /// Anyone else, by client address.
    Address(Option<std::net::IpAddr>),
}

/// A bearer token the rate limiter has already checked, for the request's authentication
/// (`extract::RestCaller`), with the `Authorization` header it came from.
#[derive(Clone)]
pub(crate) struct CheckedBearer {
    pub header: HeaderValue,
    pub token: trestle_core::CheckedToken,
}

fn caller_key(state: &AppState, req: &Request) -> (CallerKey, Option<CheckedBearer>) {
    let headers = req.headers();
    if let Some(value) = headers.get(header::AUTHORIZATION) {
        if let Some(token) = value
            .to_str()
            .ok()
            .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
            .map(str::trim)
        {
            if let Some(checked) = state.core.check_token(token) {
                let company = headers
                    .get(crate::paging::PROCORE_COMPANY_ID)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.trim().parse().ok())
                    .unwrap_or(0);
                let (kind, subject) = checked.subject();
                let key = CallerKey::Token {
                    kind: kind as u8,
                    subject,
                    company,
                };
                let bearer = CheckedBearer {
                    header: value.clone(),
                    token: checked,
                };
                return (key, Some(bearer));
            }
            if token.starts_with("trs_") && token.len() < 100 {
                return (CallerKey::ApiToken(token.to_string()), None);
            }
        }
    }
    let ip = req.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip());
    (CallerKey::Address(ip), None)
}

/// The middleware.
/// `pages` is the page surface mounted beside the APIs, which answers in its own shape.
pub async fn limit(State((state, pages)): State<(AppState, PageRefusals)>, mut req: Request, next: Next) -> Response {
    let limiter = &state.rate_limiter;
    let path = req.uri().path();
    if !limiter.enabled()
        || path.starts_with("/health")
        || path == "/metrics"
        || path == "/openapi.json"
        || path.starts_with("/schemas/")
    {
        return next.run(req).await;
    }
    let (key, checked) = caller_key(&state, &req);
    let d = limiter.hit(key, state.core.now());
    let mut res = if d.allowed {
        if let Some(checked) = checked {
            req.extensions_mut().insert(checked);
        }
        next.run(req).await
    } else {
        const MESSAGE: &str =
            "You have surpassed the max number of requests for an hour. Please wait until your limit resets.";
        let path = req.uri().path();
        // Procore's plain text on REST and OAuth; the management API's JSON error and the web
        // UI's page elsewhere.
        let mut r = if path.starts_with("/api/") || pages.covers(path) {
            crate::error::RequestError::new(StatusCode::TOO_MANY_REQUESTS, "rate_limited", MESSAGE, vec![])
                .respond_to(path, Some(&pages))
        } else {
            (StatusCode::TOO_MANY_REQUESTS, MESSAGE).into_response()
        };
        let wait = (d.reset - state.core.now()).max(1);
        r.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(wait));
        r
    };
    let h = res.headers_mut();
    h.insert("x-rate-limit-limit", HeaderValue::from(d.limit));
    h.insert("x-rate-limit-remaining", HeaderValue::from(d.remaining));
    h.insert("x-rate-limit-reset", HeaderValue::from(d.reset));
    res
}

pub use trestle_core::lockout::{FailedAuth, FAILED_AUTH_LIMIT};

#[cfg(test)]
mod tests {
    use super::*;

    /// Tests name callers by a string.
    impl From<&str> for CallerKey {
        fn from(name: &str) -> Self {
            CallerKey::ApiToken(name.to_string())
        }
    }

    #[test]
    fn counts_per_caller_and_resets_with_the_window() {
        let l = RateLimiter::new(RateLimitConfig {
            per_hour: 3,
            per_spike: 0,
        });
        let t = 7200; // the start of an hour
        let a: Vec<bool> = (0..4).map(|_| l.hit("a".into(), t).allowed).collect();
        assert_eq!(a, vec![true, true, true, false]);
        assert!(l.hit("b".into(), t).allowed, "another caller has its own budget");
        let d = l.hit("a".into(), t + 10);
        assert_eq!((d.allowed, d.limit, d.remaining, d.reset), (false, 3, 0, t + 3600));
        assert!(l.hit("a".into(), t + 3600).allowed, "a new hour");
    }

    #[test]
    fn reports_the_window_that_runs_out_first() {
        let l = RateLimiter::new(RateLimitConfig {
            per_hour: 100,
            per_spike: 2,
        });
        let t = 7200;
        let d = l.hit("a".into(), t);
        assert_eq!((d.limit, d.remaining, d.reset), (2, 1, t + 10));
        l.hit("a".into(), t);
        let d = l.hit("a".into(), t + 1);
        assert!(!d.allowed);
        assert_eq!((d.limit, d.remaining), (2, 0));
        let d = l.hit("a".into(), t + 10);
        assert!(d.allowed, "the spike window passed");
    }

    #[test]
    fn purge_forgets_past_hours_only() {
        let l = RateLimiter::new(RateLimitConfig {
            per_hour: 2,
            per_spike: 0,
        });
        let t = 7200;
        l.hit("old".into(), t);
        l.hit("now".into(), t + 3600);
        l.hit("now".into(), t + 3600);
        assert_eq!(l.purge(t + 3601), 1, "the caller of the past hour is forgotten");
        assert!(!l.hit("now".into(), t + 3602).allowed, "the current count is kept");
    }
}
