//! Property tests of the server session: arbitrary input in arbitrary
//! chunks never panics and stays within the memory bounds, and a valid
//! conversation gets the same answers however its bytes are split and
//! however late deliveries are answered. No I/O.

#![allow(clippy::unwrap_used)]

mod common;

use common::{Event, push_events};
use lmtp::{Action, DeliveryOutcome, Protocol, ServerConfig, Session};
use proptest::prelude::*;

const MAX_LINE: usize = 64;
const MAX_MESSAGE: usize = 200;

fn config(protocol: Protocol) -> ServerConfig {
    let mut config = ServerConfig::new(protocol, "mx.example");
    config.max_line_length = MAX_LINE;
    config.max_message_size = MAX_MESSAGE;
    config.max_recipients = 3;
    config
}

/// Most client bytes a session may hold: a partial line, a message at the
/// limit plus the receiver's look-ahead, and input held during a delivery.
fn memory_bound() -> usize {
    MAX_LINE + MAX_MESSAGE + 2 + 256 * 1024
}

/// Recipient i gets delivered / temp-failed / perm-failed in turn.
fn outcomes(count: usize) -> Vec<DeliveryOutcome> {
    (0..count)
        .map(|i| match i % 3 {
            0 => DeliveryOutcome::Delivered,
            1 => DeliveryOutcome::TempFail("4.2.2 full".into()),
            _ => DeliveryOutcome::PermFail("5.1.1 nope".into()),
        })
        .collect()
}

/// Records events; remembers how many recipients a requested delivery has.
fn absorb(actions: Vec<Action>, events: &mut Vec<Event>, owed: &mut Option<usize>) {
    for action in &actions {
        if let Action::Deliver(envelope) = action {
            assert!(owed.is_none(), "second delivery requested before the first was answered");
            *owed = Some(envelope.recipients.len());
        }
    }
    push_events(events, actions);
}

/// Feeds `input` in pieces of the sizes in `chunks` (cycled). Deliveries are
/// answered at once, or with `lazy` only after the next piece was fed.
fn drive(protocol: Protocol, input: &[u8], chunks: &[usize], lazy: bool) -> Vec<Event> {
    let mut session = Session::new(config(protocol));
    let mut events = Vec::new();
    push_events(&mut events, vec![Action::Write(session.greeting())]);
    let mut owed = None;
    let mut sizes = chunks.iter().copied().cycle();
    let mut rest = input;
    while !rest.is_empty() {
        let size = sizes.next().unwrap_or(1).clamp(1, rest.len());
        let (piece, tail) = rest.split_at(size);
        rest = tail;
        let answer_now = if lazy { owed.take() } else { None };
        let fed = session.feed(piece);
        if answer_now.is_some() {
            assert!(fed.is_empty(), "input answered while a delivery was pending");
        }
        absorb(fed, &mut events, &mut owed);
        if let Some(count) = answer_now {
            absorb(session.delivered(&outcomes(count)), &mut events, &mut owed);
        }
        while !lazy && let Some(count) = owed.take() {
            absorb(session.delivered(&outcomes(count)), &mut events, &mut owed);
        }
        assert!(session.buffered_bytes() <= memory_bound());
    }
    while let Some(count) = owed.take() {
        absorb(session.delivered(&outcomes(count)), &mut events, &mut owed);
    }
    events
}

/// A valid conversation touching most of the protocol, pipelined throughout.
fn conversation(protocol: Protocol) -> Vec<u8> {
    let hello = match protocol {
        Protocol::Lmtp => "LHLO client.example\r\n",
        Protocol::Smtp => "EHLO client.example\r\n",
    };
    let mut text = String::from(hello);
    text.push_str(
        "NOOP\r\n\
         MAIL FROM:<a@example.org> SIZE=100 BODY=8BITMIME\r\n\
         RCPT TO:<b@example.com>\r\nRCPT TO:<c@example.com>\r\nRCPT TO:<d@example.com>\r\n\
         RCPT TO:<e@example.com>\r\nDATA\r\n\
         ..stuffed first line\r\nSubject: x\r\n\r\nbody\r\n.\r\n\
         MAIL FROM:<> SIZE=999\r\nMAIL FROM:<>\r\nRCPT TO:<postmaster>\r\nRSET\r\n\
         MAIL FROM:<>\r\nRCPT TO:<f@example.com>\r\nDATA\r\n",
    );
    text.push_str(&"x".repeat(150));
    text.push_str("\r\n");
    text.push_str(&"y".repeat(150));
    text.push_str(
        "\r\n.\r\n\
         MAIL FROM:<g@example.org>\r\nRCPT TO:<h@example.com>\r\nDATA\r\n.\r\n",
    );
    text.push_str(&format!("NOOP {}\r\n", "z".repeat(100)));
    text.push_str("VRFY someone\r\nBOGUS\r\nQUIT\r\nNOOP\r\n");
    text.into_bytes()
}

