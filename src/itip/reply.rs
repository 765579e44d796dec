//! Building the objects agents send: attendee replies and REFRESH
//! requests. Pure.

use crate::address::CalAddress;
use crate::ical::{Object, Param, PartStat, Property, Role};
use chrono::{DateTime, Utc};

/// An attendee's REPLY (or COUNTER) object: the event with only the
/// replying attendee, its PARTSTAT set, RSVP removed, SENT-BY added when the
/// agent's address differs, DTSTAMP now and SEQUENCE kept (0 when absent).
pub fn attendee_reply(
    event: &Object,
    attendee: &CalAddress,
    status: PartStat,
    sent_by: Option<&CalAddress>,
    now: &DateTime<Utc>,
) -> Object {
    let mut o = event.clone();
    o.retain_attendees(|p| p.address == *attendee);
    if !o.has_attendee(attendee) {
        o.add_attendee(attendee, &[]);
    }
    o.set_partstat(attendee, status);
    o.remove_participant_param(Role::Attendee, attendee, "RSVP");
    if let Some(s) = sent_by.filter(|s| *s != attendee) {
        o.set_participant_param(Role::Attendee, attendee, &Param::SentBy(s.clone()));
    }
    o.set_dtstamp(now);
    if o.sequence().is_none() {
        o.set_sequence(0);
    }
    o
}

/// A REFRESH request for an event (RFC 5546 §3.2.6): ORGANIZER, UID,
/// RECURRENCE-ID kept, DTSTAMP now, the user as ATTENDEE.
pub fn refresh_request(
    event: &Object,
    user: &CalAddress,
    sent_by: Option<&CalAddress>,
    now: &DateTime<Utc>,
) -> Object {
    let mut o = event.clone();
    o.retain_properties(&[
        Property::Organizer,
        Property::Uid,
        Property::RecurrenceId,
        Property::Sequence,
    ]);
    let params: Vec<Param> =
        sent_by.filter(|s| *s != user).map(|s| Param::SentBy(s.clone())).into_iter().collect();
    o.add_attendee(user, &params);
    o.set_dtstamp(now);
    o
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::ical::unfold;
    use chrono::TimeZone;

    #[test]
    fn reply_keeps_only_the_replier() {
        let ev = Object::from_stored("BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:u\r\nDTSTAMP:20200101T000000Z\r\nORGANIZER:mailto:o@x\r\nATTENDEE;RSVP=TRUE;PARTSTAT=NEEDS-ACTION:mailto:room@x\r\nATTENDEE:mailto:p@x\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n").unwrap();
        let now = Utc.with_ymd_and_hms(2027, 1, 1, 0, 0, 0).unwrap();
        let r = attendee_reply(
            &ev,
            &CalAddress::parse("room@x").unwrap(),
            PartStat::Accepted,
            CalAddress::parse("calendar@x").as_ref(),
            &now,
        );
        let t = unfold(&r.to_ics());
        assert!(
            t.contains("ATTENDEE;PARTSTAT=ACCEPTED;SENT-BY=\"mailto:calendar@x\":mailto:room@x"),
            "{t}"
        );
        assert!(!t.contains("p@x"));
        assert!(t.contains("DTSTAMP:20270101T000000Z"));
        assert!(t.contains("SEQUENCE:0"));
    }
}
