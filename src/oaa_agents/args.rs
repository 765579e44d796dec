//! The flags of `imip_admin serve-agent`. No I/O.

use super::booking::MailPolicy;
use clap::{Args, ValueEnum};
use std::path::PathBuf;

/// Which messages bookings made through the facilitator send.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SendMail {
    /// None: the decision is only the OAA answer and the store's records.
    None,
    /// Everything except the reply to the organiser (approval requests to
    /// owners, requests to delegates).
    Others,
    /// Everything, including the organiser's reply.
    All,
}

impl From<SendMail> for MailPolicy {
    fn from(s: SendMail) -> MailPolicy {
        match s {
            SendMail::None => MailPolicy::None,
            SendMail::Others => MailPolicy::Others,
            SendMail::All => MailPolicy::All,
        }
    }
}

/// Serve the store's calendars to an OAA facilitator as solvables
/// (docs/oaa-calendar.md).
#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// The facilitator (host:port).
    #[arg(
        long,
        short = 'f',
        value_name = "ADDR",
        env = "IMIP_FACILITATOR",
        default_value = "127.0.0.1:3378"
    )]
    pub facilitator: String,

    /// Shared secret of the facilitator. Prefer --secret-file or
    /// IMIP_FACILITATOR_SECRET: command lines are visible to other users.
    #[arg(long, value_name = "SECRET", env = "IMIP_FACILITATOR_SECRET", hide_env_values = true)]
    pub secret: Option<String>,

    /// Read the shared secret from this file.
    #[arg(long, value_name = "PATH", conflicts_with = "secret")]
    pub secret_file: Option<PathBuf>,

    /// Serve only this user (repeatable); the user must be in the store
    /// (imip_admin user add). Default: every user of the store. Run one
    /// agent per resource so that petitions (book_any) go to the resources
    /// in utility order.
    #[arg(long = "user", short = 'u', value_name = "ADDRESS")]
    pub users: Vec<String>,

    /// Rank among agents offering the same solvables (0-10): petitions and
    /// strategy(action) requests try higher first.
    #[arg(long, value_name = "N", default_value_t = 5, value_parser = clap::value_parser!(i64).range(0..=10))]
    pub utility: i64,

    /// Agent name to connect as.
    #[arg(long, value_name = "NAME", default_value = "imip_calendar")]
    pub name: String,

    /// Messages that bookings send through the outgoing transport.
    #[arg(long = "send-mail", value_enum, default_value_t = SendMail::Others)]
    pub send_mail: SendMail,

    /// Accept book and book_any only from an agent whose name is the
    /// organiser's address.
    #[arg(long = "verify-organizer")]
    pub verify_organizer: bool,

    /// How often to look for free/busy changes made by other processes, in
    /// milliseconds.
    #[arg(long = "poll-ms", value_name = "MS", default_value_t = 500, value_parser = clap::value_parser!(u64).range(10..))]
    pub poll_ms: u64,

    /// Store connections for reads.
    #[arg(long, value_name = "N", default_value_t = 4, value_parser = clap::value_parser!(u64).range(1..=64))]
    pub readers: u64,

    /// Log filter when RUST_LOG is not set (error, warn, info, debug).
    #[arg(long, value_name = "LEVEL", default_value = "info")]
    pub log: String,
}
