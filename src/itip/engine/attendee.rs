//! A person receiving from an organiser (imip-agent 3.2): REQUEST and
//! PUBLISH recorded (REQUEST queued for an answer), the organiser's own
//! copy recorded as theirs, CANCEL kept even for an unknown event (so that
//! an older invitation arriving late is known as superseded), ADD recorded
//! as an occurrence, DECLINECOUNTER releasing what the person offered.
//! No I/O.

use super::organiser::own_version;
use super::slots::store_version;
use super::{Decided, Stop};
use crate::config::prefs::AddResponse;
use crate::freebusy::FbSet;
use crate::i18n::Text;
use crate::ical::{Instance, Method, Object, Role};
use crate::itip::admission::{Gate, Reason};
use crate::itip::identity::is_valid_delegate;
use crate::itip::plan::{Notice, Op, Plan};
use crate::itip::reply::refresh_request;
use crate::itip::series::{MessageScope, added_occurrence, with_message_stamp};
use crate::itip::version::Version;
use crate::itip::view::{Context, ScheduleView};
use crate::store::{ObjectStatus, RequestKind};

/// REQUEST (`queue`) or PUBLISH.
pub fn request(
    ctx: &Context<'_>,
    view: &dyn ScheduleView,
    scope: &MessageScope,
    obj: &Object,
    queue: bool,
) -> Decided {
    let what = if queue { "REQUEST" } else { "PUBLISH" };
    let method = if queue { Method::Request } else { Method::Publish };
    let gate = Gate::open(what, obj, ctx.instance_of(obj))?;
    let (uid, inst) = (gate.uid().to_string(), gate.instance().clone());
    let org = gate.from_organizer(obj, ctx.senders, ctx.user, false)?;
    let self_copy = org.address == *ctx.user;
    if queue && !self_copy {
        gate.require(obj.has_attendee(ctx.user) || is_valid_delegate(obj, ctx.user), || {
            Reason::NotAttendee(ctx.user.clone())
        })?;
    }
    let stored = view.stored(ctx.user, &uid, &inst)?;
    let master =
        if inst.is_master() { None } else { view.stored(ctx.user, &uid, &Instance::Master)? };
    let reference = stored.as_ref().or(master.as_ref());
    gate.continuity(
        reference.map(|s| &s.object),
        obj,
        ctx.senders,
        ctx.prefs.organiser_replacement(),
    )?;
    let obj = &with_message_stamp(obj, scope.master(&method, &uid).filter(|_| !inst.is_master()));
    gate.newer(Version::of(obj), false, stored.as_ref())?;
    gate.not_superseded(obj, false, master.as_ref())?;
    gate.has_period(obj)?;
    let l = gate.label().to_string();
    if self_copy {
        // The organiser's own copy (sent by a calendar manager): it is the
        // organiser's schedule, nothing to answer.
        let mut plan = own_version(ctx, view, scope, &method, &uid, &inst, obj)?;
        plan.op(Op::Dequeue { uid: uid.clone(), instance: inst.clone(), kind: None });
        plan.notice = Some(Notice::about(Text::DetailsReceived, &uid, &inst));
        plan.done(format!("{what} {l}: the organiser's own copy recorded in their schedule"));
        return Ok(plan);
    }
    let mut plan = Plan {
        ops: store_version(ctx, view, scope, &method, &uid, &inst, obj, ObjectStatus::Active)?,
        ..Plan::default()
    };
    if queue {
        plan.op(Op::Queue {
            uid: uid.clone(),
            instance: inst.clone(),
            kind: RequestKind::Invitation,
        });
    }
    plan.notice = Some(Notice::about(
        if queue { Text::InvitationReceived } else { Text::DetailsReceived },
        &uid,
        &inst,
    ));
    plan.done(format!(
        "{what} {l} from {}: recorded{}",
        org.address,
        if queue { " and queued" } else { "" }
    ));
    Ok(plan)
}

/// CANCEL.
pub fn cancel(
    ctx: &Context<'_>,
    view: &dyn ScheduleView,
    scope: &MessageScope,
    obj: &Object,
) -> Decided {
    let gate = Gate::open("CANCEL", obj, ctx.instance_of(obj))?;
    let (uid, inst) = (gate.uid().to_string(), gate.instance().clone());
    let org = gate.from_organizer(obj, ctx.senders, ctx.user, false)?;
    let self_copy = org.address == *ctx.user;
    gate.require(self_copy || obj.has_attendee(ctx.user), || {
        Reason::NotAmongCancelled(ctx.user.clone())
    })?;
    let stored = view.stored(ctx.user, &uid, &inst)?;
    let master =
        if inst.is_master() { None } else { view.stored(ctx.user, &uid, &Instance::Master)? };
    let reference = stored.as_ref().or(master.as_ref());
    gate.continuity(
        reference.map(|s| &s.object),
        obj,
        ctx.senders,
        ctx.prefs.organiser_replacement(),
    )?;
    let obj =
        &with_message_stamp(obj, scope.master(&Method::Cancel, &uid).filter(|_| !inst.is_master()));
    gate.newer(Version::of(obj), true, stored.as_ref())?;
    gate.not_superseded(obj, true, master.as_ref())?;
    // Kept even for an unknown event, so that an older invitation arriving
    // late is recognised as superseded.
    let mut plan = Plan {
        ops: store_version(
            ctx,
            view,
            scope,
            &Method::Cancel,
            &uid,
            &inst,
            obj,
            ObjectStatus::Cancelled,
        )?,
        ..Plan::default()
    };
    plan.op(Op::Dequeue { uid: uid.clone(), instance: inst.clone(), kind: None });
    plan.op(Op::DeleteCounters { uid: uid.clone(), instance: inst.clone(), attendee: None });
    plan.notice = Some(Notice::plain(Text::CancellationReceived));
    plan.done(format!(
        "CANCEL {} from {}: {}",
        gate.label(),
        org.address,
        if reference.is_some() { "cancelled" } else { "recorded (the event was not known)" }
    ));
    Ok(plan)
}

