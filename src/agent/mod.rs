//! The applier: the only layer that calls both the pure engine (`itip`)
//! and the store. For one message and one recipient it decides each
//! scheduling object with the engine over a view of the transaction,
//! applies the plan inside that transaction, rebuilds the busy time of the
//! events touched, and returns the messages to send and deliver. Performs
//! I/O only through the [`StoreTx`] it is given (and, for `-p` preferences
//! and ACL files, reads small files).

pub mod actions;
pub mod apply;
pub mod busy;
pub mod context;
pub mod env;
pub mod handle;
pub mod mailbox;
pub mod outgoing;
pub mod outgoing_mail;
pub mod person;
pub mod prefs;
pub mod prewarm;
pub mod publish;
pub mod resource;
pub mod scheduling;
pub mod view;

pub use env::{AgentKind, Env};
pub use outgoing_mail::Outcome;

use crate::address::CalAddress;
use crate::error::InfraResult;
use crate::mail::InboundMessage;
use crate::mail::items::ItemsOutcome;
use crate::store::StoreTx;

/// Processes a message for one recipient with the agent of the given kind.
pub fn process(
    kind: AgentKind,
    env: &Env<'_>,
    tx: &mut dyn StoreTx,
    raw: &[u8],
    msg: &InboundMessage,
    items: &ItemsOutcome,
    recipient: &CalAddress,
) -> InfraResult<Outcome> {
    match kind {
        AgentKind::Resource => {
            let mut out = resource::process(env, tx, msg, items, recipient)?;
            // imip-agent 1.1: a resource "does not deliver into a mailbox
            // unless -l/-L is given"; with them its mailbox gets the message
            // as it came, whatever was decided.
            if env.mailbox_delivery {
                out.outbox.push(mailbox::unchanged(raw, msg, recipient, "Resource mailbox copy"));
            }
            Ok(out)
        }
        AgentKind::Person => person::process(env, tx, raw, msg, items, recipient),
        AgentKind::Outgoing => outgoing::process(env, tx, msg, items, recipient),
    }
}
