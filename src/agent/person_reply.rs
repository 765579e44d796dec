//! Messages to the organiser (imip-agent 3.2): REPLY merging attendance
//! (separating an occurrence and telling the other attendees when the reply
//! is about one not yet stored separately), COUNTER stored per attendee and
//! queued, REFRESH answered automatically or passed on. Performs I/O
//! through the transaction only.

use super::Outcome;
use super::common::{load, load_recurrences, sent_by, update_stored};
use super::events::{
    merge_attendance, mergeable_attendees, record_other_busy, separate_occurrence, stored_for,
};
use super::outgoing_mail::OutPart;
use super::person::{Notice, PCtx};
use crate::address::CalAddress;
use crate::error::InfraResult;
use crate::i18n::Text;
use crate::ical::{Method, Object, Param, Role};
use crate::itip::newness;
use crate::store::{ObjectStatus, StoreTx};

/// The object the organiser sends again: DTSTAMP now, SENT-BY and (when
/// missing) their CN preference on the organiser.
fn as_organiser(ctx: &PCtx<'_, '_>, obj: &Object) -> Object {
    let mut o = obj.clone();
    o.set_dtstamp(&ctx.env.clock.now());
    if let Some(s) = sent_by(ctx.env, ctx.user) {
        o.set_participant_param(Role::Organizer, ctx.user, &Param::SentBy(s.clone()));
    }
    ctx.name_user(&mut o, Role::Organizer);
    o
}

/// The REPLY with its ORGANIZER restored from the stored event when the
/// client left it out (`ical::quirks::outlook_reply_without_organizer`).
fn with_stored_organizer(
    ctx: &PCtx<'_, '_>,
    tx: &dyn StoreTx,
    out: &mut Outcome,
    obj: &Object,
) -> InfraResult<Option<Object>> {
    if obj.organizer().is_some() {
        return Ok(None);
    }
    let Some(uid) = obj.uid() else { return Ok(None) };
    let Some(stored) = stored_for(tx, ctx.uri(), &uid, "")? else { return Ok(None) };
    let fixed = crate::ical::quirks::outlook_reply_without_organizer(obj, &stored.object);
    if fixed.is_some() {
        out.log(format!(
            "REPLY {uid} without ORGANIZER (Outlook): the stored event's organiser used"
        ));
    }
    Ok(fixed)
}

/// REPLY.
pub fn reply(
    ctx: &PCtx<'_, '_>,
    tx: &mut dyn StoreTx,
    out: &mut Outcome,
    obj: &Object,
) -> InfraResult<Option<Notice>> {
    let fixed = with_stored_organizer(ctx, tx, out, obj)?;
    let obj = fixed.as_ref().unwrap_or(obj);
    let Some((uid, rid, from)) = ctx.to_organizer(out, obj, "REPLY") else { return Ok(None) };
    let Some(stored) = stored_for(tx, ctx.uri(), &uid, &rid)? else {
        out.log(format!("REPLY {uid} not acted on: no such event stored"));
        return Ok(None);
    };
    if stored.status == ObjectStatus::Cancelled {
        out.log(format!("REPLY {uid} not acted on: the event is cancelled"));
        return Ok(None);
    }
    let separate = !rid.is_empty() && stored.rid.is_empty();
    let mut target = if separate {
        match separate_occurrence(ctx.env, &ctx.prefs, &stored.object, &rid) {
            Some(o) => o,
            None => {
                out.log(format!(
                    "REPLY {uid}: {rid} is not an occurrence of the stored event; ignored"
                ));
                return Ok(None);
            }
        }
    } else {
        stored.object.clone()
    };
    if !newness(obj, Some(&stored.object), false).is_new() {
        out.log(format!("REPLY {uid} ignored: older than the stored event (SEQUENCE/DTSTAMP)"));
        return Ok(None);
    }
    let who = mergeable_attendees(&target, obj, &from);
    if who.is_empty() {
        out.log(format!("REPLY {uid} not acted on: the replying attendees are not invited"));
        return Ok(None);
    }
    merge_attendance(&mut target, obj, &who);
    update_stored(tx, ctx.env, ctx.uri(), &target, &uid, &rid, ObjectStatus::Active)?;
    for a in &who {
        record_other_busy(ctx.env, tx, ctx.uri(), &ctx.prefs, a, &target, &uid, &rid)?;
    }
    if separate {
        // The occurrence now stands alone: its attendees get it as it is,
        // whatever their own status (imip-agent 0.3 skipped those who had
        // not answered yet).
        ctx.rebuild_own(tx, out, &uid)?;
        let update = as_organiser(ctx, &target);
        for a in target.attendees() {
            if a.address == *ctx.user || who.contains(&a.address) {
                continue;
            }
            let lang = ctx.lang_for(tx, &a.address)?;
            out.parts.push(OutPart {
                to: a.address.clone(),
                method: Method::Request,
                object: update.clone(),
                text: None,
                lang,
            });
        }
    }
    out.handled = true;
    let statuses: Vec<String> = who
        .iter()
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
        .collect();
    out.log(format!(
        "REPLY {uid}{}: {}{}",
        if rid.is_empty() { String::new() } else { format!(" ({rid})") },
        statuses.join(", "),
        if separate {
            "; occurrence stored separately and sent to the other attendees"
        } else {
            ""
        }
    ));
    Ok(Some(Notice { text: Text::ReplyReceived, link: Some((uid, rid)) }))
}

