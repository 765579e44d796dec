//! The outgoing agent (imip-agent 2.4): records what a person sends —
//! their own invitations, replies, counter-proposals, cancellations — so
//! that their schedule and free/busy stay right. Never replies, never
//! delivers. Performs I/O through the transaction only.

use super::common::{added_occurrence, expand_for, load, only_rid, uid_or_log, update_stored};
use super::events::{
    mark_cancelled, merge_attendance, remove_others_busy, separate_occurrence, store_active,
    stored_for,
};
use super::person::PCtx;
use super::{Env, Outcome, prefs};
use crate::address::CalAddress;
use crate::error::InfraResult;
use crate::freebusy::{BusyPeriod, FbSet};
use crate::ical::{ComponentKind, Method, Object, PartStat};
use crate::itip::newness;
use crate::mail::InboundMessage;
use crate::mail::items::ItemsOutcome;
use crate::store::{ObjectStatus, StoreTx};

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
    for item in &items.items {
        out.methods.push(format!("{}:{}", item.object.kind().as_str(), item.method));
        if item.object.kind() != ComponentKind::Event {
            out.log(format!(
                "{} {} not recorded: the outgoing agent records events only",
                item.object.kind().as_str(),
                item.method
            ));
            continue;
        }
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
        let ctx = PCtx { env, user: &user, prefs: p, senders: msg.senders(), msg };
        let obj = &item.object;
        match &item.method {
            Method::Request | Method::Publish => {
                organiser_update(&ctx, tx, &mut out, obj, &item.method)?
            }
            Method::Reply | Method::Counter => {
                attendee_answer(&ctx, tx, &mut out, obj, &item.method)?
            }
            Method::Cancel => organiser_cancel(&ctx, tx, &mut out, obj)?,
            Method::Add => organiser_add(&ctx, tx, &mut out, obj)?,
            Method::DeclineCounter => decline_counter(&ctx, tx, &mut out, obj)?,
            Method::Refresh => {
                out.log(format!("REFRESH {}: nothing to record", obj.uid().unwrap_or_default()))
            }
            m => out.log(format!("{m} ignored")),
        }
    }
    Ok(out)
}

fn is_organiser(ctx: &PCtx<'_, '_>, obj: &Object) -> bool {
    obj.organizer().is_some_and(|o| o.address == *ctx.user)
}

/// UID and RECURRENCE-ID key of an object the user sent as its organiser;
/// logs why not and gives `None` otherwise.
fn organiser_ids(
    ctx: &PCtx<'_, '_>,
    out: &mut Outcome,
    obj: &Object,
    what: &str,
) -> Option<(String, String)> {
    let (uid, rid) = ctx.ids_or_log(out, obj, what)?;
    if !is_organiser(ctx, obj) {
        out.log(format!("{what} {uid} not recorded: {} is not its organiser", ctx.user));
        return None;
    }
    Some((uid, rid))
}

fn organiser_update(
    ctx: &PCtx<'_, '_>,
    tx: &mut dyn StoreTx,
    out: &mut Outcome,
    obj: &Object,
    method: &Method,
) -> InfraResult<()> {
    let Some((uid, rid)) = organiser_ids(ctx, out, obj, method.as_str()) else { return Ok(()) };
    let stored = load(tx, ctx.uri(), &uid, &rid)?;
    if !newness(obj, stored.as_ref().map(|s| &s.object), false).is_new() {
        out.log(format!("{method} {uid} not recorded: not newer than the stored version"));
        return Ok(());
    }
    store_active(ctx.env, tx, ctx.uri(), obj, &uid, &rid)?;
    tx.dequeue_request(ctx.uri(), &uid, &rid, None)?;
    tx.delete_counters(ctx.uri(), &uid, &rid, None)?;
    ctx.rebuild_own(tx, out, &uid)?;
    out.handled = true;
    out.log(format!("{method} {uid} sent by {}: recorded as organiser", ctx.user));
    Ok(())
}

fn attendee_answer(
    ctx: &PCtx<'_, '_>,
    tx: &mut dyn StoreTx,
    out: &mut Outcome,
    obj: &Object,
    method: &Method,
) -> InfraResult<()> {
    let Some((uid, rid)) = ctx.ids_or_log(out, obj, method.as_str()) else { return Ok(()) };
    let Some(mine) = obj.attendee(ctx.user) else {
        out.log(format!("{method} {uid} not recorded: {} is not an attendee in it", ctx.user));
        return Ok(());
    };
    let Some(stored) = stored_for(tx, ctx.uri(), &uid, &rid)? else {
        out.log(format!("{method} {uid} not recorded: the invitation is not stored"));
        return Ok(());
    };
    let separate = !rid.is_empty() && stored.rid.is_empty();
    let mut target = if separate {
        let Some(o) = separate_occurrence(ctx.env, &ctx.prefs, &stored.object, &rid) else {
            out.log(format!("{method} {uid}: {rid} is not an occurrence of the stored event"));
            return Ok(());
        };
        o
    } else {
        stored.object.clone()
    };
    // Relaxed: some clients (Claws Mail) corrupt DTSTAMP in replies.
    if !newness(obj, Some(&stored.object), true).is_new() {
        out.log(format!("{method} {uid} not recorded: older than the stored event"));
        return Ok(());
    }
    merge_attendance(&mut target, obj, std::slice::from_ref(ctx.user));
    update_stored(tx, ctx.env, ctx.uri(), &target, &uid, &rid, stored.status)?;
    if mine.partstat.as_ref().is_some_and(|p| *p != PartStat::NeedsAction) {
        tx.dequeue_request(ctx.uri(), &uid, &rid, None)?;
    }
    tx.delete_counters(ctx.uri(), &uid, &rid, None)?;
    if *method == Method::Counter {
        // Proposed periods are held as offers, not recorded as busy time.
        // A proposal for one occurrence is kept under that occurrence's
        // RECURRENCE-ID (not its proposed start), so that it replaces only
        // an earlier proposal for the same occurrence and the organiser's
        // DECLINECOUNTER for that occurrence finds it; a proposal for the
        // whole event replaces every earlier one.
        let set = FbSet::Offers(ctx.uri().to_string());
        let only = only_rid(&rid);
        tx.remove_busy_for_uid(&set, &uid, only)?;
        if let Some(hold) = ctx.prefs.offer_period() {
            let now = ctx.env.clock.now();
            let (e, _) = expand_for(ctx.env, &ctx.prefs, obj);
            let offers: Vec<BusyPeriod> = e
                .occurrences
                .iter()
                .map(|o| {
                    let mut p = BusyPeriod::new(o.start, o.end, &uid, only.unwrap_or(&o.rid));
                    p.expires = Some(now + hold);
                    p.summary = obj.summary().unwrap_or_default();
                    p
                })
                .collect();
            tx.add_busy(&set, &offers)?;
            out.log(format!("COUNTER {uid}: {} proposed period(s) held as offers", offers.len()));
        } else {
            out.log(format!(
                "COUNTER {uid}: recorded; no offers held (freebusy_offers is not set)"
            ));
        }
    } else {
        ctx.rebuild_own(tx, out, &uid)?;
        out.log(format!(
            "REPLY {uid} sent by {}: {}",
            ctx.user,
            mine.partstat.map(|p| p.to_string()).unwrap_or_else(|| "no PARTSTAT".into())
        ));
    }
    out.handled = true;
    Ok(())
}

