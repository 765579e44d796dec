//! Manual approval of bookings: a TENTATIVE booking is recorded as pending,
//! the resource's owner (the `owner` preference) gets a REQUEST they can
//! accept or decline from any calendar client — their REPLY comes back to
//! the resource — or the administrator decides with `imip_admin approvals`.
//! Either way the organiser then gets the final answer. Performs I/O
//! through the transaction only.

use super::common::{load, rebuild_own_busy, sent_by, update_stored};
use super::maintenance::resource_busy;
use super::outgoing_mail::OutPart;
use super::resource::{retract_booking, scheduling_functions};
use super::{Env, Outcome, prefs};
use crate::address::CalAddress;
use crate::error::InfraResult;
use crate::i18n::{Lang, Text, tr};
use crate::ical::{Method, Object, Param, PartStat, Property};
use crate::itip::attendee_reply;
use crate::policy::Cancellation;
use crate::store::{DecisionRecord, ObjectStatus, StoreTx};
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
    /// Its RECURRENCE-ID key.
    pub rid: String,
    /// The organiser.
    pub organizer: String,
    /// SUMMARY, for listings.
    pub summary: String,
    /// When it was requested (UTC seconds).
    pub requested: i64,
}

/// The token for a booking of a resource.
pub fn token(resource: &CalAddress, uid: &str, rid: &str) -> String {
    let d = Sha256::digest(format!("{resource}\n{uid}\n{rid}").as_bytes());
    let hex: String = d.iter().take(10).map(|b| format!("{b:02x}")).collect();
    format!("approval-{hex}@imip-agent")
}

fn key(resource: &CalAddress, token: &str) -> String {
    format!("{resource}\u{1f}{token}")
}

/// Pending approvals of a resource.
pub fn pending(tx: &dyn StoreTx, resource: &CalAddress) -> InfraResult<Vec<Pending>> {
    let prefix = format!("{resource}\u{1f}");
    Ok(tx
        .kv_list(NS, &prefix)?
        .into_iter()
        .filter_map(|(_, v)| serde_json::from_str(&v).ok())
        .collect())
}

/// Records a pending approval and asks the owner.
#[allow(clippy::too_many_arguments)]
pub fn request_approval(
    env: &Env<'_>,
    tx: &mut dyn StoreTx,
    out: &mut Outcome,
    resource: &CalAddress,
    booking: &Object,
    uid: &str,
    rid: &str,
    organizer: &CalAddress,
) -> InfraResult<()> {
    let now = env.clock.now();
    let t = token(resource, uid, rid);
    let p = Pending {
        token: t.clone(),
        uid: uid.into(),
        rid: rid.into(),
        organizer: organizer.to_string(),
        summary: booking.summary().unwrap_or_default(),
        requested: now.timestamp(),
    };
    tx.kv_put(NS, &key(resource, &t), &serde_json::to_string(&p).unwrap_or_default())?;
    let rp = prefs::load(env, tx, resource.as_str())?;
    let Some(owner) = rp.get("owner").and_then(CalAddress::from_email) else {
        out.log(format!("approval for {uid} pending; no owner preference, so only imip_admin approvals can decide"));
        return Ok(());
    };
    // The owner's copy: the booking as an invitation from the resource.
    let mut ask = booking.clone();
    ask.retain_attendees(|_| false);
    ask.set_uid(&t);
    ask.remove_property(&Property::RecurrenceId);
    ask.remove_property(&Property::Rrule);
    ask.remove_property(&Property::Rdate);
    ask.remove_property(&Property::Exdate);
    let params: Vec<Param> =
        sent_by(env, resource).map(|s| Param::SentBy(s.clone())).into_iter().collect();
    ask.set_organizer(resource, &params);
    ask.add_attendee(&owner, &[Param::PartStat(PartStat::NeedsAction), Param::Rsvp(true)]);
    ask.set_text(
        Property::Summary,
        &format!("Approve: {} ({organizer})", booking.summary().unwrap_or_default()),
    );
    ask.set_dtstamp(&now);
    ask.set_sequence(0);
    let lang = Lang::from_pref(rp.lang());
    let text = format!(
        "{}\n\n{organizer}: {}",
        tr(lang, Text::ApprovalRequested),
        booking.summary().unwrap_or_default()
    );
    out.parts.push(OutPart {
        to: owner.clone(),
        method: Method::Request,
        object: ask,
        text: Some(text),
        lang,
    });
    out.log(format!("approval for {uid} requested from {owner}"));
    Ok(())
}

