//! What every imip-agent program shares for running as mail software:
//! [`log`] sets up `tracing` (levels; timestamps for daemons; standard
//! error, syslog with a facility, or journald; colours only on a terminal;
//! pipe mode's captured lines), and [`metrics`] serves a health check and
//! counters in Prometheus text format for the listener and the facilitator.
//! Used by the `imip-agent` programs and by `oaa`'s facilitator, which is
//! why it is a crate of its own. Performs I/O (the log outputs, the
//! metrics socket).

pub mod http;
pub mod log;
pub mod metrics;
pub mod syslog;
