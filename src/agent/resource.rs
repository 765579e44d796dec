//! The autonomous resource (imip-agent 3.4, 3.5): REQUEST decided by the
//! policy chain and answered ACCEPTED / DECLINED / COUNTER / DELEGATED /
//! TENTATIVE; CANCEL releasing the booking; ADD with a scheduling decision;
//! DECLINECOUNTER releasing an offer; free/busy answered. Performs I/O
//! through the transaction only.

use super::common::{
    self, added_occurrence, load, only_rid, organizer_or_log, rebuild_own_busy, refresh_for_add,
    sent_by, store_event, uid_or_log,
};
use super::events::mark_cancelled;
use super::maintenance::resource_busy;
use super::outgoing_mail::OutPart;
use super::view::TxView;
use super::{Env, Outcome, approval, freebusy, prefs};
use crate::address::CalAddress;
use crate::config::prefs::{AddResponse, Prefs};
use crate::error::InfraResult;
use crate::freebusy::{BusyPeriod, FbSet};
use crate::i18n::{Lang, Text, tr};
use crate::ical::{ComponentKind, Method, Object, PartStat};
use crate::itip::{
    attendee_reply, check_sent_by_continuity, identity, newness, organiser_change_allowed,
    refresh_request,
};
use crate::mail::InboundMessage;
use crate::mail::items::ItemsOutcome;
use crate::policy::{self, Booking, Cancellation, Decision, Effect, FunctionCall, Verdict};
use crate::store::{DecisionRecord, ObjectStatus, StoreTx};

/// Everything the handlers of one message share.
struct Ctx<'a, 'e> {
    env: &'a Env<'e>,
    user: &'a CalAddress,
    prefs: Prefs,
    senders: &'a [CalAddress],
    msg: &'a InboundMessage,
}

impl Ctx<'_, '_> {
    /// Rebuilds the resource's own busy time (its bookings) for an event.
    fn rebuild_own(&self, tx: &mut dyn StoreTx, out: &mut Outcome, uid: &str) -> InfraResult<()> {
        let rule = |o: &Object| resource_busy(o, self.user);
        rebuild_own_busy(self.env, tx, out, self.user.as_str(), uid, &self.prefs, &rule)
    }

    /// Whether a stored object is one of the resource's bookings.
    fn is_booked(&self, s: &common::Stored) -> bool {
        s.status == ObjectStatus::Active && resource_busy(&s.object, self.user).is_some()
    }
}

/// Processes a message for a resource.
pub fn process(
    env: &Env<'_>,
    tx: &mut dyn StoreTx,
    msg: &InboundMessage,
    items: &ItemsOutcome,
    recipient: &CalAddress,
) -> InfraResult<Outcome> {
    let mut out = Outcome::default();
    let now = env.clock.now();
    tx.ensure_user(recipient.as_str(), "resource", now)?;
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
    let ctx = Ctx { env, user: recipient, prefs, senders: msg.senders(), msg };
    for item in &items.items {
        out.methods.push(format!("{}:{}", item.object.kind().as_str(), item.method));
        match (item.object.kind(), &item.method) {
            (ComponentKind::FreeBusy, Method::Request) => {
                let lang = common::requester_lang(
                    ctx.env,
                    ctx.msg,
                    ctx.prefs.lang(),
                    tx,
                    item.object.organizer().map(|o| o.address).as_ref(),
                )?;
                freebusy::answer_request(
                    env,
                    tx,
                    &mut out,
                    recipient,
                    ctx.senders,
                    &item.object,
                    lang,
                    true,
                )?;
            }
            (ComponentKind::FreeBusy, Method::Publish) => {
                freebusy::record(tx, &mut out, recipient, ctx.senders, &item.object, &item.method)?;
            }
            (ComponentKind::FreeBusy, m) => out.log(format!("free/busy {m} ignored by resources")),
            (ComponentKind::Event, Method::Request) => {
                let overrides = override_rids(items, &item.object, &ctx);
                request(&ctx, tx, &mut out, &item.object, &overrides, false)?;
            }
            (ComponentKind::Event, Method::Cancel) => cancel(&ctx, tx, &mut out, &item.object)?,
            (ComponentKind::Event, Method::Add) => add(&ctx, tx, &mut out, &item.object)?,
            (ComponentKind::Event, Method::DeclineCounter) => {
                decline_counter(&ctx, tx, &mut out, &item.object)?
            }
            (ComponentKind::Event, Method::Reply)
                if approval::owner_reply(
                    env,
                    tx,
                    &mut out,
                    recipient,
                    ctx.senders,
                    &item.object,
                )? => {}
            (ComponentKind::Event, m) => out.log(format!(
                "{m} for {} ignored: resources do not act on it",
                item.object.uid().unwrap_or_default()
            )),
            (k, m) => out.log(format!(
                "{} {m} ignored: only VEVENT and VFREEBUSY are understood",
                k.as_str()
            )),
        }
    }
    out.compose_parts(env);
    Ok(out)
}

