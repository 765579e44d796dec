//! The facilitator's health and counters (`imip_facilitator
//! --metrics-listen`, off by default): connections opened and closed (and
//! why), frames received and sent, the time the core takes per frame,
//! agents registered, and whether the core task still runs (`/health`
//! answers 503 when it stopped). Served by `imip_ops::http`. No I/O here.

use imip_ops::metrics::{
    Counter, CounterFamily, Gauge, Histogram, LATENCY_BUCKETS, Metrics, labels,
};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// What the facilitator counts.
#[derive(Debug)]
pub struct FacilitatorMetrics {
    registry: Metrics,
    opened: Counter,
    closed: CounterFamily,
    frames_in: Counter,
    frames_out: Counter,
    handling: Histogram,
    agents: Gauge,
    running: AtomicBool,
}

impl Default for FacilitatorMetrics {
    fn default() -> Self {
        FacilitatorMetrics::new()
    }
}

impl FacilitatorMetrics {
    /// Registers the facilitator's metrics.
    pub fn new() -> FacilitatorMetrics {
        let mut m = Metrics::new();
        FacilitatorMetrics {
            opened: m.counter("oaa_connections_opened", "Connections accepted."),
            closed: m.counters(
                "oaa_connections_closed",
                "Connections closed, by reason: peer (closed or failed), backlog (not reading its replies).",
            ),
            frames_in: m.counter("oaa_frames_received", "Frames received and handled."),
            frames_out: m.counter("oaa_frames_sent", "Frames queued for sending."),
            handling: m.histogram(
                "oaa_frame_handling_seconds",
                "Seconds the core took to handle one received frame.",
                &LATENCY_BUCKETS,
            ),
            agents: m.gauge("oaa_agents", "Agents connected and registered."),
            running: AtomicBool::new(true),
            registry: m,
        }
    }

    pub(crate) fn opened(&self) {
        self.opened.inc();
    }
    pub(crate) fn closed(&self, reason: &str) {
        self.closed.get_or_create(&labels(&[("reason", reason)])).inc();
    }
    pub(crate) fn frame(&self, took: Duration) {
        self.frames_in.inc();
        self.handling.observe(took.as_secs_f64());
    }
    pub(crate) fn sent(&self) {
        self.frames_out.inc();
    }
    pub(crate) fn agents(&self, n: usize) {
        self.agents.set(i64::try_from(n).unwrap_or(i64::MAX));
    }
    pub(crate) fn stopped(&self) {
        self.running.store(false, Ordering::Relaxed);
    }
}

impl imip_ops::http::Endpoint for FacilitatorMetrics {
    fn metrics(&self) -> String {
        self.registry.text()
    }
    fn health(&self) -> Result<String, String> {
        if self.running.load(Ordering::Relaxed) {
            Ok("ok".into())
        } else {
            Err("the facilitator's core task has stopped".into())
        }
    }
}
