//! Client settings. No I/O.

use std::time::Duration;

use crate::Protocol;

/// Settings for [`deliver`](crate::deliver).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientConfig {
    /// LMTP (send LHLO, one reply per recipient after DATA) or SMTP
    /// (send EHLO, falling back to HELO; one reply per message).
    pub protocol: Protocol,
    /// Our name, sent with LHLO/EHLO/HELO.
    pub helo_name: String,
    /// Limit for connecting and for each read or write; zero means none.
    pub timeout: Duration,
}

impl ClientConfig {
    /// Settings with a 60-second timeout.
    pub fn new(protocol: Protocol, helo_name: impl Into<String>) -> Self {
        Self { protocol, helo_name: helo_name.into(), timeout: Duration::from_secs(60) }
    }
}
