//! The autonomous resource (imip-agent 3.4, 3.5): REQUEST decided by the
//! policy chain and answered ACCEPTED / DECLINED / COUNTER / DELEGATED /
//! TENTATIVE; CANCEL releasing the booking and kept even for an event not
//! held, so that an older request arriving late is never booked; ADD
//! decided like a request for the added occurrence; DECLINECOUNTER
//! releasing an offer. No I/O: the policy reads through the view.

use super::approval;
use super::slots::store_version;
use super::{Decided, Stop};
use crate::address::CalAddress;
use crate::config::prefs::{AddResponse, Prefs};
use crate::freebusy::{BusyPeriod, FbSet};
use crate::i18n::{Lang, Text, tr};
use crate::ical::{Instance, Method, Object, Param, PartStat, Role};
use crate::itip::admission::Gate;
use crate::itip::identity;
use crate::itip::plan::{Op, OutPart, Plan};
use crate::itip::reply::{attendee_reply, refresh_request};
use crate::itip::series::{MessageScope, added_occurrence, with_message_stamp};
use crate::itip::version::Version;
use crate::itip::view::{Context, ScheduleView, Stored};
use crate::policy::{self, Booking, Cancellation, Decision, FunctionCall, Verdict};
use crate::store::{DecisionRecord, ObjectStatus};
use chrono::{DateTime, Utc};

/// The resource's policy chain (the `scheduling_function` preference).
pub fn scheduling_functions(prefs: &Prefs) -> Result<Vec<FunctionCall>, String> {
    policy::parse_functions(prefs.get("scheduling_function").unwrap_or("schedule_in_freebusy"))
}

/// A resource's own busy time for an event: booked (opaque) while it has
/// accepted, or accepted tentatively pending approval.
pub fn is_booking(o: &Object, resource: &CalAddress) -> bool {
    matches!(
        o.attendee(resource).and_then(|a| a.partstat),
        Some(PartStat::Accepted) | Some(PartStat::Tentative)
    )
}

fn is_booked(s: &Stored, resource: &CalAddress) -> bool {
    s.is_active() && is_booking(&s.object, resource)
}

/// The policy effects releasing a booking that no longer holds.
pub fn retraction(
    prefs: &Prefs,
    view: &dyn ScheduleView,
    c: &Cancellation,
) -> crate::error::InfraResult<Op> {
    let calls = scheduling_functions(prefs).unwrap_or_default();
    Ok(Op::Policy(policy::retract(&calls, c, view.policy())?))
}

/// The booking a request (or a stored event) stands for, expanded.
fn booking_of(
    ctx: &Context<'_>,
    obj: &Object,
    uid: &str,
    inst: &Instance,
    organizer: &CalAddress,
) -> Booking {
    let mut booking = Booking {
        resource: ctx.user.clone(),
        object: obj.clone(),
        uid: uid.to_string(),
        instance: inst.clone(),
        organizer: organizer.clone(),
        occurrences: Vec::new(),
        open_ended: false,
        truncated: false,
        prefs: ctx.prefs.clone(),
        now: ctx.now,
        is_delegate: identity::is_valid_delegate(obj, ctx.user),
        expand: ctx.expand_params(),
    };
    booking.recompute();
    booking
}

/// The policy effects of a booking that now holds (a request left to the
/// owner and approved): quotas charged as on an automatic acceptance.
pub fn confirmation(
    ctx: &Context<'_>,
    view: &dyn ScheduleView,
    obj: &Object,
    uid: &str,
    inst: &Instance,
    organizer: &CalAddress,
) -> crate::error::InfraResult<Op> {
    let calls = scheduling_functions(ctx.prefs).unwrap_or_default();
    let booking = booking_of(ctx, obj, uid, inst, organizer);
    Ok(Op::Policy(policy::confirm(&calls, &booking, view.policy())?))
}

/// REQUEST.
pub fn request(
    ctx: &Context<'_>,
    view: &dyn ScheduleView,
    scope: &MessageScope,
    obj: &Object,
) -> Decided {
    booking(ctx, view, scope, obj, &Method::Request)
}

