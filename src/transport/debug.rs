//! `-d`: every message the agent would send or deliver is printed to
//! standard output as an mbox (mboxrd quoting of `From ` lines) so that a
//! script can split them, with a label per message on standard error
//! (`Outgoing parts for paul@example.com...`). Performs I/O on stdout/stderr.

use super::{SendResult, Sender};
use crate::error::InfraError;
use crate::store::OutboxMessage;
use chrono::{DateTime, Utc};
use std::io::Write;

/// Prints messages as an mbox.
#[derive(Debug)]
pub struct MboxStdout {
    /// The date on the `From ` separator lines (the agent's clock).
    pub at: DateTime<Utc>,
}

/// Formats one message as an mbox entry (mboxrd), dated `at` in the
/// separator line's asctime form.
pub fn mbox_entry(msg: &OutboxMessage, at: &DateTime<Utc>) -> Vec<u8> {
    let from = if msg.from.is_empty() { "MAILER-DAEMON" } else { &msg.from };
    let mut out = format!("From {from} {}\n", at.format("%a %b %e %H:%M:%S %Y")).into_bytes();
    let text = msg.bytes.split(|b| *b == b'\n');
    for line in text {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let stripped: Vec<u8> = line.iter().skip_while(|b| **b == b'>').copied().collect();
        if stripped.starts_with(b"From ") {
            out.push(b'>');
        }
        out.extend_from_slice(line);
        out.push(b'\n');
    }
    while out.ends_with(b"\n\n") {
        out.pop();
    }
    out.push(b'\n');
    out
}

impl Sender for MboxStdout {
    fn send(&mut self, msg: &OutboxMessage) -> SendResult {
        eprintln!("{} for {}...", msg.label, msg.to.join(", "));
        let mut out = std::io::stdout().lock();
        out.write_all(&mbox_entry(msg, &self.at))
            .and_then(|_| out.flush())
            .map_err(|e| InfraError::io("writing to standard output", e).into())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn from_lines_are_quoted() {
        let m = OutboxMessage {
            kind: "send".into(),
            from: "a@x".into(),
            to: vec!["b@x".into()],
            label: "l".into(),
            bytes: b"Subject: x\r\n\r\nFrom here\r\n>From there\r\n".to_vec(),
        };
        let at = DateTime::parse_from_rfc3339("2027-03-01T09:05:00Z").unwrap().to_utc();
        let e = String::from_utf8(mbox_entry(&m, &at)).unwrap_or_default();
        assert!(e.starts_with("From a@x Mon Mar  1 09:05:00 2027\n"), "{e}");
        assert!(e.contains("\n>From here\n"));
        assert!(e.contains("\n>>From there\n"));
        assert!(e.ends_with("\n\n"));
    }
}
