//! The protocol flavour spoken by a server session or a client. No I/O.

/// Which of the two closely related protocols a session or client speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Protocol {
    /// LMTP (RFC 2033): greeting with `LHLO`, one reply per recipient after DATA.
    Lmtp,
    /// ESMTP (RFC 5321): greeting with `EHLO`/`HELO`, one reply per message.
    Smtp,
}

impl Protocol {
    /// Name used in greetings and log messages.
    pub fn name(self) -> &'static str {
        match self {
            Protocol::Lmtp => "LMTP",
            Protocol::Smtp => "ESMTP",
        }
    }
}
