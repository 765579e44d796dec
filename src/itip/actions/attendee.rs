//! An attendee's actions: answer (REPLY), propose other times (COUNTER),
//! delegate (REPLY DELEGATED + REQUEST to the delegate, RFC 5546
//! §3.2.2.3), ask for the latest version (REFRESH). Pure.

use super::{
    ActionError, ComposeResult, Composed, Outbound, Target, instance_of, stamp_after, with_comment,
};
use crate::address::CalAddress;
use crate::ical::{DateTimeValue, Method, Object, Param, PartStat, Role};
use crate::itip::answers;
use crate::itip::reply::{attendee_reply, refresh_request};
use crate::itip::view::{Context, ScheduleView};
use crate::store::ReplyKind;

/// The invitation the user answers, checked: stored, live, organised by
/// someone else, the user invited. Returns it with the organiser and the
/// DTSTAMP the answer gets.
fn invitation(
    ctx: &Context<'_>,
    view: &dyn ScheduleView,
    target: &Target,
) -> Result<(Object, CalAddress, chrono::DateTime<chrono::Utc>), super::ActionFailure> {
    let (stored, object) = instance_of(ctx, view, target)?;
    let Some(organiser) = object.organizer().map(|o| o.address) else {
        return Err(ActionError::Invalid(format!("event {} has no organiser", target.uid)).into());
    };
    if organiser == *ctx.user {
        return Err(ActionError::Organiser(target.uid.clone()).into());
    }
    if !object.has_attendee(ctx.user) {
        return Err(ActionError::NotAttendee(target.uid.clone()).into());
    }
    let recorded = view.answers(ctx.user, &target.uid)?;
    let last = answers::last(&recorded, &target.instance, ctx.user, ReplyKind::Reply)
        .and_then(|r| r.dtstamp);
    let stamp = stamp_after(ctx.now, [last, stored.version().dtstamp_seconds()]);
    Ok((object, organiser, stamp))
}

/// ACCEPTED, TENTATIVE or DECLINED for the series or one occurrence.
pub(super) fn respond(
    ctx: &Context<'_>,
    view: &dyn ScheduleView,
    target: &Target,
    partstat: &PartStat,
    comment: Option<&str>,
) -> ComposeResult {
    if !matches!(partstat, PartStat::Accepted | PartStat::Tentative | PartStat::Declined) {
        return Err(ActionError::Invalid(format!(
            "{partstat} is not an answer: use accepted, tentative or declined"
        ))
        .into());
    }
    let (object, organiser, stamp) = invitation(ctx, view, target)?;
    let mut reply = attendee_reply(&object, ctx.user, partstat.clone(), ctx.sent_by(), &stamp);
    ctx.name_user(&mut reply, Role::Attendee);
    with_comment(&mut reply, comment);
    Ok(Composed {
        summary: format!("{partstat} sent to {organiser}"),
        messages: vec![Outbound {
            method: Method::Reply,
            object: reply,
            to: vec![organiser],
            record: true,
        }],
    })
}

/// Other times proposed to the organiser. The user's own answer stays as
/// it was (a counter-proposal is not an answer).
pub(super) fn counter(
    ctx: &Context<'_>,
    view: &dyn ScheduleView,
    target: &Target,
    start: &DateTimeValue,
    end: &DateTimeValue,
    comment: Option<&str>,
) -> ComposeResult {
    let (mut object, organiser, stamp) = invitation(ctx, view, target)?;
    super::organiser::check_times(ctx, start, end)?;
    object.set_dtstart(start);
    object.set_dtend(end);
    let current =
        object.attendee(ctx.user).and_then(|a| a.partstat).unwrap_or(PartStat::NeedsAction);
    let mut proposal = attendee_reply(&object, ctx.user, current, ctx.sent_by(), &stamp);
    ctx.name_user(&mut proposal, Role::Attendee);
    with_comment(&mut proposal, comment);
    Ok(Composed {
        summary: format!("counter-proposal sent to {organiser}"),
        messages: vec![Outbound {
            method: Method::Counter,
            object: proposal,
            to: vec![organiser],
            record: true,
        }],
    })
}

/// The invitation handed to `to`: the organiser learns of it (REPLY with
/// the user DELEGATED and the delegate DELEGATED-FROM), the delegate gets
/// the invitation (REQUEST) and answers the organiser and the user.
pub(super) fn delegate(
    ctx: &Context<'_>,
    view: &dyn ScheduleView,
    target: &Target,
    to: &CalAddress,
    comment: Option<&str>,
) -> ComposeResult {
    if to == ctx.user {
        return Err(ActionError::Invalid("one cannot delegate to oneself".into()).into());
    }
    let (mut object, organiser, stamp) = invitation(ctx, view, target)?;
    if *to == organiser {
        return Err(
            ActionError::Invalid(format!("{to} organises the event: decline instead")).into()
        );
    }
    object.set_partstat(ctx.user, PartStat::Delegated);
    object.set_participant_param(Role::Attendee, ctx.user, &Param::DelegatedTo(vec![to.clone()]));
    object.remove_participant_param(Role::Attendee, ctx.user, "RSVP");
    let cutype = object.attendee(ctx.user).and_then(|a| a.cutype);
    if object.has_attendee(to) {
        object.set_participant_param(
            Role::Attendee,
            to,
            &Param::DelegatedFrom(vec![ctx.user.clone()]),
        );
    } else {
        let mut params = vec![
            Param::DelegatedFrom(vec![ctx.user.clone()]),
            Param::PartStat(PartStat::NeedsAction),
            Param::Rsvp(true),
        ];
        if let Some(c) = cutype {
            params.push(Param::Cutype(c));
        }
        object.add_attendee(to, &params);
    }
    let mut reply = attendee_reply(&object, ctx.user, PartStat::Delegated, ctx.sent_by(), &stamp);
    reply.copy_attendee_from(&object, to);
    ctx.name_user(&mut reply, Role::Attendee);
    with_comment(&mut reply, comment);
    let mut forwarded = object.clone();
    forwarded.set_dtstamp(&stamp);
    with_comment(&mut forwarded, comment);
    Ok(Composed {
        summary: format!("delegated to {to}; {organiser} told"),
        messages: vec![
            Outbound { method: Method::Reply, object: reply, to: vec![organiser], record: true },
            Outbound {
                method: Method::Request,
                object: forwarded,
                to: vec![to.clone()],
                record: false,
            },
        ],
    })
}

/// A REFRESH to the organiser: the answer is their latest version.
pub(super) fn refresh(
    ctx: &Context<'_>,
    view: &dyn ScheduleView,
    target: &Target,
) -> ComposeResult {
    let Some(stored) = view.stored_for(ctx.user, &target.uid, &target.instance)? else {
        return Err(ActionError::NotStored(target.clone()).into());
    };
    let Some(organiser) = stored.object.organizer().map(|o| o.address) else {
        return Err(ActionError::Invalid(format!("event {} has no organiser", target.uid)).into());
    };
    if organiser == *ctx.user {
        return Err(ActionError::Organiser(target.uid.clone()).into());
    }
    let mut object = stored.object.clone();
    if let Some(rid) = target.instance.recurrence_id() {
        object.set_recurrence_id(&rid);
    }
    let request = refresh_request(&object, ctx.user, ctx.sent_by(), &ctx.now);
    Ok(Composed {
        summary: format!("REFRESH sent to {organiser}"),
        messages: vec![Outbound {
            method: Method::Refresh,
            object: request,
            to: vec![organiser],
            record: false,
        }],
    })
}
