//! Named fix-ups for what real clients send. Each function says which client
//! it is for and why; they are applied by the mail extraction and agent
//! layers, never silently inside the parser. Performs no I/O.
//!
//! Fix-ups that live elsewhere because they need more context:
//! - `mail::extract::dedupe_duplicate_calendar_parts` (Thunderbird Lightning,
//!   Google: the same invitation inline and as an `application/ics` attachment);
//! - `mail::extract::method_from_content_type` (Lotus Notes-style mail and
//!   some Thunderbird samples: METHOD only in the Content-Type);
//! - `mail::extract::counter_labelled_request` (Kontact: COUNTER sent in a part
//!   labelled `method=REQUEST`);
//! - `address::CalAddress::parse` (Outlook/BlackBerry `MAILTO:`, Google and
//!   iPhone bare addresses);
//! - `ical::datetime::DateTimeValue::from_partial` (Yahoo! `TZID=…:…Z`);
//! - `ical::zone` (Windows and Outlook display names, `"quoted"` TZIDs from
//!   Lotus Notes and Zimbra);
//! - `agent::identity::outlook_reply_without_organizer` (Outlook replying to
//!   Zimbra omits ORGANIZER in REPLY).

use super::object::Object;

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
    let mut seen: Vec<(Option<String>, String, Option<i64>, &'static str)> = Vec::new();
    let mut out = Vec::new();
    for o in objects {
        let key = (o.uid(), o.rid_key(&zones), o.sequence(), o.kind().as_str());
        if o.uid().is_some() && seen.contains(&key) {
            continue;
        }
        seen.push(key);
        out.push(o);
    }
    out
}
