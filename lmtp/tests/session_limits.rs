//! Server session edge cases not easily written as transcripts: memory
//! bounds under huge input, too much pipelined input during a delivery,
//! misuse of `delivered()`. No I/O.

#![allow(clippy::unwrap_used)]

use lmtp::{Action, DeliveryOutcome, Envelope, Protocol, ServerConfig, Session};

fn written(actions: &[Action]) -> String {
    let mut out = Vec::new();
    for action in actions {
        if let Action::Write(bytes) = action {
            out.extend_from_slice(bytes);
        }
    }
    String::from_utf8(out).unwrap()
}

/// A session that has just been handed a message for two recipients.
fn delivering(protocol: Protocol) -> (Session, Envelope) {
    let mut session = Session::new(ServerConfig::new(protocol, "mx.example"));
    let hello = match protocol {
        Protocol::Lmtp => "LHLO c\r\n",
        Protocol::Smtp => "EHLO c\r\n",
    };
    let actions = session.feed(
        format!("{hello}MAIL FROM:<a@b.c>\r\nRCPT TO:<d@e.f>\r\nRCPT TO:<g@h.i>\r\nDATA\r\n")
            .as_bytes(),
    );
    assert!(written(&actions).ends_with("354 End data with <CR><LF>.<CR><LF>\r\n"));
    let mut actions = session.feed(b"hi\r\n.\r\n");
    assert!(session.awaiting_delivery());
    let Some(Action::Deliver(envelope)) = actions.pop() else { panic!("no delivery") };
    (session, envelope)
}

#[test]
fn endless_command_line_is_not_stored() {
    let mut session = Session::new(ServerConfig::new(Protocol::Lmtp, "mx.example"));
    let junk = vec![b'A'; 1 << 20];
    for _ in 0..8 {
        assert!(session.feed(&junk).is_empty());
        assert!(session.buffered_bytes() <= 4096);
    }
    assert_eq!(
        written(&session.feed(b"\r\nNOOP\r\n")),
        "500 5.5.2 Line too long\r\n250 2.0.0 OK\r\n"
    );
}

#[test]
fn oversize_message_is_not_stored() {
    let mut config = ServerConfig::new(Protocol::Lmtp, "mx.example");
    config.max_message_size = 1000;
    let mut session = Session::new(config);
    session.feed(b"LHLO c\r\nMAIL FROM:<a@b.c>\r\nRCPT TO:<d@e.f>\r\nDATA\r\n");
    let line = [b"x".repeat(998), b"\r\n".to_vec()].concat();
    for _ in 0..5000 {
        assert!(session.feed(&line).is_empty());
        assert!(session.buffered_bytes() <= 1002);
    }
    let actions = session.feed(b".\r\n");
    assert_eq!(written(&actions), "552 5.3.4 Message too big for system\r\n");
    assert!(!session.awaiting_delivery());
}

#[test]
fn too_much_input_during_delivery_closes_after_the_replies() {
    let (mut session, envelope) = delivering(Protocol::Lmtp);
    assert_eq!(envelope.recipients, ["d@e.f", "g@h.i"]);
    let noops = b"NOOP\r\n".repeat(100_000);
    assert!(session.feed(&noops).is_empty());
    assert!(session.buffered_bytes() <= 256 * 1024);
    let actions = session.delivered(&[DeliveryOutcome::Delivered, DeliveryOutcome::Delivered]);
    assert_eq!(
        written(&actions),
        "250 2.1.5 <d@e.f> Delivered\r\n250 2.1.5 <g@h.i> Delivered\r\n\
         421 4.5.0 Too much pipelined input, closing connection\r\n"
    );
    assert_eq!(actions.last(), Some(&Action::Close));
    assert!(session.is_closed());
    assert!(session.feed(b"NOOP\r\n").is_empty());
}

#[test]
fn input_during_delivery_is_answered_after_it() {
    let (mut session, _) = delivering(Protocol::Smtp);
    assert!(session.feed(b"NOOP\r\nQUI").is_empty());
    assert!(session.feed(b"T\r\n").is_empty());
    let actions = session.delivered(&[DeliveryOutcome::Delivered, DeliveryOutcome::Delivered]);
    assert_eq!(
        actions,
        vec![
            Action::Write(
                b"250 2.0.0 Message accepted for delivery\r\n250 2.0.0 OK\r\n221 2.0.0 Bye\r\n"
                    .to_vec()
            ),
            Action::Close
        ]
    );
}

#[test]
fn missing_outcomes_are_temporary_failures() {
    let (mut session, _) = delivering(Protocol::Lmtp);
    let actions = session.delivered(&[DeliveryOutcome::Delivered]);
    assert_eq!(
        written(&actions),
        "250 2.1.5 <d@e.f> Delivered\r\n451 4.3.0 Delivery outcome unknown\r\n"
    );
    assert!(!session.awaiting_delivery());
}

#[test]
fn delivered_without_pending_delivery_does_nothing() {
    let mut session = Session::new(ServerConfig::new(Protocol::Lmtp, "mx.example"));
    assert!(session.delivered(&[DeliveryOutcome::Delivered]).is_empty());
    assert!(!session.awaiting_delivery());
    assert!(!session.is_closed());
}

#[test]
fn smtp_mixed_delivered_and_permanent_is_a_permanent_failure() {
    let (mut session, _) = delivering(Protocol::Smtp);
    let actions = session
        .delivered(&[DeliveryOutcome::Delivered, DeliveryOutcome::PermFail("no such user".into())]);
    assert_eq!(written(&actions), "554 5.3.0 no such user\r\n");
}

