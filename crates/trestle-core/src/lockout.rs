//! Failed sign-ins and client authentications, counted per (name, client address) in this
//! node's memory: after [`FAILED_AUTH_LIMIT`] failures in an hour that name is refused from
//! that address until the hour ends. The token endpoint counts client ids, the sign-in forms
//! e-mail addresses; the janitor forgets past hours.

use std::collections::HashMap;
use std::sync::Mutex;

const HOUR: i64 = 3600;

/// Failed client authentications per (client_id, address): after `FAILED_AUTH_LIMIT` in an hour
/// that client is refused from that address until the hour ends — other addresses are not
/// affected, so the lockout cannot be used to lock a client out everywhere.
pub const FAILED_AUTH_LIMIT: u32 = 20;

/// Per client id: (hour window, failures).
type Failures = HashMap<String, (i64, u32)>;

#[derive(Default)]
pub struct FailedAuth {
    /// Per address, per client id: (hour window, failures). Looked up without allocating.
    counts: Mutex<HashMap<std::net::IpAddr, Failures>>,
    /// Whether any failure is recorded: the common case answers without taking the lock.
    any: std::sync::atomic::AtomicBool,
}

impl FailedAuth {
    /// Seconds to wait, when this client is locked out from this address.
    pub fn locked(&self, client_id: &str, ip: std::net::IpAddr, now: i64) -> Option<i64> {
        if !self.any.load(std::sync::atomic::Ordering::Relaxed) {
            return None;
        }
        let map = self.counts.lock().unwrap_or_else(|p| p.into_inner());
        match map.get(&ip).and_then(|m| m.get(client_id)) {
            Some((window, n)) if *window == now.div_euclid(HOUR) && *n >= FAILED_AUTH_LIMIT => {
                Some((window + 1) * HOUR - now)
            }
            _ => None,
        }
    }

    /// Forgets failures of past hours (lockouts that have ended); the janitor calls it.
    /// Returns how many (address, client) pairs are still counted.
    pub fn purge(&self, now: i64) -> usize {
        let window = now.div_euclid(HOUR);
        let mut map = self.counts.lock().unwrap_or_else(|p| p.into_inner());
        map.retain(|_, per_ip| {
            per_ip.retain(|_, (w, _)| *w == window);
            !per_ip.is_empty()
        });
        map.values().map(HashMap::len).sum()
    }

    pub fn failed(&self, client_id: &str, ip: std::net::IpAddr, now: i64) {
        let mut map = self.counts.lock().unwrap_or_else(|p| p.into_inner());
        let window = now.div_euclid(HOUR);
        if map.len() > 10_000 {
            map.retain(|_, m| m.values().any(|(w, _)| *w == window));
        }
        self.any.store(true, std::sync::atomic::Ordering::Relaxed);
        let per_ip = map.entry(ip).or_default();
        let e = per_ip.entry(client_id.to_string()).or_insert((window, 0));
        if e.0 != window {
            *e = (window, 0);
        }
        e.1 += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn purge_forgets_past_hours_only() {
        let t = 7200; // the start of an hour
        let ip: std::net::IpAddr = [127, 0, 0, 1].into();
        let f = FailedAuth::default();
        for _ in 0..FAILED_AUTH_LIMIT {
            f.failed("old", ip, t);
            f.failed("now", ip, t + 3600);
        }
        assert_eq!(f.purge(t + 3601), 1);
        assert_eq!(f.locked("old", ip, t + 3601), None);
        assert!(f.locked("now", ip, t + 3601).is_some(), "a running lockout is kept");
        assert_eq!(f.purge(t + 7200), 0, "and ends with its hour");
    }
}
