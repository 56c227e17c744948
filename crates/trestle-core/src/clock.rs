//! The source of "now". Injected, so expiry and timelines can be tested, and movable in a
//! sandbox: `trestle up` (or `serve --manual-clock`) runs on a [`SandboxClock`], which the
//! operator moves forward (`POST /api/v1/clock/advance`) to let tokens expire, refresh tokens
//! age out and sunset dates pass without waiting.

use std::sync::atomic::{AtomicI64, Ordering};

/// The source of "now" (Unix seconds).
pub trait Clock: Send + Sync {
    fn now(&self) -> i64;

    /// Moves the clock `seconds` forward and answers the new time; `None` for a clock that
    /// cannot be moved (the system clock).
    fn advance(&self, seconds: i64) -> Option<i64> {
        let _ = seconds;
        None
    }

    /// Whether [`Clock::advance`] moves this clock.
    fn movable(&self) -> bool {
        false
    }
}

fn system_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> i64 {
        system_now()
    }
}

/// The system clock plus an offset the operator moves forward: time keeps flowing, and jumps
/// when told to. The offset lives in this process (each node of a cluster has its own).
#[derive(Default)]
pub struct SandboxClock {
    offset: AtomicI64,
}

impl SandboxClock {
    pub fn new() -> Self {
        SandboxClock::default()
    }

    /// Seconds this clock is ahead of the system clock.
    pub fn offset(&self) -> i64 {
        self.offset.load(Ordering::SeqCst)
    }
}

impl Clock for SandboxClock {
    fn now(&self) -> i64 {
        system_now().saturating_add(self.offset())
    }

    fn advance(&self, seconds: i64) -> Option<i64> {
        let before = self.offset.fetch_add(seconds, Ordering::SeqCst);
        Some(system_now().saturating_add(before).saturating_add(seconds))
    }

    fn movable(&self) -> bool {
        true
    }
}

/// A clock that moves only when told to; for tests.
pub struct ManualClock(AtomicI64);

impl ManualClock {
    pub fn new(now: i64) -> Self {
        ManualClock(AtomicI64::new(now))
    }

    pub fn advance(&self, seconds: i64) {
        self.0.fetch_add(seconds, Ordering::SeqCst);
    }

    pub fn set(&self, now: i64) {
        self.0.store(now, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }

    fn advance(&self, seconds: i64) -> Option<i64> {
        Some(self.0.fetch_add(seconds, Ordering::SeqCst) + seconds)
    }

    fn movable(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_system_clock_does_not_move() {
        assert_eq!(SystemClock.advance(60), None);
        assert!(!SystemClock.movable());
    }

    #[test]
    fn a_sandbox_clock_keeps_flowing_ahead_of_the_system_clock() {
        let clock = SandboxClock::new();
        let before = system_now();
        let moved = clock.advance(7_200).expect("a sandbox clock moves");
        assert!(moved >= before + 7_200 && moved <= system_now() + 7_200);
        assert_eq!(clock.offset(), 7_200);
        assert!(clock.now() >= moved);
        clock.advance(60);
        assert_eq!(clock.offset(), 7_260);
    }

    #[test]
    fn a_manual_clock_moves_only_when_told() {
        let clock = ManualClock::new(1_000);
        assert_eq!(Clock::advance(&clock, 5), Some(1_005));
        assert_eq!(clock.now(), 1_005);
    }
}