/// RECURRENCE-IDs of occurrences sent in the same message as their parent:
/// the parent's own period at those times is replaced by the override.
fn override_rids(items: &ItemsOutcome, parent: &Object, ctx: &Ctx<'_, '_>) -> Vec<String> {
    let Some(uid) = parent.uid() else { return Vec::new() };
    if parent.recurrence_id().is_some() {
        return Vec::new();
    }
    let zone = ctx.prefs.zone();
    items
        .items
        .iter()
        .filter(|i| i.method == Method::Request && i.object.uid().as_deref() == Some(uid.as_str()))
        .map(|i| i.object.rid_key(&i.object.zones(zone.clone())))
        .filter(|r| !r.is_empty())
        .collect()
}

/// The resource's policy chain (the `scheduling_function` preference).
pub(crate) fn scheduling_functions(prefs: &Prefs) -> Result<Vec<FunctionCall>, String> {
    policy::parse_functions(prefs.get("scheduling_function").unwrap_or("schedule_in_freebusy"))
}

/// Releases a booking that no longer holds: lets the policy chain undo
/// what it recorded when confirming it.
pub(crate) fn retract_booking(
    env: &Env<'_>,
    tx: &mut dyn StoreTx,
    calls: &[FunctionCall],
    c: &Cancellation,
) -> InfraResult<()> {
    let effects = {
        let view = TxView { tx: &*tx, prefs: env.prefs };
        policy::retract(calls, c, &view)?
    };
    apply_effects(tx, &effects)
}

