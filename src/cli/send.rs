//! Sending what processing put in the outbox, after the commit: "send"
//! messages through the outgoing transport, "deliver" messages (the user's
//! own copy) through the delivery channel. Shared by the pipe runner and
//! the listener. Performs I/O through the senders it is given.

use crate::error::InfraError;
use crate::store::OutboxMessage;
use crate::transport::{SendError, Sender};

/// Where sending stopped: the leading outbox entries that were dealt with
/// (sent, delivered, or refused for good as replies) and why the next one
/// failed.
#[derive(Debug)]
pub struct SendFailure {
    /// Leading entries dealt with before the failure.
    pub done: usize,
    /// The failure.
    pub error: InfraError,
    /// The user's own copy was refused for good by the mailbox server
    /// ("user unknown"): the MTA should bounce the message, not retry it.
    pub mailbox_refused: bool,
}

impl std::fmt::Display for SendFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.error.fmt(f)
    }
}

/// Sends and delivers in order; the first failure stops, and what went out
/// before it is a prefix of the outbox that a retry skips
/// (`store::Processed::unsent`). A reply to another party refused for good
/// is logged and counted as dealt with (retrying cannot help); the user's
/// own copy refused for good stops with `mailbox_refused`. Returns how many
/// went out.
pub fn send_outbox(
    outgoing: &mut dyn Sender,
    delivery: Option<&mut (dyn Sender + 'static)>,
    outbox: &[OutboxMessage],
    log: &mut dyn FnMut(String),
) -> Result<usize, SendFailure> {
    send_outbox_of(outgoing, delivery, outbox, None, log)
}

/// Makes a deferred mailbox copy deliverable (`agent::mailbox::materialise`
/// over the message as it came).
pub type Materialise<'a> = &'a dyn Fn(&OutboxMessage) -> OutboxMessage;

/// [`send_outbox`] for the outbox of a message: deferred mailbox copies
/// are made from the message one at a time, just before each is delivered.
pub fn send_outbox_of(
    outgoing: &mut dyn Sender,
    mut delivery: Option<&mut (dyn Sender + 'static)>,
    outbox: &[OutboxMessage],
    original: Option<Materialise<'_>>,
    log: &mut dyn FnMut(String),
) -> Result<usize, SendFailure> {
    let mut n = 0;
    for (done, m) in outbox.iter().enumerate() {
        let made;
        let m = if crate::agent::mailbox::is_deferred(m) {
            let Some(make) = original else {
                return Err(SendFailure {
                    done,
                    error: InfraError::Config(
                        "a mailbox copy needs the original message, which is not at hand".into(),
                    ),
                    mailbox_refused: false,
                });
            };
            made = make(m);
            &made
        } else {
            m
        };
        let to = m.to.join(", ");
        let stop =
            |error: InfraError, mailbox_refused| SendFailure { done, error, mailbox_refused };
        if m.kind == "deliver" {
            // Callers make sure a delivery channel exists when copies are
            // made (a person agent without one refuses to run); this is the
            // last line: never drop a copy silently.
            let Some(d) = delivery.as_deref_mut() else {
                return Err(stop(
                    InfraError::Config(format!("no delivery channel for the copy for {to}")),
                    false,
                ));
            };
            match d.send(m) {
                Ok(()) => n += 1,
                Err(SendError::Temporary(e)) => return Err(stop(e, false)),
                Err(SendError::Permanent(t)) => {
                    return Err(stop(InfraError::Transport(t), true));
                }
            }
        } else {
            match outgoing.send(m) {
                Ok(()) => n += 1,
                Err(SendError::Temporary(e)) => {
                    return Err(stop(
                        InfraError::Transport(format!("sending to {to}: {e}")),
                        false,
                    ));
                }
                Err(SendError::Permanent(t)) => {
                    log(format!("reply to {to} refused for good, not sent again: {t}"));
                }
            }
        }
    }
    Ok(n)
}

/// How many entries of each recipient's part of a concatenated outbox went
/// out, when the first `done` entries of the whole did.
pub fn progress_per_part(lengths: &[usize], done: usize) -> Vec<usize> {
    let mut offset = 0;
    lengths
        .iter()
        .map(|&len| {
            let p = done.saturating_sub(offset).min(len);
            offset += len;
            p
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_is_split_over_the_parts() {
        assert_eq!(progress_per_part(&[2, 0, 3], 0), [0, 0, 0]);
        assert_eq!(progress_per_part(&[2, 0, 3], 1), [1, 0, 0]);
        assert_eq!(progress_per_part(&[2, 0, 3], 4), [2, 0, 2]);
        assert_eq!(progress_per_part(&[2, 0, 3], 5), [2, 0, 3]);
    }
}
