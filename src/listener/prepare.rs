//! The CPU work done for a received message before it reaches the store:
//! parsing it, extracting its iTIP items and reading its envelope
//! recipients, exactly as the pipe runner does for standard input. Runs on
//! the bounded worker pool so that the writer thread only does store work.
//! No I/O.

use crate::address::CalAddress;
use crate::agent::handle::message_key;
use crate::config::Config;
use crate::mail::items::{ItemsOutcome, extract_items_within};
use crate::mail::{Arrival, InboundMessage};
use crate::runtime::mail_limits;
use std::time::Instant;

/// A message ready for processing.
#[derive(Debug)]
pub struct Prepared {
    /// The bytes as received (CRLF, dot-unstuffed).
    pub raw: Vec<u8>,
    /// Its parsed form.
    pub msg: InboundMessage,
    /// Its iTIP content.
    pub items: ItemsOutcome,
    /// The idempotence key of the bytes.
    pub key: String,
    /// The envelope sender.
    pub mail_from: String,
    /// The envelope recipients as given, in RCPT order.
    pub rcpt: Vec<String>,
    /// Each recipient as a calendar address; `None` when it is not one.
    pub recipients: Vec<Option<CalAddress>>,
    /// When the message was fully received.
    pub received_at: Instant,
}

/// Parses an envelope's message, which reached us by way of `arrival`
/// (weighed by sender authentication).
pub fn prepare(
    cfg: &Config,
    arrival: Arrival,
    mail_from: String,
    rcpt: Vec<String>,
    raw: Vec<u8>,
    received_at: Instant,
) -> Prepared {
    let mut msg = InboundMessage::parse(&raw, &mail_limits(cfg));
    msg.set_envelope_sender(&mail_from);
    msg.arrival = arrival;
    let items = extract_items_within(&msg, cfg.counter_as_request, cfg.limits.budget());
    let key = message_key(&raw);
    // The same reading of an address as the pipe runner's -o values.
    let recipients =
        rcpt.iter().map(|r| CalAddress::from_email(r).or_else(|| CalAddress::parse(r))).collect();
    Prepared { raw, msg, items, key, mail_from, rcpt, recipients, received_at }
}
