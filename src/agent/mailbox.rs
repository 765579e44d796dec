//! The person's own copy of a message (imip-agent 1.4, with the quirk that
//! swallowed messages fixed): unhandled mail goes through unchanged; handled
//! mail is presented per the `incoming` preference when there are
//! notifications, and delivered unchanged when there are none.
//!
//! Copies that contain the message itself are **deferred**: the outbox
//! (and the store's marker) holds a small recipe — "the original", or "the
//! summary wrapping the original" with its texts — and [`materialise`]
//! makes the bytes when the copy is delivered, from the message as it came
//! (a retry brings the same bytes: the marker is keyed by them). So a
//! large message to a hundred recipients is held once, not a hundred
//! times, in memory and in the store (issue 12). Pure.

use super::Env;
use crate::address::CalAddress;
use crate::config::prefs::Incoming;
use crate::mail::InboundMessage;
use crate::store::OutboxMessage;

/// The envelope sender for the mailbox copy: Return-Path, else the first
/// From address, else the null path.
fn envelope_from(raw: &[u8], msg: &InboundMessage) -> String {
    let head_end = raw
        .windows(2)
        .position(|w| w == b"\n\n")
        .or_else(|| raw.windows(4).position(|w| w == b"\r\n\r\n"))
        .unwrap_or(raw.len());
    let head = String::from_utf8_lossy(&raw[..head_end]);
    for line in head.lines() {
        if let Some(v) =
            line.strip_prefix("Return-Path:").or_else(|| line.strip_prefix("Return-path:"))
        {
            let v = v.trim().trim_matches(['<', '>']);
            return v.to_string();
        }
    }
    msg.from.first().and_then(|a| a.email()).map(str::to_string).unwrap_or_default()
}

fn deliver(
    raw: &[u8],
    msg: &InboundMessage,
    to: &CalAddress,
    label: &str,
    bytes: Vec<u8>,
) -> OutboxMessage {
    OutboxMessage {
        kind: "deliver".into(),
        from: envelope_from(raw, msg),
        to: vec![to.email().unwrap_or(to.as_str()).to_string()],
        label: label.into(),
        bytes,
    }
}

/// Outbox kind of a deferred copy: the message as it came.
pub const ORIGINAL: &str = "deliver-original";
/// Outbox kind of a deferred copy: the summary wrapping the message; the
/// bytes hold a [`Wrapping`] (JSON).
pub const WRAPPED: &str = "deliver-wrapped";

/// What a deferred summary needs besides the message: its texts and the
/// headers it repeats (a few hundred bytes, not the message).
#[derive(serde::Serialize, serde::Deserialize)]
struct Wrapping {
    texts: Vec<String>,
    headers: Vec<(String, String)>,
}

/// Whether an outbox entry is a deferred mailbox copy.
pub fn is_deferred(m: &OutboxMessage) -> bool {
    m.kind == ORIGINAL || m.kind == WRAPPED
}

/// The message delivered unchanged (deferred: made when delivered).
pub fn unchanged(raw: &[u8], msg: &InboundMessage, to: &CalAddress, label: &str) -> OutboxMessage {
    OutboxMessage { kind: ORIGINAL.into(), ..deliver(raw, msg, to, label, Vec::new()) }
}

/// The deliverable copy for an outbox entry: deferred copies are made from
/// `raw` (the message as it came), others are returned as they are.
pub fn materialise(env: &Env<'_>, raw: &[u8], m: &OutboxMessage) -> OutboxMessage {
    let bytes = match m.kind.as_str() {
        ORIGINAL => raw.to_vec(),
        WRAPPED => {
            let w: Wrapping = serde_json::from_slice(&m.bytes)
                .unwrap_or(Wrapping { texts: Vec::new(), headers: Vec::new() });
            let sender = env.sender_email();
            let rcpt = m.to.first().map(String::as_str).unwrap_or_default();
            env.composer(&sender).summary_message(&w.headers, rcpt, &w.texts, Some(raw))
        }
        _ => return m.clone(),
    };
    OutboxMessage { kind: "deliver".into(), bytes, ..m.clone() }
}

/// The mailbox copies for a handled message with notification texts.
pub fn presented(
    env: &Env<'_>,
    raw: &[u8],
    msg: &InboundMessage,
    to: &CalAddress,
    mode: Incoming,
    texts: &[String],
) -> Vec<OutboxMessage> {
    if texts.is_empty() {
        return vec![unchanged(raw, msg, to, "Forwarded parts")];
    }
    let sender = env.sender_email();
    let c = env.composer(&sender);
    let rcpt = to.email().unwrap_or(to.as_str());
    let summary = || {
        deliver(
            raw,
            msg,
            to,
            "Forwarded parts",
            c.summary_message(&msg.raw_headers, rcpt, texts, None),
        )
    };
    let original = || unchanged(raw, msg, to, "Forwarded parts");
    let wrapped = || OutboxMessage {
        kind: WRAPPED.into(),
        ..deliver(
            raw,
            msg,
            to,
            "Forwarded parts",
            serde_json::to_vec(&Wrapping {
                texts: texts.to_vec(),
                headers: msg.raw_headers.clone(),
            })
            .unwrap_or_default(),
        )
    };
    match mode {
        Incoming::SummaryWrapsMessage => vec![wrapped()],
        Incoming::SummaryThenMessage => vec![summary(), original()],
        Incoming::MessageThenSummary => vec![original(), summary()],
        Incoming::SummaryOnly => vec![summary()],
        Incoming::MessageOnly => vec![original()],
    }
}
