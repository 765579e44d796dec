//! The mail side: reading calendar parts out of incoming messages and
//! composing outgoing ones. Pure over bytes: no I/O (sending and delivering
//! are in `transport`).

pub mod arrival;
pub mod auth;
pub mod compose;
pub mod extract;
pub mod items;

pub use arrival::Arrival;
pub use extract::{CalendarMimePart, InboundMessage, MailLimits};
pub use items::{ItipItem, extract_items, extract_items_within};
