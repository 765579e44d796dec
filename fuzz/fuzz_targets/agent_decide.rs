//! Fuzz target: arbitrary bytes as an incoming e-mail, decided by the three
//! agents — a resource (with a policy chain that uses most functions), a
//! person and the outgoing agent — on an in-memory store that already
//! holds a booking, an invitation and an answer, exactly as pipe mode
//! does (`handle_recipient`), then delivered a second time (the duplicate
//! path). Whatever the message, deciding must never panic, hang or fail
//! with an infrastructure error: malformed calendar data is a domain
//! outcome. No I/O (the store is in memory, the clock fixed).

#![no_main]

use imip_agent::address::CalAddress;
use imip_agent::agent::AgentKind;
use imip_agent::agent::handle::{handle_recipient, message_key};
use imip_agent::clock::FixedClock;
use imip_agent::config::Config;
use imip_agent::mail::{InboundMessage, MailLimits, extract_items};
use imip_agent::runtime::Runtime;
use imip_agent::store::Store;
use imip_agent::store::memory::MemStore;
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

/// Seeds the store: a booking of the room, an invitation Anna holds, and
/// the organiser's copy with an answer, so that updates, replies and
/// cancellations meet something.
const SEED: &[(&str, &str, &str)] = &[
    ("imip_resource", "room@example.com", "UID:seed-1\r\nDTSTAMP:20270301T080000Z\r\nSEQUENCE:0\r\nORGANIZER:mailto:paul@example.com\r\nATTENDEE:mailto:room@example.com\r\nDTSTART:20270302T100000Z\r\nDTEND:20270302T110000Z\r\nRRULE:FREQ=WEEKLY;COUNT=10\r\n"),
    ("imip_person", "anna@example.com", "UID:seed-2\r\nDTSTAMP:20270301T080000Z\r\nSEQUENCE:1\r\nORGANIZER:mailto:paul@example.com\r\nATTENDEE:mailto:anna@example.com\r\nDTSTART:20270303T100000Z\r\nDTEND:20270303T110000Z\r\n"),
    ("imip_person_outgoing", "people-outgoing+paul@example.com", "UID:seed-3\r\nDTSTAMP:20270301T080000Z\r\nSEQUENCE:0\r\nORGANIZER:mailto:paul@example.com\r\nATTENDEE:mailto:anna@example.com\r\nDTSTART:20270304T100000Z\r\nDTEND:20270304T110000Z\r\n"),
];

fn runtime() -> &'static Runtime {
    static RT: OnceLock<Runtime> = OnceLock::new();
    RT.get_or_init(|| {
        let now = chrono::DateTime::from_timestamp(1_803_891_600, 0).unwrap_or_default();
        let mut cfg = Config::default();
        cfg.defaults.insert(
            "scheduling_function".into(),
            "booking_window P400D\nduration_limits PT5M PT12H\ncheck_quota\nschedule_instances_in_freebusy 2 * 60%".into(),
        );
        Runtime::with_clock(cfg, Box::new(FixedClock(now))).unwrap_or_else(|_| std::process::abort())
    })
}

fn kind(program: &str) -> AgentKind {
    match program {
        "imip_resource" => AgentKind::Resource,
        "imip_person" => AgentKind::Person,
        _ => AgentKind::Outgoing,
    }
}

fn deliver(store: &mut MemStore, program: &str, to: &str, raw: &[u8]) {
    let rt = runtime();
    let env = rt.env();
    let limits = MailLimits { max_message_size: 1 << 20, ..rt.mail_limits() };
    let msg = InboundMessage::parse(raw, &limits);
    let items = extract_items(&msg, false);
    let Some(r) = CalAddress::parse(to) else { return };
    let Ok(mut tx) = store.write() else { panic!("the memory store refused a transaction") };
    let key = message_key(raw);
    if let Err(e) = handle_recipient(kind(program), &env, tx.as_mut(), raw, &msg, &items, &r, &key) {
        panic!("infrastructure error on calendar input: {e}");
    }
    if let Err(e) = tx.commit() {
        panic!("commit failed: {e}");
    }
}

fuzz_target!(|data: &[u8]| {
    let mut store = MemStore::new();
    for (program, to, body) in SEED {
        let raw = format!(
            "From: paul@example.com\r\nTo: {to}\r\nContent-Type: text/calendar; method=REQUEST\r\n\r\nBEGIN:VCALENDAR\r\nVERSION:2.0\r\nMETHOD:REQUEST\r\nBEGIN:VEVENT\r\n{body}END:VEVENT\r\nEND:VCALENDAR\r\n"
        );
        deliver(&mut store, program, to, raw.as_bytes());
    }
    for (program, to, _) in SEED {
        deliver(&mut store, program, to, data);
        // The MTA's retry of the same bytes: replayed, never decided twice.
        deliver(&mut store, program, to, data);
    }
});