fn protocol() -> impl Strategy<Value = Protocol> {
    prop_oneof![Just(Protocol::Lmtp), Just(Protocol::Smtp)]
}

/// Input that mixes protocol fragments with junk, to reach deep states.
fn input() -> impl Strategy<Value = Vec<u8>> {
    let fragment = prop_oneof![
        Just(b"LHLO a\r\n".to_vec()),
        Just(b"EHLO a\r\n".to_vec()),
        Just(b"MAIL FROM:<a@b.c>\r\n".to_vec()),
        Just(b"MAIL FROM:<> SIZE=100\r\n".to_vec()),
        Just(b"RCPT TO:<d@e.f>\r\n".to_vec()),
        Just(b"DATA\r\n".to_vec()),
        Just(b".\r\n".to_vec()),
        Just(b"\r\n".to_vec()),
        Just(b"..x\r\n".to_vec()),
        Just(b"RSET\r\n".to_vec()),
        Just(b"NOOP\r\n".to_vec()),
        Just(b"QUIT\r\n".to_vec()),
        Just(vec![b'x'; 100]),
        proptest::collection::vec(any::<u8>(), 0..24),
    ];
    proptest::collection::vec(fragment, 0..60).prop_map(|parts| parts.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_bytes_never_panic(
        protocol in protocol(),
        bytes in proptest::collection::vec(any::<u8>(), 0..2000),
        chunks in proptest::collection::vec(1usize..80, 1..20),
        lazy in any::<bool>(),
    ) {
        drive(protocol, &bytes, &chunks, lazy);
    }

    #[test]
    fn protocol_shaped_input_never_panics_and_ignores_chunking(
        protocol in protocol(),
        bytes in input(),
        chunks in proptest::collection::vec(1usize..80, 1..20),
        lazy in any::<bool>(),
    ) {
        let whole = drive(protocol, &bytes, &[usize::MAX], false);
        let chunked = drive(protocol, &bytes, &chunks, lazy);
        prop_assert_eq!(whole, chunked);
    }

    #[test]
    fn valid_conversation_ignores_chunking(
        protocol in protocol(),
        chunks in proptest::collection::vec(1usize..120, 1..30),
        lazy in any::<bool>(),
    ) {
        let input = conversation(protocol);
        let whole = drive(protocol, &input, &[usize::MAX], false);
        let chunked = drive(protocol, &input, &chunks, lazy);
        prop_assert_eq!(whole, chunked);
    }
}

/// Pins the reference run of the fixed conversation, so the chunking
/// property compares against known-good answers.
#[test]
fn valid_conversation_reference() {
    let events = drive(Protocol::Lmtp, &conversation(Protocol::Lmtp), &[usize::MAX], false);
    let lines: Vec<String> = events
        .iter()
        .map(|e| match e {
            Event::Line(l) => String::from_utf8_lossy(l).trim_end().to_string(),
            Event::Deliver(env) => format!("DELIVER {} {:?}", env.mail_from, env.recipients),
            Event::Close => "CLOSE".into(),
        })
        .collect();
    let expected = [
        "220 mx.example LMTP server ready",
        "250-mx.example",
        "250-SIZE 200",
        "250-PIPELINING",
        "250-ENHANCEDSTATUSCODES",
        "250 8BITMIME",
        "250 2.0.0 OK",
        "250 2.1.0 OK",
        "250 2.1.5 OK",
        "250 2.1.5 OK",
        "250 2.1.5 OK",
        "452 4.5.3 Too many recipients",
        "354 End data with <CR><LF>.<CR><LF>",
        "DELIVER a@example.org [\"b@example.com\", \"c@example.com\", \"d@example.com\"]",
        "250 2.1.5 <b@example.com> Delivered",
        "451 4.2.2 full",
        "550 5.1.1 nope",
        "552 5.3.4 Message size exceeds fixed maximum message size",
        "250 2.1.0 OK",
        "250 2.1.5 OK",
        "250 2.0.0 OK",
        "250 2.1.0 OK",
        "250 2.1.5 OK",
        "354 End data with <CR><LF>.<CR><LF>",
        "552 5.3.4 Message too big for system",
        "250 2.1.0 OK",
        "250 2.1.5 OK",
        "354 End data with <CR><LF>.<CR><LF>",
        "DELIVER g@example.org [\"h@example.com\"]",
        "250 2.1.5 <h@example.com> Delivered",
        "500 5.5.2 Line too long",
        "252 2.5.0 Cannot VRFY user, but will accept message and attempt delivery",
        "500 5.5.1 Unknown command",
        "221 2.0.0 Bye",
        "CLOSE",
    ];
    assert_eq!(lines, expected);
    let Event::Deliver(first) = &events[13] else { panic!("no delivery at 13") };
    assert_eq!(first.data, b".stuffed first line\r\nSubject: x\r\n\r\nbody\r\n");
}
