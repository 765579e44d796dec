//! The hostile corpus of issue 12: messages within the documented size
//! limits that cost too much CPU or memory when handled naively. Generated
//! rather than stored (some are megabytes). Shared by `tests/hostile.rs` and
//! `examples/hostile_corpus.rs`, which writes them to a directory for manual
//! measurement (`time imip_resource -d … < file`). No I/O.
#![allow(dead_code)]

/// The resource every message is addressed to.
pub const ROOM: &str = "room@example.com";

/// One generated input: a short name and the whole RFC 5322 message.
pub struct Input {
    /// File-name friendly name.
    pub name: &'static str,
    /// What it stresses.
    pub what: &'static str,
    /// The message bytes.
    pub message: Vec<u8>,
}

/// Wraps calendar text in a message to the room, as a REQUEST.
pub fn message(subject: &str, calendar: &str) -> Vec<u8> {
    format!(
        "From: Organiser <organiser@example.com>\r\nTo: {ROOM}\r\nSubject: {subject}\r\nMessage-ID: <{subject}@example.com>\r\nDate: Mon, 1 Mar 2027 09:00:00 +0000\r\nMIME-Version: 1.0\r\nContent-Type: text/calendar; charset=\"utf-8\"; method=REQUEST\r\nContent-Transfer-Encoding: 8bit\r\n\r\n{calendar}"
    )
    .into_bytes()
}

/// A VCALENDAR around `body` (one or more components).
pub fn calendar(body: &str) -> String {
    format!(
        "BEGIN:VCALENDAR\r\nPRODID:-//hostile//EN\r\nVERSION:2.0\r\nMETHOD:REQUEST\r\n{body}END:VCALENDAR\r\n"
    )
}

/// The properties every event carries: organiser, the room, UID, times.
pub fn event_head(uid: &str, start: &str) -> String {
    format!(
        "UID:{uid}\r\nDTSTAMP:20270301T090000Z\r\nSEQUENCE:0\r\nORGANIZER:mailto:organiser@example.com\r\nATTENDEE;CUTYPE=ROOM;RSVP=TRUE:mailto:{ROOM}\r\nSUMMARY:{uid}\r\nDTSTART:{start}\r\n"
    )
}

/// An ordinary one-hour booking: the yardstick the others are compared with.
pub fn trivial() -> Input {
    let ev = format!(
        "BEGIN:VEVENT\r\n{}DTEND:20270310T110000Z\r\nEND:VEVENT\r\n",
        event_head("trivial", "20270310T100000Z")
    );
    Input {
        name: "trivial",
        what: "one ordinary booking",
        message: message("trivial", &calendar(&ev)),
    }
}

/// `n` nested unknown components inside one event (`BEGIN:X` … `END:X`).
pub fn nested_unknown(n: usize) -> Input {
    let mut ev = format!(
        "BEGIN:VEVENT\r\n{}DTEND:20270310T110000Z\r\n",
        event_head("nested-x", "20270310T100000Z")
    );
    ev.push_str(&"BEGIN:X\r\n".repeat(n));
    ev.push_str(&"END:X\r\n".repeat(n));
    ev.push_str("END:VEVENT\r\n");
    Input {
        name: "nested-unknown",
        what: "nested unknown components",
        message: message("nested-unknown", &calendar(&ev)),
    }
}

/// `n` VALARMs side by side in one event.
pub fn flat_valarms(n: usize) -> Input {
    let mut ev = format!(
        "BEGIN:VEVENT\r\n{}DTEND:20270310T110000Z\r\n",
        event_head("valarms", "20270310T100000Z")
    );
    ev.push_str(&"BEGIN:VALARM\r\nEND:VALARM\r\n".repeat(n));
    ev.push_str("END:VEVENT\r\n");
    Input {
        name: "flat-valarms",
        what: "flat VALARMs",
        message: message("flat-valarms", &calendar(&ev)),
    }
}

/// `n` VEVENTs nested in each other.
pub fn nested_vevents(n: usize) -> Input {
    let mut ev = format!(
        "BEGIN:VEVENT\r\n{}DTEND:20270310T110000Z\r\n",
        event_head("nested-vevent", "20270310T100000Z")
    );
    ev.push_str(&"BEGIN:VEVENT\r\n".repeat(n.saturating_sub(1)));
    ev.push_str(&"END:VEVENT\r\n".repeat(n.saturating_sub(1)));
    ev.push_str("END:VEVENT\r\n");
    Input {
        name: "nested-vevents",
        what: "nested VEVENTs",
        message: message("nested-vevents", &calendar(&ev)),
    }
}

/// `n` events at the same time, each `FREQ=SECONDLY;COUNT=count`: every
/// occurrence of the later ones is checked against the first one's bookings.
pub fn secondly_events(n: usize, count: usize) -> Input {
    let body: String = (0..n)
        .map(|i| {
            format!(
                "BEGIN:VEVENT\r\n{}DTEND:20270310T100001Z\r\nRRULE:FREQ=SECONDLY;COUNT={count}\r\nEND:VEVENT\r\n",
                event_head(&format!("secondly-{i}"), "20270310T100000Z")
            )
        })
        .collect();
    Input {
        name: "secondly-events",
        what: "recurring events checked for conflicts",
        message: message("secondly-events", &calendar(&body)),
    }
}

