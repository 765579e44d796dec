//! The SMTP transport, for a relay on this host or the local network (no
//! TLS): the `lmtp` crate's client speaking SMTP, one connection per
//! message. Performs network I/O. Every failure, a refusal included, is
//! treated as temporary: the message stays ours to retry.
//!
//! (It used lettre's SMTP client before; that one writes a message in
//! several small pieces, and with Nagle's algorithm on its socket each
//! reply waited for the relay's delayed acknowledgement — about 40 ms per
//! message, which capped the listener at a few dozen replies per second.)

use super::Sender;
use super::delivery::hostname;
use crate::error::{InfraError, InfraResult};
use crate::store::OutboxMessage;
use lmtp::{ClientConfig, Protocol, RecipientResult, Target};
use std::time::Duration;

/// Sends through an SMTP relay without TLS.
#[derive(Debug, Clone)]
pub struct Smtp {
    target: Target,
    config: ClientConfig,
}

impl Smtp {
    /// A transport to `host:port` (an IPv6 literal may be given bare).
    pub fn new(host: &str, port: u16) -> Smtp {
        let host = if host.contains(':') && !host.starts_with('[') {
            format!("[{host}]")
        } else {
            host.to_string()
        };
        Smtp {
            target: Target::Tcp(format!("{host}:{port}")),
            config: ClientConfig {
                protocol: Protocol::Smtp,
                helo_name: hostname(),
                timeout: Duration::from_secs(120),
            },
        }
    }
}

impl Sender for Smtp {
    fn send(&mut self, msg: &OutboxMessage) -> InfraResult<()> {
        let results = lmtp::deliver(&self.target, &self.config, &msg.from, &msg.to, &msg.bytes)
            .map_err(|e| InfraError::Transport(format!("smtp to {}: {e}", self.target)))?;
        for (r, to) in results.iter().zip(&msg.to) {
            if let RecipientResult::TempFail(e) | RecipientResult::PermFail(e) = r {
                return Err(InfraError::Transport(format!(
                    "smtp to {}: {to} refused: {e}",
                    self.target
                )));
            }
        }
        Ok(())
    }
}
