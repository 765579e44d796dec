//! The facilitator: a pure state machine ([`Core`]) that keeps the registry,
//! delegates requests, holds blackboard data and triggers, plus a tokio TCP
//! server ([`server`]) that feeds it.
//!
//! Only [`server`] and its connection tasks perform I/O.

pub mod builtins;
mod conn;
pub mod core;
pub mod inbox;
pub mod metrics;
pub mod outbound;
pub mod registry;
pub mod server;
pub mod solve;
pub mod timers;
pub mod update;

pub use core::{Core, CoreConfig, Input, Output};
pub use registry::ConnId;
pub use server::{Facilitator, FacilitatorConfig, ServerError};
