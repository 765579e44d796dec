//! An organiser's actions: create an event and invite (REQUEST), update it
//! or one occurrence (REQUEST; a significant change bumps SEQUENCE and
//! asks everyone again, RFC 5546 §2.1.4; uninvited attendees get a
//! CANCEL), add an occurrence (ADD), cancel the event or one occurrence
//! (CANCEL), adopt or refuse a counter-proposal (REQUEST with the proposed
//! times, or DECLINECOUNTER). Pure.

use super::{
    ActionError, ActionFailure, ComposeResult, Composed, EventFields, Invitee, Outbound, Target,
    instance_of, stamp_after, with_comment,
};
use crate::address::CalAddress;
use crate::ical::{DateTimeValue, Instance, Method, Object, Param, PartStat, Property, Role};
use crate::itip::view::{Context, ScheduleView, Stored};
use chrono::{DateTime, Utc};

/// Checks that an event's times make sense: both dates or both times, the
/// end after the start.
pub(super) fn check_times(
    ctx: &Context<'_>,
    start: &DateTimeValue,
    end: &DateTimeValue,
) -> Result<(), ActionError> {
    if start.is_date() != end.is_date() {
        return Err(ActionError::Invalid(
            "start and end must both be dates or both be times".into(),
        ));
    }
    let zones = crate::ical::ZoneResolver::empty(ctx.prefs.zone());
    match (start.to_utc(&zones), end.to_utc(&zones)) {
        (Some(s), Some(e)) if e > s => Ok(()),
        (Some(_), Some(_)) => Err(ActionError::Invalid("the end must be after the start".into())),
        _ => Err(ActionError::Invalid("a time does not exist in its zone".into())),
    }
}

/// The event the user organises and the instance an action is about: the
/// instance's object, the master (for an occurrence) and
/// the next DTSTAMP.
struct Own {
    object: Object,
    master: Option<Stored>,
    stamp: DateTime<Utc>,
}

impl Own {
    /// The highest SEQUENCE the instance has been sent with (an occurrence
    /// follows its series).
    fn sequence(&self) -> i64 {
        let own = self.object.sequence().unwrap_or(0);
        let master = self.master.as_ref().and_then(|m| m.object.sequence()).unwrap_or(0);
        own.max(master)
    }
}

fn own(ctx: &Context<'_>, view: &dyn ScheduleView, target: &Target) -> Result<Own, ActionFailure> {
    let (stored, object) = instance_of(ctx, view, target)?;
    if object.organizer().is_none_or(|o| o.address != *ctx.user) {
        return Err(ActionError::NotOrganiser(target.uid.clone()).into());
    }
    let master = if target.instance.is_master() {
        None
    } else {
        view.stored(ctx.user, &target.uid, &Instance::Master)?
    };
    let stamp = stamp_after(
        ctx.now,
        [
            stored.version().dtstamp_seconds(),
            master.as_ref().and_then(|m| m.version().dtstamp_seconds()),
        ],
    );
    Ok(Own { object, master, stamp })
}

/// Everyone the event is sent to: its attendees but the user.
fn guests(obj: &Object, user: &CalAddress) -> Vec<CalAddress> {
    obj.attendees().into_iter().map(|a| a.address).filter(|a| a != user).collect()
}

/// Invites someone (RSVP, NEEDS-ACTION), unless already invited.
fn invite(obj: &mut Object, who: &Invitee) {
    if obj.has_attendee(&who.address) {
        return;
    }
    obj.add_attendee(
        &who.address,
        &[
            Param::PartStat(PartStat::NeedsAction),
            Param::Rsvp(true),
            Param::Role("REQ-PARTICIPANT".into()),
            Param::Cutype(who.cutype.clone()),
        ],
    );
}

/// After a significant change every guest is asked again.
fn ask_again(obj: &mut Object, user: &CalAddress) {
    for a in guests(obj, user) {
        obj.set_partstat(&a, PartStat::NeedsAction);
        obj.set_participant_param(Role::Attendee, &a, &Param::Rsvp(true));
        // Who sent their earlier answer says nothing about the new request.
        obj.remove_participant_param(Role::Attendee, &a, "SENT-BY");
    }
}

