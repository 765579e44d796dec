//! Sans-I/O LMTP/SMTP server: the session state machine and its parts.
//! Nothing in this module performs I/O.

mod action;
mod body;
mod config;
mod deadline;
mod line;
mod outbox;
mod reply;
mod session;

pub use action::{Action, DeliveryOutcome, Envelope};
pub use config::ServerConfig;
pub use deadline::DataRate;
pub use session::Session;
