//! The administration tool's commands (`imip_admin`): users, preferences,
//! events, free/busy, run records and periodic jobs. Performs I/O (the
//! store, standard output).

mod commands;
mod output;
mod policy_cmds;
mod scheduling_cmds;

pub use commands::{AdminArgs, main};
