//! Messages over LMTP and SMTP: processed exactly as in pipe mode, one
//! answer per recipient, duplicates not answered twice.

use super::daemon::{Daemon, accepted, request};
use super::raw::Raw;
use crate::util::render;

#[test]
fn requests_over_lmtp_are_booked_and_answered() {
    let d = Daemon::start("imip_resource", "--lmtp-listen", None, "", &[]);
    let r = d
        .deliver(
            &["room1@example.com", "room2@example.com"],
            &request("ev1@example.com", &["room1@example.com", "room2@example.com"], 10),
        )
        .unwrap();
    assert!(accepted(&r), "{r:?}\n{}", d.log());
    let out = d.outbox();
    assert_eq!(out.len(), 2, "{}", d.log());
    assert!(
        out.iter().all(|m| m.contains("PARTSTAT=ACCEPTED")
            && m.contains("X-Envelope-To: paul.boddie@example.com"))
    );
    assert!(
        render::store_state(&d.store(), "mailto:room1@example.com").contains("ev1@example.com")
    );
    // A second request for the same time: declined, as in pipe mode.
    let r = d
        .deliver(&["room1@example.com"], &request("ev2@example.com", &["room1@example.com"], 10))
        .unwrap();
    assert!(accepted(&r));
    assert!(d.outbox().last().unwrap().contains("PARTSTAT=DECLINED"));
    // The same message again (the MTA lost our 250): accepted, nothing sent twice.
    let r = d
        .deliver(
            &["room1@example.com"],
            &request("ev1@example.com", &["room1@example.com", "room2@example.com"], 10),
        )
        .unwrap();
    assert!(accepted(&r));
    assert_eq!(d.outbox().len(), 3);
    let (status, log, _) = d.stop();
    assert_eq!(status, Some(0), "{log}");
    assert!(log.contains("duplicate ignored"), "{log}");
}

#[test]
fn smtp_answers_once_per_message() {
    let d = Daemon::start("imip_resource", "--smtp-listen", None, "", &[]);
    let r = d
        .deliver(
            &["room1@example.com", "room2@example.com"],
            &request("ev1@example.com", &["room1@example.com", "room2@example.com"], 9),
        )
        .unwrap();
    assert!(accepted(&r), "{r:?}\n{}", d.log());
    assert_eq!(d.outbox().len(), 2);
}

#[test]
fn message_over_the_size_limit_is_552_per_recipient() {
    let d = Daemon::start(
        "imip_resource",
        "--lmtp-listen",
        None,
        "[limits]\nmax_message_size = 2000\n",
        &[],
    );
    let mut c = Raw::connect(&d.target);
    c.begin(&["room1@example.com", "room2@example.com"]);
    c.send(&format!("Subject: big\r\n\r\n{}\r\n.\r\n", "x".repeat(5000)));
    assert!(c.reply().starts_with("552 5.3.4"));
    assert!(c.reply().starts_with("552 5.3.4"));
    // The connection goes on.
    c.send("NOOP\r\n");
    assert!(c.reply().starts_with("250"));
    assert!(d.outbox().is_empty());
}

#[test]
fn unix_socket_and_many_concurrent_clients() {
    let d = Daemon::start(
        "imip_resource",
        "--lmtp-listen",
        Some("agent.sock"),
        "",
        &["--workers", "3"],
    );
    std::thread::scope(|s| {
        for t in 0..8 {
            let d = &d;
            s.spawn(move || {
                for i in 0..10 {
                    let room = format!("room{t}@example.com");
                    let r = d
                        .deliver(&[&room], &request(&format!("ev{t}-{i}@example.com"), &[&room], i))
                        .unwrap();
                    assert!(accepted(&r), "{r:?}");
                }
            });
        }
    });
    assert_eq!(d.outbox().len(), 80);
    let sock = std::path::PathBuf::from(&d.target);
    let (status, log, _) = d.stop();
    assert_eq!(status, Some(0), "{log}");
    assert!(log.contains("writer done: 80 message(s)"), "{log}");
    assert!(!sock.exists(), "the socket file is removed on shutdown");
}
