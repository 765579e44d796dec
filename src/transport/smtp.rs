//! The SMTP transport, for a relay on this host or the local network (no
//! TLS): the `lmtp` crate's client speaking SMTP. The connection is kept
//! for the next message (a listener sends many), as an MTA's own connection
//! cache does. Performs network I/O. Every failure, a refusal included, is
//! treated as temporary: the message stays ours to retry. One message, a
//! new connection included, must be handed over within the timeout
//! (`[outgoing] timeout_seconds`); after it the send fails as temporary.
//!
//! (It used lettre's SMTP client before; that one writes a message in
//! several small pieces, and with Nagle's algorithm on its socket each
//! reply waited for the relay's delayed acknowledgement — about 40 ms per
//! message, which capped the listener at a few dozen replies per second.)

use super::delivery::hostname;
use super::{SendError, SendResult, Sender};
use crate::error::InfraError;
use crate::store::OutboxMessage;
use lmtp::{Client, ClientConfig, ClientError, Protocol, RecipientResult, Target};
use std::time::{Duration, Instant};

/// A kept connection is not reused after this long idle: the relay may
/// have given up on it, and an idle connection holds one of its processes.
const IDLE_LIMIT: Duration = Duration::from_secs(30);

/// Sends through an SMTP relay without TLS.
#[derive(Debug)]
pub struct Smtp {
    target: Target,
    config: ClientConfig,
    /// The connection of the previous message, and when it was last used.
    kept: Option<(Client, Instant)>,
    /// How long one message may take.
    timeout: Duration,
}

impl Smtp {
    /// A transport to `host:port` (an IPv6 literal may be given bare); one
    /// message may take `timeout`.
    pub fn new(host: &str, port: u16, timeout: Duration) -> Smtp {
        let host = if host.contains(':') && !host.starts_with('[') {
            format!("[{host}]")
        } else {
            host.to_string()
        };
        Smtp {
            target: Target::Tcp(format!("{host}:{port}")),
            config: ClientConfig { protocol: Protocol::Smtp, helo_name: hostname(), timeout },
            kept: None,
            timeout,
        }
    }

    fn transact(
        &self,
        client: &mut Client,
        msg: &OutboxMessage,
    ) -> Result<Vec<RecipientResult>, ClientError> {
        client.send(&msg.from, &msg.to, &msg.bytes)
    }
}

impl Sender for Smtp {
    fn send(&mut self, msg: &OutboxMessage) -> SendResult {
        let fail = |e: ClientError| InfraError::Transport(format!("smtp to {}: {e}", self.target));
        // One deadline for the message, however many connections it takes.
        let deadline = Some(Instant::now() + self.timeout);
        let connect = || Client::connect_until(&self.target, &self.config, deadline);
        let kept = self.kept.take().filter(|(_, used)| used.elapsed() < IDLE_LIMIT);
        let (client, results) = match kept {
            Some((mut c, _)) => {
                c.set_deadline(deadline);
                match self.transact(&mut c, msg) {
                    // The relay closed the kept connection meanwhile: nothing
                    // was handed over, so a fresh connection may try again.
                    Err(ClientError::ConnectionClosed | ClientError::Io(_)) => {
                        let mut c = connect().map_err(fail)?;
                        let r = self.transact(&mut c, msg);
                        (c, r)
                    }
                    r => (c, r),
                }
            }
            None => {
                let mut c = connect().map_err(fail)?;
                let r = self.transact(&mut c, msg);
                (c, r)
            }
        };
        let results = results.map_err(fail)?;
        self.kept = Some((client, Instant::now()));
        for (r, to) in results.iter().zip(&msg.to) {
            match r {
                RecipientResult::Accepted => {}
                RecipientResult::TempFail(e) => {
                    return Err(InfraError::Transport(format!(
                        "smtp to {}: {to} refused: {e}",
                        self.target
                    ))
                    .into());
                }
                RecipientResult::PermFail(e) => {
                    return Err(SendError::Permanent(format!(
                        "smtp to {}: {to}: {e}",
                        self.target
                    )));
                }
            }
        }
        Ok(())
    }
}
