//! The command line shared by the agent programs: flags, the pipe-mode run
//! and exit statuses. `run` performs I/O (standard input and output, the
//! store, transports); the flag definitions do not.

pub mod args;
pub mod exit;
pub mod run;
pub mod send;
pub mod setup;
