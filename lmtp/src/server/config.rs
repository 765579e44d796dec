//! Server session settings. No I/O.

use crate::Protocol;

/// Settings of one server [`Session`](super::Session).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerConfig {
    /// LMTP or SMTP.
    pub protocol: Protocol,
    /// Name the server gives itself in the greeting and the LHLO/EHLO reply.
    pub hostname: String,
    /// Largest accepted message in bytes, advertised as `SIZE`. A larger
    /// message is read to its end and discarded, then refused with `552 5.3.4`.
    pub max_message_size: usize,
    /// Most recipients per transaction; further `RCPT` get `452 4.5.3`.
    pub max_recipients: usize,
    /// Longest command line in bytes, CRLF included; longer lines get `500 5.5.2`.
    pub max_line_length: usize,
}

impl ServerConfig {
    /// Default message size limit: 25 MiB.
    pub const DEFAULT_MAX_MESSAGE_SIZE: usize = 25 * 1024 * 1024;
    /// Default recipient limit.
    pub const DEFAULT_MAX_RECIPIENTS: usize = 100;
    /// Default command line limit.
    pub const DEFAULT_MAX_LINE_LENGTH: usize = 4096;

    /// Settings with the default limits.
    pub fn new(protocol: Protocol, hostname: impl Into<String>) -> Self {
        Self {
            protocol,
            hostname: hostname.into(),
            max_message_size: Self::DEFAULT_MAX_MESSAGE_SIZE,
            max_recipients: Self::DEFAULT_MAX_RECIPIENTS,
            max_line_length: Self::DEFAULT_MAX_LINE_LENGTH,
        }
    }
}
