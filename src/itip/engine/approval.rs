//! Manual approval of bookings: a TENTATIVE booking is recorded as pending
//! and the resource's owner (the `owner` preference) gets a REQUEST they
//! can accept or decline from any calendar client — their REPLY comes back
//! to the resource — or an administrator decides (`imip_admin approvals`,
//! the web manager). Either way the organiser then gets the final answer.
//! No I/O.

use super::Decided;
use super::resource::{is_booking, retraction};
use crate::address::CalAddress;
use crate::i18n::{Lang, Text, tr};
use crate::ical::{Instance, Method, Object, Param, PartStat, Property};
use crate::itip::admission::{Gate, Reason};
use crate::itip::plan::{Op, OutPart, Plan};
use crate::itip::reply::attendee_reply;
use crate::itip::view::{Context, ScheduleView};
use crate::policy::{Cancellation, Effect};
use crate::store::{DecisionRecord, ObjectStatus};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The record namespace.
pub const NS: &str = "approval";

/// A pending approval.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Pending {
    /// The approval token (the UID of the owner's REQUEST).
    pub token: String,
    /// The booking's UID.
    pub uid: String,
    /// Its RECURRENCE-ID key ("" for the whole event).
    pub rid: String,
    /// The organiser.
    pub organizer: String,
    /// SUMMARY, for listings.
    pub summary: String,
    /// When it was requested (UTC seconds).
    pub requested: i64,
}

/// The token for a booking of a resource.
pub fn token(resource: &CalAddress, uid: &str, instance: &Instance) -> String {
    let d = Sha256::digest(format!("{resource}\n{uid}\n{}", instance.key()).as_bytes());
    let hex: String = d.iter().take(10).map(|b| format!("{b:02x}")).collect();
    format!("approval-{hex}@imip-agent")
}

fn key(resource: &CalAddress, token: &str) -> String {
    format!("{resource}\u{1f}{token}")
}

/// Pending approvals of a resource.
pub fn pending(
    view: &dyn crate::policy::PolicyView,
    resource: &CalAddress,
) -> crate::error::InfraResult<Vec<Pending>> {
    let prefix = format!("{resource}\u{1f}");
    Ok(view
        .kv_list(NS, &prefix)?
        .into_iter()
        .filter_map(|(_, v)| serde_json::from_str(&v).ok())
        .collect())
}

/// Adds to `plan` the pending record of a held booking and the owner's
/// REQUEST to decide it.
pub fn request(
    ctx: &Context<'_>,
    plan: &mut Plan,
    booking: &Object,
    uid: &str,
    instance: &Instance,
    organizer: &CalAddress,
) {
    let t = token(ctx.user, uid, instance);
    let p = Pending {
        token: t.clone(),
        uid: uid.into(),
        rid: instance.key().into(),
        organizer: organizer.to_string(),
        summary: booking.summary().unwrap_or_default(),
        requested: ctx.now.timestamp(),
    };
    let record = serde_json::to_string(&p).unwrap_or_default();
    plan.op(Op::Policy(vec![Effect::KvPut(NS.into(), key(ctx.user, &t), record)]));
    let Some(owner) = ctx.prefs.get("owner").and_then(CalAddress::from_email) else {
        plan.log(format!(
            "approval for {uid} pending; no owner preference, so only imip_admin approvals can decide"
        ));
        return;
    };
    // The owner's copy: the booking as an invitation from the resource.
    let mut ask = booking.clone();
    ask.retain_attendees(|_| false);
    ask.set_uid(&t);
    ask.remove_property(&Property::RecurrenceId);
    ask.remove_property(&Property::Rrule);
    ask.remove_property(&Property::Rdate);
    ask.remove_property(&Property::Exdate);
    let params: Vec<Param> = ctx.sent_by().map(|s| Param::SentBy(s.clone())).into_iter().collect();
    ask.set_organizer(ctx.user, &params);
    ask.add_attendee(&owner, &[Param::PartStat(PartStat::NeedsAction), Param::Rsvp(true)]);
    let summary = booking.summary().unwrap_or_default();
    ask.set_text(Property::Summary, &format!("Approve: {summary} ({organizer})"));
    ask.set_dtstamp(&ctx.now);
    ask.set_sequence(0);
    let lang = Lang::from_pref(ctx.prefs.lang());
    let text = format!("{}\n\n{organizer}: {summary}", tr(lang, Text::ApprovalRequested));
    plan.parts.push(OutPart {
        to: owner.clone(),
        method: Method::Request,
        object: ask,
        text: Some(text),
        lang,
    });
    plan.log(format!("approval for {uid} requested from {owner}"));
}

/// Whether a REPLY to a resource answers one of its approval requests.
pub fn is_owner_reply(obj: &Object) -> bool {
    obj.uid().is_some_and(|u| u.starts_with("approval-"))
}

