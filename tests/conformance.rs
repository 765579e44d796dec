//! Conformance over client messages: every file of the folder named by
//! `IMIP_REAL_WORLD_FIXTURES` (CI sets it to ../shared/fixtures/real-world,
//! the real messages collected from public projects) goes through
//! imip_resource, imip_person and imip_person_outgoing. None may panic or
//! exit 75; each must log what it did or why not; the person must always get
//! a copy. Bare `.ics` files are wrapped in a message the way a client would
//! send them. Without the variable the same checks run over our own corpus
//! of client quirks (tests/fixtures/clients), so the test never passes by
//! skipping; a folder that is named but missing is a failure.
#![allow(clippy::unwrap_used)]

use crate::util;
use imip_agent::address::CalAddress;
use imip_agent::ical::parse::{ParseLimits, parse_calendar_text};
use std::path::{Path, PathBuf};

fn folder() -> PathBuf {
    match std::env::var("IMIP_REAL_WORLD_FIXTURES") {
        Ok(v) if !v.is_empty() => PathBuf::from(v),
        _ => Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/clients"),
    }
}

/// A message around a bare calendar file, with METHOD (if any) as the
/// part's method parameter and the organiser as sender.
fn wrap(ics: &[u8]) -> Vec<u8> {
    let text = String::from_utf8_lossy(ics);
    let parsed = parse_calendar_text(&text, ParseLimits::default());
    let method = parsed.calendars.first().and_then(|c| c.method.clone());
    let from = parsed
        .calendars
        .iter()
        .flat_map(|c| c.objects.iter())
        .find_map(|o| o.organizer().map(|p| p.address))
        .and_then(|a| a.email().map(str::to_string))
        .unwrap_or_else(|| "someone@example.net".into());
    let ctype = match method {
        Some(m) => format!("text/calendar; charset=utf-8; method={m}"),
        None => "text/calendar; charset=utf-8".into(),
    };
    let mut out = format!("From: <{from}>\r\nSubject: calendar file\r\nMIME-Version: 1.0\r\nContent-Type: {ctype}\r\n\r\n").into_bytes();
    out.extend_from_slice(ics);
    out
}

/// An address the message is plausibly for: an attendee, else the To
/// header, else a stand-in.
fn recipient(raw: &[u8]) -> String {
    let m = imip_agent::mail::InboundMessage::parse(raw, &Default::default());
    for part in &m.calendar_parts {
        for cal in parse_calendar_text(&part.text, ParseLimits::default()).calendars {
            for o in cal.objects {
                if let Some(a) = o
                    .attendees()
                    .into_iter()
                    .next()
                    .and_then(|a| a.address.email().map(str::to_string))
                {
                    return a;
                }
            }
        }
    }
    m.recipients
        .first()
        .and_then(CalAddress::email)
        .map(str::to_string)
        .unwrap_or_else(|| "recipient@example.com".into())
}

#[test]
fn real_world_messages_never_fail_and_always_reach_the_person() {
    let dir = folder();
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| {
            panic!("{}: {e} (IMIP_REAL_WORLD_FIXTURES names a missing folder)", dir.display())
        })
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "eml" || e == "ics"))
        .collect();
    files.sort();
    assert!(files.len() >= 10, "only {} fixtures in {}", files.len(), dir.display());
    let tmp = tempfile::tempdir().unwrap();
    let mut problems = Vec::new();
    for f in &files {
        let bytes = std::fs::read(f).unwrap();
        let raw = if f.extension().is_some_and(|e| e == "ics") { wrap(&bytes) } else { bytes };
        let rcpt = recipient(&raw);
        let name = f.file_name().unwrap().to_string_lossy().to_string();
        for program in ["imip_resource", "imip_person", "imip_person_outgoing"] {
            let store = tmp.path().join(format!("{program}.db"));
            let args: Vec<String> = [
                "-S",
                &store.display().to_string(),
                "-d",
                "-P",
                &tmp.path().join("pub").display().to_string(),
                "-o",
                &rcpt,
            ]
            .iter()
            .map(|s| s.to_string())
            .collect();
            let out =
                util::run(program, &args, &raw, &[("IMIP_AGENT_NOW", "20270301T090000Z".into())]);
            let what = format!("{name} through {program} for {rcpt}");
            if out.status != 0 {
                problems.push(format!("{what}: exit {}\n{}", out.status, out.stderr));
                continue;
            }
            if out.stderr.contains("panicked") {
                problems.push(format!("{what}: panic\n{}", out.stderr));
            }
            if !out.log().iter().any(|l| l.contains("mailto:")) {
                problems.push(format!("{what}: no log line saying what was done\n{}", out.stderr));
            }
            let delivered =
                out.messages().iter().filter(|(l, _)| !l.starts_with("Outgoing")).count();
            if program == "imip_person" && delivered == 0 {
                problems.push(format!("{what}: the person got no copy\n{}", out.stderr));
            }
            if program == "imip_person_outgoing" && !out.stdout.is_empty() {
                problems.push(format!("{what}: the outgoing agent sent or delivered something"));
            }
        }
    }
    assert!(problems.is_empty(), "{} problem(s):\n\n{}", problems.len(), problems.join("\n\n"));
}
