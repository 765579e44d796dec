//! Helpers shared by the integration tests: turning a session's actions into
//! a flat list of events (server lines, deliveries, close) that does not
//! depend on how writes were grouped. No I/O.

#![allow(dead_code)]

use lmtp::{Action, Envelope};

/// One observable thing the server did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// One line the server wrote, CRLF included (a trailing partial line is
    /// kept as is).
    Line(Vec<u8>),
    /// The server asked for a delivery.
    Deliver(Envelope),
    /// The server asked to close the connection.
    Close,
}

/// Splits written bytes into lines after each LF.
pub fn lines(bytes: &[u8]) -> Vec<Vec<u8>> {
    bytes.split_inclusive(|&b| b == b'\n').map(<[u8]>::to_vec).collect()
}

/// Appends the events for `actions`.
pub fn push_events(events: &mut Vec<Event>, actions: Vec<Action>) {
    for action in actions {
        match action {
            Action::Write(bytes) => events.extend(lines(&bytes).into_iter().map(Event::Line)),
            Action::Deliver(envelope) => events.push(Event::Deliver(envelope)),
            Action::Close => events.push(Event::Close),
        }
    }
}

/// Renders bytes readably for failure messages.
pub fn show(bytes: &[u8]) -> String {
    bytes.escape_ascii().to_string()
}
