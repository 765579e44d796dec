//! The applier: runs the engine's plans inside the message's store
//! transaction, then rebuilds the busy time of the events they touched —
//! once per event and message, before the next decision that could read
//! it (a message with a thousand overrides of one series rebuilds the
//! series once). Performs I/O through the transaction only.

use super::busy::{BusyRule, rebuild};
use super::view::TxView;
use super::{Env, Outcome};
use crate::address::CalAddress;
use crate::budget::{Budget, TooCostly};
use crate::config::prefs::Prefs;
use crate::error::InfraResult;
use crate::freebusy::{BusyPeriod, FbSet};
use crate::ical::{ComponentKind, Object};
use crate::itip::plan::{Op, Plan};
use crate::policy::Effect;
use crate::recur::expand;
use crate::store::{StoreTx, StoredObject};

/// Writes policy effects.
pub fn apply_effects(tx: &mut dyn StoreTx, effects: &[Effect]) -> InfraResult<()> {
    for e in effects {
        match e {
            Effect::AddBusy(set, periods) => tx.add_busy(set, periods)?,
            Effect::RemoveBusy(set, uid, rid) => {
                tx.remove_busy_for_uid(set, uid, rid.as_deref())?;
            }
            Effect::RemoveBusyOf(set, uid, attendee) => {
                let keep: Vec<BusyPeriod> = tx
                    .busy_for_uid(set, uid, None)?
                    .into_iter()
                    .filter(|p| p.attendee != *attendee)
                    .collect();
                tx.remove_busy_for_uid(set, uid, None)?;
                tx.add_busy(set, &keep)?;
            }
            Effect::KvPut(ns, k, v) => tx.kv_put(ns, k, v)?,
            Effect::KvDelete(ns, k) => {
                tx.kv_delete(ns, k)?;
            }
        }
    }
    Ok(())
}

/// Writes a plan's operations for `user`.
pub fn apply_ops(
    env: &Env<'_>,
    tx: &mut dyn StoreTx,
    user: &CalAddress,
    ops: &[Op],
) -> InfraResult<()> {
    let u = user.as_str();
    let now = env.clock.now();
    for op in ops {
        match op {
            Op::Put { uid, instance, status, object } => tx.put_object(
                u,
                &StoredObject {
                    uid: uid.clone(),
                    instance: instance.clone(),
                    status: *status,
                    text: object.to_ics(),
                },
                now,
            )?,
            Op::Delete { uid, instance } => tx.delete_object(u, uid, instance)?,
            Op::Queue { uid, instance, kind } => tx.queue_request(u, uid, instance, *kind)?,
            Op::Dequeue { uid, instance, kind } => tx.dequeue_request(u, uid, instance, *kind)?,
            Op::PutCounter { uid, instance, attendee, object } => {
                tx.put_counter(u, uid, instance, attendee.as_str(), &object.to_ics())?
            }
            Op::DeleteCounters { uid, instance, attendee } => {
                tx.delete_counters(u, uid, instance, attendee.as_ref().map(CalAddress::as_str))?
            }
            Op::RecordAnswer(r) => tx.put_reply(u, r)?,
            Op::ReplacePeriods { set, uid, rid, periods } => {
                tx.remove_busy_for_uid(set, uid, rid.as_deref())?;
                if !periods.is_empty() {
                    tx.add_busy(set, periods)?;
                }
            }
            Op::PurgeExpired { set, now } => {
                tx.purge_expired(set, *now)?;
            }
            Op::RecordFreeBusy { other, window, periods } => {
                let set = FbSet::Other { user: u.to_string(), other: other.to_string() };
                tx.remove_busy_in(&set, *window)?;
                tx.add_busy(&set, periods)?;
            }
            Op::Policy(effects) => apply_effects(tx, effects)?,
            Op::Decision(d) => tx.add_decision(d)?,
        }
    }
    Ok(())
}

/// Runs decisions and their plans for one message, keeping track of the
/// events whose busy time must be rebuilt and of the occurrences the
/// message's events expand to (its work budget, issue 12).
pub struct Applier<'a, 'e> {
    env: &'a Env<'e>,
    pending: Vec<(CalAddress, String, BusyRule, bool)>,
    budget: Budget,
}

impl<'a, 'e> Applier<'a, 'e> {
    /// An applier for one message with the message's work budget.
    pub fn new(env: &'a Env<'e>, budget: Budget) -> Self {
        Applier { env, pending: Vec::new(), budget }
    }

    /// Charges the occurrences an event expands to (for `user`'s window)
    /// against the message's budget, before anything is decided on it: an
    /// event that would take the message over budget is not acted on.
    /// Expands at most what is left, so a huge series costs no more than
    /// the budget.
    pub fn charge(&mut self, obj: &Object, prefs: &Prefs) -> Result<(), TooCostly> {
        if obj.kind() != ComponentKind::Event || !obj.has_period() {
            return Ok(());
        }
        // The same expansion as the decision and the busy time will ask
        // for, so that it is done once (and may be done before the write
        // lock is taken: `agent::prewarm`).
        let n = if self.budget.occurrences_left() == 0 {
            1
        } else if obj.is_recurring() {
            let params = super::busy::expand_params(self.env, prefs);
            expand(obj, &obj.zones(prefs.zone()), &params).occurrences.len()
        } else {
            1
        };
        // An event over what is left is refused without spending the rest:
        // the message's smaller events are still decided.
        let mut after = self.budget.clone();
        after.charge_occurrences(n)?;
        self.budget = after;
        Ok(())
    }

    /// Decides on one object for `user` with `decide` over a view of the
    /// transaction, then applies the plan. Busy time still to be rebuilt
    /// for other events is rebuilt first, so that the decision reads it.
    #[allow(clippy::too_many_arguments)]
    pub fn run(
        &mut self,
        tx: &mut dyn StoreTx,
        out: &mut Outcome,
        user: &CalAddress,
        uid: Option<&str>,
        rule: BusyRule,
        others: bool,
        decide: impl FnOnce(&TxView<'_, '_>) -> InfraResult<Plan>,
    ) -> InfraResult<Plan> {
        let same_event = |p: &(CalAddress, String, BusyRule, bool)| {
            p.0 == *user && uid.is_some_and(|u| u == p.1)
        };
        if !self.pending.iter().all(same_event) {
            self.flush(tx, out)?;
        }
        let plan = {
            let view = TxView { tx: &*tx, env: self.env };
            decide(&view)?
        };
        apply_ops(self.env, tx, user, &plan.ops)?;
        for uid in plan.ops.iter().filter_map(Op::touches) {
            if !self.pending.iter().any(|p| p.0 == *user && p.1 == uid) {
                self.pending.push((user.clone(), uid.to_string(), rule, others));
            }
        }
        for l in &plan.log {
            out.log(l.clone());
        }
        out.handled |= plan.handled;
        if let Some(d) = &plan.decision {
            out.decisions.push(d.clone());
        }
        out.parts.extend(plan.parts.iter().cloned());
        Ok(plan)
    }

    /// Rebuilds the busy time of every event touched so far; users whose
    /// own busy time changed are noted in `out` for publishing.
    pub fn flush(&mut self, tx: &mut dyn StoreTx, out: &mut Outcome) -> InfraResult<()> {
        for (user, uid, rule, others) in std::mem::take(&mut self.pending) {
            if rebuild(self.env, tx, &user, &uid, rule, others)?
                && !out.freebusy_changed.contains(&user.to_string())
            {
                out.freebusy_changed.push(user.to_string());
            }
        }
        Ok(())
    }
}