/// The user as organiser (with SENT-BY when the agent sends for them).
fn sign(ctx: &Context<'_>, obj: &mut Object) {
    let params: Vec<Param> = ctx.sent_by().map(|s| Param::SentBy(s.clone())).into_iter().collect();
    let cn = obj.organizer().and_then(|o| o.cn);
    let mut all = params;
    if let Some(cn) = cn {
        all.push(Param::Cn(cn));
    }
    obj.set_organizer(ctx.user, &all);
    ctx.name_user(obj, Role::Organizer);
}

fn text_field(obj: &mut Object, prop: Property, value: Option<&String>) -> bool {
    let Some(v) = value else { return false };
    let v = v.trim();
    if obj.text(&prop).as_deref() == Some(v) {
        return false;
    }
    if v.is_empty() {
        obj.remove_property(&prop);
    } else {
        obj.set_text(prop, v);
    }
    true
}

/// A new event, organised by the user, sent to the invitees.
pub(super) fn create(
    ctx: &Context<'_>,
    uid: &str,
    fields: &EventFields,
    invitees: &[Invitee],
) -> ComposeResult {
    let (Some(start), Some(end)) = (&fields.start, &fields.end) else {
        return Err(ActionError::Invalid("a new event needs a start and an end".into()).into());
    };
    check_times(ctx, start, end)?;
    let mut obj = Object::new(crate::ical::ComponentKind::Event);
    obj.set_uid(uid);
    obj.set_dtstamp(&ctx.now);
    obj.set_datetime(Property::Created, &DateTimeValue::Utc(ctx.now.naive_utc()));
    obj.set_sequence(0);
    obj.set_dtstart(start);
    obj.set_dtend(end);
    if let Some(rule) = &fields.rrule {
        obj.set_rrule_text(rule).map_err(ActionError::Invalid)?;
    }
    let summary = fields.summary.clone().unwrap_or_else(|| "New event".into());
    text_field(&mut obj, Property::Summary, Some(&summary));
    text_field(&mut obj, Property::Location, fields.location.as_ref());
    text_field(&mut obj, Property::Description, fields.description.as_ref());
    obj.set_text(Property::Status, "CONFIRMED");
    sign(ctx, &mut obj);
    // The organiser attends their own event (imip-agent's manager does the same).
    obj.add_attendee(
        ctx.user,
        &[
            Param::PartStat(PartStat::Accepted),
            Param::Role("CHAIR".into()),
            Param::Cutype("INDIVIDUAL".into()),
        ],
    );
    ctx.name_user(&mut obj, Role::Attendee);
    for who in invitees.iter().filter(|w| w.address != *ctx.user) {
        invite(&mut obj, who);
    }
    let to = guests(&obj, ctx.user);
    Ok(Composed {
        summary: if to.is_empty() {
            format!("event {uid} created")
        } else {
            format!("event {uid} created; invitation sent to {}", list(&to))
        },
        messages: vec![Outbound { method: Method::Request, object: obj, to, record: true }],
    })
}

