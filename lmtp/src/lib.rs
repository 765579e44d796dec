//! LMTP (RFC 2033) and SMTP for the imip-agent suite.
//!
//! Two halves, sharing [`Protocol`]:
//!
//! - [`Session`]: a server session as a state machine that performs no I/O.
//!   The caller feeds it the bytes read from a client and carries out the
//!   [`Action`]s it returns (write bytes, deliver a message, close).
//!   Command parsing and DATA dot-unstuffing come from `smtp-proto`.
//! - [`deliver`]: a blocking client that hands one message on to an LMTP or
//!   SMTP server over TCP or a Unix socket. This half performs I/O.

mod client;
mod protocol;
mod server;

pub use client::{Client, ClientConfig, ClientError, RecipientResult, Target, deliver};
pub use protocol::Protocol;
pub use server::{Action, DataRate, DeliveryOutcome, Envelope, ServerConfig, Session};
