//! imip_person_outgoing: records what a person sends so that their own
//! schedule stays right. Never replies and never delivers.

use imip_agent::agent::AgentKind;
use std::process::ExitCode;

const ABOUT: &str = "Calendar agent for a person's outgoing mail (a copy routed by the MTA): records the person's own invitations, replies, counter-proposals and cancellations so that their schedule and free/busy stay right. Never replies and never delivers. Reads one message on standard input unless --lmtp-listen or --smtp-listen is given. Exit status: 0 done, 64 usage error, 75 temporary failure (the MTA retries).";

fn main() -> ExitCode {
    imip_agent::cli::run::main(AgentKind::Outgoing, ABOUT)
}