/// Decides a booking (a REQUEST, or the occurrence an ADD brings).
fn booking(
    ctx: &Context<'_>,
    view: &dyn ScheduleView,
    scope: &MessageScope,
    obj: &Object,
    method: &Method,
) -> Decided {
    let what = method.as_str();
    let gate = Gate::open(what, obj, ctx.instance_of(obj))?;
    let (uid, inst) = (gate.uid().to_string(), gate.instance().clone());
    let org = gate.from_organizer(obj, ctx.senders, ctx.user, true)?;
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
    let obj = &with_message_stamp(obj, scope.master(method, &uid).filter(|_| !inst.is_master()));
    gate.newer(Version::of(obj), false, stored.as_ref())?;
    gate.not_superseded(obj, false, master.as_ref())?;
    gate.has_period(obj)?;
    let l = gate.label().to_string();
    let mut plan = Plan::default();
    if obj.is_this_and_future() {
        plan.log(format!(
            "{what} {l}: RANGE=THISANDFUTURE is not supported; treated as one occurrence"
        ));
    }
    plan.op(Op::PurgeExpired { set: FbSet::Offers(ctx.user.to_string()), now: ctx.now });
    let was_booked = stored.as_ref().is_some_and(|s| is_booked(s, ctx.user));

    let mut booking = booking_of(ctx, obj, &uid, &inst, &org.address);
    // Occurrences sent along with their master are decided on their own.
    // Those stored on their own before (moved, cancelled) stay in: a
    // decision is made on the request as sent, so that it is the same
    // whichever arrived first; what is booked (busy time) is derived from
    // what is stored, without them.
    if inst.is_master() {
        let own = scope.overrides(method, &uid);
        booking.occurrences.retain(|o| !own.contains(&Instance::Occurrence(o.rid.clone())));
    }
    let calls = scheduling_functions(ctx.prefs);
    let decision = match (&calls, booking.truncated) {
        (Err(e), _) => Decision {
            verdict: Verdict::Decline,
            reason: Text::Misconfigured,
            function: "scheduling_function".into(),
            trail: vec![format!("cannot parse scheduling_function: {e}")],
            because: None,
        },
        (_, true) => Decision {
            verdict: Verdict::Decline,
            reason: Text::InvalidRequest,
            function: "expansion".into(),
            trail: vec![format!("more than {} occurrences: declined", ctx.limits.max_occurrences)],
            because: None,
        },
        (Ok(calls), false) => policy::evaluate(calls, &mut booking, view.policy())?,
    };
    let calls = calls.unwrap_or_default();
    let lang = ctx.lang_for(view, &org.address)?;
    let sent_by = ctx.sent_by();
    let mut reply_parts: Vec<(Method, Object)> = Vec::new();

    match &decision.verdict {
        Verdict::Accept | Verdict::AcceptExcept(_) | Verdict::Tentative | Verdict::Decline => {
            let status = match &decision.verdict {
                Verdict::Decline => PartStat::Declined,
                Verdict::Tentative => PartStat::Tentative,
                _ => PartStat::Accepted,
            };
            let mut stored_obj = booking.object.clone();
            stored_obj.set_partstat(ctx.user, status.clone());
            plan.ops.extend(store_version(
                ctx,
                view,
                scope,
                method,
                &uid,
                &inst,
                &stored_obj,
                ObjectStatus::Active,
            )?);
            let mut declined_parts = Vec::new();
            if let Verdict::AcceptExcept(rids) = &decision.verdict {
                for r in rids {
                    if let Some(o) = booking.occurrences.iter().find(|o| &o.rid == r) {
                        let occ = occurrence_object(&stored_obj, r, o.start, o.end, ctx.user);
                        plan.op(Op::Put {
                            uid: uid.clone(),
                            instance: Instance::Occurrence(r.clone()),
                            status: ObjectStatus::Active,
                            object: occ.clone(),
                        });
                        declined_parts.push(attendee_reply(
                            &occ,
                            ctx.user,
                            PartStat::Declined,
                            sent_by,
                            &ctx.now,
                        ));
                    }
                }
            }
            plan.op(Op::ReplacePeriods {
                set: FbSet::Offers(ctx.user.to_string()),
                uid: uid.clone(),
                rid: None,
                periods: Vec::new(),
            });
            if status != PartStat::Declined {
                plan.op(Op::Policy(policy::confirm(&calls, &booking, view.policy())?));
            } else if was_booked {
                let c = Cancellation {
                    resource: ctx.user.clone(),
                    uid: uid.clone(),
                    instance: inst.clone(),
                    organizer: org.address.clone(),
                    stored: stored.as_ref().map(|s| s.object.clone()),
                };
                plan.op(Op::Policy(policy::retract(&calls, &c, view.policy())?));
            }
            reply_parts.push((
                Method::Reply,
                attendee_reply(&stored_obj, ctx.user, status, sent_by, &ctx.now),
            ));
            reply_parts.extend(declined_parts.into_iter().map(|p| (Method::Reply, p)));
        }
        Verdict::Hold => {
            // Left to a person: kept as NEEDS-ACTION (not booked, no time
            // held, nothing charged), queued, no answer to the organiser.
            let mut stored_obj = booking.object.clone();
            stored_obj.set_partstat(ctx.user, PartStat::NeedsAction);
            plan.ops.extend(store_version(
                ctx,
                view,
                scope,
                method,
                &uid,
                &inst,
                &stored_obj,
                ObjectStatus::Active,
            )?);
            plan.op(Op::ReplacePeriods {
                set: FbSet::Offers(ctx.user.to_string()),
                uid: uid.clone(),
                rid: None,
                periods: Vec::new(),
            });
            if was_booked {
                let c = Cancellation {
                    resource: ctx.user.clone(),
                    uid: uid.clone(),
                    instance: inst.clone(),
                    organizer: org.address.clone(),
                    stored: stored.as_ref().map(|s| s.object.clone()),
                };
                plan.op(Op::Policy(policy::retract(&calls, &c, view.policy())?));
            }
            plan.op(Op::Queue {
                uid: uid.clone(),
                instance: inst.clone(),
                kind: crate::store::RequestKind::Invitation,
            });
        }
        Verdict::Counter => {
            let offers = match ctx.prefs.offer_period() {
                Some(hold) => {
                    let summary = booking.object.summary().unwrap_or_default();
                    held_periods(&booking, &org.address, ctx.now + hold, &summary)
                }
                None => Vec::new(),
            };
            if ctx.prefs.offer_period().is_some() {
                plan.op(Op::ReplacePeriods {
                    set: FbSet::Offers(ctx.user.to_string()),
                    uid: uid.clone(),
                    rid: None,
                    periods: offers,
                });
            }
            reply_parts.push((
                Method::Counter,
                attendee_reply(&booking.object, ctx.user, PartStat::Tentative, sent_by, &ctx.now),
            ));
        }
        Verdict::Delegate(to) => {
            // Hold the delegate's time at once, in this transaction, so that
            // requests arriving before the delegate has answered go to
            // another candidate; the delegate's own decision replaces the
            // hold, and a lost message lets it lapse.
            let hold = ctx
                .prefs
                .get("delegate_hold")
                .and_then(crate::config::prefs::parse_duration)
                .unwrap_or(chrono::Duration::hours(1));
            let summary = format!("held for delegation from {}", ctx.user);
            plan.op(Op::ReplacePeriods {
                set: FbSet::Offers(to.to_string()),
                uid: uid.clone(),
                rid: None,
                periods: held_periods(&booking, &org.address, ctx.now + hold, &summary),
            });
            // The resource neither stores nor books: the delegate does when it accepts.
            let mut delegated = booking.object.clone();
            delegated.set_partstat(ctx.user, PartStat::Delegated);
            delegated.set_participant_param(
                Role::Attendee,
                ctx.user,
                &Param::DelegatedTo(vec![to.clone()]),
            );
            if !delegated.has_attendee(to) {
                delegated.add_attendee(
                    to,
                    &[
                        Param::DelegatedFrom(vec![ctx.user.clone()]),
                        Param::PartStat(PartStat::NeedsAction),
                        Param::Rsvp(true),
                        Param::Cutype("RESOURCE".into()),
                    ],
                );
            }
            let mut reply =
                attendee_reply(&delegated, ctx.user, PartStat::Delegated, sent_by, &ctx.now);
            reply.copy_attendee_from(&delegated, to);
            reply_parts.push((Method::Reply, reply));
            let mut to_delegate = delegated.clone();
            to_delegate.set_dtstamp(&ctx.now);
            plan.send(to, Method::Request, to_delegate, lang);
        }
    }

    // The reason's times in the organiser's zone: their own TZID when they
    // are a user here, else the zone of the event's start.
    let zone = match view.zone_of(&org.address)? {
        Some(z) => z,
        None => obj
            .dtstart()
            .map(|d| d.zone(&obj.zones(ctx.prefs.zone())))
            .unwrap_or(crate::ical::Zone::Utc),
    };
    let text = explanation(lang, &decision, &zone);
    // A delegate answers the organiser and the delegators (RFC 5546 §2.1.5).
    let mut answer_to = vec![org.address.clone()];
    if booking.is_delegate {
        answer_to.extend(
            obj.attendees()
                .into_iter()
                .filter(|a| a.delegated_to.contains(ctx.user))
                .map(|a| a.address),
        );
    }
    for to in &answer_to {
        for (m, o) in &reply_parts {
            plan.parts.push(OutPart {
                to: to.clone(),
                method: m.clone(),
                object: o.clone(),
                text: Some(text.clone()),
                lang,
            });
        }
    }
    if matches!(decision.verdict, Verdict::Tentative | Verdict::Hold) {
        approval::request(ctx, &mut plan, &booking.object, &uid, &inst, &org.address);
    }
    let reply_text = reply_parts.first().map(|(_, o)| o.component_text()).unwrap_or_default();
    plan.op(Op::Decision(DecisionRecord {
        id: 0,
        resource: ctx.user.to_string(),
        at: ctx.now.timestamp(),
        uid: uid.clone(),
        rid: inst.key().to_string(),
        organizer: org.address.to_string(),
        method: what.to_string(),
        decision: decision.verdict.label().to_string(),
        function: decision.function.clone(),
        reason: decision.trail.join("; "),
        reply: reply_text,
    }));
    plan.decision = Some(decision.verdict.label().to_string());
    plan.done(format!(
        "{what} {l} from {}: {} ({})",
        org.address,
        decision.verdict.label(),
        decision.trail.join("; ")
    ));
    Ok(plan)
}

