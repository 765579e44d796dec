//! The injected clock and identifier generator. Performs no I/O except that
//! [`SystemClock`] reads the system time; everything else in the library takes
//! "now" from a [`Clock`] so that decisions and expected outputs are
//! reproducible in tests.

use chrono::{DateTime, TimeZone, Utc};
use std::sync::atomic::{AtomicU64, Ordering};

/// Source of the current time.
pub trait Clock: Send + Sync {
    /// The current instant, truncated to whole seconds (iCalendar has no
    /// sub-second precision, and DTSTAMP comparisons are textual).
    fn now(&self) -> DateTime<Utc>;
}

/// The real clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    #[allow(clippy::disallowed_methods)]
    fn now(&self) -> DateTime<Utc> {
        let now = Utc::now();
        Utc.timestamp_opt(now.timestamp(), 0).single().unwrap_or(now)
    }
}

/// A clock fixed at one instant, for tests and for replaying fixtures
/// (`IMIP_AGENT_NOW` in the environment selects it in the binaries).
#[derive(Debug, Clone, Copy)]
pub struct FixedClock(pub DateTime<Utc>);

impl Clock for FixedClock {
    fn now(&self) -> DateTime<Utc> {
        self.0
    }
}

/// Generates unique identifiers (Message-IDs, UIDs of generated objects).
pub trait IdGen: Send + Sync {
    /// A fresh identifier, unique within this process and very likely globally.
    fn next_id(&self) -> String;
}

/// Identifiers from the time, the process id and a counter; no randomness
/// source is needed and two processes started in the same second still differ.
#[derive(Debug)]
pub struct CounterIdGen {
    prefix: String,
    counter: AtomicU64,
}

impl CounterIdGen {
    /// A generator whose identifiers start with `prefix`.
    pub fn new(prefix: impl Into<String>) -> Self {
        Self { prefix: prefix.into(), counter: AtomicU64::new(0) }
    }

    /// A generator seeded from the clock and process id.
    pub fn from_clock(clock: &dyn Clock) -> Self {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        Self::new(format!("{}.{}.{:x}", clock.now().timestamp(), std::process::id(), nanos))
    }
}

impl IdGen for CounterIdGen {
    fn next_id(&self) -> String {
        let n = self.counter.fetch_add(1, Ordering::Relaxed);
        format!("{}.{}", self.prefix, n)
    }
}

/// Parses `YYYYMMDDTHHMMSSZ` or RFC 3339, as accepted by `IMIP_AGENT_NOW`.
pub fn parse_instant(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    if let Ok(dt) = DateTime::parse_from_rfc3339(text) {
        return Some(dt.with_timezone(&Utc));
    }
    chrono::NaiveDateTime::parse_from_str(text, "%Y%m%dT%H%M%SZ")
        .ok()
        .map(|n| Utc.from_utc_datetime(&n))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counter_ids_differ() {
        let g = CounterIdGen::new("x");
        assert_ne!(g.next_id(), g.next_id());
    }

    #[test]
    fn parses_both_instant_forms() {
        let a = parse_instant("20261122T100000Z");
        let b = parse_instant("2026-11-22T10:00:00Z");
        assert!(a.is_some());
        assert_eq!(a, b);
        assert_eq!(parse_instant("yesterday"), None);
    }
}