/// Changes the event or one occurrence.
pub(super) fn update(
    ctx: &Context<'_>,
    view: &dyn ScheduleView,
    target: &Target,
    fields: &EventFields,
    invitees: &[Invitee],
    uninvite: &[CalAddress],
) -> ComposeResult {
    let mut own = own(ctx, view, target)?;
    let base = own.sequence();
    let before = own.object.clone();
    let obj = &mut own.object;
    let mut significant = false;
    if let Some(start) = &fields.start {
        significant |= obj.dtstart().as_ref() != Some(start);
        obj.set_dtstart(start);
    }
    if let Some(end) = &fields.end {
        significant |= obj.dtend().as_ref() != Some(end);
        obj.set_dtend(end);
    } else if fields.start.is_some()
        && let (Some(old_start), Some(new_start), Some(old_end)) =
            (before.dtstart(), obj.dtstart(), obj.dtend())
    {
        // A new start alone moves the event, keeping its length.
        obj.set_dtend(
            &old_end.with_local(old_end.local() + (new_start.local() - old_start.local())),
        );
    }
    if let (Some(s), Some(e)) = (obj.dtstart(), obj.dtend()) {
        check_times(ctx, &s, &e)?;
    }
    if let Some(rule) = &fields.rrule {
        if !target.instance.is_master() {
            return Err(ActionError::Invalid(
                "an occurrence has no rule: update the series".into(),
            )
            .into());
        }
        let before = obj.rrule().map(|r| format!("{r:?}"));
        obj.set_rrule_text(rule).map_err(ActionError::Invalid)?;
        significant |= obj.rrule().map(|r| format!("{r:?}")) != before;
    }
    significant |= text_field(obj, Property::Location, fields.location.as_ref());
    let mut changed = significant;
    changed |= text_field(obj, Property::Summary, fields.summary.as_ref());
    changed |= text_field(obj, Property::Description, fields.description.as_ref());
    let removed: Vec<CalAddress> =
        uninvite.iter().filter(|a| obj.has_attendee(a) && **a != *ctx.user).cloned().collect();
    obj.retain_attendees(|a| !removed.contains(&a.address));
    let added: Vec<&Invitee> = invitees
        .iter()
        .filter(|w| w.address != *ctx.user && !obj.has_attendee(&w.address))
        .collect();
    for w in &added {
        invite(obj, w);
    }
    if !changed && removed.is_empty() && added.is_empty() {
        return Err(ActionError::Invalid("nothing to change".into()).into());
    }
    let sequence = base + i64::from(significant);
    if significant {
        ask_again(obj, ctx.user);
    }
    obj.set_sequence(sequence);
    obj.set_dtstamp(&own.stamp);
    sign(ctx, obj);
    let to = guests(obj, ctx.user);
    let mut summary = format!(
        "event {} {}updated (SEQUENCE {sequence}){}",
        target.uid,
        if target.instance.is_master() { String::new() } else { format!("{} ", target.instance) },
        if to.is_empty() { String::new() } else { format!("; sent to {}", list(&to)) }
    );
    let mut messages =
        vec![Outbound { method: Method::Request, object: obj.clone(), to, record: true }];
    if !removed.is_empty() {
        // RFC 5546 §3.2.5: uninvited attendees are sent a CANCEL listing them.
        let mut cancel = obj.clone();
        cancel.retain_attendees(|_| false);
        for a in &removed {
            cancel.add_attendee(a, &[]);
        }
        summary.push_str(&format!("; {} uninvited", list(&removed)));
        messages.push(Outbound {
            method: Method::Cancel,
            object: cancel,
            to: removed,
            record: false,
        });
    }
    Ok(Composed { messages, summary })
}

/// Adds an occurrence to the user's recurring event (ADD, at the series'
/// SEQUENCE with a newer DTSTAMP).
pub(super) fn add(
    ctx: &Context<'_>,
    view: &dyn ScheduleView,
    uid: &str,
    start: &DateTimeValue,
    end: &DateTimeValue,
) -> ComposeResult {
    let target = Target { uid: uid.to_string(), instance: Instance::Master };
    let own = own(ctx, view, &target)?;
    check_times(ctx, start, end)?;
    if !own.object.is_recurring() {
        return Err(ActionError::Invalid(format!(
            "event {uid} does not recur: update its times instead"
        ))
        .into());
    }
    let mut obj = own.object.clone();
    for p in [Property::Rrule, Property::Rdate, Property::Exdate, Property::RecurrenceId] {
        obj.remove_property(&p);
    }
    obj.remove_property_named("EXRULE");
    obj.set_dtstart(start);
    obj.set_dtend(end);
    obj.set_dtstamp(&own.stamp);
    obj.set_sequence(own.sequence());
    sign(ctx, &mut obj);
    let to = guests(&obj, ctx.user);
    Ok(Composed {
        summary: format!("occurrence added to {uid}{}", sent_to(&to)),
        messages: vec![Outbound { method: Method::Add, object: obj, to, record: true }],
    })
}