/// ADD: the added occurrence is recorded and queued. For an event not
/// held (or with `add_method_response = refresh`) the organiser is asked
/// for the whole event with a REFRESH; the occurrence is recorded all the
/// same unless the preference says refresh, so that an ADD that overtook
/// its invitation is not lost.
pub fn add(ctx: &Context<'_>, view: &dyn ScheduleView, obj: &Object) -> Decided {
    let occurrence = added_occurrence(obj);
    let gate = Gate::open("ADD", obj, ctx.instance_of(&occurrence))?;
    let uid = gate.uid().to_string();
    let mode = ctx.prefs.add_response();
    if mode == AddResponse::Ignore {
        return Ok(Plan::note(format!("ADD {uid} ignored (add_method_response = ignore)")));
    }
    let org = gate.from_organizer(obj, ctx.senders, ctx.user, true)?;
    let master = view.stored(ctx.user, &uid, &Instance::Master)?;
    gate.continuity(
        master.as_ref().map(|s| &s.object),
        obj,
        ctx.senders,
        ctx.prefs.organiser_replacement(),
    )?;
    let mut plan = Plan::default();
    if master.is_none() || mode == AddResponse::Refresh {
        let base = master.as_ref().map(|p| p.object.clone()).unwrap_or_else(|| obj.clone());
        let mut refresh = refresh_request(&base, ctx.user, ctx.sent_by(), &ctx.now);
        ctx.name_user(&mut refresh, Role::Attendee);
        let lang = ctx.lang_for(view, &org.address)?;
        plan.send(&org.address, Method::Refresh, refresh, lang);
        if mode == AddResponse::Refresh {
            plan.done(format!(
                "ADD {uid}: {} — REFRESH sent to {}",
                if master.is_none() { "unknown event" } else { "add_method_response = refresh" },
                org.address
            ));
            return Ok(plan);
        }
    }
    let inst = gate.instance().clone();
    let stored = view.stored(ctx.user, &uid, &inst)?;
    gate.newer(Version::of(&occurrence), false, stored.as_ref())?;
    gate.not_superseded(&occurrence, false, master.as_ref())?;
    gate.has_period(&occurrence)?;
    plan.op(Op::Put {
        uid: uid.clone(),
        instance: inst.clone(),
        status: ObjectStatus::Active,
        object: occurrence,
    });
    plan.op(Op::Queue { uid: uid.clone(), instance: inst.clone(), kind: RequestKind::Invitation });
    plan.notice = Some(Notice::about(Text::AdditionReceived, &uid, &inst));
    plan.done(if master.is_none() {
        format!(
            "ADD {uid}: unknown event — REFRESH sent to {}; occurrence {inst} recorded and queued",
            org.address
        )
    } else {
        format!("ADD {uid}: occurrence {inst} recorded and queued")
    });
    Ok(plan)
}

/// DECLINECOUNTER: the organiser refused the person's proposal; the
/// periods the person held as offers for it go.
pub fn decline_counter(ctx: &Context<'_>, view: &dyn ScheduleView, obj: &Object) -> Decided {
    let gate = Gate::open("DECLINECOUNTER", obj, ctx.instance_of(obj))?;
    let (uid, inst) = (gate.uid().to_string(), gate.instance().clone());
    gate.from_organizer(obj, ctx.senders, ctx.user, true).map_err(|mut r| {
        r.label = uid.clone();
        Stop::Refused(r)
    })?;
    let set = FbSet::Offers(ctx.user.to_string());
    let rid = inst.occurrence().map(str::to_string);
    let n = view
        .policy()
        .busy_all(&set)?
        .iter()
        .filter(|p| p.uid == uid && rid.as_ref().is_none_or(|r| p.rid == *r))
        .count();
    let mut plan = Plan::default();
    plan.op(Op::ReplacePeriods { set, uid: uid.clone(), rid, periods: Vec::new() });
    plan.notice = Some(Notice::about(Text::CounterDeclined, &uid, &inst));
    plan.done(format!("DECLINECOUNTER {uid}: {n} offered period(s) released"));
    Ok(plan)
}
