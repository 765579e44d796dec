//! Thinking before the lock (issue 12): the recurrence expansions a
//! message will need are done before the store's write lock is taken, on a
//! read snapshot of the recipients' preferences, and kept in the process's
//! expansion memo (`recur::memo`), so that the write transaction holds the
//! lock for the writes and the decisions on expanded occurrences, not for
//! expanding them. Nothing here changes what is decided: a preference that
//! changes in between only costs the expansion again inside the lock.
//! Reads through a read transaction.

use super::busy::expand_params;
use super::{AgentKind, Env, outgoing, prefs};
use crate::address::CalAddress;
use crate::error::InfraResult;
use crate::ical::ComponentKind;
use crate::mail::InboundMessage;
use crate::mail::items::ItemsOutcome;
use crate::recur::expand;
use crate::store::Store;

/// Expands the recurring events of a message as `recipient`'s agent will.
pub fn prewarm(
    kind: AgentKind,
    env: &Env<'_>,
    store: &mut dyn Store,
    msg: &InboundMessage,
    items: &ItemsOutcome,
    recipient: &CalAddress,
) -> InfraResult<()> {
    let recurring: Vec<_> = items
        .items
        .iter()
        .filter(|i| i.object.kind() == ComponentKind::Event && i.object.is_recurring())
        .collect();
    if recurring.is_empty() {
        return Ok(());
    }
    let tx = store.read()?;
    let mut budget = items.budget.clone();
    for item in recurring {
        let user = match kind {
            AgentKind::Outgoing => {
                match outgoing::identify(env, msg, recipient, &item.method, &item.object) {
                    Some(u) => u,
                    None => continue,
                }
            }
            _ => recipient.clone(),
        };
        if budget.occurrences_left() == 0 {
            break;
        }
        let p = prefs::load(env, tx.as_ref(), user.as_str())?;
        let e = expand(&item.object, &item.object.zones(p.zone()), &expand_params(env, &p));
        if budget.charge_occurrences(e.occurrences.len()).is_err() {
            break;
        }
    }
    tx.commit()
}
