//! Sending what processing put in the outbox, after the commit: "send"
//! messages through the outgoing transport, "deliver" messages (the user's
//! own copy) through the delivery channel. Shared by the pipe runner and
//! the listener. Performs I/O through the senders it is given.

use crate::error::{InfraError, InfraResult};
use crate::store::OutboxMessage;
use crate::transport::Sender;

/// Sends and delivers in order; the first failure stops (a retry resends
/// everything, which the processed marker allows). Returns how many went.
pub fn send_outbox(
    outgoing: &mut dyn Sender,
    mut delivery: Option<&mut (dyn Sender + 'static)>,
    outbox: &[OutboxMessage],
    log: &mut dyn FnMut(String),
) -> InfraResult<usize> {
    let mut n = 0;
    for m in outbox {
        match m.kind.as_str() {
            "deliver" => match delivery.as_deref_mut() {
                Some(d) => {
                    d.send(m)?;
                    n += 1;
                }
                None => log(format!(
                    "no delivery channel (-l or -L): copy for {} not delivered",
                    m.to.join(", ")
                )),
            },
            _ => {
                outgoing.send(m).map_err(|e| {
                    InfraError::Transport(format!("sending to {}: {e}", m.to.join(", ")))
                })?;
                n += 1;
            }
        }
    }
    Ok(n)
}
