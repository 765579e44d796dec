//! Sending and delivering messages: the [`Sender`] trait and its adapters
//! (sendmail, SMTP, an outbox directory, an mbox on standard output for
//! `-d`, and an in-memory recorder for tests). Every adapter performs I/O
//! except [`Recorder`].
//!
//! Two channels, never mixed (imip-agent 0.3 sent replies through the LMTP
//! socket and rewrote them to `local+`; that is fixed here): replies to other
//! parties ("send") go through the outgoing transport; the user's own copy
//! ("deliver") goes through the delivery channel (LMTP, or local SMTP to
//! `local+user@domain`).

pub mod child;
pub mod debug;
pub mod delivery;
pub mod outbox;
pub mod sendmail;
pub mod smtp;

use crate::error::InfraError;
use crate::store::OutboxMessage;
use std::sync::{Arc, Mutex};

/// Why a message did not go out.
#[derive(Debug)]
pub enum SendError {
    /// Try again later (the transport, the network, the peer's 4xx).
    Temporary(InfraError),
    /// The receiving server refused it for good (a 5xx such as "user
    /// unknown"); retrying cannot help.
    Permanent(String),
}

impl From<InfraError> for SendError {
    fn from(e: InfraError) -> SendError {
        SendError::Temporary(e)
    }
}

impl std::fmt::Display for SendError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SendError::Temporary(e) => e.fmt(f),
            SendError::Permanent(t) => write!(f, "refused permanently: {t}"),
        }
    }
}

/// What a send returns.
pub type SendResult = Result<(), SendError>;

/// Something that takes messages away.
pub trait Sender {
    /// Sends or delivers one message.
    fn send(&mut self, msg: &OutboxMessage) -> SendResult;
}

/// Records messages in memory (tests); can be told to fail.
#[derive(Debug, Clone, Default)]
pub struct Recorder {
    /// What was sent.
    pub sent: Arc<Mutex<Vec<OutboxMessage>>>,
    /// When set, every send fails with this text.
    pub fail: Option<String>,
}

impl Sender for Recorder {
    fn send(&mut self, msg: &OutboxMessage) -> SendResult {
        if let Some(f) = &self.fail {
            return Err(InfraError::Transport(f.clone()).into());
        }
        if let Ok(mut v) = self.sent.lock() {
            v.push(msg.clone());
        }
        Ok(())
    }
}
