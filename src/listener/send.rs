//! Sending a committed message's outbox from a worker thread. Each worker
//! thread keeps its own senders (the transports are not shareable between
//! threads, and keeping them avoids rebuilding one per message). Performs
//! I/O through the transports.

use crate::cli::args::AgentArgs;
use crate::cli::send::send_outbox_of;
use crate::cli::setup;
use crate::runtime::Runtime;
use crate::store::OutboxMessage;
use crate::transport::Sender;
use std::cell::RefCell;

struct Senders {
    outgoing: Box<dyn Sender>,
    delivery: Option<Box<dyn Sender>>,
}

thread_local! {
    static SENDERS: RefCell<Option<Senders>> = const { RefCell::new(None) };
}

/// Sends one recipient's outbox. `Err` carries how many leading entries
/// went out, the reason, and whether the mailbox refused the copy for good
/// (a 5xx to pass on) rather than temporarily (a 451).
pub fn send(
    rt: &Runtime,
    args: &AgentArgs,
    raw: &[u8],
    outbox: &[OutboxMessage],
    log: &mut dyn FnMut(String),
) -> Result<usize, (usize, String, bool)> {
    if outbox.is_empty() {
        return Ok(0);
    }
    SENDERS.with(|cell| {
        let mut slot = cell.borrow_mut();
        let s = slot.get_or_insert_with(|| Senders {
            outgoing: setup::outgoing_sender(rt, args),
            delivery: setup::delivery_sender(rt, args),
        });
        // Mailbox copies of the message are made one at a time as they go.
        let env = rt.env();
        let make = |m: &OutboxMessage| crate::agent::mailbox::materialise(&env, raw, m);
        let result = send_outbox_of(
            s.outgoing.as_mut(),
            s.delivery.as_deref_mut(),
            outbox,
            Some(&make),
            log,
        );
        if result.is_err() {
            // A transport that failed may hold a broken connection: start
            // afresh next time.
            *slot = None;
        }
        result.map_err(|f| (f.done, f.error.to_string(), f.mailbox_refused))
    })
}
