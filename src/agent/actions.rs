//! Scheduling outside mail, through the same engine and applier as mail:
//! a software agent booking a resource, an owner or administrator deciding
//! a held booking. Each runs inside the caller's transaction and returns
//! the outcome whose messages the caller sends. Performs I/O through the
//! transaction only.

use super::apply::Applier;
use super::busy::BusyRule;
use super::{Env, Outcome, context, prefs};
use crate::address::CalAddress;
use crate::budget::Budget;
use crate::error::InfraResult;
use crate::ical::{Method, Object};
use crate::itip::engine;
use crate::itip::series::MessageScope;
use crate::mail::ItipItem;
use crate::store::StoreTx;

/// Books a resource directly (for software agents): the event goes through
/// exactly the checks, policy chain and recording of a mail REQUEST from
/// `requester`. Returns the decision and the outcome (whose messages the
/// caller may send or drop).
pub fn book(
    env: &Env<'_>,
    tx: &mut dyn StoreTx,
    resource: &CalAddress,
    obj: &Object,
    requester: &CalAddress,
) -> InfraResult<(Option<String>, Outcome)> {
    tx.ensure_user(resource.as_str(), "resource", env.clock.now())?;
    let p = prefs::load(env, tx, resource.as_str())?;
    let mut out = Outcome::default();
    if !p.participating() {
        out.log("participating = no: nothing recorded");
        return Ok((None, out));
    }
    let senders = [requester.clone()];
    let ctx = context::for_action(env, resource, &p, &senders);
    let item = ItipItem { method: Method::Request, object: obj.clone() };
    let scope = MessageScope::of(std::slice::from_ref(&item), |o| o.zones(p.zone()));
    let mut applier = Applier::new(env, Budget::new(env.config.limits.budget()));
    let uid = obj.uid();
    applier.run(tx, &mut out, resource, uid.as_deref(), BusyRule::Resource, false, |v| {
        engine::resource(&ctx, v, &scope, &item)
    })?;
    applier.flush(tx, &mut out)?;
    out.compose_parts(env);
    Ok((out.decisions.last().cloned(), out))
}

/// An owner's or administrator's decision on a held booking of
/// `resource`, by approval token or UID. Returns whether a pending
/// approval was decided, and the outcome (the answer to the organiser).
pub fn decide_approval(
    env: &Env<'_>,
    tx: &mut dyn StoreTx,
    resource: &CalAddress,
    token_or_uid: &str,
    approve: bool,
    by: &str,
) -> InfraResult<(bool, Outcome)> {
    let p = prefs::load(env, tx, resource.as_str())?;
    let ctx = context::for_action(env, resource, &p, &[]);
    let mut out = Outcome::default();
    let mut applier = Applier::new(env, Budget::new(env.config.limits.budget()));
    let plan = applier.run(tx, &mut out, resource, None, BusyRule::Resource, false, |v| {
        engine::finish(engine::approval::decide(&ctx, v, token_or_uid, approve, by))
    })?;
    applier.flush(tx, &mut out)?;
    out.compose_parts(env);
    Ok((plan.decision.is_some(), out))
}
