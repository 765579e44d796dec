//! What a person sends, recorded so that their own schedule stays right
//! (imip-agent 2.4, imip_person_outgoing): their invitations and updates
//! as organiser (with the answers they already received applied), their
//! answers as attendee (counter-proposals held as offers), cancellations
//! (of the whole event, or of some attendees), added occurrences, declined
//! counter-proposals. Never replies, never delivers. No I/O.

use super::organiser::own_version;
use super::{Decided, Stop};
use crate::address::CalAddress;
use crate::freebusy::{BusyPeriod, FbSet};
use crate::ical::{Instance, Method, Object, PartStat};
use crate::itip::admission::{Gate, Reason};
use crate::itip::answers::{is_newest, record};
use crate::itip::plan::{Op, Plan};
use crate::itip::series::{
    MessageScope, added_occurrence, separate_occurrence, with_message_stamp,
};
use crate::itip::version::Version;
use crate::itip::view::{Context, ScheduleView};
use crate::recur::expand;
use crate::store::{ObjectStatus, ReplyKind, RequestKind};

/// The gate for a message the user sent as its organiser.
fn organiser_gate<'a>(
    ctx: &Context<'_>,
    what: &'a str,
    obj: &Object,
    instance: Instance,
) -> Result<Gate<'a>, Stop> {
    let gate = Gate::open(what, obj, instance)?;
    let organises = obj.organizer().is_some_and(|o| o.address == *ctx.user);
    gate.require(organises, || Reason::NotOrganiser(ctx.user.clone()))?;
    Ok(gate)
}

/// REQUEST or PUBLISH sent by the organiser: their new version.
pub fn organiser_update(
    ctx: &Context<'_>,
    view: &dyn ScheduleView,
    scope: &MessageScope,
    obj: &Object,
    method: &Method,
) -> Decided {
    let gate = organiser_gate(ctx, method.as_str(), obj, ctx.instance_of(obj))?;
    let (uid, inst) = (gate.uid().to_string(), gate.instance().clone());
    let stored = view.stored(ctx.user, &uid, &inst)?;
    let master =
        if inst.is_master() { None } else { view.stored(ctx.user, &uid, &Instance::Master)? };
    let obj = &with_message_stamp(obj, scope.master(method, &uid).filter(|_| !inst.is_master()));
    gate.newer(Version::of(obj), false, stored.as_ref())?;
    gate.not_superseded(obj, false, master.as_ref())?;
    let mut plan = own_version(ctx, view, scope, method, &uid, &inst, obj)?;
    // Counter-proposals made to an earlier version are answered by this one.
    let seq = obj.sequence().unwrap_or(0);
    let counters = view.counters(ctx.user, &uid, &inst)?;
    let mut left = counters.len();
    for (attendee, text) in &counters {
        let older = Object::from_stored(text).is_none_or(|c| c.sequence().unwrap_or(0) < seq);
        if older && let Some(a) = CalAddress::parse(attendee) {
            plan.op(Op::DeleteCounters {
                uid: uid.clone(),
                instance: inst.clone(),
                attendee: Some(a),
            });
            left -= 1;
        }
    }
    let kind = if left > 0 { Some(RequestKind::Invitation) } else { None };
    plan.op(Op::Dequeue { uid: uid.clone(), instance: inst.clone(), kind });
    plan.done(format!("{method} {uid} sent by {}: recorded as organiser", ctx.user));
    Ok(plan)
}

