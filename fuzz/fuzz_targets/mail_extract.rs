//! Fuzz target: arbitrary bytes as an incoming e-mail. Runs what pipe mode
//! runs before it touches the store: `InboundMessage::parse`, then
//! `extract_items` (with and without the COUNTER leniency), and parses every
//! calendar part found on its own. Every item must survive the store's
//! round trip (`to_ics` then `Object::from_stored`), because the agents load
//! what they stored that way. Must never panic or hang. No I/O.
//!
//! One panic is tolerated: mail-parser 0.11.9 ends a malformed multipart
//! inside an attached message with `debug_assert!(false, "Invalid part ID,
//! could not find multipart.")` (src/parsers/message.rs) and then recovers.
//! Release builds, which the agents are, skip the assertion; fuzz builds
//! have debug assertions on. `InboundMessage::parse` catches it (the message
//! is then not examined, and a person still gets it); the hook below lets
//! that one panic unwind instead of aborting. Every other panic still
//! aborts the run.

#![no_main]

use imip_agent::ical::parse::{ParseLimits, parse_calendar_text};
use imip_agent::ical::{Object, Zone};
use imip_agent::mail::items::extract_items;
use imip_agent::mail::{InboundMessage, MailLimits};
use libfuzzer_sys::fuzz_target;

/// The message of mail-parser's recoverable debug assertion.
const UPSTREAM_ASSERTION: &str = "Invalid part ID, could not find multipart.";

/// Wraps libFuzzer's aborting panic hook so that mail-parser's known debug
/// assertion unwinds (to the `catch_unwind` below) instead of aborting.
fn tolerate_upstream_assertion() {
    let fatal = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let known = info.location().is_some_and(|l| l.file().contains("mail-parser"))
            && info.payload_as_str() == Some(UPSTREAM_ASSERTION);
        if !known {
            fatal(info);
        }
    }));
}

fuzz_target!(init: tolerate_upstream_assertion(), |data: &[u8]| {
    // Small MIME limits so that the fuzzer reaches the limit paths; the
    // size limit stays above libFuzzer's input sizes so messages are read.
    let limits = MailLimits {
        max_message_size: 1 << 20,
        max_depth: 6,
        max_parts: 40,
        max_calendar_size: 64 << 10,
    };
    let msg = InboundMessage::parse(data, &limits);
    assert!(
        msg.calendar_parts.len() <= limits.max_parts,
        "more calendar parts than MIME parts allowed"
    );
    for part in &msg.calendar_parts {
        assert!(part.depth <= limits.max_depth, "calendar part below the depth limit");
        let parsed = parse_calendar_text(&part.text, ParseLimits::default());
        assert!(parsed.calendars.len() <= ParseLimits::default().max_calendars);
        for cal in &parsed.calendars {
            assert!(cal.objects.len() <= ParseLimits::default().max_objects);
        }
    }
    for counter_as_request in [true, false] {
        let items = extract_items(&msg, counter_as_request);
        for item in &items.items {
            // What the agent stores must load again, or a stored booking
            // would silently count as absent.
            let text = item.object.to_ics();
            let again = Object::from_stored(&text);
            assert!(again.is_some(), "stored form does not parse again:\n{text}");
            // The accessors the agents call on every item.
            let zones = item.object.zones(Zone::Utc);
            let _ = (
                item.object.uid(),
                item.object.rid_key(&zones),
                item.object.sequence(),
                item.object.dtstamp(),
            );
        }
    }
    let _ = msg.senders();
});
