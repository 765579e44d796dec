//! What a [`Session`](super::Session) asks its caller to do, and what the
//! caller reports back about a delivery. Plain data, no I/O.

/// One step the caller must carry out, in the order returned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Send these bytes to the client.
    Write(Vec<u8>),
    /// A message was received completely: deliver it, then report the
    /// outcome with [`Session::delivered`](super::Session::delivered).
    /// The session answers no further input until then.
    Deliver(Envelope),
    /// Close the connection (after performing the preceding writes).
    Close,
}

/// A received message and its envelope.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Envelope {
    /// Reverse path from `MAIL FROM`, without angle brackets; `""` for the null path `<>`.
    pub mail_from: String,
    /// Forward paths from the accepted `RCPT TO` commands, in order, without angle brackets.
    pub recipients: Vec<String>,
    /// The message as received, dot-unstuffed, without the terminating `.\r\n`.
    pub data: Vec<u8>,
}

/// The result of delivering a message to one recipient.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeliveryOutcome {
    /// Delivered; the client may forget about this recipient.
    Delivered,
    /// Not delivered, try again later. The text is shown to the client; it may
    /// start with an enhanced status code of class 4 (e.g. `"4.2.2 Mailbox full"`).
    TempFail(String),
    /// Not delivered, never will be. The text is shown to the client; it may
    /// start with an enhanced status code of class 5 (e.g. `"5.1.1 No such user"`).
    PermFail(String),
}