/// REPLY or COUNTER sent by the user as an attendee.
pub fn attendee_answer(
    ctx: &Context<'_>,
    view: &dyn ScheduleView,
    obj: &Object,
    method: &Method,
) -> Decided {
    let gate = Gate::open(method.as_str(), obj, ctx.instance_of(obj))?;
    let (uid, inst) = (gate.uid().to_string(), gate.instance().clone());
    let Some(mine) = obj.attendee(ctx.user) else {
        return Err(gate.refuse(Reason::NotAttendeeInAnswer(ctx.user.clone())).into());
    };
    let Some(stored) = view.stored_for(ctx.user, &uid, &inst)? else {
        return Err(gate.refuse(Reason::InvitationNotStored).into());
    };
    let v = Version::of(obj);
    // SEQUENCE only against the invitation: some clients (Claws Mail)
    // corrupt DTSTAMP in replies; their own answers are ordered by both.
    gate.require(v.sequence >= stored.object.sequence().unwrap_or(0), || {
        Reason::ForEarlierVersion(ctx.user.to_string())
    })?;
    let answers = view.answers(ctx.user, &uid)?;
    gate.require(is_newest(&answers, &inst, ctx.user, ReplyKind::Reply, v), || {
        Reason::OlderThanLastAnswer(ctx.user.to_string())
    })?;
    let separate = !inst.is_master() && stored.instance.is_master();
    let mut target = if separate {
        let zones = stored.object.zones(ctx.prefs.zone());
        separate_occurrence(&stored.object, &zones, inst.key(), &ctx.expand_params()).map_err(
            |_| Stop::Refused(gate.refuse(Reason::NotAnOccurrence(inst.key().to_string()))),
        )?
    } else {
        stored.object.clone()
    };
    let mut plan = Plan::default();
    if *method == Method::Reply {
        // A counter-proposal is not an answer: the user's status stays.
        target.copy_attendee_from(obj, ctx.user);
        plan.op(Op::RecordAnswer(record(&uid, &inst, ctx.user, ReplyKind::Reply, obj)));
        plan.op(Op::Put {
            uid: uid.clone(),
            instance: inst.clone(),
            status: stored.status,
            object: target,
        });
    }
    if mine.partstat.as_ref().is_some_and(|p| *p != PartStat::NeedsAction) {
        plan.op(Op::Dequeue { uid: uid.clone(), instance: inst.clone(), kind: None });
    }
    plan.op(Op::DeleteCounters { uid: uid.clone(), instance: inst.clone(), attendee: None });
    if *method == Method::Counter {
        // Proposed periods are held as offers, not recorded as busy time.
        // A proposal for one occurrence is kept under that occurrence's
        // RECURRENCE-ID (not its proposed start), so that it replaces only
        // an earlier proposal for the same occurrence and the organiser's
        // DECLINECOUNTER for that occurrence finds it; a proposal for the
        // whole event replaces every earlier one.
        let set = FbSet::Offers(ctx.user.to_string());
        let only = inst.occurrence().map(str::to_string);
        let mut offers = Vec::new();
        if let Some(hold) = ctx.prefs.offer_period() {
            let e = expand(obj, &obj.zones(ctx.prefs.zone()), &ctx.expand_params());
            offers = e
                .occurrences
                .iter()
                .map(|o| {
                    let mut p =
                        BusyPeriod::new(o.start, o.end, &uid, only.as_deref().unwrap_or(&o.rid));
                    p.expires = Some(ctx.now + hold);
                    p.summary = obj.summary().unwrap_or_default();
                    p
                })
                .collect();
            plan.log(format!("COUNTER {uid}: {} proposed period(s) held as offers", offers.len()));
        } else {
            plan.log(format!(
                "COUNTER {uid}: recorded; no offers held (freebusy_offers is not set)"
            ));
        }
        plan.op(Op::ReplacePeriods { set, uid: uid.clone(), rid: only, periods: offers });
        plan.handled = true;
    } else {
        plan.done(format!(
            "REPLY {uid} sent by {}: {}",
            ctx.user,
            mine.partstat.map(|p| p.to_string()).unwrap_or_else(|| "no PARTSTAT".into())
        ));
    }
    Ok(plan)
}

/// CANCEL sent by the organiser: the whole event (STATUS:CANCELLED, or
/// every other attendee listed), or only the attendees it lists.
pub fn organiser_cancel(
    ctx: &Context<'_>,
    view: &dyn ScheduleView,
    scope: &MessageScope,
    obj: &Object,
) -> Decided {
    let gate = organiser_gate(ctx, "CANCEL", obj, ctx.instance_of(obj))?;
    let (uid, inst) = (gate.uid().to_string(), gate.instance().clone());
    let stored = view.stored_for(ctx.user, &uid, &inst)?;
    let listed: Vec<CalAddress> = obj.attendees().into_iter().map(|a| a.address).collect();
    // RFC 5546 §3.2.5: STATUS:CANCELLED cancels the whole event; without
    // it, the attendees listed are uninvited — unless they are all the
    // others. A CANCEL for one occurrence that overtook the organiser's own
    // copy of the event is taken as cancelling that occurrence (clients
    // uninvite from a whole event, not from one occurrence); a CANCEL of
    // the whole event without STATUS that overtakes it cannot be told from
    // an uninvitation and is not kept (docs/differences.md).
    let declared = obj.status().is_some_and(|s| s.eq_ignore_ascii_case("CANCELLED"));
    let whole = declared
        || match &stored {
            Some(s) => s
                .object
                .attendees()
                .iter()
                .filter(|a| a.address != *ctx.user)
                .all(|a| listed.contains(&a.address)),
            None => !inst.is_master(),
        };
    let mut plan = Plan::default();
    if whole {
        let slot = view.stored(ctx.user, &uid, &inst)?;
        let master =
            if inst.is_master() { None } else { view.stored(ctx.user, &uid, &Instance::Master)? };
        gate.newer(Version::of(obj), true, slot.as_ref())?;
        gate.not_superseded(obj, true, master.as_ref())?;
        plan.ops = super::slots::store_version(
            ctx,
            view,
            scope,
            &Method::Cancel,
            &uid,
            &inst,
            obj,
            ObjectStatus::Cancelled,
        )?;
        plan.log(format!("CANCEL {uid}: cancelled for every attendee"));
    } else {
        let Some(stored) = stored else {
            plan.log(format!("CANCEL {uid}: the event is not stored"));
            return Ok(plan);
        };
        let mut updated = stored.object.clone();
        updated.retain_attendees(|a| !listed.contains(&a.address));
        if let Some(seq) = obj.sequence() {
            updated.set_sequence(seq);
        }
        if let Some(stamp) = obj.dtstamp() {
            updated.set_dtstamp(&stamp);
        }
        let target = if inst.is_master() { Instance::Master } else { stored.instance.clone() };
        plan.op(Op::Put {
            uid: uid.clone(),
            instance: target,
            status: ObjectStatus::Active,
            object: updated,
        });
        plan.log(format!("CANCEL {uid}: {} attendee(s) removed", listed.len()));
    }
    plan.op(Op::Dequeue { uid: uid.clone(), instance: inst.clone(), kind: None });
    plan.op(Op::DeleteCounters { uid: uid.clone(), instance: inst.clone(), attendee: None });
    plan.handled = true;
    Ok(plan)
}

