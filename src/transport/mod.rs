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

use crate::error::InfraResult;
use crate::store::OutboxMessage;
use std::sync::{Arc, Mutex};

/// Something that takes messages away.
pub trait Sender {
    /// Sends or delivers one message; an error means "try again later".
    fn send(&mut self, msg: &OutboxMessage) -> InfraResult<()>;
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
    fn send(&mut self, msg: &OutboxMessage) -> InfraResult<()> {
        if let Some(f) = &self.fail {
            return Err(crate::error::InfraError::Transport(f.clone()));
        }
        if let Ok(mut v) = self.sent.lock() {
            v.push(msg.clone());
        }
        Ok(())
    }
}