/// The booking's occurrences as periods held until `expires`: offers made
/// with a COUNTER, or a delegate's time held for it.
fn held_periods(
    booking: &Booking,
    organizer: &CalAddress,
    expires: DateTime<Utc>,
    summary: &str,
) -> Vec<BusyPeriod> {
    booking
        .occurrences
        .iter()
        .map(|o| {
            let mut p = BusyPeriod::new(o.start, o.end, &booking.uid, &o.rid);
            p.expires = Some(expires);
            p.organizer = organizer.to_string();
            p.summary = summary.to_string();
            p
        })
        .collect()
}

/// The text part of a reply: the reason in the requester's language, with
/// the specific one (which limit, which occurrences) when there is one.
fn explanation(lang: Lang, d: &Decision, zone: &crate::ical::Zone) -> String {
    match &d.because {
        Some(r) => format!(
            "{}\n\n{} {}",
            tr(lang, d.reason),
            tr(lang, Text::ReasonLabel),
            crate::i18n::reasons::render(lang, r, zone)
        ),
        None => tr(lang, d.reason).to_string(),
    }
}

/// A stored occurrence of a series, for per-occurrence decisions.
fn occurrence_object(
    parent: &Object,
    rid: &str,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    user: &CalAddress,
) -> Object {
    use crate::ical::{DateTimeValue, Property};
    let mut o = parent.clone();
    o.remove_property(&Property::Rrule);
    o.remove_property(&Property::Rdate);
    o.remove_property(&Property::Exdate);
    let rid_value =
        crate::ical::datetime::parse_rid_key(rid).unwrap_or(DateTimeValue::Utc(start.naive_utc()));
    o.set_recurrence_id(&rid_value);
    o.set_dtstart(&DateTimeValue::Utc(start.naive_utc()));
    o.set_dtend(&DateTimeValue::Utc(end.naive_utc()));
    o.set_partstat(user, PartStat::Declined);
    o
}