#[test]
fn greetings() {
    let lmtp = Session::new(ServerConfig::new(Protocol::Lmtp, "mx.example"));
    assert_eq!(lmtp.greeting(), b"220 mx.example LMTP server ready\r\n");
    let smtp = Session::new(ServerConfig::new(Protocol::Smtp, "mta.example"));
    assert_eq!(smtp.greeting(), b"220 mta.example ESMTP server ready\r\n");
}

fn timed(command: u64, data: u64, rate: Option<u64>) -> Session {
    use std::time::Duration;
    let mut config = ServerConfig::new(Protocol::Lmtp, "mx.example");
    config.command_timeout = Some(Duration::from_secs(command));
    config.data_timeout = Some(Duration::from_secs(data));
    config.min_data_rate = rate.map(|bytes_per_second| lmtp::DataRate {
        bytes_per_second,
        grace: Duration::from_secs(command),
    });
    Session::new(config)
}

#[test]
fn a_trickled_command_line_is_cut_at_its_deadline() {
    use std::time::{Duration, Instant};
    let t0 = Instant::now();
    let ms = Duration::from_millis;
    let mut session = timed(1, 60, None);
    assert_eq!(session.deadline(), None, "no deadline between commands");
    // One byte at a time, never silent, never finished.
    for (i, b) in b"NOOPNOOPNOOP".iter().enumerate() {
        assert!(session.feed_at(t0 + ms(80 * i as u64), &[*b]).is_empty());
    }
    assert_eq!(session.deadline(), Some(t0 + ms(1000)), "timed from the first byte");
    assert!(session.on_deadline(t0 + ms(999)).is_empty());
    let actions = session.on_deadline(t0 + ms(1000));
    assert_eq!(
        written(&actions),
        "421 4.4.2 Command not completed in time, closing connection\r\n"
    );
    assert_eq!(actions.last(), Some(&Action::Close));
    assert!(session.is_closed());
    assert!(session.feed_at(t0 + ms(1100), b"\r\n").is_empty());
}

#[test]
fn finished_lines_stop_the_clock() {
    use std::time::{Duration, Instant};
    let t0 = Instant::now();
    let mut session = timed(1, 60, None);
    session.feed_at(t0, b"NO");
    // The line ends 0.9 s later together with the start of the next one,
    // whose clock starts then.
    let later = t0 + Duration::from_millis(900);
    assert_eq!(written(&session.feed_at(later, b"OP\r\nRS")), "250 2.0.0 OK\r\n");
    assert_eq!(session.deadline(), Some(later + Duration::from_secs(1)));
    session.feed_at(later, b"ET\r\n");
    assert_eq!(session.deadline(), None);
}

#[test]
fn message_data_has_a_least_rate_and_a_whole_deadline() {
    use std::time::{Duration, Instant};
    let t0 = Instant::now();
    let s = Duration::from_secs;
    let begin = b"LHLO c\r\nMAIL FROM:<a@b.c>\r\nRCPT TO:<d@e.f>\r\nDATA\r\n";
    // Too slow: 1000 bytes buy one second at 1000 bytes/s after a 1 s grace.
    let mut slow = timed(1, 10, Some(1000));
    slow.feed_at(t0, begin);
    slow.feed_at(t0, &[b'x'; 1000]);
    assert_eq!(slow.deadline(), Some(t0 + s(2)));
    let actions = slow.on_deadline(t0 + s(2));
    assert_eq!(
        written(&actions),
        "421 4.4.2 Message data arriving too slowly, closing connection\r\n"
    );
    // The message cut short is dropped, never delivered.
    assert!(!actions.iter().any(|a| matches!(a, Action::Deliver(_))));
    assert_eq!(slow.buffered_bytes(), 0);
    // Fast enough, but not finished within the whole deadline.
    let mut long = timed(1, 3, Some(1000));
    long.feed_at(t0, begin);
    long.feed_at(t0 + s(1), &[b'x'; 100_000]);
    assert_eq!(long.deadline(), Some(t0 + s(3)));
    assert_eq!(
        written(&long.on_deadline(t0 + s(3))),
        "421 4.4.2 Message not completed in time, closing connection\r\n"
    );
    // Finished in time: delivered, and no deadline while it is.
    let mut ok = timed(1, 3, Some(1000));
    ok.feed_at(t0, begin);
    let actions = ok.feed_at(t0 + s(1), b"hi\r\n.\r\n");
    assert!(matches!(actions.last(), Some(Action::Deliver(_))));
    assert_eq!(ok.deadline(), None);
    assert!(ok.on_deadline(t0 + s(60)).is_empty());
}

#[test]
fn input_held_during_a_delivery_is_timed_from_the_next_input() {
    use std::time::{Duration, Instant};
    let t0 = Instant::now();
    let mut session = timed(1, 60, None);
    session.feed_at(t0, b"LHLO c\r\nMAIL FROM:<a@b.c>\r\nRCPT TO:<d@e.f>\r\nDATA\r\n");
    session.feed_at(t0, b"hi\r\n.\r\nNOO");
    assert!(session.awaiting_delivery());
    assert_eq!(session.deadline(), None, "the delivery is our time, not the client's");
    // The delivery took long; the held partial line is not charged for it.
    session.delivered(&[DeliveryOutcome::Delivered]);
    assert_eq!(session.deadline(), None);
    let later = t0 + Duration::from_secs(30);
    session.feed_at(later, b"P");
    assert_eq!(session.deadline(), Some(later + Duration::from_secs(1)));
}
