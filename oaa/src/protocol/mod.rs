//! The OAA 2.x message vocabulary: typed messages, parameters with
//! defaults, solvable declarations, addresses and handshake entries.
//!
//! Performs no I/O.

pub mod address;
pub mod handshake;
pub mod message;
pub mod params;
pub mod solvable;
pub mod templates;

pub use message::Msg;
pub use params::{SolveParams, Strategy};
pub use solvable::{ArgSpec, Solvable, SolvableKind};
