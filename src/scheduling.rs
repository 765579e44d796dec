//! Scheduling actions run end to end for the programs that offer them
//! outside mail (`imip_admin`, the web manager, software agents): the
//! action is performed in one store transaction together with an outbox
//! marker holding its messages (so nothing is lost if sending fails), then
//! the messages are sent through the configured transport and the marker
//! is updated; [`retry_unsent`] sends what an earlier run could not.
//! Performs I/O: the store, the transport, published free/busy files.

use crate::address::CalAddress;
use crate::agent::scheduling::{Performed, perform};
use crate::agent::{Env, publish};
use crate::cli::send::{SendFailure, send_outbox};
use crate::error::InfraResult;
use crate::itip::actions::{Action, ActionFailure};
use crate::store::{Processed, Store};
use crate::transport::Sender;

/// What running an action gave.
#[derive(Debug)]
pub struct Executed {
    /// What was done and the messages composed.
    pub performed: Performed,
    /// The outbox marker's key (`action:<id>`), for a retry.
    pub key: String,
    /// How many messages went out, or where sending stopped (the rest is
    /// kept for [`retry_unsent`]).
    pub sent: Result<usize, SendFailure>,
    /// Log lines of sending and publishing.
    pub notes: Vec<String>,
}

/// Performs `action` for `user`, records it with its messages, sends them
/// with `sender` and notes what went out. `program` names the marker's
/// owner (its unsent messages are retried by the same program).
pub fn execute(
    env: &Env<'_>,
    store: &mut dyn Store,
    program: &str,
    user: &CalAddress,
    action: &Action,
    sender: &mut dyn Sender,
) -> Result<Executed, ActionFailure> {
    let key = format!("action:{}", env.ids.next_id());
    let performed = {
        let mut tx = store.write()?;
        // A refusal returns here and drops the transaction: nothing is written.
        let p = perform(env, tx.as_mut(), user, action)?;
        tx.put_processed(&Processed {
            message_key: key.clone(),
            recipient: user.to_string(),
            agent: program.to_string(),
            at: env.clock.now().timestamp(),
            notes: p.summary.clone(),
            sent: p.outcome.outbox.is_empty(),
            sent_count: 0,
            outbox: p.outcome.outbox.clone(),
        })?;
        tx.commit()?;
        p
    };
    let mut notes = Vec::new();
    for u in performed.outcome.freebusy_changed.iter().filter_map(|u| CalAddress::parse(u)) {
        match publish::publish(env, store, &u) {
            Ok(true) => notes.push(format!("{u}: published free/busy rewritten")),
            Ok(false) => {}
            // The schedule is right; the published file catches up with the
            // next change. Not a reason to report the action as failed.
            Err(e) => notes.push(format!("{u}: published free/busy not rewritten: {e}")),
        }
    }
    let outbox = &performed.outcome.outbox;
    let sent = send_outbox(sender, None, outbox, &mut |l| notes.push(l));
    let done = match &sent {
        Ok(_) => outbox.len(),
        Err(f) => f.done,
    };
    if !outbox.is_empty()
        && let Err(e) = mark(store, &key, user.as_str(), program, done)
    {
        // The messages went out but the marker says otherwise: a retry
        // would send them again. Said, never hidden.
        notes.push(format!("outbox marker {key} not updated: {e}"));
    }
    Ok(Executed { performed, key, sent, notes })
}

fn mark(
    store: &mut dyn Store,
    key: &str,
    user: &str,
    program: &str,
    done: usize,
) -> InfraResult<()> {
    let mut tx = store.write()?;
    tx.mark_sent(key, user, program, done)?;
    tx.commit()
}

/// One retried marker.
#[derive(Debug)]
pub struct Retried {
    /// The marker's key.
    pub key: String,
    /// Whose action it was.
    pub user: String,
    /// What the action did.
    pub summary: String,
    /// How many of the remaining messages went out, or where it stopped.
    pub sent: Result<usize, SendFailure>,
}

/// Sends what earlier actions of `program` could not send, oldest first;
/// stops at the first marker whose sending fails (the transport is likely
/// down for the others too).
pub fn retry_unsent(
    store: &mut dyn Store,
    program: &str,
    sender: &mut dyn Sender,
    log: &mut dyn FnMut(String),
) -> InfraResult<Vec<Retried>> {
    let pending = store.read()?.unsent(program)?;
    let mut out = Vec::new();
    for p in pending {
        let unsent = p.unsent().to_vec();
        let before = p.outbox.len() - unsent.len();
        let sent = send_outbox(sender, None, &unsent, log);
        let done = match &sent {
            Ok(_) => p.outbox.len(),
            Err(f) => before + f.done,
        };
        mark(store, &p.message_key, &p.recipient, program, done)?;
        let failed = sent.is_err();
        out.push(Retried { key: p.message_key, user: p.recipient, summary: p.notes, sent });
        if failed {
            break;
        }
    }
    Ok(out)
}

/// The markers of `program` with messages still to send.
pub fn unsent(store: &mut dyn Store, program: &str) -> InfraResult<Vec<Processed>> {
    store.read()?.unsent(program)
}
