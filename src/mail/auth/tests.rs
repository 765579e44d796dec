//! Screening with forged and genuine headers.
#![allow(clippy::unwrap_used)]
use super::*;
use crate::mail::{Arrival, MailLimits, extract_items};

const REMOTE_HOP: &str = "Received: from mail.example.com (mail.example.com [192.0.2.10]) by mx.ourorg.test (Postfix) with ESMTPS id 1A; Mon, 1 Mar 2027 09:00:01 +0000\r\n";

fn message(headers: &str, method: &str, organiser: &str, attendee: &str) -> String {
    format!(
        "{headers}From: {organiser}\r\nTo: room@ourorg.test\r\nSubject: x\r\nContent-Type: text/calendar; charset=utf-8; method={method}\r\n\r\n\
BEGIN:VCALENDAR\r\nMETHOD:{method}\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:ev1\r\nDTSTAMP:20270301T090000Z\r\n\
DTSTART:20270310T150000Z\r\nDTEND:20270310T160000Z\r\nORGANIZER:mailto:{organiser}\r\nATTENDEE;PARTSTAT=ACCEPTED:mailto:{attendee}\r\n\
END:VEVENT\r\nEND:VCALENDAR\r\n"
    )
}

fn cfg() -> AuthConfig {
    AuthConfig {
        require: true,
        trusted_authserv_ids: vec!["mx.ourorg.test".into()],
        trust_local_submission: true,
    }
}

fn screen_raw(cfg: &AuthConfig, raw: &str) -> Screened {
    screen_arrived(cfg, raw, Arrival::Pipe)
}

fn screen_arrived(cfg: &AuthConfig, raw: &str, arrival: Arrival) -> Screened {
    let mut msg = InboundMessage::parse(raw.as_bytes(), &MailLimits::default());
    msg.arrival = arrival;
    let items = extract_items(&msg, true);
    assert!(items.handled, "test message has no scheduling content");
    screen(cfg, &msg, &items)
}

fn acted_on(s: &Screened) -> bool {
    s.items.as_ref().is_none_or(|i| i.handled)
}

#[test]
fn genuine_dkim_from_our_mta_is_trusted() {
    let h = format!(
        "Authentication-Results: mx.ourorg.test; dkim=pass (2048-bit key) header.d=example.com header.i=@example.com\r\n{REMOTE_HOP}"
    );
    let s = screen_raw(&cfg(), &message(&h, "REQUEST", "paul@example.com", "room@ourorg.test"));
    assert!(s.items.is_none(), "{:?}", s.notes);
    assert!(s.notes[0].contains("dkim=pass for example.com"), "{:?}", s.notes);
}

#[test]
fn genuine_dmarc_and_subdomain_alignment() {
    let h = format!(
        "Authentication-Results: mx.ourorg.test; dmarc=pass (p=reject) header.from=example.com\r\n{REMOTE_HOP}"
    );
    assert!(acted_on(&screen_raw(
        &cfg(),
        &message(&h, "REQUEST", "paul@lists.example.com", "room@ourorg.test")
    )));
    // A subdomain does not vouch for its parent.
    let h = format!(
        "Authentication-Results: mx.ourorg.test; dkim=pass header.d=lists.example.com\r\n{REMOTE_HOP}"
    );
    assert!(!acted_on(&screen_raw(
        &cfg(),
        &message(&h, "REQUEST", "paul@example.com", "room@ourorg.test")
    )));
}

#[test]
fn forged_authserv_id_is_ignored() {
    let h = format!(
        "Authentication-Results: mx.attacker.test; dkim=pass header.d=example.com\r\n{REMOTE_HOP}"
    );
    let s = screen_raw(&cfg(), &message(&h, "REQUEST", "paul@example.com", "room@ourorg.test"));
    assert!(!acted_on(&s));
    assert!(
        s.notes
            .iter()
            .any(|n| n.contains("not acted on") && n.contains("organiser mailto:paul@example.com")),
        "{:?}",
        s.notes
    );
    assert!(s.notes.iter().any(|n| n.contains("treated as ordinary mail")));
}

#[test]
fn trusted_id_below_another_header_is_ignored() {
    // Our MTA added the first header; the second, with our id, came with the message.
    let h = format!(
        "Authentication-Results: mx.ourorg.test; dkim=none\r\nAuthentication-Results: relay.elsewhere.test; spf=pass\r\nAuthentication-Results: mx.ourorg.test; dkim=pass header.d=example.com\r\n{REMOTE_HOP}"
    );
    assert!(!acted_on(&screen_raw(
        &cfg(),
        &message(&h, "REQUEST", "paul@example.com", "room@ourorg.test")
    )));
}

#[test]
fn failures_other_domains_and_comments_do_not_count() {
    for ar in [
        "mx.ourorg.test; dkim=fail header.d=example.com",
        "mx.ourorg.test; dmarc=fail header.from=example.com",
        "mx.ourorg.test; dkim=pass header.d=attacker.test",
        "mx.ourorg.test; dkim=pass header.d=com",
        "mx.ourorg.test; spf=pass smtp.mailfrom=paul@example.com",
        "mx.ourorg.test; dkim=neutral (dkim=pass header.d=example.com) header.d=example.com",
        "mx.ourorg.test; dkim=pass header.d=notexample.com",
    ] {
        let h = format!("Authentication-Results: {ar}\r\n{REMOTE_HOP}");
        assert!(
            !acted_on(&screen_raw(
                &cfg(),
                &message(&h, "REQUEST", "paul@example.com", "room@ourorg.test")
            )),
            "{ar}"
        );
    }
}