fn request(
    ctx: &Ctx<'_, '_>,
    tx: &mut dyn StoreTx,
    out: &mut Outcome,
    obj: &Object,
    overrides: &[String],
    from_add: bool,
) -> InfraResult<()> {
    let env = ctx.env;
    let user = ctx.user.as_str();
    let what = if from_add { "ADD" } else { "REQUEST" };
    let Some(uid) = uid_or_log(out, obj, what) else { return Ok(()) };
    let rid = obj.rid_key(&obj.zones(ctx.prefs.zone()));
    let label = common::label(&uid, &rid);
    let Some(org) = organizer_or_log(out, obj, ctx.senders, ctx.user, true, what, &label) else {
        return Ok(());
    };
    let stored = load(tx, user, &uid, &rid)?;
    if !from_add {
        if !newness(obj, stored.as_ref().map(|s| &s.object), false).is_new() {
            out.log(format!(
                "{what} {label} ignored: not newer than the stored version (SEQUENCE/DTSTAMP)"
            ));
            return Ok(());
        }
        let reference = match &stored {
            Some(s) => Some(s.object.clone()),
            None => load(tx, user, &uid, "")?.map(|p| p.object),
        };
        if let Some(r) = reference
            && let Err(e) = organiser_change_allowed(&r, obj, ctx.prefs.organiser_replacement())
                .and_then(|_| check_sent_by_continuity(Some(&r), obj, ctx.senders))
        {
            out.log(format!("{what} {label} not acted on: {e}"));
            return Ok(());
        }
    }
    if !obj.has_period() {
        out.log(format!("{what} {label} ignored: no DTSTART with DTEND or DURATION"));
        return Ok(());
    }
    if obj.is_this_and_future() {
        out.log(format!(
            "{what} {label}: RANGE=THISANDFUTURE is not supported; treated as one occurrence"
        ));
    }
    let now = env.clock.now();
    tx.purge_expired(&FbSet::Offers(user.to_string()), now)?;
    let was_booked = stored.as_ref().is_some_and(|s| ctx.is_booked(s));

    let mut booking = Booking {
        resource: ctx.user.clone(),
        object: obj.clone(),
        uid: uid.clone(),
        rid: rid.clone(),
        organizer: org.address.clone(),
        occurrences: Vec::new(),
        open_ended: false,
        truncated: false,
        prefs: ctx.prefs.clone(),
        now,
        is_delegate: identity::is_valid_delegate(obj, ctx.user),
        expand: env.expand_params(ctx.prefs.window_days()),
    };
    booking.recompute();
    booking.occurrences.retain(|o| !overrides.contains(&o.rid));

    let calls = scheduling_functions(&ctx.prefs);
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
            trail: vec![format!(
                "more than {} occurrences: declined",
                env.config.limits.max_occurrences
            )],
            because: None,
        },
        (Ok(calls), false) => {
            let view = TxView { tx: &*tx, prefs: env.prefs };
            policy::evaluate(calls, &mut booking, &view)?
        }
    };
    let calls = calls.unwrap_or_default();
    let lang = common::requester_lang(ctx.env, ctx.msg, ctx.prefs.lang(), tx, Some(&org.address))?;
    let sent_by = sent_by(env, ctx.user);
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
            store_event(tx, env, user, &stored_obj, &uid, &rid, ObjectStatus::Active)?;
            let mut declined_parts = Vec::new();
            if let Verdict::AcceptExcept(rids) = &decision.verdict {
                for r in rids {
                    let occ = booking.occurrences.iter().find(|o| &o.rid == r).cloned();
                    if let Some(o) = occ {
                        let inst = occurrence_object(&stored_obj, r, o.start, o.end, ctx.user);
                        store_event(tx, env, user, &inst, &uid, r, ObjectStatus::Active)?;
                        declined_parts.push(attendee_reply(
                            &inst,
                            ctx.user,
                            PartStat::Declined,
                            sent_by,
                            &now,
                        ));
                    }
                }
            }
            tx.remove_busy_for_uid(&FbSet::Offers(user.to_string()), &uid, None)?;
            ctx.rebuild_own(tx, out, &uid)?;
            if status != PartStat::Declined {
                let effects = {
                    let view = TxView { tx: &*tx, prefs: env.prefs };
                    policy::confirm(&calls, &booking, &view)?
                };
                apply_effects(tx, &effects)?;
            } else if was_booked {
                let c = Cancellation {
                    resource: ctx.user.clone(),
                    uid: uid.clone(),
                    rid: rid.clone(),
                    organizer: org.address.clone(),
                    stored: stored.as_ref().map(|s| s.object.clone()),
                };
                retract_booking(env, tx, &calls, &c)?;
            }
            reply_parts.push((
                Method::Reply,
                attendee_reply(&stored_obj, ctx.user, status, sent_by, &now),
            ));
            reply_parts.extend(declined_parts.into_iter().map(|p| (Method::Reply, p)));
        }
        Verdict::Counter => {
            if let Some(hold) = ctx.prefs.offer_period() {
                let summary = booking.object.summary().unwrap_or_default();
                let offers = held_periods(&booking, &uid, &org.address, now + hold, &summary);
                let set = FbSet::Offers(user.to_string());
                tx.remove_busy_for_uid(&set, &uid, None)?;
                tx.add_busy(&set, &offers)?;
            }
            reply_parts.push((
                Method::Counter,
                attendee_reply(&booking.object, ctx.user, PartStat::Tentative, sent_by, &now),
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
            let held = held_periods(&booking, &uid, &org.address, now + hold, &summary);
            tx.remove_busy_for_uid(&FbSet::Offers(to.to_string()), &uid, None)?;
            tx.add_busy(&FbSet::Offers(to.to_string()), &held)?;
            // The resource neither stores nor books: the delegate does when it accepts.
            let mut delegated = booking.object.clone();
            delegated.set_partstat(ctx.user, PartStat::Delegated);
            delegated.set_participant_param(
                crate::ical::Role::Attendee,
                ctx.user,
                &crate::ical::Param::DelegatedTo(vec![to.clone()]),
            );
            if !delegated.has_attendee(to) {
                delegated.add_attendee(
                    to,
                    &[
                        crate::ical::Param::DelegatedFrom(vec![ctx.user.clone()]),
                        crate::ical::Param::PartStat(PartStat::NeedsAction),
                        crate::ical::Param::Rsvp(true),
                        crate::ical::Param::Cutype("RESOURCE".into()),
                    ],
                );
            }
            let mut reply =
                attendee_reply(&delegated, ctx.user, PartStat::Delegated, sent_by, &now);
            reply.copy_attendee_from(&delegated, to);
            reply_parts.push((Method::Reply, reply));
            let mut to_delegate = delegated.clone();
            to_delegate.set_dtstamp(&now);
            out.parts.push(OutPart {
                to: to.clone(),
                method: Method::Request,
                object: to_delegate,
                text: None,
                lang,
            });
        }
    }

    let text = explanation(lang, &decision);
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
            out.parts.push(OutPart {
                to: to.clone(),
                method: m.clone(),
                object: o.clone(),
                text: Some(text.clone()),
                lang,
            });
        }
    }
    if decision.verdict == Verdict::Tentative {
        approval::request_approval(
            env,
            tx,
            out,
            ctx.user,
            &booking.object,
            &uid,
            &rid,
            &org.address,
        )?;
    }
    let reply_text = reply_parts.first().map(|(_, o)| o.component_text()).unwrap_or_default();
    tx.add_decision(&DecisionRecord {
        id: 0,
        resource: user.to_string(),
        at: now.timestamp(),
        uid: uid.clone(),
        rid: rid.clone(),
        organizer: org.address.to_string(),
        method: what.to_string(),
        decision: decision.verdict.label().to_string(),
        function: decision.function.clone(),
        reason: decision.trail.join("; "),
        reply: reply_text,
    })?;
    out.handled = true;
    out.decisions.push(decision.verdict.label().to_string());
    out.log(format!(
        "{what} {label} from {}: {} ({})",
        org.address,
        decision.verdict.label(),
        decision.trail.join("; ")
    ));
    Ok(())
}

