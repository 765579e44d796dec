//! Parsing calendar text into [`CalendarPart`]s: decoding bytes, unfolding,
//! lenient parsing through calcard, splitting into [`Object`]s, with
//! diagnostics instead of failures. Performs no I/O.

use super::object::Object;
use super::quirks;
use super::types::Method;
use calcard::common::IanaString;
use calcard::icalendar::{ICalendar, ICalendarComponentType, ICalendarProperty};
use calcard::{Entry, Parser};

/// One VCALENDAR found in a message part or file.
#[derive(Debug, Clone)]
pub struct CalendarPart {
    /// METHOD of the calendar, if present.
    pub method: Option<Method>,
    /// Its scheduling components.
    pub objects: Vec<Object>,
    /// Properties and components copied to split it into objects (each
    /// object carries the calendar's properties and its time zones).
    pub copied_entries: usize,
    /// The copies would have exceeded `ParseLimits::max_copied_entries`:
    /// `objects` is empty.
    pub over_copies: bool,
}

/// The result of parsing some calendar text: what could be read, and notes
/// about what could not.
#[derive(Debug, Clone, Default)]
pub struct ParseOutcome {
    /// Calendars read.
    pub calendars: Vec<CalendarPart>,
    /// Human-readable notes (unparseable lines, unterminated components…).
    pub diagnostics: Vec<String>,
    /// Components (VCALENDARs included) of the calendars read, as calcard
    /// counted them: what the message's work budget is charged.
    pub components: usize,
}

/// Limits applied while parsing, so that hostile input stays bounded.
#[derive(Debug, Clone, Copy)]
pub struct ParseLimits {
    /// Calendars read from one text at most.
    pub max_calendars: usize,
    /// Scheduling components kept per calendar at most.
    pub max_objects: usize,
    /// Components (of any kind, nested or not) read from one text at most;
    /// a calendar that goes over them is not split into objects, because
    /// copying them out is what costs (issue 12).
    pub max_components: usize,
    /// Properties and components copied while splitting one calendar into
    /// objects at most (see `Object::split_within`).
    pub max_copied_entries: usize,
}

/// Properties and components copied to split one calendar at most: a
/// thousand events each with a 150-line VTIMEZONE stay well below, a large
/// VTIMEZONE shared by a thousand events does not.
pub const MAX_COPIED_ENTRIES: usize = 200_000;

impl Default for ParseLimits {
    fn default() -> Self {
        Self {
            max_calendars: 16,
            max_objects: 1000,
            max_components: crate::budget::BudgetLimits::default().components,
            max_copied_entries: MAX_COPIED_ENTRIES,
        }
    }
}

/// What parsing a calendar text will build, counted on the text itself so
/// that a part over budget is refused before calcard builds it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TextCost {
    /// Components begun (`BEGIN` lines, however written).
    pub components: usize,
    /// Content lines plus the values of comma-separated lists (an EXDATE
    /// of 200,000 dates is one line but 200,000 values); an escaped comma
    /// (`\,`) in text does not count.
    pub values: usize,
}

/// Counts what `text` will cost to parse. `text` must be unfolded
/// ([`decode_calendar_bytes`] does it).
pub fn text_cost(text: &str) -> TextCost {
    let mut cost = TextCost::default();
    for line in text.split('\n') {
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() {
            continue;
        }
        let name = line.trim_start().split([':', ';']).next().unwrap_or("");
        if name.trim().eq_ignore_ascii_case("BEGIN") {
            cost.components += 1;
        }
        let bytes = line.as_bytes();
        let commas = bytes
            .iter()
            .enumerate()
            .filter(|(i, b)| **b == b',' && (*i == 0 || bytes[i - 1] != b'\\'))
            .count();
        cost.values = cost.values.saturating_add(1 + commas);
    }
    cost
}

/// Turns raw part bytes into text: unfolds at the byte level first (RFC 5545
/// allows a fold inside a UTF-8 sequence), then decodes with the declared
/// charset, else UTF-8, else Windows-1252 (Mozilla exports re-encoded as
/// Latin-1 exist in the wild; see `quirks::latin1_calendar_bytes`).
pub fn decode_calendar_bytes(bytes: &[u8], charset: Option<&str>) -> String {
    let unfolded = unfold_bytes(bytes);
    let bytes = unfolded.as_slice();
    if let Some(cs) = charset.map(str::trim).filter(|c| !c.is_empty())
        && !cs.eq_ignore_ascii_case("utf-8")
        && !cs.eq_ignore_ascii_case("utf8")
        && !cs.eq_ignore_ascii_case("us-ascii")
        && let Some(decoder) = mail_parser::decoders::charsets::map::charset_decoder(cs.as_bytes())
    {
        return decoder(bytes);
    }
    match std::str::from_utf8(bytes) {
        Ok(s) => s.trim_start_matches('\u{feff}').to_string(),
        Err(_) => quirks::latin1_calendar_bytes(bytes),
    }
}

fn unfold_bytes(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b == b'\r'
            && bytes.get(i + 1) == Some(&b'\n')
            && matches!(bytes.get(i + 2), Some(b' ' | b'\t'))
        {
            i += 3;
            continue;
        }
        if b == b'\n' && matches!(bytes.get(i + 1), Some(b' ' | b'\t')) {
            i += 2;
            continue;
        }
        out.push(b);
        i += 1;
    }
    out
}

