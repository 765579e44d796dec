//! A person's scheduling actions applied (`itip::actions`): the messages an
//! action composes are recorded in the user's schedule exactly as
//! `imip_person_outgoing` records the same messages sent by a mail client
//! (through `engine::outgoing`), busy time is rebuilt, and the messages are
//! composed for sending. Runs inside the caller's transaction; performs
//! I/O through it only.

use super::apply::Applier;
use super::busy::BusyRule;
use super::view::TxView;
use super::{Env, Outcome, context, prefs};
use crate::address::CalAddress;
use crate::budget::Budget;
use crate::itip::actions::{self, Action, ActionError, ActionFailure};
use crate::itip::engine;
use crate::itip::plan::OutPart;
use crate::itip::series::MessageScope;
use crate::mail::ItipItem;
use crate::store::StoreTx;

/// What an action did.
#[derive(Debug, Clone)]
pub struct Performed {
    /// One line saying what was done.
    pub summary: String,
    /// The UID acted on.
    pub uid: String,
    /// The messages to send (composed into `outcome.outbox`), log lines,
    /// users whose free/busy changed.
    pub outcome: Outcome,
}

/// Performs `action` for `user` in `tx`. A refusal leaves the transaction
/// to be dropped by the caller (nothing is meant to be written).
pub fn perform(
    env: &Env<'_>,
    tx: &mut dyn StoreTx,
    user: &CalAddress,
    action: &Action,
) -> Result<Performed, ActionFailure> {
    tx.ensure_user(user.as_str(), "person", env.clock.now())?;
    let p = prefs::load(env, tx, user.as_str())?;
    let senders = [user.clone()];
    let ctx = context::for_action(env, user, &p, &senders);
    let composed = {
        let view = TxView { tx: &*tx, env };
        actions::compose(&ctx, &view, action)?
    };
    let mut out = Outcome::default();
    let mut applier = Applier::new(env, Budget::new(env.config.limits.budget()));
    for m in &composed.messages {
        out.methods.push(format!("VEVENT:{}", m.method));
        if m.record {
            let item = ItipItem { method: m.method.clone(), object: m.object.clone() };
            if let Err(e) = applier.charge(&item.object, &p) {
                return Err(ActionError::Invalid(format!("the event is {e}")).into());
            }
            let scope = MessageScope::of(std::slice::from_ref(&item), |o| o.zones(p.zone()));
            let uid = item.object.uid();
            let plan =
                applier.run(tx, &mut out, user, uid.as_deref(), BusyRule::Person, true, |v| {
                    engine::outgoing(&ctx, v, &scope, &item)
                })?;
            if !plan.handled {
                // The action composed something its own recording refuses:
                // a bug or a race with a message that arrived meanwhile.
                // Nothing is written (the caller drops the transaction).
                return Err(
                    ActionError::Invalid(format!("not recorded: {}", plan.log.join("; "))).into()
                );
            }
            // What the engine may plan to send for a recorded message is the
            // outgoing agent's business (it sends nothing); the action's
            // messages are below.
            out.parts.clear();
        }
        let view = TxView { tx: &*tx, env };
        for to in &m.to {
            let lang = ctx.lang_for(&view, to).map_err(ActionFailure::Infra)?;
            out.parts.push(OutPart {
                to: to.clone(),
                method: m.method.clone(),
                object: m.object.clone(),
                text: None,
                lang,
            });
        }
    }
    applier.flush(tx, &mut out).map_err(ActionFailure::Infra)?;
    out.handled = true;
    out.log(composed.summary.clone());
    out.compose_parts(env);
    Ok(Performed { summary: composed.summary, uid: action.uid().to_string(), outcome: out })
}