/// Applies the owner's (or administrator's) decision on a pending booking.
pub fn decide(
    env: &Env<'_>,
    tx: &mut dyn StoreTx,
    out: &mut Outcome,
    resource: &CalAddress,
    token_or_uid: &str,
    approve: bool,
    by: &str,
) -> InfraResult<bool> {
    let list = pending(tx, resource)?;
    let Some(p) = list.into_iter().find(|p| p.token == token_or_uid || p.uid == token_or_uid)
    else {
        out.log(format!("no pending approval {token_or_uid} for {resource}"));
        return Ok(false);
    };
    tx.kv_delete(NS, &key(resource, &p.token))?;
    let user = resource.as_str();
    let Some(stored) = load(tx, user, &p.uid, &p.rid)? else {
        out.log(format!("approval {}: the booking is no longer stored", p.uid));
        return Ok(false);
    };
    if stored.status != ObjectStatus::Active
        || stored.object.attendee(resource).and_then(|a| a.partstat) != Some(PartStat::Tentative)
    {
        out.log(format!("approval {}: the booking is no longer waiting", p.uid));
        return Ok(false);
    }
    let now = env.clock.now();
    let status = if approve { PartStat::Accepted } else { PartStat::Declined };
    let mut obj = stored.object.clone();
    obj.set_partstat(resource, status.clone());
    update_stored(tx, env, user, &obj, &p.uid, &p.rid, ObjectStatus::Active)?;
    let rp = prefs::load(env, tx, user)?;
    let rule = |o: &Object| resource_busy(o, resource);
    rebuild_own_busy(env, tx, out, user, &p.uid, &rp, &rule)?;
    if !approve {
        let calls = scheduling_functions(&rp).unwrap_or_default();
        let organizer = CalAddress::parse(&p.organizer).unwrap_or_else(|| resource.clone());
        let c = Cancellation {
            resource: resource.clone(),
            uid: p.uid.clone(),
            rid: p.rid.clone(),
            organizer,
            stored: Some(stored.object.clone()),
        };
        retract_booking(env, tx, &calls, &c)?;
    }
    if let Some(org) = CalAddress::parse(&p.organizer) {
        let lang = super::common::requester_lang_of(env, tx, rp.lang(), &org)?;
        let reply = attendee_reply(&obj, resource, status.clone(), sent_by(env, resource), &now);
        let text = tr(lang, if approve { Text::Scheduled } else { Text::Refused }).to_string();
        out.parts.push(OutPart {
            to: org.clone(),
            method: Method::Reply,
            object: reply.clone(),
            text: Some(text),
            lang,
        });
        tx.add_decision(&DecisionRecord {
            id: 0,
            resource: user.to_string(),
            at: now.timestamp(),
            uid: p.uid.clone(),
            rid: p.rid.clone(),
            organizer: p.organizer.clone(),
            method: "APPROVAL".into(),
            decision: status.to_string(),
            function: "approval".into(),
            reason: format!("{} by {by}", if approve { "approved" } else { "declined" }),
            reply: reply.component_text(),
        })?;
    }
    out.handled = true;
    out.log(format!(
        "approval {}: {} by {by}",
        p.uid,
        if approve { "approved" } else { "declined" }
    ));
    Ok(true)
}

/// Handles a REPLY to the resource: the owner answering an approval request.
pub fn owner_reply(
    env: &Env<'_>,
    tx: &mut dyn StoreTx,
    out: &mut Outcome,
    resource: &CalAddress,
    senders: &[CalAddress],
    obj: &Object,
) -> InfraResult<bool> {
    let Some(uid) = obj.uid().filter(|u| u.starts_with("approval-")) else { return Ok(false) };
    let rp = prefs::load(env, tx, resource.as_str())?;
    let Some(owner) = rp.get("owner").and_then(CalAddress::from_email) else {
        out.log(format!("REPLY {uid}: no owner preference; approvals only with imip_admin"));
        return Ok(true);
    };
    let from = match crate::itip::check_to_organizer(obj, senders, resource) {
        Ok(f) => f,
        Err(e) => {
            out.log(format!("approval REPLY {uid} not acted on: {e}"));
            return Ok(true);
        }
    };
    let Some(answer) = from.iter().find(|a| a.address == owner) else {
        out.log(format!("approval REPLY {uid} not acted on: not from the owner {owner}"));
        return Ok(true);
    };
    match answer.partstat {
        Some(PartStat::Accepted) => decide(env, tx, out, resource, &uid, true, owner.as_str())?,
        Some(PartStat::Declined) => decide(env, tx, out, resource, &uid, false, owner.as_str())?,
        _ => {
            out.log(format!("approval REPLY {uid}: neither accepted nor declined; still pending"));
            false
        }
    };
    Ok(true)
}