/// Parses every VCALENDAR in `text`.
pub fn parse_calendar_text(text: &str, limits: ParseLimits) -> ParseOutcome {
    let mut outcome = ParseOutcome::default();
    let mut parser = Parser::new(text);
    loop {
        match parser.entry() {
            Entry::ICalendar(cal) => {
                if outcome.calendars.len() >= limits.max_calendars {
                    outcome.diagnostics.push(format!(
                        "more than {} calendars; the rest ignored",
                        limits.max_calendars
                    ));
                    break;
                }
                outcome.components = outcome.components.saturating_add(cal.components.len());
                if outcome.components > limits.max_components {
                    outcome.diagnostics.push(format!(
                        "more than {} calendar components; not read further",
                        limits.max_components
                    ));
                    break;
                }
                outcome.calendars.push(calendar_part(&cal, limits, &mut outcome.diagnostics));
            }
            Entry::Eof => break,
            Entry::VCard(_) => {
                outcome.diagnostics.push("a vCard was found where a calendar was expected".into())
            }
            Entry::InvalidLine(l) => {
                let l: String = l.chars().take(60).collect();
                outcome.diagnostics.push(format!("unparseable line ignored: {l:?}"));
            }
            Entry::UnexpectedComponentEnd { expected, found } => outcome.diagnostics.push(format!(
                "END:{} where END:{} was expected",
                found.as_str(),
                expected.as_str()
            )),
            Entry::UnterminatedComponent(c) => {
                outcome.diagnostics.push(format!("unterminated component {c}"));
                break;
            }
            Entry::TooManyComponents => {
                outcome.diagnostics.push("too many components".into());
                break;
            }
            _ => break,
        }
    }
    if outcome.calendars.is_empty() && outcome.diagnostics.is_empty() {
        outcome.diagnostics.push("no calendar data found".into());
    }
    outcome
}

fn calendar_part(cal: &ICalendar, limits: ParseLimits, diags: &mut Vec<String>) -> CalendarPart {
    let method = cal
        .components
        .first()
        .filter(|c| c.component_type == ICalendarComponentType::VCalendar)
        .and_then(|c| c.property(&ICalendarProperty::Method))
        .and_then(|e| e.values.first())
        .and_then(|v| {
            v.as_text().map(str::to_string).or_else(|| match v {
                calcard::icalendar::ICalendarValue::Method(m) => Some(m.as_str().to_string()),
                _ => None,
            })
        })
        .map(|m| Method::parse(&m));
    let split = Object::split_within(cal, limits.max_objects, limits.max_copied_entries);
    if split.over_entries {
        diags.push(format!(
            "splitting the calendar into its {} components copies more than {} properties; not read",
            split.found, limits.max_copied_entries
        ));
    } else if split.found > limits.max_objects {
        diags.push(format!(
            "{} components; only the first {} are used",
            split.found, limits.max_objects
        ));
    }
    CalendarPart {
        method,
        objects: split.objects,
        copied_entries: split.entries,
        over_copies: split.over_entries,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folded_utf8_sequence_is_rejoined_before_decoding() {
        // "ø" is C3 B8; fold between the two bytes.
        let bytes = b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nSUMMARY:M\xc3\r\n \xb8te\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
        let text = decode_calendar_bytes(bytes, None);
        assert!(text.contains("SUMMARY:Møte"), "{text}");
    }

    #[test]
    fn latin1_bytes_are_decoded() {
        let bytes = b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nSUMMARY:M\xf8te\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
        assert!(decode_calendar_bytes(bytes, None).contains("Møte"));
        assert!(decode_calendar_bytes(bytes, Some("iso-8859-1")).contains("Møte"));
    }

    #[test]
    fn garbage_gives_diagnostics_not_errors() {
        let out = parse_calendar_text("hello\r\nworld", ParseLimits::default());
        assert!(out.calendars.is_empty());
        assert!(!out.diagnostics.is_empty());
    }

    #[test]
    fn text_cost_counts_components_lines_and_list_values() {
        let t = "BEGIN:VCALENDAR\r\nbegin:vevent\r\nBEGIN;X=1:VALARM\r\n  Begin:X\r\nSUMMARY:a\\, b\r\nEXDATE:20270101T100000Z,20270102T100000Z,20270103T100000Z\r\n\r\nEND:X\r\nEND:VALARM\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
        let c = text_cost(t);
        assert_eq!(c.components, 4, "BEGIN however written");
        assert_eq!(
            c.values,
            10 + 2,
            "ten lines, two more EXDATE values, escaped comma not counted"
        );
        assert_eq!(text_cost(""), TextCost::default());
    }

    #[test]
    fn components_beyond_the_limit_are_not_split() {
        let t = "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:1\r\nBEGIN:VALARM\r\nEND:VALARM\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
        let out =
            parse_calendar_text(t, ParseLimits { max_components: 2, ..ParseLimits::default() });
        assert!(out.calendars.is_empty());
        assert_eq!(out.components, 3);
        assert!(out.diagnostics.iter().any(|d| d.contains("more than 2 calendar components")));
        let ok =
            parse_calendar_text(t, ParseLimits { max_components: 3, ..ParseLimits::default() });
        assert_eq!(ok.calendars[0].objects.len(), 1);
    }

    #[test]
    fn reads_method_and_several_calendars() {
        let t = "BEGIN:VCALENDAR\r\nMETHOD:request\r\nBEGIN:VEVENT\r\nUID:1\r\nEND:VEVENT\r\nEND:VCALENDAR\r\nBEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:2\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
        let out = parse_calendar_text(t, ParseLimits::default());
        assert_eq!(out.calendars.len(), 2);
        assert_eq!(out.calendars[0].method, Some(Method::Request));
        assert_eq!(out.calendars[1].method, None);
    }
}
