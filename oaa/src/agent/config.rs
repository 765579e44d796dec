//! Agent settings and errors.
//!
//! Performs no I/O.

use std::time::Duration;

use thiserror::Error;

use crate::icl::{Limits, Term};
use crate::wire::{DEFAULT_MAX_FRAME, DEFAULT_MAX_INPUT_QUEUE, DEFAULT_MAX_OUTPUT_QUEUE};

/// How an agent connects.
#[derive(Clone, Debug)]
pub struct AgentConfig {
    /// The agent's name (`other_name`, `ev_ready(Name)`).
    pub name: String,
    /// Shared secret sent as `password(P)`.
    pub password: Option<String>,
    /// Ask for UTF-8 (`x_charset(utf8)`).
    pub utf8: bool,
    /// How long to wait for the TCP connection and `ev_connected`.
    pub connect_timeout: Duration,
    /// Limits on received terms.
    pub limits: Limits,
    /// Largest accepted frame.
    pub max_frame: usize,
    /// Bytes (on the wire) of requests handed to the handler and not yet
    /// answered. A request that would exceed it is answered at once with
    /// no solutions, so a facilitator cannot pile up unbounded work.
    pub max_input_queue: usize,
    /// Encoded bytes waiting to be written. When the facilitator lets more
    /// pile up it is not reading, and the connection is closed.
    pub max_output_queue: usize,
}

impl AgentConfig {
    /// Defaults with this name.
    pub fn new(name: &str) -> Self {
        AgentConfig {
            name: name.to_string(),
            password: None,
            utf8: true,
            connect_timeout: Duration::from_secs(10),
            limits: Limits::default(),
            max_frame: DEFAULT_MAX_FRAME,
            max_input_queue: DEFAULT_MAX_INPUT_QUEUE,
            max_output_queue: DEFAULT_MAX_OUTPUT_QUEUE,
        }
    }

    /// Sets the shared secret.
    pub fn password(mut self, p: impl Into<String>) -> Self {
        self.password = Some(p.into());
        self
    }
}

/// What can go wrong talking to a facilitator.
#[derive(Debug, Error)]
pub enum AgentError {
    /// Socket error.
    #[error("connection error: {0}")]
    Io(#[from] std::io::Error),
    /// The facilitator refused the handshake (`ev_connected(exception(R))`).
    #[error("facilitator refused the connection: {0}")]
    Refused(Term),
    /// The handshake did not complete.
    #[error("handshake failed: {0}")]
    Handshake(String),
    /// The connection closed while waiting.
    #[error("disconnected from the facilitator")]
    Disconnected,
    /// No answer in time.
    #[error("timed out")]
    Timeout,
    /// Bad ICL text given to a `*_str` helper.
    #[error("bad ICL: {0}")]
    Parse(#[from] crate::icl::ParseError),
    /// A local data update was refused.
    #[error(transparent)]
    Data(#[from] crate::logic::data::DataError),
}
