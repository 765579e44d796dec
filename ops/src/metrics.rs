//! Counters and histograms in Prometheus text format (prometheus-client):
//! a [`Metrics`] registry the program fills at start, labelled counter
//! families and histograms to update, and its text for `/metrics`. No I/O
//! (serving it is `http`'s job).

use prometheus_client::encoding::text::encode;
pub use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
pub use prometheus_client::metrics::gauge::Gauge;
pub use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

/// Label pairs of one series.
pub type Labels = Vec<(String, String)>;

/// Counters by label values.
pub type CounterFamily = Family<Labels, Counter>;

/// A registry being filled.
#[derive(Debug, Default)]
pub struct Metrics {
    registry: Registry,
}

impl Metrics {
    /// An empty registry.
    pub fn new() -> Metrics {
        Metrics::default()
    }

    /// Registers a counter family (`name` without `_total`, which the
    /// encoder adds).
    pub fn counters(&mut self, name: &str, help: &str) -> CounterFamily {
        let f = CounterFamily::default();
        self.registry.register(name, help, f.clone());
        f
    }

    /// Registers a counter (`name` without `_total`).
    pub fn counter(&mut self, name: &str, help: &str) -> Counter {
        let c = Counter::default();
        self.registry.register(name, help, c.clone());
        c
    }

    /// Registers a gauge.
    pub fn gauge(&mut self, name: &str, help: &str) -> Gauge {
        let g = Gauge::default();
        self.registry.register(name, help, g.clone());
        g
    }

    /// Registers a histogram with the given bucket bounds.
    pub fn histogram(&mut self, name: &str, help: &str, buckets: &[f64]) -> Histogram {
        let h = Histogram::new(buckets.iter().copied());
        self.registry.register(name, help, h.clone());
        h
    }

    /// The registry in Prometheus text format (OpenMetrics flavour, which
    /// Prometheus reads).
    pub fn text(&self) -> String {
        let mut s = String::new();
        if encode(&mut s, &self.registry).is_err() {
            return String::from("# encoding failed\n");
        }
        s
    }
}

/// Labels from pairs.
pub fn labels(pairs: &[(&str, &str)]) -> Labels {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

/// Latency buckets in seconds, 1 ms to 30 s.
pub const LATENCY_BUCKETS: [f64; 12] =
    [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0, 30.0];

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn text_format() {
        let mut m = Metrics::new();
        let c = m.counters("imip_messages", "Messages by outcome.");
        let h = m.histogram("imip_latency_seconds", "Latency.", &LATENCY_BUCKETS);
        c.get_or_create(&labels(&[("outcome", "delivered")])).inc();
        c.get_or_create(&labels(&[("outcome", "delivered")])).inc();
        h.observe(0.003);
        let t = m.text();
        assert!(t.contains("# TYPE imip_messages counter"), "{t}");
        assert!(t.contains("imip_messages_total{outcome=\"delivered\"} 2"), "{t}");
        assert!(t.contains("imip_latency_seconds_bucket{le=\"0.005\"} 1"), "{t}");
        assert!(t.contains("imip_latency_seconds_count 1"), "{t}");
    }
}
