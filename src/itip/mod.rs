//! The iTIP engine (RFC 5546), pure: for one scheduling object and a
//! read-only [`ScheduleView`] of what the users hold, the functions of
//! [`engine`] return a [`Plan`] — store operations, calendar parts for other
//! parties, what to tell the user, the decision record and log lines — and
//! do no I/O. The applier (`agent`) runs a plan inside one store
//! transaction.
//!
//! - [`admission`]: the one gate every method and role goes through, with
//!   typed reasons for not acting ([`Refusal`]);
//! - [`identity`]: who sent an object and may they;
//! - [`version`], [`series`], [`answers`]: ordering by SEQUENCE and
//!   DTSTAMP so that the result does not depend on the order of arrival;
//! - [`reply`]: building the objects agents send;
//! - [`plan`], [`view`]: what the engine returns and reads.

pub mod actions;
pub mod admission;
pub mod answers;
pub mod engine;
pub mod identity;
pub mod plan;
pub mod reply;
pub mod series;
pub mod version;
pub mod view;

pub use admission::{Reason, Refusal};
pub use identity::{
    IdentityError, check_from_organizer, check_sent_by_continuity, check_to_organizer,
    organiser_change_allowed,
};
pub use plan::{Notice, Op, OutPart, Plan};
pub use reply::{attendee_reply, refresh_request};
pub use series::MessageScope;
pub use version::{Newness, Version, newness};
pub use view::{Context, Limits, ScheduleView, Stored};