/// COUNTER.
pub fn counter(
    ctx: &PCtx<'_, '_>,
    tx: &mut dyn StoreTx,
    out: &mut Outcome,
    obj: &Object,
) -> InfraResult<Option<Notice>> {
    let Some((uid, rid, from)) = ctx.to_organizer(out, obj, "COUNTER") else { return Ok(None) };
    let Some(stored) = stored_for(tx, ctx.uri(), &uid, &rid)? else {
        out.log(format!("COUNTER {uid} not acted on: no such event stored"));
        return Ok(None);
    };
    let who = mergeable_attendees(&stored.object, obj, &from);
    let Some(attendee) = who.first().cloned() else {
        out.log(format!("COUNTER {uid} not acted on: the proposing attendee is not invited"));
        return Ok(None);
    };
    let mut merged = stored.object.clone();
    merge_attendance(&mut merged, obj, std::slice::from_ref(&attendee));
    update_stored(tx, ctx.env, ctx.uri(), &merged, &uid, &stored.rid, stored.status)?;
    tx.put_counter(ctx.uri(), &uid, &rid, attendee.as_str(), &obj.to_ics())?;
    tx.queue_request(ctx.uri(), &uid, &rid, "COUNTER")?;
    out.handled = true;
    out.log(format!("COUNTER {uid} from {attendee}: stored and queued"));
    Ok(Some(Notice { text: Text::CounterReceived, link: Some((uid, rid)) }))
}

/// REFRESH.
pub fn refresh(
    ctx: &PCtx<'_, '_>,
    tx: &mut dyn StoreTx,
    out: &mut Outcome,
    obj: &Object,
) -> InfraResult<Option<Notice>> {
    let Some((uid, _, from)) = ctx.to_organizer(out, obj, "REFRESH") else { return Ok(None) };
    if !ctx.prefs.auto_refresh() {
        out.handled = true;
        out.log(format!("REFRESH {uid}: passed on to the organiser (event_refreshing = never)"));
        return Ok(Some(Notice { text: Text::RefreshReceived, link: Some((uid, String::new())) }));
    }
    let Some(parent) = load(tx, ctx.uri(), &uid, "")? else {
        // imip-agent 0.3 crashed here (exit 75 for ever); the request is
        // simply not answerable.
        out.log(format!("REFRESH {uid}: no such event stored; not answered"));
        return Ok(None);
    };
    let recurrences = load_recurrences(tx, ctx.uri(), &uid)?;
    let listed = |a: &CalAddress| {
        parent.object.has_attendee(a) || recurrences.iter().any(|r| r.object.has_attendee(a))
    };
    let mut answered = Vec::new();
    for requester in from.iter().map(|p| &p.address).filter(|a| listed(a)) {
        let lang = ctx.lang_for(tx, requester)?;
        let (m, o) = if parent.status == ObjectStatus::Active {
            (Method::Request, &parent.object)
        } else {
            (Method::Cancel, &parent.object)
        };
        out.parts.push(OutPart {
            to: requester.clone(),
            method: m,
            object: as_organiser(ctx, o),
            text: None,
            lang,
        });
        for r in &recurrences {
            let m = if r.status == ObjectStatus::Active { Method::Request } else { Method::Cancel };
            out.parts.push(OutPart {
                to: requester.clone(),
                method: m,
                object: as_organiser(ctx, &r.object),
                text: None,
                lang,
            });
        }
        answered.push(requester.to_string());
    }
    out.handled = true;
    if answered.is_empty() {
        out.log(format!("REFRESH {uid}: the requesting attendees are not invited; not answered"));
    } else {
        out.log(format!("REFRESH {uid}: the event sent again to {}", answered.join(", ")));
    }
    Ok(None)
}
