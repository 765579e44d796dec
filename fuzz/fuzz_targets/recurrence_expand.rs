//! Fuzz target: recurrence expansion. The first byte chooses how the rest
//! becomes a VEVENT:
//!
//! - structured (most inputs): the bytes pick DTSTART (UTC, floating, an
//!   IANA TZID, a DATE, or a TZID defined only by a VTIMEZONE), DTEND or
//!   DURATION, an RRULE with every part calcard's engine reads (FREQ down to
//!   SECONDLY, INTERVAL, COUNT / UNTIL / neither, BYxxx lists with ordinals,
//!   BYSETPOS, WKST), EXDATEs and RDATEs; whatever bytes are left are added
//!   as extra property lines. This reaches deep into the engine from the
//!   first run, without a seed corpus;
//! - property lines: the bytes are the VEVENT's content lines;
//! - raw: the bytes are a whole iCalendar text.
//!
//! Every VEVENT found is expanded with a near window (100 days either side
//! of a fixed "now") and the default caps; the expansion must stay within
//! them (at most `max_occurrences`, sorted, no duplicate starts, no period
//! ending before it starts) and must return: libFuzzer's `-timeout` catches
//! a rule that runs away. The same text also goes through
//! `Object::from_stored`, the path stored events take. No I/O.

#![no_main]

use imip_agent::clock::parse_instant;
use imip_agent::ical::parse::{ParseLimits, parse_calendar_text};
use imip_agent::ical::{ComponentKind, Object, Zone};
use imip_agent::recur::{ExpandParams, expand};
use libfuzzer_sys::fuzz_target;
use std::fmt::Write;

/// Reads choices from the fuzz input; runs out into zeros.
struct Bytes<'a>(&'a [u8]);

impl Bytes<'_> {
    fn byte(&mut self) -> u8 {
        match self.0.split_first() {
            Some((&b, rest)) => {
                self.0 = rest;
                b
            }
            None => 0,
        }
    }

    fn pick<'s>(&mut self, options: &[&'s str]) -> &'s str {
        options[usize::from(self.byte()) % options.len()]
    }

    /// A value in `lo..=hi` (inclusive; `hi - lo` below 65,536).
    fn range(&mut self, lo: i32, hi: i32) -> i32 {
        let raw = i32::from(u16::from_le_bytes([self.byte(), self.byte()]));
        lo + raw % (hi - lo + 1)
    }

    fn flag(&mut self) -> bool {
        self.byte() & 1 == 1
    }
}

const FREQS: &[&str] = &["SECONDLY", "MINUTELY", "HOURLY", "DAILY", "WEEKLY", "MONTHLY", "YEARLY"];
const DAYS: &[&str] = &["MO", "TU", "WE", "TH", "FR", "SA", "SU"];
const ZONES: &[&str] = &[
    "Europe/Oslo",
    "America/New_York",
    "Australia/Lord_Howe",
    "Asia/Kolkata",
    "W. Europe Standard Time",
    "Custom/Zone",
];

/// A VTIMEZONE that no table knows, so that the rule-based zone is used.
const CUSTOM_ZONE: &str = "BEGIN:VTIMEZONE\r\nTZID:Custom/Zone\r\nBEGIN:STANDARD\r\nDTSTART:19701025T030000\r\nRRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r\nTZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\nEND:STANDARD\r\nBEGIN:DAYLIGHT\r\nDTSTART:19700329T020000\r\nRRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200\r\nEND:DAYLIGHT\r\nEND:VTIMEZONE\r\n";

/// A date-time property value with its parameters, e.g. `;TZID=X:2027…`.
fn when(b: &mut Bytes<'_>, form: u8, tzid: &str) -> String {
    // Out-of-range days (31 February) are deliberate: they must be refused,
    // not panic.
    let (y, mo, d) = (b.range(1990, 2040), b.range(1, 12), b.range(1, 31));
    let (h, mi, s) = (b.range(0, 23), b.range(0, 59), b.range(0, 60));
    match form % 4 {
        0 => format!(":{y:04}{mo:02}{d:02}T{h:02}{mi:02}{s:02}Z"),
        1 => format!(":{y:04}{mo:02}{d:02}T{h:02}{mi:02}{s:02}"),
        2 => format!(";TZID={tzid}:{y:04}{mo:02}{d:02}T{h:02}{mi:02}{s:02}"),
        _ => format!(";VALUE=DATE:{y:04}{mo:02}{d:02}"),
    }
}

fn by_list(b: &mut Bytes<'_>, name: &str, lo: i32, hi: i32, out: &mut String) {
    let n = b.byte() % 4;
    if n == 0 {
        return;
    }
    let values: Vec<String> = (0..n).map(|_| b.range(lo, hi).to_string()).collect();
    let _ = write!(out, ";{name}={}", values.join(","));
}

