//! A person as organiser (imip-agent 3.2): attendees' REPLYs recorded per
//! attendee and merged into the organiser's copy (separating an occurrence
//! answered on its own, and telling the other attendees), COUNTERs stored
//! and queued, REFRESH answered with the event as stored; and the
//! organiser's own versions, with every recorded answer applied to them.
//! No I/O.

use super::slots::store_version;
use super::{Decided, Stop};
use crate::address::CalAddress;
use crate::error::InfraResult;
use crate::i18n::Text;
use crate::ical::{Instance, Method, Object, Param, Role};
use crate::itip::admission::{Gate, Reason};
use crate::itip::answers::{
    answering_attendees, applies_to, apply_recorded, is_newest, last, record, version, with_fresh,
};
use crate::itip::plan::{Notice, Op, Plan};
use crate::itip::series::{MessageScope, separate_occurrence};
use crate::itip::version::Version;
use crate::itip::view::{Context, ScheduleView, Stored};
use crate::recur::Lookup;
use crate::store::{ObjectStatus, ReplyKind, RequestKind};
use std::collections::HashSet;

/// The object the organiser sends again: DTSTAMP now, SENT-BY and (when
/// missing) their CN preference on the organiser.
pub fn as_organiser(ctx: &Context<'_>, obj: &Object) -> Object {
    let mut o = obj.clone();
    o.set_dtstamp(&ctx.now);
    if let Some(s) = ctx.sent_by() {
        o.set_participant_param(Role::Organizer, ctx.user, &Param::SentBy(s.clone()));
    }
    ctx.name_user(&mut o, Role::Organizer);
    o
}

/// Why an occurrence cannot be separated, as a refusal reason.
fn not_separable(rid: &str, l: Lookup) -> Reason {
    match l {
        Lookup::BeyondCaps => Reason::OccurrenceBeyondCaps(rid.to_string()),
        _ => Reason::NotAnOccurrence(rid.to_string()),
    }
}

/// Plan storing a version of the organiser's own event (their sent copy,
/// or the copy a calendar manager sent them): every recorded answer that
/// applies to it is merged, and occurrences answered on their own are
/// separated from a new master again.
pub fn own_version(
    ctx: &Context<'_>,
    view: &dyn ScheduleView,
    scope: &MessageScope,
    method: &Method,
    uid: &str,
    instance: &Instance,
    obj: &Object,
) -> InfraResult<Plan> {
    let answers = view.answers(ctx.user, uid)?;
    let mut copy = obj.clone();
    apply_recorded(&mut copy, instance, &answers);
    let mut plan = Plan {
        ops: store_version(ctx, view, scope, method, uid, instance, &copy, ObjectStatus::Active)?,
        ..Plan::default()
    };
    if instance.is_master() {
        let gone: HashSet<Instance> = plan
            .ops
            .iter()
            .filter_map(|o| match o {
                Op::Delete { instance, .. } => Some(instance.clone()),
                _ => None,
            })
            .collect();
        let kept: HashSet<Instance> = view
            .occurrences(ctx.user, uid)?
            .into_iter()
            .map(|s| s.instance)
            .filter(|i| !gone.contains(i))
            .chain(scope.overrides(method, uid))
            .collect();
        let mut separated: Vec<(Instance, Object)> = Vec::new();
        for r in answers.iter().filter(|r| r.kind == ReplyKind::Reply) {
            let Instance::Occurrence(rid) = &r.instance else { continue };
            if kept.contains(&r.instance)
                || separated.iter().any(|(i, _)| *i == r.instance)
                || !applies_to(version(r), &copy)
            {
                continue;
            }
            let zones = copy.zones(ctx.prefs.zone());
            if let Ok(mut occ) = separate_occurrence(&copy, &zones, rid, &ctx.expand_params()) {
                apply_recorded(&mut occ, &r.instance, &answers);
                separated.push((r.instance.clone(), occ));
            }
        }
        rederive_occurrences(ctx, view, uid, &answers, &gone, &mut plan)?;
        for (instance, object) in separated {
            plan.log(format!(
                "{}: occurrence answered on its own stored separately",
                crate::itip::admission::label(uid, &instance)
            ));
            plan.op(Op::Put {
                uid: uid.to_string(),
                instance,
                status: ObjectStatus::Active,
                object,
            });
        }
    }
    Ok(plan)
}

/// Merges the recorded answers into the occurrences stored on their own
/// (except those about to go), where that changes them.
fn rederive_occurrences(
    ctx: &Context<'_>,
    view: &dyn ScheduleView,
    uid: &str,
    answers: &[crate::store::ReplyRecord],
    gone: &HashSet<Instance>,
    plan: &mut Plan,
) -> InfraResult<()> {
    for s in view.occurrences(ctx.user, uid)?.into_iter().filter(Stored::is_active) {
        if gone.contains(&s.instance) {
            continue;
        }
        let mut copy = s.object.clone();
        apply_recorded(&mut copy, &s.instance, answers);
        if copy != s.object {
            plan.op(Op::Put {
                uid: uid.to_string(),
                instance: s.instance,
                status: ObjectStatus::Active,
                object: copy,
            });
        }
    }
    Ok(())
}

