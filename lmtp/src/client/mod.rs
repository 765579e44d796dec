//! Blocking LMTP/SMTP client for handing a message on to a mailbox server or
//! a local MTA. Performs network I/O (TCP and Unix sockets), except for the
//! pure helpers in `encode` and `target` parsing.

mod config;
mod connection;
mod encode;
mod error;
mod target;
mod transaction;

pub use config::ClientConfig;
pub use error::ClientError;
pub use target::Target;
pub use transaction::{Client, RecipientResult, deliver};
