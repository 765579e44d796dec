//! The agents' flags, imip-agent-compatible (`-o -s -l -L -T -S -P -p -j -d`)
//! with long forms. No I/O.

use clap::Parser;
use std::path::PathBuf;

/// Flags shared by imip_person, imip_person_outgoing and imip_resource.
#[derive(Debug, Clone, Parser)]
#[command(version, disable_help_subcommand = true)]
pub struct AgentArgs {
    /// Recipients to process the message for (normally the envelope
    /// recipient from the MTA); several may follow one -o. Without -o, the
    /// To and Cc addresses of the message are used.
    #[arg(short = 'o', long = "recipient", value_name = "ADDRESS", num_args = 1.., action = clap::ArgAction::Append)]
    pub recipients: Vec<String>,

    /// The address the agent sends as (From of generated mail and SENT-BY);
    /// default: message_sender from the configuration.
    #[arg(short = 's', long = "sender", value_name = "ADDRESS")]
    pub sender: Option<String>,

    /// The envelope sender as the MTA knows it (Postfix: `-f ${sender}`,
    /// Exim: `-f $sender_address`). Used as the message's sender when it
    /// has no From or Reply-To header; otherwise the Return-Path header is.
    #[arg(short = 'f', long = "envelope-sender", value_name = "ADDRESS")]
    pub envelope_sender: Option<String>,

    /// Deliver the user's copy over LMTP to this Unix socket path or
    /// host:port (e.g. Dovecot's or Cyrus's LMTP service).
    #[arg(short = 'l', long = "lmtp", value_name = "SOCKET")]
    pub lmtp: Option<String>,

    /// Deliver the user's copy over SMTP to the local MTA, addressed to
    /// local+user@domain (see local_prefix).
    #[arg(short = 'L', long = "local-smtp")]
    pub local_smtp: bool,

    /// Store type: sqlite (the default; "file" is accepted as an alias).
    #[arg(short = 'T', long = "store-type", value_name = "TYPE")]
    pub store_type: Option<String>,

    /// The store: for SQLite, the database file (created on first use).
    #[arg(short = 'S', long = "store", value_name = "STORE")]
    pub store: Option<PathBuf>,

    /// Directory for published free/busy files.
    #[arg(short = 'P', long = "publish-dir", value_name = "DIR")]
    pub publish_dir: Option<PathBuf>,

    /// Read preferences from imip-agent's one-file-per-setting directory
    /// (DIR/<user-uri>/<name>) instead of the store.
    #[arg(short = 'p', long = "preferences-dir", value_name = "DIR")]
    pub preferences_dir: Option<PathBuf>,

    /// Quota journal location. Quotas are kept in the main store so that a
    /// booking and its quota charge commit together; a different value is
    /// reported and otherwise ignored.
    #[arg(short = 'j', long = "journal", value_name = "JOURNAL")]
    pub journal: Option<String>,

    /// Debug: print every outgoing and delivered message to standard output
    /// as an mbox instead of sending it, with a label per message on
    /// standard error.
    #[arg(short = 'd', long = "debug")]
    pub debug: bool,

    /// Write outgoing messages as files into this directory instead of
    /// sending them (one .eml file per message).
    #[arg(long = "outbox", value_name = "DIR")]
    pub outbox: Option<PathBuf>,

    /// Configuration file (default: $IMIP_AGENT_CONFIG, ./imip-agent.toml,
    /// /etc/imip-agent/config.toml, in that order).
    #[arg(short = 'c', long = "config", value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Accepted for compatibility with imip-agent (re-raise errors); has no effect.
    #[arg(short = 'v', hide = true)]
    pub verbose: bool,

    /// Serve LMTP on this address (host:port or a Unix socket path) instead
    /// of reading one message from standard input.
    #[arg(long = "lmtp-listen", value_name = "ADDRESS")]
    pub lmtp_listen: Option<String>,

    /// Serve SMTP (an after-queue content filter) on this address.
    #[arg(long = "smtp-listen", value_name = "ADDRESS")]
    pub smtp_listen: Option<String>,

    /// Worker threads for the listener.
    #[arg(long = "workers", value_name = "N", default_value_t = 4)]
    pub workers: usize,
}
