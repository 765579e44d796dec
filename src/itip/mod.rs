//! The pure iTIP rules shared by all agents (imip-agent 3.1): who a message
//! is from and whether that is acceptable, whether an object is newer than
//! the stored one, and building the objects the agents send. No I/O, no
//! clock: "now" is passed in.

pub mod identity;
pub mod newness;
pub mod reply;

pub use identity::{
    IdentityError, check_from_organizer, check_sent_by_continuity, check_to_organizer,
    organiser_change_allowed,
};
pub use newness::{Newness, newness};
pub use reply::{attendee_reply, refresh_request};