/// Cancels the event or one occurrence for everyone.
pub(super) fn cancel(
    ctx: &Context<'_>,
    view: &dyn ScheduleView,
    target: &Target,
    comment: Option<&str>,
) -> ComposeResult {
    let own = own(ctx, view, target)?;
    let mut obj = own.object.clone();
    obj.set_text(Property::Status, "CANCELLED");
    obj.set_sequence(own.sequence() + 1);
    obj.set_dtstamp(&own.stamp);
    with_comment(&mut obj, comment);
    sign(ctx, &mut obj);
    let to = guests(&obj, ctx.user);
    Ok(Composed {
        summary: format!(
            "event {} {}cancelled{}",
            target.uid,
            if target.instance.is_master() {
                String::new()
            } else {
                format!("{} ", target.instance)
            },
            sent_to(&to)
        ),
        messages: vec![Outbound { method: Method::Cancel, object: obj, to, record: true }],
    })
}

/// The counter-proposal of `attendee` held for the instance.
fn proposal(
    ctx: &Context<'_>,
    view: &dyn ScheduleView,
    target: &Target,
    attendee: &CalAddress,
) -> Result<Object, ActionFailure> {
    view.counters(ctx.user, &target.uid, &target.instance)?
        .into_iter()
        .filter(|(a, _)| a == attendee.as_str())
        .find_map(|(_, text)| Object::from_stored(&text))
        .ok_or_else(|| ActionError::NoCounter(attendee.to_string()).into())
}

/// Adopts a counter-proposal's times (and, for a series, its rule and
/// exceptions) and sends the new version to everyone.
pub(super) fn accept_counter(
    ctx: &Context<'_>,
    view: &dyn ScheduleView,
    target: &Target,
    attendee: &CalAddress,
) -> ComposeResult {
    let mut own = own(ctx, view, target)?;
    let counter = proposal(ctx, view, target, attendee)?;
    let base = own.sequence();
    let stamp = own.stamp;
    let obj = &mut own.object;
    for p in [Property::Dtstart, Property::Dtend, Property::Duration] {
        if counter.has_property(&p) {
            obj.copy_property_from(&counter, &p);
        }
    }
    if target.instance.is_master() {
        for p in [Property::Rrule, Property::Rdate, Property::Exdate] {
            if counter.has_property(&p) {
                obj.copy_property_from(&counter, &p);
            }
        }
    }
    let sequence = base + 1;
    ask_again(obj, ctx.user);
    obj.set_sequence(sequence);
    obj.set_dtstamp(&stamp_after(stamp, [counter.dtstamp().map(|t| t.timestamp())]));
    sign(ctx, obj);
    let to = guests(obj, ctx.user);
    Ok(Composed {
        summary: format!(
            "counter-proposal of {attendee} adopted (SEQUENCE {sequence}){}",
            sent_to(&to)
        ),
        messages: vec![Outbound { method: Method::Request, object: obj.clone(), to, record: true }],
    })
}

/// Refuses a counter-proposal (DECLINECOUNTER to its author).
pub(super) fn decline_counter(
    ctx: &Context<'_>,
    view: &dyn ScheduleView,
    target: &Target,
    attendee: &CalAddress,
    comment: Option<&str>,
) -> ComposeResult {
    let own = own(ctx, view, target)?;
    let counter = proposal(ctx, view, target, attendee)?;
    let mut obj = own.object.clone();
    obj.retain_properties(&[
        Property::Uid,
        Property::Organizer,
        Property::RecurrenceId,
        Property::Dtstart,
        Property::Dtend,
        Property::Duration,
    ]);
    obj.add_attendee(attendee, &[]);
    obj.set_sequence(own.sequence().max(counter.sequence().unwrap_or(0)));
    // After the proposal, whatever the proposer's clock said.
    obj.set_dtstamp(&stamp_after(own.stamp, [counter.dtstamp().map(|t| t.timestamp())]));
    with_comment(&mut obj, comment);
    sign(ctx, &mut obj);
    Ok(Composed {
        summary: format!("counter-proposal of {attendee} declined"),
        messages: vec![Outbound {
            method: Method::DeclineCounter,
            object: obj,
            to: vec![attendee.clone()],
            record: true,
        }],
    })
}

fn list(who: &[CalAddress]) -> String {
    who.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
}

fn sent_to(to: &[CalAddress]) -> String {
    if to.is_empty() { String::new() } else { format!("; sent to {}", list(to)) }
}