/// ADD sent by the organiser: the added occurrence recorded.
pub fn organiser_add(ctx: &Context<'_>, view: &dyn ScheduleView, obj: &Object) -> Decided {
    let occurrence = added_occurrence(obj);
    let gate = Gate::open("ADD", obj, ctx.instance_of(&occurrence))?;
    let uid = gate.uid().to_string();
    let organises = obj.organizer().is_some_and(|o| o.address == *ctx.user);
    if !organises {
        return Ok(Plan::note(format!(
            "ADD {uid} not recorded: not an event {} organises",
            ctx.user
        )));
    }
    let inst = gate.instance().clone();
    let stored = view.stored(ctx.user, &uid, &inst)?;
    let master = view.stored(ctx.user, &uid, &Instance::Master)?;
    gate.newer(Version::of(&occurrence), false, stored.as_ref())?;
    gate.not_superseded(&occurrence, false, master.as_ref())?;
    // Answers already given to the whole event speak for it too.
    let mut plan =
        own_version(ctx, view, &MessageScope::default(), &Method::Add, &uid, &inst, &occurrence)?;
    plan.done(format!("ADD {uid}: occurrence {inst} recorded"));
    Ok(plan)
}

/// DECLINECOUNTER sent by the organiser: the listed attendees'
/// counter-proposals written before it go, and are remembered as answered
/// so that a copy arriving late is not queued again (a proposal made after
/// the refusal stays).
pub fn decline_counter(ctx: &Context<'_>, view: &dyn ScheduleView, obj: &Object) -> Decided {
    let gate = organiser_gate(ctx, "DECLINECOUNTER", obj, ctx.instance_of(obj))?;
    let (uid, inst) = (gate.uid().to_string(), gate.instance().clone());
    let declined = Version::of(obj);
    let attendees: Vec<CalAddress> = obj.attendees().into_iter().map(|a| a.address).collect();
    let counters = view.counters(ctx.user, &uid, &inst)?;
    let answered = |attendee: &str, text: &str| {
        attendees.iter().any(|x| x.as_str() == attendee)
            && Object::from_stored(text).is_none_or(|c| Version::of(&c) <= declined)
    };
    let mut plan = Plan::default();
    for a in &attendees {
        if counters.iter().any(|(x, t)| x == a.as_str() && answered(x, t)) {
            plan.op(Op::DeleteCounters {
                uid: uid.clone(),
                instance: inst.clone(),
                attendee: Some(a.clone()),
            });
        }
        plan.op(Op::RecordAnswer(record(&uid, &inst, a, ReplyKind::CounterDeclined, obj)));
    }
    let before = counters.len();
    let left = counters.iter().filter(|(a, t)| !answered(a, t)).count();
    if left == 0 {
        plan.op(Op::Dequeue {
            uid: uid.clone(),
            instance: inst.clone(),
            kind: Some(RequestKind::Counter),
        });
    }
    plan.done(format!(
        "DECLINECOUNTER {uid}: {} counter-proposal(s) removed; {}",
        before - left,
        if left == 0 {
            "none left, no longer queued".to_string()
        } else {
            format!("{left} still queued")
        }
    ));
    Ok(plan)
}
