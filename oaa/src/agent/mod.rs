//! The agent library: connect to a facilitator, declare solvables, answer
//! requests through a [`Handler`], solve, and keep data and triggers.
//!
//! Performs I/O (tokio TCP). [`Agent`] is async; [`BlockingAgent`] wraps it
//! for command-line programs.

pub mod blocking;
mod budget;
pub mod client;
pub mod config;
mod conn;
pub mod handler;
mod local;

pub use crate::logic::trigger::TriggerKind;
pub use blocking::BlockingAgent;
pub use client::{Agent, Solutions, UpdateReply};
pub use config::{AgentConfig, AgentError};
pub use handler::{Handler, Request, Router};
pub use local::LocalData;
