//! imip_person: the agent for a person's incoming mail. Records calendar
//! data, answers free/busy and refresh requests when allowed, and delivers
//! the message to the person's mailbox.

use imip_agent::agent::AgentKind;
use std::process::ExitCode;

const ABOUT: &str = "Calendar agent for a person's incoming mail: records invitations, replies, cancellations and counter-proposals, answers free/busy requests when the person shares free/busy, and delivers the message (with a summary, per the 'incoming' preference) over LMTP (-l) or local SMTP (-L). Reads one message on standard input unless --lmtp-listen or --smtp-listen is given. Exit status: 0 done, 64 usage error, 75 temporary failure (the MTA retries).";

fn main() -> ExitCode {
    imip_agent::cli::run::main(AgentKind::Person, ABOUT)
}
