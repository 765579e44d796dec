//! Handling one message for one recipient inside a transaction, once: a
//! marker keyed by the message bytes, the recipient and the agent records
//! that it was processed, together with the messages to send and deliver.
//! A retry (after a transport failure made the program exit 75) finds the
//! marker and only sends what did not go out before, so nothing is recorded
//! or sent twice. Performs I/O
//! through the transaction only.

use super::{AgentKind, Env, process};
use crate::address::CalAddress;
use crate::error::InfraResult;
use crate::mail::InboundMessage;
use crate::mail::items::ItemsOutcome;
use crate::store::{OutboxMessage, Processed, StoreTx};
use sha2::{Digest, Sha256};

/// The key identifying a message's bytes.
pub fn message_key(raw: &[u8]) -> String {
    let d = Sha256::digest(raw);
    d.iter().take(16).map(|b| format!("{b:02x}")).collect()
}

/// What handling one recipient produced.
#[derive(Debug, Clone, Default)]
pub struct Handled {
    /// Messages to send ("send") and deliver ("deliver").
    pub outbox: Vec<OutboxMessage>,
    /// Log lines.
    pub notes: Vec<String>,
    /// Methods seen.
    pub methods: Vec<String>,
    /// This was a retry of a message already processed.
    pub replayed: bool,
    /// On a retry, how many messages of the stored outbox went out before
    /// (`outbox` holds the rest).
    pub already_sent: usize,
    /// Users whose own free/busy changed (to republish).
    pub freebusy_changed: Vec<String>,
    /// The outcome per object in a few words (see `Outcome::summary`).
    pub summary: Vec<String>,
    /// A resource's decisions (ACCEPTED, DECLINED, …), for counters.
    pub decisions: Vec<String>,
}

/// Processes a message for a recipient (or replays a processed one).
#[allow(clippy::too_many_arguments)]
pub fn handle_recipient(
    kind: AgentKind,
    env: &Env<'_>,
    tx: &mut dyn StoreTx,
    raw: &[u8],
    msg: &InboundMessage,
    items: &ItemsOutcome,
    recipient: &CalAddress,
    key: &str,
) -> InfraResult<Handled> {
    if let Some(p) = tx.processed(key, recipient.as_str(), kind.program())? {
        // A retry after a failed send sends again; a duplicate delivery of a
        // message whose answers all went out sends nothing.
        let at = chrono::DateTime::<chrono::Utc>::from_timestamp(p.at, 0)
            .map(|t| crate::ical::datetime::format_utc(&t))
            .unwrap_or_default();
        let unsent = p.unsent().to_vec();
        let note = if unsent.is_empty() {
            format!("already processed for {recipient} at {at} and answered; duplicate ignored")
        } else {
            format!(
                "already processed for {recipient} at {at}; sending the {} of {} message(s) not sent",
                unsent.len(),
                p.outbox.len()
            )
        };
        return Ok(Handled {
            already_sent: p.outbox.len() - unsent.len(),
            outbox: unsent,
            notes: vec![note],
            methods: Vec::new(),
            replayed: true,
            freebusy_changed: Vec::new(),
            summary: vec![format!("duplicate of a message already processed for {recipient}")],
            decisions: Vec::new(),
        });
    }
    // Sender authentication (docs/authentication.md): items the mail system
    // does not vouch for are withheld here, so every agent and both the pipe
    // and the listener apply the same rule.
    let screened = crate::mail::auth::screen(&env.config.authentication, msg, items);
    let items = screened.items.as_ref().unwrap_or(items);
    let out = process(kind, env, tx, raw, msg, items, recipient)?;
    let notes: Vec<String> = screened.notes.into_iter().chain(out.notes.iter().cloned()).collect();
    tx.put_processed(&Processed {
        message_key: key.to_string(),
        recipient: recipient.to_string(),
        agent: kind.program().to_string(),
        at: env.clock.now().timestamp(),
        notes: notes.join("\n"),
        sent: false,
        sent_count: 0,
        outbox: out.outbox.clone(),
    })?;
    Ok(Handled {
        outbox: out.outbox,
        notes,
        methods: out.methods,
        replayed: false,
        already_sent: 0,
        freebusy_changed: out.freebusy_changed,
        summary: out.summary,
        decisions: out.decisions,
    })
}
