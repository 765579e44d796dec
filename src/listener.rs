//! LMTP and SMTP listener mode (issue 6): placeholder until the listener lands.

use crate::agent::AgentKind;
use crate::cli::args::AgentArgs;
use std::process::ExitCode;

/// Serves LMTP/SMTP for an agent.
pub fn main(kind: AgentKind, _args: &AgentArgs) -> ExitCode {
    eprintln!("{}: listener mode is not available in this build", kind.program());
    ExitCode::from(crate::cli::exit::USAGE)
}
