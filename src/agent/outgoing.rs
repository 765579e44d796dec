//! The outgoing agent (imip-agent 2.4): identifies whose message a copy
//! is, and records what that person sent through the engine
//! (`itip::engine::outgoing`) so that their schedule and free/busy stay
//! right. Never replies, never delivers. Performs I/O through the
//! transaction only.

use super::apply::Applier;
use super::busy::BusyRule;
use super::{Env, Outcome, context, prefs};
use crate::address::CalAddress;
use crate::error::InfraResult;
use crate::ical::{Method, Object};
use crate::itip::engine;
use crate::itip::series::MessageScope;
use crate::mail::InboundMessage;
use crate::mail::items::ItemsOutcome;
use crate::store::StoreTx;

/// Whose outgoing mail this is. The BCC route `OUTGOING_PREFIX+user@domain`
/// names the user; otherwise the From address (unless it is the agents' own
/// address, in which case the object tells: the organiser for organiser
/// methods, else the attendee acting through the agent's SENT-BY).
pub fn identify(
    env: &Env<'_>,
    msg: &InboundMessage,
    recipient: &CalAddress,
    method: &Method,
    obj: &Object,
) -> Option<CalAddress> {
    let prefix = format!("{}+", env.config.outgoing_prefix);
    if let (Some(local), Some(domain)) = (recipient.local_part(), recipient.domain())
        && let Some(user) = local.strip_prefix(&prefix)
        && !user.is_empty()
    {
        return CalAddress::from_email(&format!("{user}@{domain}"));
    }
    if let Some(from) = msg.from.iter().find(|a| **a != env.agent_address) {
        return Some(from.clone());
    }
    match method {
        Method::Request
        | Method::Publish
        | Method::Cancel
        | Method::Add
        | Method::DeclineCounter => obj.organizer().map(|o| o.address),
        _ => {
            let atts = obj.attendees();
            atts.iter()
                .find(|a| a.sent_by.as_ref() == Some(&env.agent_address))
                .or_else(|| if atts.len() == 1 { atts.first() } else { None })
                .map(|a| a.address.clone())
        }
    }
}

/// Processes a copy of a message a person sent.
pub fn process(
    env: &Env<'_>,
    tx: &mut dyn StoreTx,
    msg: &InboundMessage,
    items: &ItemsOutcome,
    recipient: &CalAddress,
) -> InfraResult<Outcome> {
    let mut out = Outcome::default();
    for n in &items.notes {
        out.log(n.clone());
    }
    if !items.handled {
        out.log("no scheduling content: nothing to record");
        return Ok(out);
    }
    let scope = MessageScope::of(&items.items, |o| o.zones(crate::ical::Zone::Utc));
    let mut applier = Applier::new(env, items.budget.clone());
    for item in &items.items {
        out.methods.push(format!("{}:{}", item.object.kind().as_str(), item.method));
        let Some(user) = identify(env, msg, recipient, &item.method, &item.object) else {
            out.log(format!(
                "{} {}: cannot tell whose message this is",
                item.method,
                item.object.uid().unwrap_or_default()
            ));
            continue;
        };
        tx.ensure_user(user.as_str(), "person", env.clock.now())?;
        let p = prefs::load(env, tx, user.as_str())?;
        if !p.participating() {
            out.log(format!("{user}: participating = no: nothing recorded"));
            continue;
        }
        if let Err(e) = applier.charge(&item.object, &p) {
            out.log(super::person::too_costly(item, &e));
            continue;
        }
        let ctx = context::for_message(env, &user, &p, msg);
        let uid = item.object.uid();
        applier.run(tx, &mut out, &user, uid.as_deref(), BusyRule::Person, true, |v| {
            engine::outgoing(&ctx, v, &scope, item)
        })?;
    }
    applier.flush(tx, &mut out)?;
    // Never replies, never delivers: whatever the engine planned to send
    // is the user's own business, sent by their client.
    out.parts.clear();
    Ok(out)
}