/// CANCEL: the booking released; kept as a cancellation even when nothing
/// was held, so that the request it cancels is never booked if it arrives
/// later.
pub fn cancel(
    ctx: &Context<'_>,
    view: &dyn ScheduleView,
    scope: &MessageScope,
    obj: &Object,
) -> Decided {
    let gate = Gate::open("CANCEL", obj, ctx.instance_of(obj))?;
    let (uid, inst) = (gate.uid().to_string(), gate.instance().clone());
    let org = gate.from_organizer(obj, ctx.senders, ctx.user, true)?;
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
    let was_booked = reference.filter(|s| is_booked(s, ctx.user));
    // A whole event cancels (removes) the occurrences stored before it.
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
    plan.op(Op::ReplacePeriods {
        set: FbSet::Offers(ctx.user.to_string()),
        uid: uid.clone(),
        rid: inst.occurrence().map(str::to_string),
        periods: Vec::new(),
    });
    if let Some(s) = was_booked {
        let c = Cancellation {
            resource: ctx.user.clone(),
            uid: uid.clone(),
            instance: inst.clone(),
            organizer: org.address.clone(),
            stored: Some(s.object.clone()),
        };
        plan.op(retraction(ctx.prefs, view, &c)?);
    }
    plan.done(format!(
        "CANCEL {} from {}: {}",
        gate.label(),
        org.address,
        if reference.is_some() {
            "cancelled, booking released"
        } else {
            "recorded (the event was not known; a later request for it will not be booked)"
        }
    ));
    Ok(plan)
}

