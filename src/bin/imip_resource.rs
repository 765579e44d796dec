//! imip_resource: the agent for rooms and equipment. Reads one message on
//! standard input (or serves LMTP/SMTP), decides on bookings by policy and
//! replies by mail.

use imip_agent::agent::AgentKind;
use std::process::ExitCode;

const ABOUT: &str = "Calendar agent for a resource (room, equipment): decides on invitations by policy and replies ACCEPTED, DECLINED, COUNTER or DELEGATED by mail. Reads one message on standard input, as an MTA pipe transport, unless --lmtp-listen or --smtp-listen is given. Exit status: 0 done, 64 usage error, 75 temporary failure (the MTA retries).";

fn main() -> ExitCode {
    imip_agent::cli::run::main(AgentKind::Resource, ABOUT)
}