/// `n` open-ended `FREQ=SECONDLY` events: each expansion stops at the
/// occurrence cap and is declined.
pub fn open_secondly_events(n: usize) -> Input {
    let body: String = (0..n)
        .map(|i| {
            format!(
                "BEGIN:VEVENT\r\n{}DTEND:20270310T100001Z\r\nRRULE:FREQ=SECONDLY\r\nEND:VEVENT\r\n",
                event_head(&format!("open-{i}"), "20270310T100000Z")
            )
        })
        .collect();
    Input {
        name: "open-secondly-events",
        what: "open-ended recurring events expanded to the caps",
        message: message("open-secondly-events", &calendar(&body)),
    }
}

/// An event every minute (`COUNT=count`) with `n` EXDATEs, every other
/// minute, in one folded EXDATE property.
pub fn exdates(n: usize, count: usize) -> Input {
    let start = chrono::NaiveDate::from_ymd_opt(2027, 3, 10)
        .and_then(|d| d.and_hms_opt(10, 0, 0))
        .unwrap_or_default();
    let values: Vec<String> = (0..n)
        .map(|i| {
            (start + chrono::Duration::minutes(2 * i as i64 + 1))
                .format("%Y%m%dT%H%M%SZ")
                .to_string()
        })
        .collect();
    let mut ev = format!(
        "BEGIN:VEVENT\r\n{}DTEND:20270310T100030Z\r\nRRULE:FREQ=MINUTELY;COUNT={count}\r\n",
        event_head("exdates", "20270310T100000Z")
    );
    ev.push_str(&fold(&format!("EXDATE:{}", values.join(","))));
    ev.push_str("END:VEVENT\r\n");
    Input { name: "exdates", what: "many EXDATEs", message: message("exdates", &calendar(&ev)) }
}

/// A rule whose every yearly step has 366 × 24 × 60 × 60 candidates.
pub fn rule_candidates() -> Input {
    let list =
        |from: u32, to: u32| (from..=to).map(|i| i.to_string()).collect::<Vec<_>>().join(",");
    let rule = format!(
        "RRULE:FREQ=YEARLY;BYYEARDAY={};BYHOUR={};BYMINUTE={};BYSECOND={}",
        list(1, 366),
        list(0, 23),
        list(0, 59),
        list(0, 59)
    );
    let ev = format!(
        "BEGIN:VEVENT\r\n{}DTEND:20270310T100001Z\r\n{}END:VEVENT\r\n",
        event_head("candidates", "20270310T100000Z"),
        fold(&rule)
    );
    Input {
        name: "rule-candidates",
        what: "an RRULE with a huge candidate set",
        message: message("rule-candidates", &calendar(&ev)),
    }
}

/// An event lasting two million weeks (ends in the year 40,000 and later).
pub fn long_duration() -> Input {
    let ev = format!(
        "BEGIN:VEVENT\r\n{}DURATION:P2000000W\r\nEND:VEVENT\r\n",
        event_head("long-duration", "20270310T100000Z")
    );
    Input {
        name: "long-duration",
        what: "a duration past year 9999",
        message: message("long-duration", &calendar(&ev)),
    }
}

/// A minutely series of `count` occurrences with `n` modified occurrences
/// (RECURRENCE-ID overrides), as measured in issue 12 (10,000 and 999:
/// every override re-expanded and rebuilt the whole series, 34 s).
pub fn overrides(count: usize, n: usize) -> Input {
    let start = chrono::NaiveDate::from_ymd_opt(2027, 3, 10)
        .and_then(|d| d.and_hms_opt(10, 0, 0))
        .unwrap_or_default();
    let mut body = format!(
        "BEGIN:VEVENT\r\n{}DTEND:20270310T100030Z\r\nRRULE:FREQ=MINUTELY;COUNT={count}\r\nEND:VEVENT\r\n",
        event_head("overrides", "20270310T100000Z"),
    );
    for i in 1..=n {
        let at = start + chrono::Duration::minutes(i as i64);
        let rid = at.format("%Y%m%dT%H%M%SZ");
        let moved = (at + chrono::Duration::seconds(20)).format("%Y%m%dT%H%M%SZ");
        let end = (at + chrono::Duration::seconds(40)).format("%Y%m%dT%H%M%SZ");
        body.push_str(&format!(
            "BEGIN:VEVENT\r\nUID:overrides\r\nDTSTAMP:20270301T090000Z\r\nSEQUENCE:0\r\nORGANIZER:mailto:organiser@example.com\r\nATTENDEE;CUTYPE=ROOM;RSVP=TRUE:mailto:{ROOM}\r\nRECURRENCE-ID:{rid}\r\nDTSTART:{moved}\r\nDTEND:{end}\r\nEND:VEVENT\r\n"
        ));
    }
    Input {
        name: "overrides",
        what: "a series with many overrides",
        message: message("overrides", &calendar(&body)),
    }
}

/// The inputs measured in issue 12, at the sizes measured there.
pub fn all() -> Vec<Input> {
    vec![
        trivial(),
        nested_unknown(250_000),
        flat_valarms(150_000),
        nested_vevents(100_000),
        secondly_events(20, 9999),
        open_secondly_events(20),
        exdates(200_000, 10_000),
        rule_candidates(),
        long_duration(),
        overrides(10_000, 999),
    ]
}

/// Folds a content line at 75 octets (all ASCII here).
fn fold(line: &str) -> String {
    let bytes = line.as_bytes();
    let mut out = String::with_capacity(bytes.len() + bytes.len() / 37);
    for (i, chunk) in bytes.chunks(74).enumerate() {
        if i > 0 {
            out.push_str("\r\n ");
        }
        out.push_str(std::str::from_utf8(chunk).unwrap_or_default());
    }
    out.push_str("\r\n");
    out
}