/// The REPLY with its ORGANIZER restored from the stored event when the
/// client left it out (`ical::quirks::outlook_reply_without_organizer`).
fn with_stored_organizer(
    ctx: &Context<'_>,
    view: &dyn ScheduleView,
    obj: &Object,
) -> InfraResult<Option<(Object, String)>> {
    if obj.organizer().is_some() {
        return Ok(None);
    }
    let Some(uid) = obj.uid() else { return Ok(None) };
    let Some(stored) = view.stored(ctx.user, &uid, &Instance::Master)? else { return Ok(None) };
    Ok(crate::ical::quirks::outlook_reply_without_organizer(obj, &stored.object).map(|o| {
        (o, format!("REPLY {uid} without ORGANIZER (Outlook): the stored event's organiser used"))
    }))
}

/// How the answering attendees now stand, for the log.
fn statuses(target: &Object, who: &[CalAddress]) -> String {
    who.iter()
        .map(|a| {
            format!(
                "{a}={}",
                target
                    .attendee(a)
                    .and_then(|p| p.partstat)
                    .map(|p| p.to_string())
                    .unwrap_or_default()
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// REPLY: recorded per attendee; merged when it is the attendee's newest
/// answer and given to the current version of the event.
pub fn reply(ctx: &Context<'_>, view: &dyn ScheduleView, obj: &Object) -> Decided {
    let mut plan = Plan::default();
    let fixed = with_stored_organizer(ctx, view, obj)?;
    let obj = match &fixed {
        Some((o, note)) => {
            plan.log(note.clone());
            o
        }
        None => obj,
    };
    let gate = Gate::open("REPLY", obj, ctx.instance_of(obj))?;
    let (uid, inst) = (gate.uid().to_string(), gate.instance().clone());
    let from = gate.to_organizer(obj, ctx.senders, ctx.user)?;
    let stored = view.stored_for(ctx.user, &uid, &inst)?;
    let answers = view.answers(ctx.user, &uid)?;
    let who = answering_attendees(stored.as_ref().map(|s| &s.object), obj, &from);
    gate.require(!who.is_empty(), || Reason::AnswerersNotInvited)?;
    let v = Version::of(obj);
    let (fresh, old): (Vec<CalAddress>, Vec<CalAddress>) =
        who.into_iter().partition(|a| is_newest(&answers, &inst, a, ReplyKind::Reply, v));
    if fresh.is_empty() {
        let first = old.first().map(ToString::to_string).unwrap_or_default();
        return Err(gate.refuse(Reason::OlderThanLastAnswer(first)).into());
    }
    let records: Vec<_> =
        fresh.iter().map(|a| record(&uid, &inst, a, ReplyKind::Reply, obj)).collect();
    for r in &records {
        plan.op(Op::RecordAnswer(r.clone()));
    }
    let answers = with_fresh(&answers, &records);
    let l = gate.label().to_string();
    let Some(stored) = stored else {
        // Occurrences stored on their own (an ADD or a move that overtook
        // the invitation) show an answer about the whole event at once.
        if inst.is_master() {
            rederive_occurrences(ctx, view, &uid, &answers, &HashSet::new(), &mut plan)?;
        }
        plan.done(format!(
            "REPLY {l}: answer of {} kept; no such event stored yet",
            fresh.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
        ));
        return Ok(plan);
    };
    if stored.is_cancelled() {
        plan.log(gate.refuse(Reason::EventCancelled).to_string());
        return Ok(plan);
    }
    if !applies_to(v, &stored.object) {
        let first = fresh.first().map(ToString::to_string).unwrap_or_default();
        plan.log(gate.refuse(Reason::ForEarlierVersion(first)).to_string());
        return Ok(plan);
    }
    let separate = !inst.is_master() && stored.instance.is_master();
    let target = if separate {
        let zones = stored.object.zones(ctx.prefs.zone());
        let rid = inst.key();
        separate_occurrence(&stored.object, &zones, rid, &ctx.expand_params())
            .map_err(|e| Stop::Refused(gate.refuse(not_separable(rid, e))))?
    } else {
        stored.object.clone()
    };
    // The copies the answer speaks for: the instance answered and, for an
    // answer about the whole event, every occurrence stored on its own.
    let mut copies = vec![(inst.clone(), target, true)];
    if inst.is_master() {
        copies.extend(
            view.occurrences(ctx.user, &uid)?
                .into_iter()
                .filter(Stored::is_active)
                .map(|s| (s.instance, s.object, false)),
        );
    }
    let mut shown = None;
    for (instance, object, main) in copies {
        let mut copy = object.clone();
        apply_recorded(&mut copy, &instance, &answers);
        if main || copy != object {
            plan.op(Op::Put {
                uid: uid.clone(),
                instance: instance.clone(),
                status: ObjectStatus::Active,
                object: copy.clone(),
            });
        }
        if main {
            shown = Some(copy);
        }
    }
    let target = shown.unwrap_or_else(|| stored.object.clone());
    if separate {
        // The occurrence now stands alone: its attendees get it as it is,
        // whatever their own status (imip-agent 0.3 skipped those who had
        // not answered yet).
        let update = as_organiser(ctx, &target);
        for a in target.attendees() {
            if a.address == *ctx.user || fresh.contains(&a.address) {
                continue;
            }
            let lang = ctx.lang_for(view, &a.address)?;
            plan.send(&a.address, Method::Request, update.clone(), lang);
        }
    }
    plan.notice = Some(Notice::about(Text::ReplyReceived, &uid, &inst));
    plan.done(format!(
        "REPLY {uid}{}: {}{}",
        inst.occurrence().map(|r| format!(" ({r})")).unwrap_or_default(),
        statuses(&target, &fresh),
        if separate {
            "; occurrence stored separately and sent to the other attendees"
        } else {
            ""
        }
    ));
    Ok(plan)
}

/// COUNTER: stored per attendee and queued for the organiser, unless it
/// was made to an earlier version or already declined. A proposal is not
/// an answer: the attendee's status in the organiser's copy stays as it
/// was (imip-agent 0.3 merged the COUNTER's ATTENDEE into it).
pub fn counter(ctx: &Context<'_>, view: &dyn ScheduleView, obj: &Object) -> Decided {
    let gate = Gate::open("COUNTER", obj, ctx.instance_of(obj))?;
    let (uid, inst) = (gate.uid().to_string(), gate.instance().clone());
    let from = gate.to_organizer(obj, ctx.senders, ctx.user)?;
    let stored = view.stored_for(ctx.user, &uid, &inst)?;
    let answers = view.answers(ctx.user, &uid)?;
    let who = answering_attendees(stored.as_ref().map(|s| &s.object), obj, &from);
    let Some(attendee) = who.first().cloned() else {
        return Err(gate.refuse(Reason::ProposerNotInvited).into());
    };
    let v = Version::of(obj);
    if let Some(s) = &stored {
        gate.require(applies_to(v, &s.object), || Reason::ForEarlierVersion(attendee.to_string()))?;
    }
    if let Some(d) = last(&answers, &inst, &attendee, ReplyKind::CounterDeclined) {
        gate.require(v > version(d), || Reason::CounterAlreadyDeclined(attendee.to_string()))?;
    }
    let earlier = view
        .counters(ctx.user, &uid, &inst)?
        .into_iter()
        .find(|(a, _)| a == attendee.as_str())
        .and_then(|(_, text)| Object::from_stored(&text))
        .map(|o| Version::of(&o));
    gate.require(earlier.is_none_or(|e| v >= e), || {
        Reason::OlderThanLastAnswer(attendee.to_string())
    })?;
    let mut plan = Plan::default();
    plan.op(Op::PutCounter {
        uid: uid.clone(),
        instance: inst.clone(),
        attendee: attendee.clone(),
        object: obj.clone(),
    });
    plan.op(Op::Queue { uid: uid.clone(), instance: inst.clone(), kind: RequestKind::Counter });
    plan.notice = Some(Notice::about(Text::CounterReceived, &uid, &inst));
    plan.done(format!("COUNTER {uid} from {attendee}: stored and queued"));
    Ok(plan)
}

/// REFRESH: the event sent again to the attendees asking, when
/// `event_refreshing` allows; otherwise passed on to the organiser.
pub fn refresh(ctx: &Context<'_>, view: &dyn ScheduleView, obj: &Object) -> Decided {
    let gate = Gate::open("REFRESH", obj, ctx.instance_of(obj))?;
    let uid = gate.uid().to_string();
    let from = gate.to_organizer(obj, ctx.senders, ctx.user)?;
    let mut plan = Plan::default();
    if !ctx.prefs.auto_refresh() {
        plan.notice = Some(Notice::about(Text::RefreshReceived, &uid, &Instance::Master));
        plan.done(format!("REFRESH {uid}: passed on to the organiser (event_refreshing = never)"));
        return Ok(plan);
    }
    let Some(parent) = view.stored(ctx.user, &uid, &Instance::Master)? else {
        // imip-agent 0.3 crashed here (exit 75 for ever); the request is
        // simply not answerable.
        plan.log(format!("REFRESH {uid}: no such event stored; not answered"));
        return Ok(plan);
    };
    let occurrences = view.occurrences(ctx.user, &uid)?;
    let listed = |a: &CalAddress| {
        parent.object.has_attendee(a) || occurrences.iter().any(|r| r.object.has_attendee(a))
    };
    let method = |s: &Stored| if s.is_active() { Method::Request } else { Method::Cancel };
    let mut answered = Vec::new();
    for requester in from.iter().map(|p| &p.address).filter(|a| listed(a)) {
        let lang = ctx.lang_for(view, requester)?;
        for s in std::iter::once(&parent).chain(occurrences.iter()) {
            plan.send(requester, method(s), as_organiser(ctx, &s.object), lang);
        }
        answered.push(requester.to_string());
    }
    plan.done(if answered.is_empty() {
        format!("REFRESH {uid}: the requesting attendees are not invited; not answered")
    } else {
        format!("REFRESH {uid}: the event sent again to {}", answered.join(", "))
    });
    Ok(plan)
}