/// The owner's REPLY to an approval request.
pub fn owner_reply(ctx: &Context<'_>, view: &dyn ScheduleView, obj: &Object) -> Decided {
    let uid = obj.uid().unwrap_or_default();
    let Some(owner) = ctx.prefs.get("owner").and_then(CalAddress::from_email) else {
        return Ok(Plan::note(format!(
            "REPLY {uid}: no owner preference; approvals only with imip_admin"
        )));
    };
    let gate = Gate::open("approval REPLY", obj, Instance::Master)?;
    let from = gate.to_organizer(obj, ctx.senders, ctx.user)?;
    let Some(answer) = from.iter().find(|a| a.address == owner) else {
        return Err(gate.refuse(Reason::Other(format!("not from the owner {owner}"))).into());
    };
    match answer.partstat {
        Some(PartStat::Accepted) => decide(ctx, view, &uid, true, owner.as_str()),
        Some(PartStat::Declined) => decide(ctx, view, &uid, false, owner.as_str()),
        _ => Ok(Plan::note(format!(
            "approval REPLY {uid}: neither accepted nor declined; still pending"
        ))),
    }
}

/// The owner's (or administrator's) decision on a pending booking of the
/// resource `ctx.user`, found by token or by UID.
pub fn decide(
    ctx: &Context<'_>,
    view: &dyn ScheduleView,
    token_or_uid: &str,
    approve: bool,
    by: &str,
) -> Decided {
    let resource = ctx.user;
    let list = pending(view.policy(), resource)?;
    let Some(p) = list.into_iter().find(|p| p.token == token_or_uid || p.uid == token_or_uid)
    else {
        return Ok(Plan::note(format!("no pending approval {token_or_uid} for {resource}")));
    };
    let mut plan = Plan::default();
    plan.op(Op::Policy(vec![Effect::KvDelete(NS.into(), key(resource, &p.token))]));
    let instance = Instance::from_key(&p.rid);
    let Some(stored) = view.stored(resource, &p.uid, &instance)? else {
        plan.log(format!("approval {}: the booking is no longer stored", p.uid));
        return Ok(plan);
    };
    // Held (TENTATIVE, time blocked, quotas charged) or left to the owner
    // (NEEDS-ACTION, nothing booked yet: approving books it as it stands —
    // the owner's decision, as when they accept in a calendar client).
    let was = stored.object.attendee(resource).and_then(|a| a.partstat);
    let left_to_owner = was == Some(PartStat::NeedsAction);
    if !stored.is_active() || !(was == Some(PartStat::Tentative) || left_to_owner) {
        plan.log(format!("approval {}: the booking is no longer waiting", p.uid));
        return Ok(plan);
    }
    plan.op(Op::Dequeue { uid: p.uid.clone(), instance: Instance::from_key(&p.rid), kind: None });
    let status = if approve { PartStat::Accepted } else { PartStat::Declined };
    let mut obj = stored.object.clone();
    obj.set_partstat(resource, status.clone());
    plan.op(Op::Put {
        uid: p.uid.clone(),
        instance: instance.clone(),
        status: ObjectStatus::Active,
        object: obj.clone(),
    });
    let organizer = CalAddress::parse(&p.organizer);
    if approve && left_to_owner {
        let org = organizer.clone().unwrap_or_else(|| resource.clone());
        plan.op(super::resource::confirmation(ctx, view, &obj, &p.uid, &instance, &org)?);
    }
    if !approve && is_booking(&stored.object, resource) {
        let c = Cancellation {
            resource: resource.clone(),
            uid: p.uid.clone(),
            instance: instance.clone(),
            organizer: organizer.clone().unwrap_or_else(|| resource.clone()),
            stored: Some(stored.object.clone()),
        };
        plan.op(retraction(ctx.prefs, view, &c)?);
    }
    if let Some(org) = organizer {
        let lang = view.lang_of(&org)?.unwrap_or_else(|| Lang::from_pref(ctx.prefs.lang()));
        let reply = attendee_reply(&obj, resource, status.clone(), ctx.sent_by(), &ctx.now);
        let text = tr(lang, if approve { Text::Scheduled } else { Text::Refused }).to_string();
        plan.parts.push(OutPart {
            to: org.clone(),
            method: Method::Reply,
            object: reply.clone(),
            text: Some(text),
            lang,
        });
        plan.op(Op::Decision(DecisionRecord {
            id: 0,
            resource: resource.to_string(),
            at: ctx.now.timestamp(),
            uid: p.uid.clone(),
            rid: p.rid.clone(),
            organizer: p.organizer.clone(),
            method: "APPROVAL".into(),
            decision: status.to_string(),
            function: "approval".into(),
            reason: format!("{} by {by}", if approve { "approved" } else { "declined" }),
            reply: reply.component_text(),
        }));
    }
    plan.decision = Some(status.to_string());
    plan.done(format!(
        "approval {}: {} by {by}",
        p.uid,
        if approve { "approved" } else { "declined" }
    ));
    Ok(plan)
}
