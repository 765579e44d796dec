//! The listener's health and counters (`[listener] metrics_listen`, off by
//! default): messages by outcome per recipient, resource decisions by
//! answer, the latency from the end of the message to the answer, failures
//! by kind, and whether the store was usable at the last commit (`/health`
//! answers 503 when not). Served by `imip_ops::http`. No I/O here.

use imip_ops::metrics::{Counter, CounterFamily, Histogram, LATENCY_BUCKETS, Metrics, labels};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// What the listener counts.
#[derive(Debug)]
pub struct ListenerMetrics {
    registry: Metrics,
    recipients: CounterFamily,
    decisions: CounterFamily,
    failures: CounterFamily,
    commits: Counter,
    latency: Histogram,
    store_ok: AtomicBool,
    store_error: Mutex<String>,
}

impl Default for ListenerMetrics {
    fn default() -> Self {
        ListenerMetrics::new()
    }
}

impl ListenerMetrics {
    /// Registers the listener's metrics.
    pub fn new() -> ListenerMetrics {
        let mut m = Metrics::new();
        let recipients = m.counters(
            "imip_listener_recipients",
            "Recipients answered, by outcome: delivered (250), deferred (4xx), refused (5xx).",
        );
        let decisions = m.counters(
            "imip_listener_decisions",
            "Resource decisions, by answer (ACCEPTED, DECLINED, COUNTER, DELEGATED, TENTATIVE).",
        );
        let failures = m.counters(
            "imip_listener_failures",
            "Failures, by kind: store (a batch not committed), processing (one recipient), transport (a reply or copy not sent), refused (permanent).",
        );
        let commits = m.counter(
            "imip_listener_commits",
            "Store transactions committed by the writer (group commits).",
        );
        let latency = m.histogram(
            "imip_listener_latency_seconds",
            "Seconds from the end of a message's data to its answers.",
            &LATENCY_BUCKETS,
        );
        ListenerMetrics {
            registry: m,
            recipients,
            decisions,
            failures,
            commits,
            latency,
            store_ok: AtomicBool::new(true),
            store_error: Mutex::new(String::new()),
        }
    }

    /// A recipient's answer.
    pub fn recipient(&self, outcome: &str) {
        self.recipients.get_or_create(&labels(&[("outcome", outcome)])).inc();
    }

    /// A resource decision.
    pub fn decision(&self, answer: &str) {
        self.decisions.get_or_create(&labels(&[("answer", answer)])).inc();
    }

    /// A failure of a kind.
    pub fn failure(&self, kind: &str) {
        self.failures.get_or_create(&labels(&[("kind", kind)])).inc();
    }

    /// A message answered after `d`.
    pub fn latency(&self, d: Duration) {
        self.latency.observe(d.as_secs_f64());
    }

    /// A batch committed: the store works.
    pub fn committed(&self) {
        self.commits.inc();
        self.store_ok.store(true, Ordering::Relaxed);
    }

    /// The store could not be used.
    pub fn store_failed(&self, why: &str) {
        self.store_ok.store(false, Ordering::Relaxed);
        if let Ok(mut e) = self.store_error.lock() {
            *e = why.to_string();
        }
        self.failure("store");
    }
}

impl imip_ops::http::Endpoint for ListenerMetrics {
    fn metrics(&self) -> String {
        self.registry.text()
    }
    fn health(&self) -> Result<String, String> {
        if self.store_ok.load(Ordering::Relaxed) {
            Ok("ok".into())
        } else {
            let e = self.store_error.lock().map(|e| e.clone()).unwrap_or_default();
            Err(format!("store unavailable: {e}"))
        }
    }
}
