//! The person's own copy of a message (imip-agent 1.4, with the quirk that
//! swallowed messages fixed): unhandled mail goes through unchanged; handled
//! mail is presented per the `incoming` preference when there are
//! notifications, and delivered unchanged when there are none. Pure.

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

/// The message delivered unchanged.
pub fn unchanged(raw: &[u8], msg: &InboundMessage, to: &CalAddress, label: &str) -> OutboxMessage {
    deliver(raw, msg, to, label, raw.to_vec())
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
    let summary = |wrapped: Option<&[u8]>| {
        deliver(
            raw,
            msg,
            to,
            "Forwarded parts",
            c.summary_message(&msg.raw_headers, rcpt, texts, wrapped),
        )
    };
    let original = || unchanged(raw, msg, to, "Forwarded parts");
    match mode {
        Incoming::SummaryWrapsMessage => vec![summary(Some(raw))],
        Incoming::SummaryThenMessage => vec![summary(None), original()],
        Incoming::MessageThenSummary => vec![original(), summary(None)],
        Incoming::SummaryOnly => vec![summary(None)],
        Incoming::MessageOnly => vec![original()],
    }
}
