//! Logic shared by the facilitator and agents: goal decomposition, local
//! evaluation of built-in tests and rules, data stores and triggers.
//!
//! Performs no I/O.

pub mod data;
pub mod eval;
pub mod goal;
pub mod trigger;