/// ADD: the added occurrence decided like a request. For an event not
/// held, the organiser is also asked for the whole event with a REFRESH.
pub fn add(ctx: &Context<'_>, view: &dyn ScheduleView, obj: &Object) -> Decided {
    let gate = Gate::open("ADD", obj, Instance::Master)?;
    let uid = gate.uid().to_string();
    let org = gate.from_organizer(obj, ctx.senders, ctx.user, true).map_err(Stop::Refused)?;
    let master = view.stored(ctx.user, &uid, &Instance::Master)?;
    let mode = ctx.prefs.add_response();
    if mode == AddResponse::Ignore {
        return Ok(Plan::note(format!("ADD {uid} ignored (add_method_response = ignore)")));
    }
    let mut refresh_plan = Plan::default();
    if master.is_none() || mode == AddResponse::Refresh {
        let base = master.as_ref().map(|p| p.object.clone()).unwrap_or_else(|| obj.clone());
        let refresh = refresh_request(&base, ctx.user, ctx.sent_by(), &ctx.now);
        let lang = ctx.lang_for(view, &org.address)?;
        refresh_plan.send(&org.address, Method::Refresh, refresh, lang);
        refresh_plan.done(format!(
            "ADD {uid}: {} — REFRESH sent to {}",
            if master.is_none() { "unknown event" } else { "add_method_response = refresh" },
            org.address
        ));
        if mode == AddResponse::Refresh {
            return Ok(refresh_plan);
        }
    }
    let occurrence = added_occurrence(obj);
    let mut plan = booking(ctx, view, &MessageScope::default(), &occurrence, &Method::Add)?;
    plan.parts.splice(0..0, refresh_plan.parts);
    plan.log.splice(0..0, refresh_plan.log);
    Ok(plan)
}

/// DECLINECOUNTER: the offer made with a COUNTER is released.
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
    plan.done(format!("DECLINECOUNTER {uid}: {n} offered period(s) released"));
    Ok(plan)
}
