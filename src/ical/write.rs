//! Writing objects and outgoing calendars as iCalendar text, with line
//! folding at a configurable length (RFC 5545 §3.1: 75 octets is the
//! standard; imip-agent's `CALENDAR_LINE_LENGTH` and debug mode use longer
//! lines). Performs no I/O.

use super::object::{Object, copy_subtree, text_entry};
use super::types::Method;
use calcard::icalendar::{
    ICalendar, ICalendarComponent, ICalendarComponentType, ICalendarEntry, ICalendarProperty,
    ICalendarValue,
};
use std::collections::HashSet;

impl Object {
    /// The object as a stand-alone VCALENDAR (the stored form).
    pub fn to_ics(&self) -> String {
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = self.cal.write_to(&mut out);
        out
    }

    /// The main component alone (BEGIN:VEVENT … END:VEVENT), for logs.
    pub fn component_text(&self) -> String {
        let mut cal = ICalendar {
            components: vec![ICalendarComponent::new(ICalendarComponentType::VCalendar)],
        };
        let id = copy_subtree(&self.cal, self.main as u32, &mut cal);
        cal.components[0].component_ids.push(id);
        let mut out = String::new();
        let _ = cal.write_to(&mut out);
        let lines: Vec<&str> = out.split("\r\n").collect();
        // Drop the wrapping BEGIN/END:VCALENDAR lines.
        lines[1..lines.len().saturating_sub(2)].join("\r\n") + "\r\n"
    }
}

/// Builds an outgoing calendar: METHOD, then the VTIMEZONEs of all objects
/// (once per TZID, generated for recognised TZIDs that lack one), then the
/// components in order.
pub fn build_calendar(method: &Method, objects: &[&Object]) -> String {
    let mut root = ICalendarComponent::new(ICalendarComponentType::VCalendar);
    root.entries.push(text_entry(ICalendarProperty::Prodid, "-//imip-agent//imip-agent 0.1//EN"));
    root.entries.push(text_entry(ICalendarProperty::Version, "2.0"));
    root.entries.push(ICalendarEntry {
        name: ICalendarProperty::Method,
        params: Vec::new(),
        values: vec![ICalendarValue::Text(method.as_str().to_string())],
    });
    let mut cal = ICalendar { components: vec![root] };
    let mut tzids: HashSet<String> = HashSet::new();
    for obj in objects {
        let src = obj.calendar();
        for id in &src.components[0].component_ids {
            let Some(c) = src.components.get(*id as usize) else { continue };
            if c.component_type != ICalendarComponentType::VTimezone {
                continue;
            }
            let tzid = c
                .property(&ICalendarProperty::Tzid)
                .and_then(|e| e.values.first())
                .and_then(|v| v.as_text())
                .unwrap_or("")
                .to_string();
            if !tzids.insert(tzid) {
                continue;
            }
            let new_id = copy_subtree(src, *id, &mut cal);
            cal.components[0].component_ids.push(new_id);
        }
    }
    for obj in objects {
        let new_id = copy_subtree(obj.calendar(), obj.main as u32, &mut cal);
        cal.components[0].component_ids.push(new_id);
    }
    // RFC 5545 §3.6.5: every TZID used needs its VTIMEZONE; clients that
    // sent a bare IANA TZID get the definition added in our replies.
    cal.add_missing_timezones();
    let mut out = String::new();
    let _ = cal.write_to(&mut out);
    out
}

/// Unfolds iCalendar text (joins continuation lines) and normalises line
/// ends to CRLF.
pub fn unfold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.split('\n') {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if let Some(rest) = line.strip_prefix(' ').or_else(|| line.strip_prefix('\t')) {
            if out.ends_with("\r\n") {
                out.truncate(out.len() - 2);
            }
            out.push_str(rest);
        } else {
            out.push_str(line);
        }
        out.push_str("\r\n");
    }
    while out.ends_with("\r\n\r\n") {
        out.truncate(out.len() - 2);
    }
    if out == "\r\n" {
        out.clear();
    }
    out
}

/// Re-folds iCalendar text so that no line exceeds `max` octets (never
/// splitting a UTF-8 sequence); `None` leaves calcard's standard 75 folding.
pub fn refold(text: &str, max: Option<usize>) -> String {
    let Some(max) = max else { return text.to_string() };
    let max = max.max(8);
    let mut out = String::with_capacity(text.len() + text.len() / max * 3);
    for line in unfold(text).split("\r\n").filter(|l| !l.is_empty()) {
        let mut rest = line;
        let mut first = true;
        while !rest.is_empty() {
            let limit = if first { max } else { max - 1 };
            let mut cut = rest.len().min(limit);
            while !rest.is_char_boundary(cut) {
                cut -= 1;
            }
            if !first {
                out.push(' ');
            }
            out.push_str(&rest[..cut]);
            out.push_str("\r\n");
            rest = &rest[cut..];
            first = false;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refold_respects_length_and_utf8() {
        let long = format!("SUMMARY:{}\r\n", "æøå".repeat(40));
        let folded = refold(&long, Some(20));
        for l in folded.split("\r\n") {
            assert!(l.len() <= 20, "{l}");
        }
        assert_eq!(unfold(&folded), unfold(&long));
        assert_eq!(refold(&folded, Some(1000)).lines().count(), 1);
    }
}
