//! The resource agent (imip-agent 3.4, 3.5): each scheduling object
//! decided by the engine (`itip::engine::resource`, the policy chain) and
//! applied, then the answers composed. Performs I/O through the
//! transaction only.

use super::apply::Applier;
use super::busy::BusyRule;
use super::{Env, Outcome, context, prefs};
use crate::address::CalAddress;
use crate::error::InfraResult;
use crate::itip::engine;
use crate::itip::series::MessageScope;
use crate::mail::InboundMessage;
use crate::mail::compose::Thread;
use crate::mail::items::ItemsOutcome;
use crate::store::StoreTx;

/// Processes a message for a resource.
pub fn process(
    env: &Env<'_>,
    tx: &mut dyn StoreTx,
    msg: &InboundMessage,
    items: &ItemsOutcome,
    recipient: &CalAddress,
) -> InfraResult<Outcome> {
    let mut out = Outcome {
        thread: Thread::of(msg.message_id.as_deref(), &msg.references),
        ..Outcome::default()
    };
    tx.ensure_user(recipient.as_str(), "resource", env.clock.now())?;
    let prefs = prefs::load(env, tx, recipient.as_str())?;
    for n in &items.notes {
        out.log(n.clone());
    }
    if !items.handled {
        out.log("no scheduling content: nothing to do");
        return Ok(out);
    }
    if !prefs.participating() {
        out.log("participating = no: nothing recorded");
        return Ok(out);
    }
    let ctx = context::for_message(env, recipient, &prefs, msg);
    let scope = MessageScope::of(&items.items, |o| o.zones(prefs.zone()));
    let mut applier = Applier::new(env, items.budget.clone());
    for item in &items.items {
        out.methods.push(format!("{}:{}", item.object.kind().as_str(), item.method));
        let uid = item.object.uid();
        if let Err(e) = applier.charge(&item.object, &prefs) {
            out.log(super::person::too_costly(item, &e));
            continue;
        }
        let plan = applier.run(
            tx,
            &mut out,
            recipient,
            uid.as_deref(),
            BusyRule::Resource,
            false,
            |v| engine::resource(&ctx, v, &scope, item),
        )?;
        out.summary.push(summary_line(&plan, recipient, &item.method, uid.as_deref()));
    }
    applier.flush(tx, &mut out)?;
    out.compose_parts(env);
    Ok(out)
}

/// The outcome of one object in a few words, outcome first: what the MTA's
/// status line and the listener's log show.
fn summary_line(
    plan: &crate::itip::plan::Plan,
    recipient: &CalAddress,
    method: &crate::ical::Method,
    uid: Option<&str>,
) -> String {
    let uid = uid.unwrap_or("(no UID)");
    let who = recipient.email().unwrap_or(recipient.as_str());
    match plan.decision.as_deref() {
        Some("TENTATIVE") => format!("queued for approval {who} {method} {uid}"),
        Some(d) => format!("{d} {who} {method} {uid}"),
        None if plan.handled => format!("{method} {uid} recorded for {who}"),
        None => format!("{method} {uid} not acted on for {who}"),
    }
}
