//! Named fix-ups for what real clients send. Each function says which client
//! it is for and why; they are applied by the mail extraction and agent
//! layers, never silently inside the parser. Performs no I/O.
//!
//! Fix-ups that live elsewhere because they need more context:
//! - `mail::items::dedupe_duplicate_calendar_parts` (Thunderbird Lightning,
//!   Google: the same invitation inline and as an `application/ics` attachment);
//! - `mail::items::method_from_content_type` (Lotus Notes-style mail and
//!   some Thunderbird samples: METHOD only in the Content-Type);
//! - `mail::items::method_from_calendar_only` (Apple Mail: no `method`
//!   parameter on the part);
//! - `mail::items::counter_labelled_request` (Kontact: COUNTER sent in a part
//!   labelled `method=REQUEST`);
//! - `mail::extract::octet_stream_ics` (web mailers and Lotus Notes attach
//!   invitations as `application/octet-stream` named `*.ics`);
//! - `agent::person_reply::reply` applies [`outlook_reply_without_organizer`]
//!   (it needs the stored event);
//! - `address::CalAddress::parse` (Outlook/BlackBerry `MAILTO:`, Google and
//!   iPhone bare addresses);
//! - `ical::datetime::DateTimeValue::from_partial` (Yahoo! `TZID=…:…Z`);
//! - `ical::zone` (Windows and Outlook display names, `"quoted"` TZIDs from
//!   Lotus Notes and Zimbra).

use super::object::Object;
use std::collections::HashSet;

/// Mozilla Calendar exports re-encoded as ISO-8859-1 (and Outlook 2003
/// 8-bit parts without a charset) are not valid UTF-8; decode them as
/// Windows-1252, a superset of Latin-1 for printable characters.
pub fn latin1_calendar_bytes(bytes: &[u8]) -> String {
    match mail_parser::decoders::charsets::map::charset_decoder(b"windows-1252") {
        Some(decoder) => decoder(bytes),
        None => bytes.iter().map(|b| char::from(*b)).collect(),
    }
}

/// Exchange 2010 sends CANCELs with the same VEVENT twice (same UID, same
/// RECURRENCE-ID); processing both would send two answers. Keeps the first
/// of each (UID, RECURRENCE-ID, SEQUENCE).
pub fn exchange_duplicate_components(objects: Vec<Object>) -> Vec<Object> {
    let zones = super::zone::ZoneResolver::empty(super::zone::Zone::Utc);
    let mut seen: HashSet<(Option<String>, String, Option<i64>, &'static str)> = HashSet::new();
    let mut out = Vec::new();
    for o in objects {
        let key = (o.uid(), o.rid_key(&zones), o.sequence(), o.kind().as_str());
        let has_uid = key.0.is_some();
        if !seen.insert(key) && has_uid {
            continue;
        }
        out.push(o);
    }
    out
}

/// Outlook 2010 replying to an invitation from Zimbra leaves ORGANIZER out of
/// the REPLY, which RFC 5546 §3.2.3 requires. The organiser's agent holds the
/// event: the REPLY gets the ORGANIZER of the stored copy with the same UID.
/// `None` when the reply has an ORGANIZER, or the stored event has none or
/// another UID.
pub fn outlook_reply_without_organizer(reply: &Object, stored: &Object) -> Option<Object> {
    if reply.organizer().is_some() || stored.organizer().is_none() || reply.uid() != stored.uid() {
        return None;
    }
    let mut fixed = reply.clone();
    fixed.copy_property_from(stored, &calcard::icalendar::ICalendarProperty::Organizer);
    Some(fixed)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn obj(props: &str) -> Object {
        Object::from_stored(&format!(
            "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:u1\r\n{props}END:VEVENT\r\nEND:VCALENDAR\r\n"
        ))
        .unwrap()
    }

    #[test]
    fn an_outlook_reply_gets_the_stored_organizer() {
        let stored =
            obj("ORGANIZER;CN=Test:mailto:test@zimbra.com\r\nATTENDEE:mailto:rcpt@zimbra.com\r\n");
        let reply = obj("ATTENDEE;PARTSTAT=ACCEPTED:mailto:rcpt@zimbra.com\r\n");
        let fixed = outlook_reply_without_organizer(&reply, &stored).unwrap();
        assert_eq!(fixed.organizer().unwrap().address.as_str(), "mailto:test@zimbra.com");
        assert_eq!(fixed.attendees().len(), 1);
        assert!(outlook_reply_without_organizer(&fixed, &stored).is_none(), "already has one");
        let other = Object::from_stored(
            "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:u2\r\nORGANIZER:mailto:x@y\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
        )
        .unwrap();
        assert!(outlook_reply_without_organizer(&reply, &other).is_none(), "another UID");
    }
}
