//! Server session settings. No I/O.

use super::DataRate;
use crate::Protocol;
use std::time::Duration;

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
    /// Longest a command line may take to arrive once its first byte did;
    /// then `421 4.4.2` and close. `None`: no limit.
    pub command_timeout: Option<Duration>,
    /// Longest the message data may take from the `354` to the final dot;
    /// then `421 4.4.2` and close (the message is dropped, never
    /// delivered). `None`: no limit.
    pub data_timeout: Option<Duration>,
    /// Least average rate of message data; slower, `421 4.4.2` and close.
    /// `None`: no limit.
    pub min_data_rate: Option<DataRate>,
}

impl ServerConfig {
    /// Default message size limit: 25 MiB.
    pub const DEFAULT_MAX_MESSAGE_SIZE: usize = 25 * 1024 * 1024;
    /// Default recipient limit.
    pub const DEFAULT_MAX_RECIPIENTS: usize = 100;
    /// Default command line limit.
    pub const DEFAULT_MAX_LINE_LENGTH: usize = 4096;

    /// Settings with the default limits and no deadlines (a caller facing
    /// untrusted clients should set them).
    pub fn new(protocol: Protocol, hostname: impl Into<String>) -> Self {
        Self {
            protocol,
            hostname: hostname.into(),
            max_message_size: Self::DEFAULT_MAX_MESSAGE_SIZE,
            max_recipients: Self::DEFAULT_MAX_RECIPIENTS,
            max_line_length: Self::DEFAULT_MAX_LINE_LENGTH,
            command_timeout: None,
            data_timeout: None,
            min_data_rate: None,
        }
    }
}
