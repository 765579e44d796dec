//! Sending what processing put in the outbox, after the commit: "send"
//! messages through the outgoing transport, "deliver" messages (the user's
//! own copy) through the delivery channel. Shared by the pipe runner and
//! the listener. Performs I/O through the senders it is given.

use crate::error::InfraError;
use crate::store::OutboxMessage;
use crate::transport::Sender;

/// Where sending stopped: the leading outbox entries that were dealt with
/// (sent, delivered, or skipped for want of a delivery channel) and why the
/// next one failed.
#[derive(Debug)]
pub struct SendFailure {
    /// Leading entries dealt with before the failure.
    pub done: usize,
    /// The failure.
    pub error: InfraError,
}

impl std::fmt::Display for SendFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.error.fmt(f)
    }
}

/// Sends and delivers in order; the first failure stops, and what went out
/// before it is a prefix of the outbox that a retry skips
/// (`store::Processed::unsent`). Returns how many went.
pub fn send_outbox(
    outgoing: &mut dyn Sender,
    mut delivery: Option<&mut (dyn Sender + 'static)>,
    outbox: &[OutboxMessage],
    log: &mut dyn FnMut(String),
) -> Result<usize, SendFailure> {
    let mut n = 0;
    for (done, m) in outbox.iter().enumerate() {
        let result = match m.kind.as_str() {
            "deliver" => match delivery.as_deref_mut() {
                Some(d) => d.send(m).map(|()| n += 1),
                None => {
                    log(format!(
                        "no delivery channel (-l or -L): copy for {} not delivered",
                        m.to.join(", ")
                    ));
                    Ok(())
                }
            },
            _ => outgoing
                .send(m)
                .map(|()| n += 1)
                .map_err(|e| InfraError::Transport(format!("sending to {}: {e}", m.to.join(", ")))),
        };
        if let Err(error) = result {
            return Err(SendFailure { done, error });
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
