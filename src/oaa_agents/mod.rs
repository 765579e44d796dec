//! Calendar agents on an OAA facilitator (issue 7, docs/oaa-calendar.md):
//! `imip_admin serve-agent` publishes the people and resources of a store
//! as solvables — free/busy, events, availability, suggested slots,
//! preferences, bookings through the resource policy, petitions to any
//! matching resource — and a `changed(User, Stamp)` data solvable that
//! subscribers watch with data triggers.
//!
//! Pure parts: [`convert`] (argument conventions), [`declare`] (the
//! declarations), [`directory`], [`slots`]. The rest performs I/O: the
//! store ([`backend`], [`calendar`], [`booking`], [`changes`],
//! [`fbcache`]), the
//! facilitator ([`access`], [`serve`]).

pub mod access;
pub mod args;
pub mod backend;
pub mod booking;
pub mod calendar;
pub mod changes;
pub mod convert;
pub mod declare;
pub mod directory;
pub mod fbcache;
pub mod handlers;
pub mod router;
pub mod serve;
pub mod service;
pub mod slots;

pub use args::ServeArgs;
pub use serve::{ServeError, serve};