fn organiser_cancel(
    ctx: &PCtx<'_, '_>,
    tx: &mut dyn StoreTx,
    out: &mut Outcome,
    obj: &Object,
) -> InfraResult<()> {
    let Some((uid, rid)) = organiser_ids(ctx, out, obj, "CANCEL") else { return Ok(()) };
    let Some(stored) = stored_for(tx, ctx.uri(), &uid, &rid)? else {
        out.log(format!("CANCEL {uid}: the event is not stored"));
        return Ok(());
    };
    let listed: Vec<CalAddress> = obj.attendees().into_iter().map(|a| a.address).collect();
    let others: Vec<CalAddress> = stored
        .object
        .attendees()
        .into_iter()
        .map(|a| a.address)
        .filter(|a| a != ctx.user)
        .collect();
    let whole = others.iter().all(|a| listed.contains(a));
    if whole {
        mark_cancelled(ctx.env, tx, ctx.uri(), &uid, &rid, obj)?;
        remove_others_busy(tx, ctx.uri(), &uid, &rid, None)?;
        out.log(format!("CANCEL {uid}: cancelled for every attendee"));
    } else {
        let mut updated = stored.object.clone();
        updated.retain_attendees(|a| !listed.contains(&a.address));
        if let Some(seq) = obj.sequence() {
            updated.set_sequence(seq);
        }
        if let Some(stamp) = obj.dtstamp() {
            updated.set_dtstamp(&stamp);
        }
        let target_rid = if rid.is_empty() { String::new() } else { stored.rid.clone() };
        update_stored(tx, ctx.env, ctx.uri(), &updated, &uid, &target_rid, ObjectStatus::Active)?;
        remove_others_busy(tx, ctx.uri(), &uid, &rid, Some(&listed))?;
        out.log(format!("CANCEL {uid}: {} attendee(s) removed", listed.len()));
    }
    tx.dequeue_request(ctx.uri(), &uid, &rid, None)?;
    tx.delete_counters(ctx.uri(), &uid, &rid, None)?;
    ctx.rebuild_own(tx, out, &uid)?;
    out.handled = true;
    Ok(())
}

fn organiser_add(
    ctx: &PCtx<'_, '_>,
    tx: &mut dyn StoreTx,
    out: &mut Outcome,
    obj: &Object,
) -> InfraResult<()> {
    let Some(uid) = uid_or_log(out, obj, "ADD") else { return Ok(()) };
    if !is_organiser(ctx, obj) || load(tx, ctx.uri(), &uid, "")?.is_none() {
        out.log(format!("ADD {uid} not recorded: not an event {} organises", ctx.user));
        return Ok(());
    }
    let occurrence = added_occurrence(obj);
    let rid = occurrence.rid_key(&occurrence.zones(ctx.prefs.zone()));
    store_active(ctx.env, tx, ctx.uri(), &occurrence, &uid, &rid)?;
    ctx.rebuild_own(tx, out, &uid)?;
    out.handled = true;
    out.log(format!("ADD {uid}: occurrence {rid} recorded"));
    Ok(())
}

fn decline_counter(
    ctx: &PCtx<'_, '_>,
    tx: &mut dyn StoreTx,
    out: &mut Outcome,
    obj: &Object,
) -> InfraResult<()> {
    let Some((uid, rid)) = organiser_ids(ctx, out, obj, "DECLINECOUNTER") else { return Ok(()) };
    let before = tx.counters(ctx.uri(), &uid, &rid)?.len();
    for a in obj.attendees() {
        tx.delete_counters(ctx.uri(), &uid, &rid, Some(a.address.as_str()))?;
    }
    let left = tx.counters(ctx.uri(), &uid, &rid)?.len();
    if left == 0 {
        tx.dequeue_request(ctx.uri(), &uid, &rid, Some("COUNTER"))?;
    }
    out.handled = true;
    out.log(format!(
        "DECLINECOUNTER {uid}: {} counter-proposal(s) removed; {}",
        before - left,
        if left == 0 {
            "none left, no longer queued".to_string()
        } else {
            format!("{left} still queued")
        }
    ));
    Ok(())
}
