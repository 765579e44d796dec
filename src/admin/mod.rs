//! The administration tool's commands (`imip_admin`): users, preferences,
//! events, free/busy, run records and periodic jobs. Performs I/O (the
//! store, standard output).

mod check;
mod commands;
mod config_show;
mod output;
mod policy_cmds;
mod scheduling_cmds;
mod suggest;

pub use commands::{AdminArgs, main};