fn rrule(b: &mut Bytes<'_>) -> String {
    let mut r = format!("RRULE:FREQ={}", b.pick(FREQS));
    if b.flag() {
        let _ = write!(r, ";INTERVAL={}", b.range(1, 400));
    }
    match b.byte() % 3 {
        0 => {
            let _ = write!(r, ";COUNT={}", b.range(1, 5000));
        }
        1 => {
            let form = b.byte() & 1;
            let until = when(b, form, "");
            let _ = write!(r, ";UNTIL{until}");
        }
        _ => {}
    }
    let n = b.byte() % 4;
    if n > 0 {
        let days: Vec<String> = (0..n)
            .map(|_| {
                let ord = b.range(-6, 6);
                let day = b.pick(DAYS);
                if ord == 0 { day.to_string() } else { format!("{ord}{day}") }
            })
            .collect();
        let _ = write!(r, ";BYDAY={}", days.join(","));
    }
    by_list(b, "BYMONTHDAY", -32, 32, &mut r);
    by_list(b, "BYMONTH", 0, 13, &mut r);
    by_list(b, "BYSETPOS", -400, 400, &mut r);
    by_list(b, "BYWEEKNO", -54, 54, &mut r);
    by_list(b, "BYYEARDAY", -367, 367, &mut r);
    by_list(b, "BYHOUR", 0, 24, &mut r);
    by_list(b, "BYMINUTE", 0, 60, &mut r);
    by_list(b, "BYSECOND", 0, 61, &mut r);
    if b.flag() {
        let _ = write!(r, ";WKST={}", b.pick(DAYS));
    }
    r
}

/// Builds a calendar from the input's choices.
fn structured(mut b: Bytes<'_>) -> String {
    let b = &mut b;
    let tzid = b.pick(ZONES);
    let form = b.byte();
    let mut ev =
        String::from("BEGIN:VEVENT\r\nUID:fuzz@example.com\r\nDTSTAMP:20270301T090000Z\r\n");
    let _ = write!(ev, "DTSTART{}\r\n", when(b, form, tzid));
    match b.byte() % 4 {
        // DTEND in the same form as DTSTART (the usual case), or another.
        0 => {
            let _ = write!(ev, "DTEND{}\r\n", when(b, form, tzid));
        }
        1 => {
            let other = b.byte();
            let _ = write!(ev, "DTEND{}\r\n", when(b, other, tzid));
        }
        2 => {
            let sign = if b.flag() { "-" } else { "" };
            let _ = write!(
                ev,
                "DURATION:{sign}P{}DT{}H{}M\r\n",
                b.range(0, 400),
                b.range(0, 30),
                b.range(0, 90)
            );
        }
        _ => {}
    }
    if !b.byte().is_multiple_of(8) {
        let _ = write!(ev, "{}\r\n", rrule(b));
    }
    for _ in 0..b.byte() % 3 {
        let f = b.byte();
        let _ = write!(ev, "EXDATE{}\r\n", when(b, f, tzid));
    }
    for _ in 0..b.byte() % 3 {
        let f = b.byte();
        if b.flag() {
            let _ = write!(ev, "RDATE{}\r\n", when(b, f, tzid));
        } else {
            let start = when(b, 0, tzid);
            let _ = write!(ev, "RDATE;VALUE=PERIOD{start}/PT{}M\r\n", b.range(0, 600));
        }
    }
    // The rest: more content lines, which may override or break the above.
    ev.push_str(&String::from_utf8_lossy(b.0));
    ev.push_str("\r\nEND:VEVENT\r\n");
    let zone = if tzid == "Custom/Zone" { CUSTOM_ZONE } else { "" };
    format!("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//fuzz//EN\r\n{zone}{ev}END:VCALENDAR\r\n")
}

fn check(obj: &Object, default: Zone, params: &ExpandParams) {
    let zones = obj.zones(default);
    let e = expand(obj, &zones, params);
    assert!(
        e.occurrences.len() <= params.max_occurrences,
        "{} occurrences over the cap",
        e.occurrences.len()
    );
    for w in e.occurrences.windows(2) {
        assert!(
            w[0].start < w[1].start,
            "occurrences not sorted or duplicated: {:?} then {:?}",
            w[0],
            w[1]
        );
    }
    for o in &e.occurrences {
        assert!(o.end >= o.start, "occurrence ends before it starts: {o:?}");
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else { return };
    let text = match mode % 8 {
        0 => String::from_utf8_lossy(rest).into_owned(),
        1 => format!(
            "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\n{}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
            String::from_utf8_lossy(rest)
        ),
        _ => structured(Bytes(rest)),
    };
    // "Now" is 2027-03-01T09:00Z; the window reaches 100 days either side.
    let (Some(window_end), keep_from) =
        (parse_instant("20270609T090000Z"), parse_instant("20261121T090000Z"))
    else {
        return;
    };
    let mut params = ExpandParams::with_window(window_end);
    params.keep_from = keep_from;
    let default =
        if mode & 8 == 0 { Zone::Utc } else { Zone::from_name("Europe/Oslo").unwrap_or(Zone::Utc) };
    let parsed = parse_calendar_text(
        &text,
        ParseLimits { max_calendars: 2, max_objects: 4, ..ParseLimits::default() },
    );
    for cal in &parsed.calendars {
        for obj in cal.objects.iter().filter(|o| o.kind() == ComponentKind::Event) {
            check(obj, default.clone(), &params);
        }
    }
    if let Some(obj) = Object::from_stored(&text) {
        check(&obj, default, &params);
    }
});