/// The booking's occurrences as periods held until `expires`: offers made
/// with a COUNTER, or a delegate's time held for it.
fn held_periods(
    booking: &Booking,
    uid: &str,
    organizer: &CalAddress,
    expires: chrono::DateTime<chrono::Utc>,
    summary: &str,
) -> Vec<BusyPeriod> {
    booking
        .occurrences
        .iter()
        .map(|o| {
            let mut p = BusyPeriod::new(o.start, o.end, uid, &o.rid);
            p.expires = Some(expires);
            p.organizer = organizer.to_string();
            p.summary = summary.to_string();
            p
        })
        .collect()
}

/// The text part of a reply: the reason in the requester's language, with
/// the specific one (which limit, which occurrences) when there is one.
fn explanation(lang: Lang, d: &Decision) -> String {
    match &d.because {
        Some(r) => format!(
            "{}\n\n{} {}",
            tr(lang, d.reason),
            tr(lang, Text::ReasonLabel),
            crate::i18n::reasons::render(lang, r)
        ),
        None => tr(lang, d.reason).to_string(),
    }
}

/// A stored occurrence of a series, for per-occurrence decisions.
fn occurrence_object(
    parent: &Object,
    rid: &str,
    start: chrono::DateTime<chrono::Utc>,
    end: chrono::DateTime<chrono::Utc>,
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

pub(crate) fn apply_effects(tx: &mut dyn StoreTx, effects: &[Effect]) -> InfraResult<()> {
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

fn cancel(
    ctx: &Ctx<'_, '_>,
    tx: &mut dyn StoreTx,
    out: &mut Outcome,
    obj: &Object,
) -> InfraResult<()> {
    let env = ctx.env;
    let user = ctx.user.as_str();
    let Some(uid) = uid_or_log(out, obj, "CANCEL") else { return Ok(()) };
    let rid = obj.rid_key(&obj.zones(ctx.prefs.zone()));
    let label = common::label(&uid, &rid);
    let Some(org) = organizer_or_log(out, obj, ctx.senders, ctx.user, true, "CANCEL", &label)
    else {
        return Ok(());
    };
    let parent = load(tx, user, &uid, "")?;
    let stored = if rid.is_empty() {
        parent.clone()
    } else {
        load(tx, user, &uid, &rid)?.or_else(|| parent.clone())
    };
    let Some(stored) = stored else {
        out.log(format!("CANCEL {label}: nothing stored for it"));
        return Ok(());
    };
    if let Some(p) = &parent
        && let Err(e) = organiser_change_allowed(&p.object, obj, ctx.prefs.organiser_replacement())
            .and_then(|_| check_sent_by_continuity(Some(&p.object), obj, ctx.senders))
    {
        out.log(format!("CANCEL {label} not acted on: {e}"));
        return Ok(());
    }
    if !newness(obj, Some(&stored.object), false).is_new() {
        out.log(format!(
            "CANCEL {label} ignored: not newer than the stored version (SEQUENCE/DTSTAMP)"
        ));
        return Ok(());
    }
    let was_booked = ctx.is_booked(&stored);
    // A whole event cancels its separately stored occurrences too.
    mark_cancelled(env, tx, user, &uid, &rid, obj)?;
    tx.remove_busy_for_uid(&FbSet::Offers(user.to_string()), &uid, only_rid(&rid))?;
    ctx.rebuild_own(tx, out, &uid)?;
    if was_booked {
        let calls = scheduling_functions(&ctx.prefs).unwrap_or_default();
        let c = Cancellation {
            resource: ctx.user.clone(),
            uid: uid.clone(),
            rid: rid.clone(),
            organizer: org.address.clone(),
            stored: Some(stored.object.clone()),
        };
        retract_booking(env, tx, &calls, &c)?;
    }
    out.handled = true;
    out.log(format!("CANCEL {label} from {}: cancelled, booking released", org.address));
    Ok(())
}

fn add(
    ctx: &Ctx<'_, '_>,
    tx: &mut dyn StoreTx,
    out: &mut Outcome,
    obj: &Object,
) -> InfraResult<()> {
    let env = ctx.env;
    let Some(uid) = uid_or_log(out, obj, "ADD") else { return Ok(()) };
    let Some(org) = organizer_or_log(out, obj, ctx.senders, ctx.user, true, "ADD", &uid) else {
        return Ok(());
    };
    let parent = load(tx, ctx.user.as_str(), &uid, "")?;
    let mode = ctx.prefs.add_response();
    if mode == AddResponse::Ignore {
        out.log(format!("ADD {uid} ignored (add_method_response = ignore)"));
        return Ok(());
    }
    if parent.is_none() || mode == AddResponse::Refresh {
        let now = env.clock.now();
        let base = parent.as_ref().map(|p| p.object.clone()).unwrap_or_else(|| obj.clone());
        let refresh = refresh_request(&base, ctx.user, sent_by(env, ctx.user), &now);
        let lang =
            common::requester_lang(ctx.env, ctx.msg, ctx.prefs.lang(), tx, Some(&org.address))?;
        refresh_for_add(out, &uid, &org.address, refresh, lang, parent.is_none());
        return Ok(());
    }
    // add: the added occurrence becomes a separately stored occurrence and
    // is decided on like a request.
    request(ctx, tx, out, &added_occurrence(obj), &[], true)
}

fn decline_counter(
    ctx: &Ctx<'_, '_>,
    tx: &mut dyn StoreTx,
    out: &mut Outcome,
    obj: &Object,
) -> InfraResult<()> {
    let Some(uid) = uid_or_log(out, obj, "DECLINECOUNTER") else { return Ok(()) };
    if organizer_or_log(out, obj, ctx.senders, ctx.user, true, "DECLINECOUNTER", &uid).is_none() {
        return Ok(());
    }
    let rid = obj.rid_key(&obj.zones(ctx.prefs.zone()));
    let n = tx.remove_busy_for_uid(&FbSet::Offers(ctx.user.to_string()), &uid, only_rid(&rid))?;
    out.handled = true;
    out.log(format!("DECLINECOUNTER {uid}: {n} offered period(s) released"));
    Ok(())
}

/// Books a resource directly (for software agents, not from mail): the
/// event goes through exactly the checks, policy chain and recording of a
/// mail REQUEST from `requester`. Returns the decision and the outcome
/// (whose messages the caller may send or drop).
pub fn book(
    env: &Env<'_>,
    tx: &mut dyn StoreTx,
    resource: &CalAddress,
    obj: &Object,
    requester: &CalAddress,
) -> InfraResult<(Option<String>, Outcome)> {
    let msg = InboundMessage { from: vec![requester.clone()], ..InboundMessage::default() };
    let items = ItemsOutcome {
        items: vec![crate::mail::ItipItem { method: Method::Request, object: obj.clone() }],
        handled: true,
        notes: Vec::new(),
        ..ItemsOutcome::default()
    };
    let out = process(env, tx, &msg, &items, resource)?;
    Ok((out.decisions.last().cloned(), out))
}
