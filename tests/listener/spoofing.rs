//! Spoofing through the TCP listener (issue 12): a local process connects
//! to the listener itself and writes the headers our MTA would. With
//! `[authentication] require`, a CANCEL or REQUEST without the MTA's
//! Received header, or with an Authentication-Results header that our MTA
//! did not write on top of its Received header, is not acted on; the same
//! message with the headers as the MTA writes them is.

use super::daemon::{Daemon, accepted, request};
use crate::util::render;

const ROOM: &str = "room1@example.com";
/// The MTA's Received header for mail from another host.
const REMOTE: &str = "Received: from mail.example.com (mail.example.com [192.0.2.10]) by mx.example.org (Postfix) with ESMTPS id 1A; Mon, 1 Mar 2027 09:00:01 +0000\r\n";
/// The MTA's Received header for `sendmail` on this host (pickup).
const PICKUP: &str = "Received: by mx.example.org (Postfix, from userid 1000) id 9Z; Mon, 1 Mar 2027 09:00:01 +0000\r\n";
/// A DKIM pass for the organiser's domain with our MTA's authserv-id.
const DKIM_PASS: &str =
    "Authentication-Results: mx.example.org; dkim=pass header.d=example.com\r\n";

fn daemon(trust_local_submission: bool) -> Daemon {
    let config = format!(
        "[authentication]\nrequire = true\ntrusted_authserv_ids = [\"mx.example.org\"]\ntrust_local_submission = {trust_local_submission}\n"
    );
    Daemon::start("imip_resource", "--lmtp-listen", None, &config, &[])
}

fn headed(headers: &str, msg: &[u8]) -> Vec<u8> {
    [headers.as_bytes(), msg].concat()
}

/// The organiser cancels the event.
fn cancel(uid: &str) -> Vec<u8> {
    format!(
        "From: Paul Boddie <paul.boddie@example.com>\r\nTo: {ROOM}\r\nSubject: Cancelled {uid}\r\nMessage-ID: <cancel-{uid}>\r\n\
MIME-Version: 1.0\r\nContent-Type: text/calendar; charset=utf-8; method=CANCEL\r\n\r\n\
BEGIN:VCALENDAR\r\nPRODID:-//test//EN\r\nMETHOD:CANCEL\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:{uid}\r\nSEQUENCE:1\r\n\
DTSTAMP:20270301T100000Z\r\nORGANIZER:mailto:paul.boddie@example.com\r\nATTENDEE:mailto:{ROOM}\r\n\
END:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    .into_bytes()
}

fn status(d: &Daemon, uid: &str) -> &'static str {
    let state = render::store_state(&d.store(), ROOM);
    let line = state.lines().find(|l| l.contains(&format!("object {uid}")));
    match line {
        None => "absent",
        Some(l) if l.contains(" active ") => "active",
        Some(_) => "cancelled",
    }
}

/// Delivers over TCP; the listener answers 250 whether or not it acted.
fn send(d: &Daemon, msg: &[u8]) {
    let r = d.deliver(&[ROOM], msg).unwrap();
    assert!(accepted(&r), "{r:?}\n{}", d.log());
}

/// Books ev1 with the headers `genuine` as the MTA writes them, sends the
/// spoofed CANCEL and REQUEST (not acted on), then the genuine CANCEL
/// (acted on). Returns the log.
fn spoof_then_genuine(d: Daemon, spoofed: &str, genuine: &str) -> String {
    send(&d, &headed(genuine, &request("ev1@example.com", &[ROOM], 10)));
    assert_eq!(status(&d, "ev1@example.com"), "active", "{}", d.log());
    assert_eq!(d.outbox().len(), 1, "the genuine request is answered");

    send(&d, &headed(spoofed, &cancel("ev1@example.com")));
    assert_eq!(status(&d, "ev1@example.com"), "active", "the spoofed CANCEL was acted on");
    send(&d, &headed(spoofed, &request("ev2@example.com", &[ROOM], 12)));
    assert_eq!(status(&d, "ev2@example.com"), "absent", "the spoofed REQUEST was booked");
    assert_eq!(d.outbox().len(), 1, "a spoofed message was answered");

    send(&d, &headed(genuine, &cancel("ev1@example.com")));
    assert_eq!(status(&d, "ev1@example.com"), "cancelled", "{}", d.log());
    let (_, log, _) = d.stop();
    assert!(log.contains("CANCEL ev1@example.com not acted on"), "{log}");
    assert!(log.contains("REQUEST ev2@example.com not acted on"), "{log}");
    log
}

#[test]
fn no_received_header_over_tcp_is_not_local_submission() {
    // A local process writes the message itself: no Received header at all.
    let log = spoof_then_genuine(daemon(true), "", PICKUP);
    assert!(
        log.contains("no Received header: not handed over by the MTA (TCP from 127.0.0.1:"),
        "{log}"
    );
    assert!(
        log.contains(
            "sender authenticated: organiser mailto:paul.boddie@example.com (local submission)"
        ),
        "{log}"
    );
}

#[test]
fn injected_results_with_the_trusted_id_are_not_believed() {
    // Even with trust_local_submission = false: a trusted-looking result
    // with no MTA Received header under it was not written by the MTA.
    let genuine = format!("{DKIM_PASS}{REMOTE}");
    let log = spoof_then_genuine(daemon(false), DKIM_PASS, &genuine);
    assert!(log.contains("dkim=pass for example.com"), "{log}");
}

#[test]
fn results_below_the_mta_received_header_are_not_believed() {
    // The sender's own result travelled below the Received header the MTA
    // put on top; the genuine one is above it.
    let spoofed = format!("{REMOTE}{DKIM_PASS}");
    let genuine = format!("{DKIM_PASS}{REMOTE}");
    let log = spoof_then_genuine(daemon(false), &spoofed, &genuine);
    assert!(
        log.contains(
            "1 Authentication-Results header(s) below the topmost Received header ignored"
        ),
        "{log}"
    );
}
