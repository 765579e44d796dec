//! Fuzz target: feeds arbitrary bytes to an LMTP/SMTP server `Session` in
//! chunks whose sizes derive from the input, answering every delivery with
//! fixed outcomes. The session must never panic and must keep its buffered
//! input within its limits. No I/O.

#![no_main]

use libfuzzer_sys::fuzz_target;
use lmtp::{Action, DeliveryOutcome, Protocol, ServerConfig, Session};

/// Small limits so the fuzzer reaches the limit paths quickly.
const MAX_LINE: usize = 128;
const MAX_MESSAGE: usize = 1024;

fn outcomes(count: usize) -> Vec<DeliveryOutcome> {
    (0..count)
        .map(|i| match i % 3 {
            0 => DeliveryOutcome::Delivered,
            1 => DeliveryOutcome::TempFail("4.2.2 Mailbox full".into()),
            _ => DeliveryOutcome::PermFail("5.1.1 No such user".into()),
        })
        .collect()
}

/// Answers deliveries until the session asks for nothing more.
fn settle(session: &mut Session, mut actions: Vec<Action>) {
    while let Some(Action::Deliver(envelope)) =
        actions.iter().find(|a| matches!(a, Action::Deliver(_))).cloned()
    {
        assert!(envelope.data.len() <= MAX_MESSAGE);
        actions = session.delivered(&outcomes(envelope.recipients.len()));
    }
}

fuzz_target!(|data: &[u8]| {
    // First byte: protocol, whether to answer deliveries late, chunk seed.
    let Some((&control, input)) = data.split_first() else {
        return;
    };
    let protocol = if control & 1 == 0 { Protocol::Lmtp } else { Protocol::Smtp };
    let lazy = control & 2 != 0;
    let mut config = ServerConfig::new(protocol, "fuzz.example");
    config.max_line_length = MAX_LINE;
    config.max_message_size = MAX_MESSAGE;
    config.max_recipients = 4;
    let bound = MAX_LINE + MAX_MESSAGE + 2 + 256 * 1024;

    let mut session = Session::new(config);
    let _ = session.greeting();
    let mut seed = u32::from(control >> 2) | 1;
    let mut owed: Option<Vec<Action>> = None;
    let mut rest = input;
    while !rest.is_empty() && !session.is_closed() {
        // xorshift: chunk sizes vary from 1 to 64 bytes, reproducibly.
        seed ^= seed << 13;
        seed ^= seed >> 17;
        seed ^= seed << 5;
        let size = (seed as usize % 64 + 1).min(rest.len());
        let (piece, tail) = rest.split_at(size);
        rest = tail;
        let actions = session.feed(piece);
        if let Some(pending) = owed.take() {
            settle(&mut session, pending);
        }
        if lazy && session.awaiting_delivery() {
            owed = Some(actions);
        } else {
            settle(&mut session, actions);
        }
        assert!(session.buffered_bytes() <= bound);
    }
    if let Some(pending) = owed.take() {
        settle(&mut session, pending);
    }
});