#[test]
fn replies_are_checked_against_the_attendee() {
    let h = format!(
        "Authentication-Results: mx.ourorg.test; dkim=pass header.d=example.com\r\n{REMOTE_HOP}"
    );
    // The organiser's domain is authenticated, but a REPLY speaks for the attendee.
    assert!(!acted_on(&screen_raw(
        &cfg(),
        &message(&h, "REPLY", "paul@example.com", "vincent@other.test")
    )));
    assert!(acted_on(&screen_raw(
        &cfg(),
        &message(&h, "REPLY", "org@ourorg.test", "vincent@example.com")
    )));
}

#[test]
fn local_submission_is_trusted_only_when_configured() {
    let local = "Received: by mx.ourorg.test (Postfix, from userid 1000) id 9Z; Mon, 1 Mar 2027 09:00:01 +0000\r\n";
    let raw = message(local, "REQUEST", "paul@example.com", "room@ourorg.test");
    let s = screen_raw(&cfg(), &raw);
    assert!(acted_on(&s) && s.notes[0].contains("local submission"), "{:?}", s.notes);
    let strict = AuthConfig { trust_local_submission: false, ..cfg() };
    assert!(!acted_on(&screen_raw(&strict, &raw)));
    // A remote hop is not local, whatever the headers below it say.
    assert!(!acted_on(&screen_raw(
        &cfg(),
        &message(
            &format!("{REMOTE_HOP}{local}"),
            "REQUEST",
            "paul@example.com",
            "room@ourorg.test"
        )
    )));
}

#[test]
fn without_require_nothing_is_screened() {
    let relaxed = AuthConfig { require: false, ..cfg() };
    let s = screen_raw(
        &relaxed,
        &message(REMOTE_HOP, "REQUEST", "paul@example.com", "room@ourorg.test"),
    );
    assert!(s.items.is_none() && s.notes.is_empty());
}

fn tcp() -> Arrival {
    Arrival::Tcp("127.0.0.1:40000".parse().unwrap())
}

#[test]
fn results_below_the_topmost_received_header_are_ignored() {
    // The sender wrote a result with our id; our MTA's Received header went on top of it.
    let h = format!(
        "{REMOTE_HOP}Authentication-Results: mx.ourorg.test; dkim=pass header.d=example.com\r\n"
    );
    let raw = message(&h, "CANCEL", "paul@example.com", "room@ourorg.test");
    for arrival in [Arrival::Pipe, Arrival::Unix, tcp()] {
        let s = screen_arrived(&cfg(), &raw, arrival);
        assert!(!acted_on(&s), "{arrival}");
        assert!(
            s.notes.iter().any(|n| n.contains(
                "1 Authentication-Results header(s) below the topmost Received header ignored"
            )),
            "{:?}",
            s.notes
        );
    }
    // Without any Received header nothing is below ours, and nothing is ours either.
    let bare = message(
        "Authentication-Results: mx.ourorg.test; dkim=pass header.d=example.com\r\n",
        "CANCEL",
        "paul@example.com",
        "room@ourorg.test",
    );
    let strict = AuthConfig { trust_local_submission: false, ..cfg() };
    assert!(!acted_on(&screen_arrived(&strict, &bare, tcp())));
    assert!(!acted_on(&screen_arrived(&strict, &bare, Arrival::Pipe)));
}

#[test]
fn a_listener_hand_over_without_received_is_not_local() {
    let raw = message("", "CANCEL", "paul@example.com", "room@ourorg.test");
    // Standard input without Received: run by hand, local as before.
    assert!(acted_on(&screen_arrived(&cfg(), &raw, Arrival::Pipe)));
    for arrival in [Arrival::Unix, tcp()] {
        let s = screen_arrived(&cfg(), &raw, arrival);
        assert!(!acted_on(&s), "{arrival}");
        assert!(
            s.notes.iter().any(|n| n.contains("no Received header: not handed over by the MTA")),
            "{:?}",
            s.notes
        );
    }
    // With the MTA's headers, as Postfix hands over a local submission.
    let local = message(
        "Received: by mx.ourorg.test (Postfix, from userid 1000) id 9Z; Mon, 1 Mar 2027 09:00:01 +0000\r\n",
        "CANCEL",
        "paul@example.com",
        "room@ourorg.test",
    );
    assert!(acted_on(&screen_arrived(&cfg(), &local, tcp())));
    // And a genuine result above the MTA's Received header.
    let genuine = message(
        &format!(
            "Authentication-Results: mx.ourorg.test; dkim=pass header.d=example.com\r\n{REMOTE_HOP}"
        ),
        "CANCEL",
        "paul@example.com",
        "room@ourorg.test",
    );
    let strict = AuthConfig { trust_local_submission: false, ..cfg() };
    assert!(acted_on(&screen_arrived(&strict, &genuine, tcp())));
}

#[test]
fn a_helo_posing_as_a_local_client_is_not_local() {
    // Postfix writes the HELO "[127.0.0.1] by x" as it came.
    let h = "Received: from [127.0.0.1] by x (unknown [198.51.100.9]) by mx.ourorg.test (Postfix) with ESMTP id 1B; Mon, 1 Mar 2027 09:00:01 +0000\r\n";
    let s = screen_raw(&cfg(), &message(h, "CANCEL", "paul@example.com", "room@ourorg.test"));
    assert!(!acted_on(&s), "{:?}", s.notes);
}
