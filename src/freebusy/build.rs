//! Building VFREEBUSY objects: replies to free/busy requests and published
//! (bundled or web-published) free/busy. Performs no I/O.

use super::periods::{BusyPeriod, coalesce};
use crate::address::CalAddress;
use crate::ical::{ComponentKind, Object, Param, Property};
use chrono::{DateTime, Utc};

/// What a VFREEBUSY REPLY is built from.
#[derive(Debug, Clone)]
pub struct FreeBusyReplyInput<'a> {
    /// The requester (the request's ORGANIZER).
    pub organizer: &'a CalAddress,
    /// The user answering.
    pub attendee: &'a CalAddress,
    /// SENT-BY for the attendee (the agent's address), if it differs.
    pub sent_by: Option<&'a CalAddress>,
    /// The request's UID.
    pub uid: Option<&'a str>,
    /// The requested window, if the request gave one.
    pub window: Option<(DateTime<Utc>, DateTime<Utc>)>,
    /// DTSTAMP.
    pub now: DateTime<Utc>,
}

/// A VFREEBUSY REPLY listing the busy periods (only opaque ones are passed
/// in by the caller) inside the window. Unlike imip-agent 0.3 it carries a
/// DTSTAMP, which RFC 5546 requires.
pub fn freebusy_object(input: &FreeBusyReplyInput<'_>, periods: &[BusyPeriod]) -> Object {
    let mut o = Object::new(ComponentKind::FreeBusy);
    o.set_organizer(input.organizer, &[]);
    let mut params = Vec::new();
    if let Some(s) = input.sent_by {
        params.push(Param::SentBy(s.clone()));
    }
    o.add_attendee(input.attendee, &params);
    if let Some(uid) = input.uid {
        o.set_uid(uid);
    }
    o.set_dtstamp(&input.now);
    let spans: Vec<(DateTime<Utc>, DateTime<Utc>)> = periods
        .iter()
        .filter(|p| p.transp.is_busy())
        .filter(|p| input.window.is_none_or(|(s, e)| p.overlaps(&s, &e)))
        .map(|p| match input.window {
            Some((s, e)) => (p.start.max(s), p.end.min(e)),
            None => (p.start, p.end),
        })
        .collect();
    let spans = coalesce(spans);
    let span = match input.window {
        Some(w) => Some(w),
        None => spans.first().zip(spans.last()).map(|(f, l)| (f.0, l.1)),
    };
    if let Some((s, e)) = span {
        o.set_datetime(Property::Dtstart, &crate::ical::DateTimeValue::Utc(s.naive_utc()));
        o.set_datetime(Property::Dtend, &crate::ical::DateTimeValue::Utc(e.naive_utc()));
    }
    o.add_freebusy("BUSY", &spans);
    o
}

/// A PUBLISH VFREEBUSY of a user's whole busy time (for bundling in outgoing
/// messages and for the web publishing file): ORGANIZER is the user, UID the
/// given one, opaque periods only.
pub fn publish_object(
    user: &CalAddress,
    sent_by: Option<&CalAddress>,
    uid: &str,
    now: DateTime<Utc>,
    periods: &[BusyPeriod],
) -> Object {
    let mut o = Object::new(ComponentKind::FreeBusy);
    let params: Vec<Param> = sent_by.map(|s| Param::SentBy(s.clone())).into_iter().collect();
    o.set_organizer(user, &params);
    o.set_uid(uid);
    o.set_dtstamp(&now);
    let spans =
        coalesce(periods.iter().filter(|p| p.transp.is_busy()).map(|p| (p.start, p.end)).collect());
    if let (Some(f), Some(l)) = (spans.first(), spans.last()) {
        o.set_datetime(Property::Dtstart, &crate::ical::DateTimeValue::Utc(f.0.naive_utc()));
        o.set_datetime(Property::Dtend, &crate::ical::DateTimeValue::Utc(l.1.naive_utc()));
    }
    o.add_freebusy("BUSY", &spans);
    o
}
