//! No double booking: eight imip_resource processes started at once, each
//! with a different REQUEST for the same hour, end with exactly one
//! ACCEPTED, seven DECLINED, and a store that agrees.
#![allow(clippy::unwrap_used)]

use crate::util::{self, render};
use std::io::Write;
use std::process::{Command, Stdio};

/// REQUEST number `n`: a different organiser and UID, the same hour (the
/// odd ones start half an hour later, still overlapping).
fn request(n: usize) -> String {
    let (start, end) = if n % 2 == 0 { ("100000", "110000") } else { ("103000", "113000") };
    format!(
        "From: organiser{n}@example.com\r\nTo: room@example.com\r\nSubject: Meeting {n}\r\nMessage-ID: <c{n}@example.com>\r\nContent-Type: text/calendar; method=REQUEST\r\n\r\nBEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:concurrent-{n}@example.com\r\nDTSTAMP:20270301T090000Z\r\nORGANIZER:mailto:organiser{n}@example.com\r\nATTENDEE:mailto:room@example.com\r\nDTSTART:20270310T{start}Z\r\nDTEND:20270310T{end}Z\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
}

#[test]
fn eight_concurrent_requests_book_the_room_once() {
    for round in 0..3 {
        let dir = tempfile::tempdir().unwrap();
        let store = dir.path().join("store.db");
        let outbox = dir.path().join("out");
        // Create the store first so every process races on bookings, not on schema creation.
        let out = util::run(
            "imip_admin",
            &[
                "-S".to_string(),
                store.display().to_string(),
                "user".into(),
                "add".into(),
                "room@example.com".into(),
                "--kind".into(),
                "resource".into(),
            ],
            b"",
            &[],
        );
        assert_eq!(out.status, 0, "{}", out.stderr);
        let mut children = Vec::new();
        for n in 0..8 {
            let mut c = Command::new(util::bin("imip_resource"))
                .args([
                    "-S",
                    store.to_str().unwrap(),
                    "--outbox",
                    outbox.to_str().unwrap(),
                    "-o",
                    "room@example.com",
                ])
                .env("IMIP_AGENT_NOW", "20270301T090000Z")
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap();
            children.push((n, c.stdin.take().unwrap(), c));
        }
        // Release all messages at once.
        let mut running = Vec::new();
        for (n, mut stdin, c) in children {
            stdin.write_all(request(n).as_bytes()).unwrap();
            drop(stdin);
            running.push(c);
        }
        for c in running {
            let o = c.wait_with_output().unwrap();
            assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
        }
        let mut accepted = 0;
        let mut declined = 0;
        for f in std::fs::read_dir(&outbox).unwrap() {
            let text = render::message(&std::fs::read(f.unwrap().path()).unwrap());
            if text.contains("PARTSTAT=ACCEPTED") {
                accepted += 1;
            } else if text.contains("PARTSTAT=DECLINED") {
                declined += 1;
            }
        }
        assert_eq!((accepted, declined), (1, 7), "round {round}");
        let state = render::store_state(&store, "room@example.com");
        assert_eq!(state.matches("  busy ").count(), 1, "{state}");
        assert_eq!(state.matches("partstat=ACCEPTED").count(), 1, "{state}");
        assert_eq!(state.matches("partstat=DECLINED").count(), 7, "{state}");
    }
}
